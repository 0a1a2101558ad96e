#include "export/transcript.hpp"

#include "util/text.hpp"
#include "util/time.hpp"

#include <fmt/core.h>

namespace shelltrail::export_ {

TranscriptWriter::TranscriptWriter(const format::Metadata& metadata, TranscriptOptions options)
    : m_metadata(metadata), m_options(options),
      m_model(std::make_unique<term::TerminalModel>(term::Size{
          metadata.cols > 0 ? metadata.cols : 80, metadata.rows > 0 ? metadata.rows : 24}))
{
  m_model->on_scrolled_off([this](std::string_view text, bool continues, std::int64_t) {
    m_joined += text;
    if (!continues && m_out != nullptr) {
      line(m_joined, *m_out);
      m_joined.clear();
    }
  });
}

void TranscriptWriter::header(std::string& out)
{
  if (!m_options.html) {
    return;
  }
  const std::string title = util::html_escaped(
      util::without_controls(fmt::format("shelltrail session {}", m_metadata.session_id)));
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + title +
         "</title>\n<style>body{font-family:sans-serif;margin:2em}pre{font-family:monospace;"
         "background:#111;color:#ddd;padding:1em;overflow-x:auto;line-height:1.3}"
         ".t{color:#888}</style>\n</head>\n<body>\n<h1>" +
         title + "</h1>\n<p>" +
         util::html_escaped(util::without_controls(fmt::format(
             "{}@{}, started {}{}",
             m_metadata.user,
             m_metadata.host,
             util::to_rfc3339(m_metadata.start_unix_ns),
             m_metadata.command.empty() ? std::string() : ", command: " + m_metadata.command))) +
         "</p>\n<pre>";
}

void TranscriptWriter::line(std::string_view text, std::string& out)
{
  // Trailing blanks of a joined line go, as in a row's text.
  const std::size_t end = text.find_last_not_of(' ');
  const std::string clean =
      util::without_controls(text.substr(0, end == std::string_view::npos ? 0 : end + 1));
  std::string stamp;
  if (m_options.timestamps) {
    stamp = "[" + util::to_rfc3339(m_metadata.start_unix_ns + m_time.count() * 1000).substr(11, 8) +
            "] ";
  }
  if (m_options.html) {
    if (!stamp.empty()) {
      out += "<span class=\"t\">" + stamp + "</span>";
    }
    out += util::html_escaped(clean) + "\n";
  } else {
    out += stamp + clean + "\n";
  }
}

void TranscriptWriter::event(const format::Event& event, std::string& out)
{
  m_time = event.time;
  m_out = &out;
  if (const auto* output = std::get_if<format::Output>(&event.data)) {
    m_model->feed(output->bytes);
  } else if (const auto* error = std::get_if<format::ErrorOutput>(&event.data)) {
    m_model->feed(error->bytes);
  } else if (const auto* resize = std::get_if<format::Resize>(&event.data)) {
    m_model->resize(term::Size{resize->cols, resize->rows});
  }
  m_out = nullptr;
}

void TranscriptWriter::finish(std::string& out)
{
  // The final screen: the primary one (a full-screen program still running leaves its screen
  // out, as a terminal's scrollback would).
  if (!m_model->alternate_screen()) {
    const std::vector<std::string> rows = m_model->screen_text();
    std::size_t last = rows.size();
    while (last > 0 && rows[last - 1].empty()) {
      --last;
    }
    for (std::size_t r = 0; r < last; ++r) {
      m_joined += rows[r];
      if (!m_model->row_continues(static_cast<int>(r)) || r + 1 == last) {
        line(m_joined, out);
        m_joined.clear();
      }
    }
  }
  if (m_options.html) {
    out += "</pre>\n</body>\n</html>\n";
  }
}

} // namespace shelltrail::export_
