#pragma once
// Transcript: the text a session showed, as it scrolled — each line once, when it scrolled off
// the top of the primary screen, then the final screen — without escape sequences. What a
// full-screen program (alternate screen) drew is not in it, as in a terminal's scrollback.
// Lines that wrapped at the right margin are joined. For `export --format text` and `html`.

#include "format/event.hpp"
#include "format/metadata.hpp"
#include "term/terminal_model.hpp"

#include <chrono>
#include <memory>
#include <string>

namespace shelltrail::export_ {

struct TranscriptOptions
{
  bool timestamps = false; // "[14:02:31] " (UTC) before each line: when it left the screen
  bool html = false;       // lines HTML-escaped, inside a self-contained page
};

class TranscriptWriter
{
public:
  TranscriptWriter(const format::Metadata& metadata, TranscriptOptions options);
  // The page's head (html), nothing for text.
  void header(std::string& out);
  // Feeds one event; lines that scrolled off meanwhile are appended to `out`.
  void event(const format::Event& event, std::string& out);
  // The final screen (trailing blank rows left out), and the page's end.
  void finish(std::string& out);

private:
  void line(std::string_view text, std::string& out);

  format::Metadata m_metadata;
  TranscriptOptions m_options;
  std::unique_ptr<term::TerminalModel> m_model;
  std::chrono::microseconds m_time{0};
  std::string m_joined; // a wrapped line's beginning
  std::string* m_out = nullptr;
};

} // namespace shelltrail::export_
