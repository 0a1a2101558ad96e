#pragma once
// Config: every setting of shelltrail, loaded once per command from defaults, a TOML file, the
// environment and `--set key=value`, with the origin of each value recorded (tlog's
// conf_origin.h). The recorder and the CLI read it; the option table (option_table.hpp) is the
// single list of keys, types, defaults and docs, and docs/config.md is generated from it.

#include "util/error.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shelltrail::config {

// personal: a user records their own sessions; only the user file is read and every origin may
//           set every key.
// system:   the administrator records everyone (ForceCommand, login shell); only the system file
//           is read, it must be writable by root alone, and keys that weaken recording may come
//           from nowhere else.
enum class Mode { personal, system };

// Where a value came from, lowest layer first: a higher layer overrides a lower one.
enum class Origin { default_value, system_file, user_file, environment, command_line };

enum class FailurePolicy { fail_closed, fail_open };

// "personal", "system".
std::string_view to_string(Mode mode);
// "default", "system file", "user file", "environment", "command line".
std::string_view to_string(Origin origin);
// "fail-closed", "fail-open": the spelling in files and on the command line.
std::string_view to_string(FailurePolicy policy);

struct Config
{
  Mode mode = Mode::personal;
  std::string spool;  // absolute
  std::string shell;  // absolute, or empty for the login shell from the passwd entry
  std::string notice; // may be empty; {session_id}, {user} and {host} are for the caller to fill
  bool record_input = true;
  bool redact_passwords = true;
  // POSIX extended regular expressions, each known to compile with k_prompt_pattern_flags
  // (prompt_pattern.hpp).
  std::vector<std::string> prompt_patterns;
  std::size_t chunk_bytes = 0;
  std::chrono::milliseconds chunk_interval{};
  std::chrono::milliseconds fsync_interval{}; // zero: never fdatasync on a timer
  std::chrono::milliseconds clock_check_interval{};
  std::chrono::milliseconds clock_step_threshold{};
  FailurePolicy failure_policy = FailurePolicy::fail_closed;
  std::uint64_t stream_limit_bytes = 0;
  std::uint64_t transfer_limit_bytes = 0;
  int live_compression_level = 0;
  bool compact = true;
  int compact_level = 0;
  bool index_after_session = true;
  std::string signing_key; // absolute
  std::chrono::milliseconds checkpoint_interval{};
  std::uint64_t checkpoint_chunks = 0;
  std::string syslog_facility; // one of auth, authpriv, daemon, user, local0 .. local7

  // For `shelltrail config show`: every key of the option table, in table order, with its value
  // as text (in the syntax `--set` accepts) and where it came from.
  struct Source
  {
    std::string key;
    std::string value;
    Origin origin = Origin::default_value;
    std::string file; // the file's path when origin is system_file or user_file, else empty
  };
  std::vector<Source> sources;
};

// Looks up an environment variable; nullopt when it is not set.
using Getenv = std::function<std::optional<std::string>(const char* name)>;

struct LoadOptions
{
  Mode mode = Mode::personal;
  // Read in system mode only.
  std::string system_file = "/etc/shelltrail/shelltrail.toml";
  // Read in personal mode only. nullopt: $XDG_CONFIG_HOME/shelltrail/shelltrail.toml, or
  // ~/.config/shelltrail/shelltrail.toml when XDG_CONFIG_HOME is unset or not absolute.
  std::optional<std::string> user_file;
  // "key=value" pairs from `--set`, applied in order (a later one wins).
  std::vector<std::string> command_line;
  // Environment lookup, injectable for tests; empty means ::getenv.
  Getenv getenv;
};

// The system file's path in system mode, the user file's path in personal mode (computed from
// HOME / XDG_CONFIG_HOME when options.user_file is nullopt); nullopt when there is no home
// directory to put a user file in.
std::optional<std::string> config_file_path(const LoadOptions& options);

// Loads the configuration: defaults for options.mode, then the mode's file, then SHELLTRAIL_<KEY>
// environment variables, then options.command_line. A missing file is fine. Fails with
// ErrorKind::config, naming the file (and line), variable or `--set` and the key, for: an
// unreadable file, invalid TOML, an unknown key, a value of the wrong type or out of range, a
// prompt pattern that does not compile, a system file that someone other than root could write
// (system mode), and a key that weakens recording set from the environment or command line in
// system mode.
util::Result<Config> load_config(const LoadOptions& options);

} // namespace shelltrail::config
