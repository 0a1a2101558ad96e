#pragma once
// The option table: every configuration key with its type, default (per mode), one-line doc,
// environment variable and which origins may set it — the single source of truth (ccache's
// k_config_key_table, tlog's schema). load_config, `shelltrail config show`/`--help` and
// docs/config.md (option_reference.hpp) are all driven by it.
//
// To add an option: add a field to Config, a row to k_options in option_table.cpp, and run
// `shelltrail config markdown > docs/config.md`.

#include "config/config.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace shelltrail::config {

enum class ValueType {
  path,         // an absolute path (or empty where Empty::allowed)
  text,         // any string
  boolean,      // true / false
  integer,      // a whole number in [min, max]
  size,         // a number of bytes in [min, max]: 1048576, "1MiB", "64 KiB" (option_value.hpp)
  pattern_list, // an array of prompt patterns, each compiled to check it (prompt_pattern.hpp)
  choice,       // one of `choices`
};

// Keys that weaken recording (where it goes, what it keeps, whether a failure stops the
// session): in system mode only the system file may set them, so a recorded user cannot turn
// recording off through the environment or a command line (ccache's DirConfigPolicy).
enum class Guard { none, weakens_recording };

// Whether an empty path is a valid value ("" = use the login shell).
enum class Empty { refused, allowed };

// A value of an option, typed by its row: boolean → bool; integer, size → std::int64_t;
// path, text, choice → std::string; pattern_list → std::vector<std::string>.
using Value = std::variant<bool, std::int64_t, std::string, std::vector<std::string>>;

struct OptionSpec
{
  std::string_view key;
  ValueType type = ValueType::text;
  // The default in the syntax of `--set` (option_value.hpp). A leading "$XDG_DATA_HOME/" stands
  // for $XDG_DATA_HOME, or ~/.local/share when that is unset (default_value_text).
  std::string_view default_text;
  // The default in system mode, when it differs.
  std::optional<std::string_view> system_default_text = std::nullopt;
  std::string_view doc; // one line; Markdown inline syntax (code in backticks), shown as is
  std::string_view environment_variable; // SHELLTRAIL_<KEY in upper case>
  Guard guard = Guard::none;
  std::int64_t min = 0; // integer and size
  std::int64_t max = 0;
  std::span<const std::string_view> choices = {}; // choice
  Empty empty = Empty::refused;                   // path
  void (*store)(Config& config, const Value& value) = nullptr;
};

// Every option, in the order `config show` and docs/config.md list them.
std::span<const OptionSpec> option_table();

// The row for `key`, or nullptr.
const OptionSpec* find_option(std::string_view key);

// The known key closest to `unknown` (a typo, a wrong separator), or nullopt when none is close.
std::optional<std::string_view> nearest_key(std::string_view unknown);

// "unknown key 'chunk_byte' (did you mean 'chunk_bytes'?); `shelltrail config --help` lists the
// keys": the message for a key that is not in the table.
std::string describe_unknown_key(std::string_view key);

// The default for `option` in `mode` as text, with "$XDG_DATA_HOME/" expanded through `getenv`
// (XDG_DATA_HOME if absolute, else HOME/.local/share); nullopt when it needs a home directory
// and neither variable is set.
std::optional<std::string>
default_value_text(const OptionSpec& option, Mode mode, const Getenv& getenv);

// The alternatives of a Value, for code that knows the row's type; a mismatch is our bug.
bool as_bool(const Value& value);
std::int64_t as_integer(const Value& value);
const std::string& as_text(const Value& value);
const std::vector<std::string>& as_list(const Value& value);

} // namespace shelltrail::config
