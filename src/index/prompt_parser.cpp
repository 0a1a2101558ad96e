#include "index/prompt_parser.hpp"

#include <fmt/core.h>

namespace shelltrail::index {

const std::vector<std::string>& builtin_prompt_patterns()
{
  // An optional "(venv) " or "(base) " before; names as hostnames and user names are written.
  static const std::vector<std::string> patterns = {
      // user@host:dir$  (Debian's and Ubuntu's bash)
      R"(^(?:\([^)]{1,64}\) )?([A-Za-z0-9._-]{1,64})@([A-Za-z0-9._-]{1,253}):([^$#\s][^$#]{0,4095}?)[$#] )",
      // [user@host dir]$  (RHEL, Fedora, CentOS)
      R"(^(?:\([^)]{1,64}\) )?\[([A-Za-z0-9._-]{1,64})@([A-Za-z0-9._-]{1,253}) ([^\]]{1,4096})\][$#] )",
      // user@host dir %  (zsh's default style)
      R"(^(?:\([^)]{1,64}\) )?([A-Za-z0-9._-]{1,64})@([A-Za-z0-9._-]{1,253}) (\S{1,4096}) [%#$] )",
      // bash-5.2$  sh-5.2#  (no name shown)
      R"(^()()()(?:ba|z|k|da)?sh-[0-9.]{1,16}[$#] )",
  };
  return patterns;
}

util::Result<PromptParser> PromptParser::make(const std::vector<std::string>& extra)
{
  PromptParser parser;
  std::vector<std::string> all = builtin_prompt_patterns();
  all.insert(all.end(), extra.begin(), extra.end());
  for (const std::string& pattern : all) {
    try {
      parser.m_patterns.emplace_back(pattern, std::regex::ECMAScript | std::regex::optimize);
    } catch (const std::regex_error& e) {
      return util::fail(
          util::ErrorKind::config, "command prompt pattern \"{}\": {}", pattern, e.what());
    }
  }
  return parser;
}

std::optional<PromptMatch> PromptParser::parse(std::string_view line) const
{
  for (const std::regex& pattern : m_patterns) {
    std::match_results<std::string_view::const_iterator> m;
    if (!std::regex_search(
            line.begin(), line.end(), m, pattern, std::regex_constants::match_continuous)) {
      continue;
    }
    PromptMatch match;
    match.prompt = m.str(0);
    const auto group = [&m](std::size_t i) {
      return i < m.size() && m[i].matched ? m.str(i) : std::string();
    };
    match.user = group(1);
    match.host = group(2);
    match.cwd = group(3);
    std::string_view rest = line.substr(static_cast<std::size_t>(m.length(0)));
    const std::size_t end = rest.find_last_not_of(' ');
    match.command =
        std::string(end == std::string_view::npos ? std::string_view() : rest.substr(0, end + 1));
    return match;
  }
  return std::nullopt;
}

} // namespace shelltrail::index
