#pragma once
// The reference documentation generated from the option table: docs/config.md (`shelltrail
// config markdown`) and the key list of `shelltrail config --help`. A ctest fails when the
// committed docs/config.md differs from to_markdown().

#include <string>

namespace shelltrail::config {

// The whole of docs/config.md: where settings come from, value syntax, and every option with
// its type, range, defaults per mode, environment variable and who may set it in system mode.
std::string to_markdown();

// A plain-text list of the keys with their defaults and docs, wrapped to 100 columns, for
// `shelltrail config --help`.
std::string to_help_text();

} // namespace shelltrail::config
