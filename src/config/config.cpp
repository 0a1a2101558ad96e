#include "config/config.hpp"

#include "config/config_file.hpp"
#include "config/option_table.hpp"
#include "config/option_value.hpp"
#include "util/assert.hpp"

#include <fmt/core.h>

#include <cstdlib>
#include <utility>

namespace shelltrail::config {
namespace {

using util::ErrorKind;

// One layer's value for one key; a higher layer replaces it.
struct Setting
{
  Value value;
  Origin origin = Origin::default_value;
  std::string file;
};

std::optional<std::string> process_getenv(const char* name)
{
  // Not secure_getenv: a setuid recorder would then ignore the environment silently; in system
  // mode the keys that matter refuse the environment loudly instead (Guard).
  const char* value = std::getenv(name); // NOLINT(concurrency-mt-unsafe): read before threads
  if (value == nullptr) {
    return std::nullopt;
  }
  return std::string(value);
}

std::size_t index_of(const OptionSpec& option)
{
  const auto table = option_table();
  ST_ASSERT(&option >= table.data() && &option < table.data() + table.size());
  return static_cast<std::size_t>(&option - table.data());
}

// In system mode a guarded key may only come from the system file (or its default).
util::Result<void> check_origin(const OptionSpec& option, Origin origin, const LoadOptions& options)
{
  if (options.mode != Mode::system || option.guard != Guard::weakens_recording) {
    return {};
  }
  return util::fail(ErrorKind::config,
                    "{} may not be set from the {} in system mode, because it weakens recording; "
                    "only the system file {} may set it",
                    option.key,
                    to_string(origin),
                    options.system_file);
}

util::Result<void> apply_environment(const LoadOptions& options,
                                     const Getenv& getenv,
                                     std::vector<std::optional<Setting>>& settings)
{
  for (const OptionSpec& option : option_table()) {
    const std::string name(option.environment_variable);
    const std::optional<std::string> text = getenv(name.c_str());
    if (!text) {
      continue;
    }
    const std::string context = fmt::format("environment variable {} ({})", name, option.key);
    ST_TRY_CONTEXT(check_origin(option, Origin::environment, options), "{}", context);
    auto value = parse_value_text(option, *text);
    if (!value) {
      return util::fail(std::move(value.error()).with_context(context));
    }
    settings[index_of(option)] = Setting{std::move(*value), Origin::environment, {}};
  }
  return {};
}

util::Result<void> apply_command_line(const LoadOptions& options,
                                      std::vector<std::optional<Setting>>& settings)
{
  for (const std::string& assignment : options.command_line) {
    const std::size_t equals = assignment.find('=');
    if (equals == std::string::npos || equals == 0) {
      return util::fail(
          ErrorKind::config, "--set '{}': expected key=value, like chunk_bytes=1MiB", assignment);
    }
    const std::string_view key = std::string_view(assignment).substr(0, equals);
    const std::string_view text = std::string_view(assignment).substr(equals + 1);
    const OptionSpec* option = find_option(key);
    if (option == nullptr) {
      return util::fail(ErrorKind::config, "--set {}: {}", key, describe_unknown_key(key));
    }
    const std::string context = fmt::format("--set {}", key);
    ST_TRY_CONTEXT(check_origin(*option, Origin::command_line, options), "{}", context);
    auto value = parse_value_text(*option, text);
    if (!value) {
      return util::fail(std::move(value.error()).with_context(context));
    }
    settings[index_of(*option)] = Setting{std::move(*value), Origin::command_line, {}};
  }
  return {};
}

} // namespace

std::string_view to_string(Mode mode)
{
  switch (mode) {
  case Mode::personal:
    return "personal";
  case Mode::system:
    return "system";
  }
  return "unknown";
}

std::string_view to_string(Origin origin)
{
  switch (origin) {
  case Origin::default_value:
    return "default";
  case Origin::system_file:
    return "system file";
  case Origin::user_file:
    return "user file";
  case Origin::environment:
    return "environment";
  case Origin::command_line:
    return "command line";
  }
  return "unknown";
}

std::string_view to_string(FailurePolicy policy)
{
  switch (policy) {
  case FailurePolicy::fail_closed:
    return "fail-closed";
  case FailurePolicy::fail_open:
    return "fail-open";
  }
  return "unknown";
}

std::optional<std::string> config_file_path(const LoadOptions& options)
{
  if (options.mode == Mode::system) {
    return options.system_file;
  }
  if (options.user_file) {
    return *options.user_file;
  }
  const Getenv getenv = options.getenv ? options.getenv : Getenv(process_getenv);
  // The XDG Base Directory spec: a relative XDG_CONFIG_HOME is invalid and must be ignored.
  if (const auto config_home = getenv("XDG_CONFIG_HOME");
      config_home && config_home->starts_with('/')) {
    return *config_home + "/shelltrail/shelltrail.toml";
  }
  if (const auto home = getenv("HOME"); home && home->starts_with('/')) {
    return *home + "/.config/shelltrail/shelltrail.toml";
  }
  return std::nullopt;
}

util::Result<Config> load_config(const LoadOptions& options)
{
  const Getenv getenv = options.getenv ? options.getenv : Getenv(process_getenv);
  const auto table = option_table();
  std::vector<std::optional<Setting>> settings(table.size());

  for (const OptionSpec& option : table) {
    // Defaults are ours, but "$XDG_DATA_HOME/" expands to text from the environment.
    if (const auto text = default_value_text(option, options.mode, getenv)) {
      auto value = parse_value_text(option, *text);
      if (!value) {
        return util::fail(
            std::move(value.error()).with_context(fmt::format("default of {}", option.key)));
      }
      settings[index_of(option)] = Setting{std::move(*value), Origin::default_value, {}};
    }
  }

  if (const auto path = config_file_path(options)) {
    const bool system = options.mode == Mode::system;
    ST_TRY_ASSIGN(const auto file_settings,
                  read_config_file(*path, system ? Owner::root : Owner::any));
    for (const FileSetting& setting : file_settings.value_or(std::vector<FileSetting>{})) {
      settings[index_of(*setting.option)] =
          Setting{setting.value, system ? Origin::system_file : Origin::user_file, *path};
    }
  }

  ST_TRY(apply_environment(options, getenv, settings));
  ST_TRY(apply_command_line(options, settings));

  Config config;
  config.mode = options.mode;
  for (const OptionSpec& option : table) {
    std::optional<Setting>& setting = settings[index_of(option)];
    if (!setting && option.empty == Empty::allowed) {
      setting = Setting{std::string(), Origin::default_value, {}}; // e.g. no key: unsigned
    }
    if (!setting) {
      return util::fail(ErrorKind::config,
                        "{} has no default because neither XDG_DATA_HOME nor HOME is set: set it "
                        "in {} or with {}",
                        option.key,
                        config_file_path(options).value_or("the user file"),
                        option.environment_variable);
    }
    option.store(config, setting->value);
    config.sources.push_back({std::string(option.key),
                              to_value_text(option, setting->value),
                              setting->origin,
                              setting->file});
  }
  return config;
}

} // namespace shelltrail::config
