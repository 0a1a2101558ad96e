#include "index/extractor.hpp"

#include <algorithm>

namespace shelltrail::index {
namespace {

// Bash's and zsh's continuation prompt (PS2) by default.
constexpr std::string_view k_continuation_prompt = "> ";

std::string trimmed_right(std::string_view text)
{
  const std::size_t end = text.find_last_not_of(' ');
  return std::string(end == std::string_view::npos ? std::string_view() : text.substr(0, end + 1));
}

} // namespace

Extractor::Extractor(const format::Metadata& metadata,
                     const PromptParser& prompts,
                     ExtractorSink& sink)
    : m_prompts(prompts), m_sink(sink),
      m_model(std::make_unique<term::TerminalModel>(term::Size{
          metadata.cols > 0 ? metadata.cols : 80, metadata.rows > 0 ? metadata.rows : 24}))
{
  m_jump_box = Place{metadata.user, metadata.host, {}};
  m_place = m_jump_box;
  m_model->on_scrolled_off([this](std::string_view text, bool continues, std::int64_t stamp) {
    scrolled(text, continues, stamp);
  });
}

Extractor::~Extractor() = default;

void Extractor::event(const format::Event& event)
{
  m_time = event.time;
  m_model->set_stamp(event.time.count());
  if (const auto* out = std::get_if<format::Output>(&event.data)) {
    output(out->bytes);
  } else if (const auto* err = std::get_if<format::ErrorOutput>(&event.data)) {
    output(err->bytes);
  } else if (const auto* in = std::get_if<format::Input>(&event.data)) {
    if (m_alternate) {
      return; // keys for vim, less, top: not commands
    }
    const auto enters = std::count_if(
        in->bytes.begin(), in->bytes.end(), [](char c) { return c == '\r' || c == '\n'; });
    if (enters > 0) {
      if (m_pending_enters == 0) {
        m_enter_time = event.time;
      }
      m_pending_enters += static_cast<int>(enters);
    }
  } else if (const auto* resize = std::get_if<format::Resize>(&event.data)) {
    m_model->resize(term::Size{resize->cols, resize->rows});
  }
}

void Extractor::output(std::string_view bytes)
{
  // At each line feed that answers an Enter, the line the cursor is on is the submitted one.
  while (m_pending_enters > 0 && !bytes.empty()) {
    const std::size_t lf = bytes.find('\n');
    if (lf == std::string_view::npos) {
      break;
    }
    m_model->feed(bytes.substr(0, lf));
    bytes.remove_prefix(lf);
    --m_pending_enters;
    submitted_line();
    if (m_pending_enters > 0) {
      m_enter_time = m_time;
    }
  }
  m_model->feed(bytes);
  check_alternate();
}

void Extractor::submitted_line()
{
  if (m_model->alternate_screen()) {
    return;
  }
  // The logical line: the cursor's row and the rows it continues.
  int row = m_model->cursor().row;
  while (row > 0 && m_model->row_continues(row - 1)) {
    --row;
  }
  std::string line;
  for (int r = row; r <= m_model->cursor().row; ++r) {
    const std::string text = m_model->row_text(r);
    line += text;
    // A row that wrapped is full: blanks that row_text dropped at its end were typed (a command
    // that wraps at a space). Plain ASCII rows only: the width of other text is not counted here.
    if (r < m_model->cursor().row && std::all_of(text.begin(), text.end(), [](char c) {
          return static_cast<unsigned char>(c) < 0x80;
        })) {
      line.append(static_cast<std::size_t>(
                      std::max(0, m_model->size().cols - static_cast<int>(text.size()))),
                  ' ');
    }
  }
  if (m_continuing && m_last_command && line.starts_with(k_continuation_prompt)) {
    std::string& command = m_last_command->command;
    command.pop_back(); // the backslash: the shell joins the lines without it, as its history does
    command += trimmed_right(std::string_view(line).substr(k_continuation_prompt.size()));
    m_continuing = command.ends_with('\\');
    if (!m_continuing) {
      m_sink.command(*m_last_command);
    }
    return;
  }
  if (m_continuing && m_last_command) {
    m_sink.command(*m_last_command); // the continuation never came (Ctrl-C)
    m_continuing = false;
  }
  auto match = m_prompts.parse(line);
  if (!match) {
    return;
  }
  if (!match->host.empty()) {
    m_place.host = match->host;
  }
  if (!match->user.empty()) {
    m_place.user = match->user;
  }
  m_place.cwd = match->cwd;
  if (match->command.empty()) {
    return;
  }
  CommandRecord record;
  record.offset = m_enter_time;
  record.place = m_place;
  record.prompt = std::move(match->prompt);
  record.command = std::move(match->command);
  m_last_command = std::move(record);
  m_continuing = m_last_command->command.ends_with('\\');
  if (!m_continuing) {
    m_sink.command(*m_last_command);
  }
}

void Extractor::check_alternate()
{
  const bool alternate = m_model->alternate_screen();
  if (alternate == m_alternate) {
    return;
  }
  m_alternate = alternate;
  if (alternate) {
    m_pending_enters = 0;
    m_activity =
        ActivityRecord{m_time, m_time, m_last_command ? m_last_command->command : "", m_place};
  } else if (m_activity) {
    m_activity->end = m_time;
    m_sink.activity(*m_activity);
    m_activity.reset();
  }
}

void Extractor::scrolled(std::string_view text, bool continues, std::int64_t stamp)
{
  m_joined += text;
  m_joined_stamp = std::max(m_joined_stamp, stamp);
  if (!continues) {
    line_done();
  }
}

void Extractor::line_done()
{
  std::string text = trimmed_right(m_joined);
  const std::chrono::microseconds when(m_joined_stamp);
  m_joined.clear();
  m_joined_stamp = 0;
  if (text.empty()) {
    return;
  }
  m_sink.output_line(OutputLine{when, std::move(text), m_place.host});
}

void Extractor::finish()
{
  if (m_continuing && m_last_command) {
    m_sink.command(*m_last_command);
    m_continuing = false;
  }
  if (m_activity) {
    m_activity->end = m_time;
    m_sink.activity(*m_activity);
    m_activity.reset();
  }
  if (!m_model->alternate_screen()) {
    const std::vector<std::string> rows = m_model->screen_text();
    for (std::size_t r = 0; r < rows.size(); ++r) {
      m_joined += rows[r];
      m_joined_stamp = std::max(m_joined_stamp, m_model->row_stamp(static_cast<int>(r)));
      if (!m_model->row_continues(static_cast<int>(r)) || r + 1 == rows.size()) {
        line_done();
      }
    }
  } else if (!m_joined.empty()) {
    line_done();
  }
}

} // namespace shelltrail::index
