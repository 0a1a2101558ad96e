#include "config/option_value.hpp"

#include "config/config_file.hpp"
#include "config/prompt_pattern.hpp"
#include "util/assert.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <utility>

namespace shelltrail::config {
namespace {

using util::ErrorKind;

struct SizeUnit
{
  std::string_view name;
  std::int64_t bytes;
};

// Largest first, for to_size_text.
constexpr std::array<SizeUnit, 5> k_size_units = {{
    {"TiB", std::int64_t{1} << 40},
    {"GiB", std::int64_t{1} << 30},
    {"MiB", std::int64_t{1} << 20},
    {"KiB", std::int64_t{1} << 10},
    {"B", 1},
}};

// Decimal and ambiguous spellings that people write for sizes: refused with a hint rather than
// read as powers of 1000 or 1024 by guesswork.
constexpr std::array<std::string_view, 12> k_refused_units = {
    "k", "K", "kB", "KB", "m", "M", "MB", "g", "G", "GB", "T", "TB"};

struct BoolSpelling
{
  std::string_view text;
  bool value;
};

constexpr std::array<BoolSpelling, 8> k_bool_spellings = {{
    {"true", true},
    {"false", false},
    {"yes", true},
    {"no", false},
    {"on", true},
    {"off", false},
    {"1", true},
    {"0", false},
}};

util::Result<std::int64_t> parse_integer(std::string_view text)
{
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec == std::errc::result_out_of_range) {
    return util::fail(ErrorKind::config, "'{}' is too large", text);
  }
  if (text.empty() || ec != std::errc() || ptr != end) {
    return util::fail(ErrorKind::config, "expected a whole number, got '{}'", text);
  }
  return value;
}

util::Result<bool> parse_bool(std::string_view text)
{
  for (const BoolSpelling& spelling : k_bool_spellings) {
    if (text == spelling.text) {
      return spelling.value;
    }
  }
  return util::fail(ErrorKind::config, "expected true or false, got '{}'", text);
}

std::string describe_range(const OptionSpec& option)
{
  if (option.type == ValueType::size) {
    return fmt::format("from {} to {}", to_size_text(option.min), to_size_text(option.max));
  }
  return fmt::format("from {} to {}", option.min, option.max);
}

std::string join_choices(const OptionSpec& option)
{
  std::string out;
  for (const std::string_view choice : option.choices) {
    out += out.empty() ? "" : ", ";
    out += choice;
  }
  return out;
}

bool has_nul(std::string_view text)
{
  return text.find('\0') != std::string_view::npos;
}

} // namespace

util::Result<std::int64_t> parse_size(std::string_view text)
{
  const std::size_t digits_end = std::min(text.find_first_not_of("0123456789"), text.size());
  const std::string_view digits = text.substr(0, digits_end);
  std::string_view unit = text.substr(digits_end);
  const bool spaced = unit.starts_with(' ');
  if (spaced) {
    unit.remove_prefix(1);
  }
  if (digits.empty() || (spaced && unit.empty()) || unit.starts_with('.') ||
      unit.starts_with(',')) {
    return util::fail(
        ErrorKind::config, "expected a size in bytes like 65536, 64KiB or 1MiB, got '{}'", text);
  }
  if (std::find(k_refused_units.begin(), k_refused_units.end(), unit) != k_refused_units.end()) {
    return util::fail(ErrorKind::config,
                      "'{}': write sizes in bytes or binary units (B, KiB, MiB, GiB, TiB; "
                      "1 KiB = 1024 bytes)",
                      text);
  }
  std::int64_t multiplier = unit.empty() ? 1 : 0;
  for (const SizeUnit& known : k_size_units) {
    if (unit == known.name) {
      multiplier = known.bytes;
    }
  }
  if (multiplier == 0) {
    return util::fail(ErrorKind::config,
                      "'{}': unknown size unit '{}' (use B, KiB, MiB, GiB or TiB)",
                      text,
                      unit);
  }
  ST_TRY_ASSIGN(const std::int64_t count, parse_integer(digits));
  if (count > std::numeric_limits<std::int64_t>::max() / multiplier) {
    return util::fail(ErrorKind::config, "size '{}' is too large", text);
  }
  return count * multiplier;
}

std::string to_size_text(std::int64_t bytes)
{
  for (const SizeUnit& unit : k_size_units) {
    if (unit.bytes > 1 && bytes != 0 && bytes % unit.bytes == 0) {
      return fmt::format("{}{}", bytes / unit.bytes, unit.name);
    }
  }
  return fmt::format("{}", bytes);
}

std::string to_toml_string(std::string_view text)
{
  const bool literal = std::none_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return c == '\'' || (byte < 0x20 && c != '\t') || byte == 0x7f;
  });
  if (literal) {
    return fmt::format("'{}'", text);
  }
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      if (byte < 0x20 || byte == 0x7f) {
        out += fmt::format("\\u{:04X}", byte);
      } else {
        out += c;
      }
    }
  }
  out += '"';
  return out;
}

util::Result<Value> parse_value_text(const OptionSpec& option, std::string_view text)
{
  switch (option.type) {
  case ValueType::boolean: {
    ST_TRY_ASSIGN(const bool value, parse_bool(text));
    return check_value(option, value);
  }
  case ValueType::integer: {
    ST_TRY_ASSIGN(const std::int64_t value, parse_integer(text));
    return check_value(option, value);
  }
  case ValueType::size: {
    ST_TRY_ASSIGN(const std::int64_t value, parse_size(text));
    return check_value(option, value);
  }
  case ValueType::pattern_list: {
    if (!text.starts_with('[')) {
      return util::fail(ErrorKind::config,
                        "expected a TOML array of strings like ['password[^:]*: *$', "
                        "'pin: *$'], got '{}'",
                        text);
    }
    ST_TRY_ASSIGN(auto list, parse_string_array(text));
    return check_value(option, std::move(list));
  }
  case ValueType::path:
  case ValueType::text:
  case ValueType::choice:
    return check_value(option, std::string(text));
  }
  ST_ASSERT(false);
  return util::fail(ErrorKind::config, "unknown value type");
}

util::Result<Value> check_value(const OptionSpec& option, Value value)
{
  switch (option.type) {
  case ValueType::boolean:
    break;
  case ValueType::integer:
  case ValueType::size: {
    const std::int64_t number = as_integer(value);
    if (number < option.min || number > option.max) {
      const std::string shown =
          option.type == ValueType::size ? to_size_text(number) : std::to_string(number);
      return util::fail(
          ErrorKind::config, "{} is out of range: use a value {}", shown, describe_range(option));
    }
    break;
  }
  case ValueType::path: {
    const std::string& path = as_text(value);
    if (path.empty() && option.empty == Empty::allowed) {
      break;
    }
    if (!path.starts_with('/') || has_nul(path)) {
      return util::fail(ErrorKind::config, "expected an absolute path, got '{}'", path);
    }
    break;
  }
  case ValueType::text:
    if (has_nul(as_text(value))) {
      return util::fail(ErrorKind::config, "the text may not contain a NUL byte");
    }
    break;
  case ValueType::choice: {
    const std::string& text = as_text(value);
    if (std::find(option.choices.begin(), option.choices.end(), text) == option.choices.end()) {
      return util::fail(
          ErrorKind::config, "expected one of {}, got '{}'", join_choices(option), text);
    }
    break;
  }
  case ValueType::pattern_list:
    for (const std::string& pattern : as_list(value)) {
      ST_TRY(check_prompt_pattern(pattern));
    }
    break;
  }
  return value;
}

std::string to_value_text(const OptionSpec& option, const Value& value)
{
  switch (option.type) {
  case ValueType::boolean:
    return as_bool(value) ? "true" : "false";
  case ValueType::integer:
    return std::to_string(as_integer(value));
  case ValueType::size:
    return to_size_text(as_integer(value));
  case ValueType::pattern_list: {
    std::string out = "[";
    for (const std::string& item : as_list(value)) {
      out += out.size() == 1 ? "" : ", ";
      out += to_toml_string(item);
    }
    return out + "]";
  }
  case ValueType::path:
  case ValueType::text:
  case ValueType::choice:
    return as_text(value);
  }
  ST_ASSERT(false);
  return {};
}

} // namespace shelltrail::config
