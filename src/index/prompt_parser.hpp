#pragma once
// PromptParser: tells a shell prompt at the start of a screen line and what it reveals — the
// user, host and working directory of `user@host:dir$ ` (Debian, Ubuntu), `[user@host dir]# `
// (RHEL, Fedora), `user@host dir % ` (zsh) — and where the typed command begins. The indexer
// uses it on the line submitted with Enter: a line with no prompt is not a command.

#include "util/error.hpp"

#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace shelltrail::index {

struct PromptMatch
{
  std::string prompt; // the prompt as shown, e.g. "alice@db-1:/var/log$ "
  std::string user;   // empty when the prompt does not show it
  std::string host;
  std::string cwd;
  std::string command; // the rest of the line, trailing blanks removed
};

class PromptParser
{
public:
  // The built-in patterns, then `extra` (ECMAScript regular expressions matched at the start of
  // the line: group 1 the user, 2 the host, 3 the directory, each optional; the match ends where
  // the command begins). Fails with ErrorKind::config naming a pattern that does not compile.
  static util::Result<PromptParser> make(const std::vector<std::string>& extra = {});

  std::optional<PromptMatch> parse(std::string_view line) const;

private:
  std::vector<std::regex> m_patterns;
};

// The patterns built in, most specific first (documented in docs/search.md).
const std::vector<std::string>& builtin_prompt_patterns();

} // namespace shelltrail::index
