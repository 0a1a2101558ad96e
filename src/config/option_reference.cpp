#include "config/option_reference.hpp"

#include "config/config_file.hpp"
#include "config/option_table.hpp"
#include "config/option_value.hpp"

#include <fmt/core.h>

namespace shelltrail::config {
namespace {

constexpr std::size_t k_help_width = 100;
constexpr std::string_view k_help_indent = "      ";

constexpr std::string_view k_markdown_intro = R"md(# Configuration

<!-- Generated from src/config/option_table.cpp by `shelltrail config markdown`: do not edit.
     To regenerate: build/src/cli/shelltrail config markdown > docs/config.md -->

shelltrail has one list of options. Each can be set in a TOML file, in an environment variable
and on the command line, and `shelltrail config show` prints every value with where it came from:

```
$ shelltrail config show --set chunk_interval_ms=100
(default) spool = /home/alice/.local/share/shelltrail/spool
(user file /home/alice/.config/shelltrail/shelltrail.toml) compact_level = 3
(command line) chunk_interval_ms = 100
...
```

## Modes and layers

Settings are layered, lowest first; a higher layer overrides a lower one:

1. **default**: listed below; a few differ between the modes.
2. **system file**: `/etc/shelltrail/shelltrail.toml`, read in system mode only.
3. **user file**: `$XDG_CONFIG_HOME/shelltrail/shelltrail.toml`, or
   `~/.config/shelltrail/shelltrail.toml` when `XDG_CONFIG_HOME` is unset; read in personal mode
   only.
4. **environment**: `SHELLTRAIL_<KEY>`, for example `SHELLTRAIL_CHUNK_BYTES=1MiB`.
5. **command line**: `--set key=value`, as often as needed; a later one wins.

*Personal mode* records your own sessions, and every layer may set every option.

*System mode* is for an administrator who records everyone on a jump box (`shelltrail config
show --system` shows what it reads). Options marked "weakens recording" below may be set only in
the system file: a value for one of them in the environment or on the command line is an error,
so that a recorded user cannot turn recording off. The system file must not be writable by group
or others, nor its directory (unless the directory is sticky); when shelltrail runs as root, both
must also be owned by root.

A missing file is fine. A file that cannot be read or is not valid TOML, an unknown key, and a
value of the wrong type or out of range are errors that name the file and line, the environment
variable or the `--set`, and the key. The recorder (`shelltrail record`, `shelltrail-session`)
then records nothing, runs nothing and exits 125 (whatever `failure_policy` says: the policy of
a broken file is unknown); `shelltrail config show` exits 64.

## Value syntax

| type | in a TOML file | in the environment and `--set` |
|---|---|---|
| boolean | `true`, `false` | `true`, `false`, `yes`, `no`, `on`, `off`, `1`, `0` |
| integer | `250` | `250` |
| size | `65536` or `"64KiB"` | `65536`, `64KiB`, `64 KiB` |
| path, string | `"/srv/recordings"` | `/srv/recordings` |
| patterns | `['password[^:]*: *$', 'pin: *$']` | the same TOML array |

Sizes are bytes, with an optional binary unit: `B`, `KiB`, `MiB`, `GiB` or `TiB` (1 KiB = 1024
bytes). Decimal units (`kB`, `MB`, `GB`) and fractions are refused rather than guessed. Paths
are absolute. Write patterns in single-quoted TOML strings, which keep backslashes as they are.

A system file:

```toml
# /etc/shelltrail/shelltrail.toml
spool = "/srv/shelltrail/spool"
notice = "Sessions on {host} are recorded (session {session_id})."
chunk_bytes = "256KiB"
failure_policy = "fail-closed"
syslog_facility = "authpriv"
```

## Options
)md";

std::string describe_type(const OptionSpec& option)
{
  switch (option.type) {
  case ValueType::path:
    return option.empty == Empty::allowed ? "absolute path, or empty" : "absolute path";
  case ValueType::text:
    return "string";
  case ValueType::boolean:
    return "boolean";
  case ValueType::integer:
    return fmt::format("integer, from {} to {}", option.min, option.max);
  case ValueType::size:
    return fmt::format(
        "size in bytes, from {} to {}", to_size_text(option.min), to_size_text(option.max));
  case ValueType::choice: {
    std::string out = "one of ";
    for (const std::string_view choice : option.choices) {
      out += fmt::format("{}`{}`", out.size() == 7 ? "" : ", ", choice);
    }
    return out;
  }
  case ValueType::pattern_list:
    return "array of POSIX extended regular expressions";
  }
  return "value";
}

std::string markdown_default(std::string_view text)
{
  if (text.empty()) {
    return "empty";
  }
  if (text.starts_with("$XDG_DATA_HOME/")) {
    const std::string_view rest = text.substr(15);
    return fmt::format("`{}` (`~/.local/share/{}` when `XDG_DATA_HOME` is unset)", text, rest);
  }
  return fmt::format("`{}`", text);
}

std::string markdown_option(const OptionSpec& option)
{
  std::string out = fmt::format("\n### `{}`\n\n{}\n\n", option.key, option.doc);
  out += fmt::format("- Type: {}\n", describe_type(option));
  if (option.type == ValueType::pattern_list) {
    // Patterns hold | and backticks would need escaping: show them as the TOML to copy.
    out += "- Default:\n\n  ```toml\n";
    out += fmt::format("  {} = [\n", option.key);
    const auto value = parse_string_array(option.default_text);
    for (const std::string& pattern : value ? *value : std::vector<std::string>{}) {
      out += fmt::format("    {},\n", to_toml_string(pattern));
    }
    out += "  ]\n  ```\n\n";
  } else if (option.system_default_text) {
    out += fmt::format("- Default: {} in personal mode, {} in system mode\n",
                       markdown_default(option.default_text),
                       markdown_default(*option.system_default_text));
  } else {
    out += fmt::format("- Default: {}\n", markdown_default(option.default_text));
  }
  out += fmt::format("- Environment: `{}`\n", option.environment_variable);
  if (option.guard == Guard::weakens_recording) {
    out += "- Weakens recording: in system mode, only the system file may set it\n";
  }
  return out;
}

std::string help_default(const OptionSpec& option, std::string_view text)
{
  if (text.empty()) {
    return "(empty)";
  }
  if (option.type == ValueType::pattern_list) {
    const auto value = parse_string_array(text);
    return fmt::format("[{} patterns]", value ? value->size() : 0);
  }
  return std::string(text);
}

// Appends `text` wrapped at k_help_width, every line indented.
void append_wrapped(std::string& out, std::string_view text)
{
  std::string line(k_help_indent);
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    const std::string_view word = text.substr(start, end - start);
    if (line.size() > k_help_indent.size() && line.size() + 1 + word.size() > k_help_width) {
      out += line + "\n";
      line = k_help_indent;
    }
    line += line.size() > k_help_indent.size() ? " " : "";
    line += word;
    start = end + 1;
  }
  out += line + "\n";
}

} // namespace

std::string to_markdown()
{
  std::string out(k_markdown_intro);
  for (const OptionSpec& option : option_table()) {
    out += markdown_option(option);
  }
  return out;
}

std::string to_help_text()
{
  std::string out = "Options (the full reference is docs/config.md, or `shelltrail config "
                    "markdown`):\n";
  for (const OptionSpec& option : option_table()) {
    out += fmt::format("  {} = {}\n", option.key, help_default(option, option.default_text));
    std::string notes = fmt::format("{}; {}", describe_type(option), option.environment_variable);
    if (option.system_default_text) {
      notes +=
          fmt::format("; in system mode {}", help_default(option, *option.system_default_text));
    }
    if (option.guard == Guard::weakens_recording) {
      notes += "; in system mode only the system file may set it";
    }
    append_wrapped(out, fmt::format("{} [{}]", option.doc, notes));
  }
  return out;
}

} // namespace shelltrail::config
