#include "config/prompt_pattern.hpp"

#include <array>

namespace shelltrail::config {

util::Result<void> check_prompt_pattern(const std::string& pattern)
{
  if (pattern.empty()) {
    return util::fail(util::ErrorKind::config,
                      "an empty prompt pattern would match every line: remove it");
  }
  if (pattern.find('\0') != std::string::npos) {
    return util::fail(util::ErrorKind::config, "a prompt pattern may not contain a NUL byte");
  }
  regex_t regex{};
  const int code = ::regcomp(&regex, pattern.c_str(), k_prompt_pattern_flags);
  if (code != 0) {
    std::array<char, 256> reason{};
    ::regerror(code, &regex, reason.data(), reason.size());
    // regcomp frees what it allocated when it fails; regfree is for a compiled pattern only.
    return util::fail(util::ErrorKind::config,
                      "prompt pattern '{}' is not a valid POSIX extended regular expression: {}",
                      pattern,
                      reason.data());
  }
  ::regfree(&regex);
  return {};
}

} // namespace shelltrail::config
