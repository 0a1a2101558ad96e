#pragma once
// Config files: TOML, one `key = value` line per option of the option table, no tables.
//
//   # /etc/shelltrail/shelltrail.toml
//   spool = "/srv/recordings"
//   chunk_bytes = "256KiB"          # or 262144
//   prompt_patterns = ['password[^:]*: *$', '(^|[^[:alnum:]])pin: *$']
//   failure_policy = "fail-closed"
//
// Parsed with toml++ (header-only, exceptions off); nothing of toml++ leaves config_file.cpp.
// load_config (config.hpp) layers what these functions return.

#include "config/option_table.hpp"
#include "util/error.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shelltrail::config {

struct FileSetting
{
  const OptionSpec* option = nullptr;
  Value value;
};

// Who must own a config file for it to be trusted.
// any:  the user file in personal mode, which is the user's own business.
// root: the system file in system mode. The file (and its directory, unless sticky) must not be
//       writable by group or others, and when this process runs as root it must be owned by
//       root: otherwise a recorded user could change how they are recorded.
enum class Owner { any, root };

// Parses the TOML `text` of a config file; `file` names it in errors. Fails with
// ErrorKind::config as "<file>:<line>:<column>: ..." for invalid TOML (with toml++'s
// description), an unknown key (suggesting the nearest known one), a value of the wrong type,
// or a value check_value refuses.
util::Result<std::vector<FileSetting>> parse_config_text(std::string_view text,
                                                         std::string_view file);

// Reads and parses the file at `path`: nullopt when it does not exist. Fails with
// ErrorKind::config when it cannot be read, is not a regular file, is larger than 1 MiB, fails
// the `owner` rule, or does not parse.
util::Result<std::optional<std::vector<FileSetting>>> read_config_file(const std::string& path,
                                                                       Owner owner);

// Parses a TOML array of strings (the text spelling of a pattern_list); fails with
// ErrorKind::config.
util::Result<std::vector<std::string>> parse_string_array(std::string_view text);

} // namespace shelltrail::config
