#pragma once
// Redactor: decides which typed bytes are a password, so that only their length is recorded.
// Input is withheld
//  (a) while the pty is in canonical mode with echo off — local sudo, su, passwd, read -s; and
//  (b) from the first keystroke on a line whose text looks like a password prompt, up to and
//      including Enter — this covers prompts from the far side of a nested ssh, where the local
//      pty stays raw for the whole session and the prompt is only output text.
// For (b) it follows the text of the cursor line cheaply: only the output after the last
// newline of each read is looked at, with escape sequences skipped — no terminal emulator on
// the keystroke path. A prompt is only recognised before the user types on its line, so that
// typing `echo password:` at a shell prompt does not hide the next keystroke.

#include "util/error.hpp"

#include <regex.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace shelltrail::recorder {

class Redactor
{
public:
  struct Piece
  {
    std::string_view bytes;
    bool redacted = false;
  };

  // Compiles the prompt patterns (POSIX extended, case-insensitive). `enabled` false keeps
  // every keystroke.
  static util::Result<Redactor> create(const std::vector<std::string>& prompt_patterns,
                                       bool enabled);

  // Follows output on its way to the screen.
  void on_output(std::string_view bytes);
  // Splits typed `input` into pieces to keep and pieces to withhold, in order.
  // `canonical_without_echo`: the pty's mode just before this input reaches the program.
  void classify(std::string_view input, bool canonical_without_echo, std::vector<Piece>& out);

  // The text of the cursor line as followed so far (for tests and diagnostics).
  const std::string& cursor_line() const;

private:
  struct RegexFree
  {
    void operator()(regex_t* regex) const;
  };
  using Regex = std::unique_ptr<regex_t, RegexFree>;

  Redactor(std::vector<Regex> patterns, bool enabled);
  bool line_is_prompt() const;
  void feed_tail(std::string_view bytes);

  std::vector<Regex> m_patterns;
  bool m_enabled;
  std::string m_line;
  enum class Escape { none, esc, csi, string, string_esc } m_escape = Escape::none;
  bool m_typed_on_line = false;
  bool m_redacting = false; // inside a prompt's answer, until Enter
};

} // namespace shelltrail::recorder
