#pragma once
// Prompt patterns: the POSIX extended regular expressions (the `prompt_patterns` option) that
// tell a password prompt on the cursor line. config checks that each compiles; the recorder's
// redactor compiles them with the same flags to match.

#include "util/error.hpp"

#include <regex.h>

#include <string>

namespace shelltrail::config {

// regcomp(3) flags for every prompt pattern: extended syntax, case-insensitive, match only.
inline constexpr int k_prompt_pattern_flags = REG_EXTENDED | REG_ICASE | REG_NOSUB;

// Succeeds when `pattern` compiles with k_prompt_pattern_flags. Fails with ErrorKind::config
// quoting the pattern and regerror's reason, and refuses the empty pattern (it matches every
// line, so all input would be redacted).
util::Result<void> check_prompt_pattern(const std::string& pattern);

} // namespace shelltrail::config
