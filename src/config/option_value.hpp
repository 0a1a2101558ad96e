#pragma once
// Option values as text: how the environment and `--set key=value` spell a value of each type,
// the checks every value passes whatever its origin, and the text `config show` prints.
//
//   boolean       true false yes no on off 1 0
//   integer       a decimal whole number: 250, -7
//   size          bytes, a whole number with an optional binary unit and optional space:
//                 65536, 64KiB, "64 KiB", 1MiB, 2GiB, 1TiB, 512B. Decimal units (kB, MB, GB)
//                 and fractions are refused rather than guessed: say 1MiB or 1048576.
//   path          an absolute path
//   text, choice  the text as is
//   pattern_list  a TOML array of strings: ['password[^:]*: *$', 'pin: *$']
//                 (single-quoted TOML strings keep backslashes as they are)
//
// A TOML file spells booleans, integers and arrays natively, and a size as an integer or a
// string in the syntax above (config_file.hpp).

#include "config/option_table.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace shelltrail::config {

// Parses `text` as a value of `option` and checks it (check_value). Fails with ErrorKind::config
// saying what was expected; the caller adds where the text came from and the key.
util::Result<Value> parse_value_text(const OptionSpec& option, std::string_view text);

// Checks that `value` is allowed for `option` — within [min, max], one of the choices, an
// absolute path, patterns that compile — and returns it. Fails with ErrorKind::config saying
// what is allowed.
util::Result<Value> check_value(const OptionSpec& option, Value value);

// The value as `--set` would accept it (a size in the largest exact binary unit).
std::string to_value_text(const OptionSpec& option, const Value& value);

// Parses a size (syntax above) into bytes; fails with ErrorKind::config.
util::Result<std::int64_t> parse_size(std::string_view text);

// 65536 → "64KiB", 1048576 → "1MiB", 1000 → "1000".
std::string to_size_text(std::int64_t bytes);

// The TOML spelling of a string: 'literal' when it can be, else "basic" with escapes.
std::string to_toml_string(std::string_view text);

} // namespace shelltrail::config
