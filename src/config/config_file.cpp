#include "config/config_file.hpp"

#include "config/option_value.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"

#include <fmt/core.h>
#include <toml++/toml.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <span>
#include <utility>

namespace shelltrail::config {
namespace {

using util::ErrorKind;

// A config file is a few dozen lines; anything much larger is not one, and is refused before
// it is read into memory.
constexpr std::uint64_t k_max_file_bytes = std::uint64_t{1024} * 1024;

std::string where(std::string_view file, const toml::source_region& region)
{
  return fmt::format("{}:{}:{}", file, region.begin.line, region.begin.column);
}

std::string_view describe_type(toml::node_type type)
{
  switch (type) {
  case toml::node_type::none:
    return "nothing";
  case toml::node_type::table:
    return "a table";
  case toml::node_type::array:
    return "an array";
  case toml::node_type::string:
    return "a string";
  case toml::node_type::integer:
    return "an integer";
  case toml::node_type::floating_point:
    return "a floating-point number";
  case toml::node_type::boolean:
    return "a boolean";
  case toml::node_type::date:
    return "a date";
  case toml::node_type::time:
    return "a time";
  case toml::node_type::date_time:
    return "a date-time";
  }
  return "an unknown type";
}

std::string describe_expected(const OptionSpec& option)
{
  switch (option.type) {
  case ValueType::boolean:
    return "true or false (without quotes)";
  case ValueType::integer:
    return "a whole number (without quotes)";
  case ValueType::size:
    return R"(a size: a whole number of bytes, or a string like "64KiB" or "1MiB")";
  case ValueType::path:
    return "an absolute path in quotes";
  case ValueType::text:
    return "a string in quotes";
  case ValueType::choice: {
    std::string out = "one of";
    for (const std::string_view choice : option.choices) {
      out += fmt::format("{} \"{}\"", out.size() == 6 ? "" : ",", choice);
    }
    return out;
  }
  case ValueType::pattern_list:
    return "an array of strings, like ['password[^:]*: *$']";
  }
  return "a value";
}

util::Error wrong_type(const OptionSpec& option, const toml::node& node)
{
  return {
      ErrorKind::config,
      fmt::format("expected {}, got {}", describe_expected(option), describe_type(node.type()))};
}

util::Result<std::vector<std::string>> to_string_list(const toml::array& array)
{
  std::vector<std::string> items;
  items.reserve(array.size());
  for (std::size_t i = 0; i < array.size(); ++i) {
    const auto* item = array.get(i)->as_string();
    if (item == nullptr) {
      return util::fail(ErrorKind::config,
                        "item {} of the array is {}: expected a string",
                        i + 1,
                        describe_type(array.get(i)->type()));
    }
    items.push_back(item->get());
  }
  return items;
}

util::Result<Value> to_value(const OptionSpec& option, const toml::node& node)
{
  switch (option.type) {
  case ValueType::boolean:
    if (const auto* value = node.as_boolean()) {
      return check_value(option, value->get());
    }
    break;
  case ValueType::integer:
    if (const auto* value = node.as_integer()) {
      return check_value(option, value->get());
    }
    break;
  case ValueType::size:
    if (const auto* value = node.as_integer()) {
      return check_value(option, value->get());
    }
    if (const auto* value = node.as_string()) {
      ST_TRY_ASSIGN(const std::int64_t bytes, parse_size(value->get()));
      return check_value(option, bytes);
    }
    break;
  case ValueType::path:
  case ValueType::text:
  case ValueType::choice:
    if (const auto* value = node.as_string()) {
      return check_value(option, value->get());
    }
    break;
  case ValueType::pattern_list:
    if (const auto* array = node.as_array()) {
      ST_TRY_ASSIGN(auto items, to_string_list(*array));
      return check_value(option, std::move(items));
    }
    break;
  }
  return util::fail(wrong_type(option, node));
}

// The `owner` rule for a file and its directory (see Owner).
util::Result<void> check_owner(const std::string& path, const struct stat& file_status, Owner owner)
{
  if (owner == Owner::any) {
    return {};
  }
  constexpr std::string_view why =
      "in system mode only root may be able to change it, or a recorded user could change how "
      "they are recorded";
  const bool as_root = ::geteuid() == 0;
  if ((file_status.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return util::fail(ErrorKind::config,
                      "{} is writable by group or others (mode {:04o}): {}; run `chmod go-w {}`",
                      path,
                      file_status.st_mode & 07777,
                      why,
                      path);
  }
  if (as_root && file_status.st_uid != 0) {
    return util::fail(ErrorKind::config,
                      "{} is owned by uid {}, not root: {}; run `chown root: {}`",
                      path,
                      file_status.st_uid,
                      why,
                      path);
  }
  // Whoever can write the directory can replace the file; a sticky directory lets them add
  // files but not rename or remove root's.
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  const std::string directory = parent.empty() ? std::string(".") : parent.string();
  struct stat dir_status
  {};
  if (::stat(directory.c_str(), &dir_status) != 0) {
    return util::fail(util::Error::from_errno(errno, directory)
                          .with_context(fmt::format("checking the directory of {}", path)));
  }
  if ((dir_status.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (dir_status.st_mode & S_ISVTX) == 0) {
    return util::fail(ErrorKind::config,
                      "{}, the directory of {}, is writable by group or others (mode {:04o}): {}; "
                      "run `chmod go-w {}`",
                      directory,
                      path,
                      dir_status.st_mode & 07777,
                      why,
                      directory);
  }
  if (as_root && dir_status.st_uid != 0) {
    return util::fail(ErrorKind::config,
                      "{}, the directory of {}, is owned by uid {}, not root: {}; run `chown root: "
                      "{}`",
                      directory,
                      path,
                      dir_status.st_uid,
                      why,
                      directory);
  }
  return {};
}

util::Result<std::string> read_text(const util::Fd& fd, std::uint64_t size)
{
  std::string text(size, '\0');
  ST_TRY_ASSIGN(const std::size_t read,
                util::read_at(fd, 0, std::as_writable_bytes(std::span(text.data(), text.size()))));
  text.resize(read);
  return text;
}

} // namespace

util::Result<std::vector<FileSetting>> parse_config_text(std::string_view text,
                                                         std::string_view file)
{
  toml::parse_result parsed = toml::parse(text, file);
  if (!parsed) {
    const toml::parse_error& error = parsed.error();
    return util::fail(ErrorKind::config,
                      "{}: not valid TOML: {}",
                      where(file, error.source()),
                      error.description());
  }
  std::vector<FileSetting> settings;
  for (const auto& [key, node] : parsed.table()) {
    const OptionSpec* option = find_option(key.str());
    if (option == nullptr) {
      return util::fail(
          ErrorKind::config, "{}: {}", where(file, key.source()), describe_unknown_key(key.str()));
    }
    auto value = to_value(*option, node);
    if (!value) {
      return util::fail(std::move(value.error())
                            .with_context(option->key)
                            .with_context(where(file, node.source())));
    }
    settings.push_back({option, std::move(*value)});
  }
  return settings;
}

util::Result<std::optional<std::vector<FileSetting>>> read_config_file(const std::string& path,
                                                                       Owner owner)
{
  // O_NONBLOCK: a FIFO put in the file's place must not hang the recorder at open; it is then
  // refused as not a regular file.
  auto fd = util::open_file(path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
  if (!fd) {
    if (fd.error().kind() == ErrorKind::not_found) {
      return std::nullopt;
    }
    return util::fail(ErrorKind::config, "cannot read config file {}", fd.error().message());
  }
  struct stat status
  {};
  if (::fstat(fd->get(), &status) != 0) {
    return util::fail(util::Error(ErrorKind::config, util::Error::from_errno(errno, path).message())
                          .with_context("cannot read config file"));
  }
  if (!S_ISREG(status.st_mode)) {
    return util::fail(ErrorKind::config, "config file {} is not a regular file", path);
  }
  ST_TRY(check_owner(path, status, owner));
  const auto size = static_cast<std::uint64_t>(status.st_size);
  if (size > k_max_file_bytes) {
    return util::fail(ErrorKind::config,
                      "config file {} is {} bytes, more than the 1 MiB a config file may have",
                      path,
                      size);
  }
  auto text = read_text(*fd, size);
  if (!text) {
    return util::fail(
        ErrorKind::config, "cannot read config file {}: {}", path, text.error().message());
  }
  ST_TRY_ASSIGN(auto settings, parse_config_text(*text, path));
  return settings;
}

util::Result<std::vector<std::string>> parse_string_array(std::string_view text)
{
  const std::string document = fmt::format("value = {}", text);
  toml::parse_result parsed = toml::parse(document);
  if (!parsed) {
    return util::fail(ErrorKind::config,
                      "expected a TOML array of strings, got '{}': {}",
                      text,
                      parsed.error().description());
  }
  const toml::table& table = parsed.table();
  const auto* array = table.size() == 1 ? table.get_as<toml::array>("value") : nullptr;
  if (array == nullptr) {
    return util::fail(ErrorKind::config, "expected a TOML array of strings, got '{}'", text);
  }
  return to_string_list(*array);
}

} // namespace shelltrail::config
