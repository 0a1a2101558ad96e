#include "index/extractor.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace shelltrail::index {
namespace {

// Bash's and zsh's continuation prompt (PS2) by default.
constexpr std::string_view k_continuation_prompt = "> ";
// What a terminal sends around pasted text once the program asked for it (mode ?2004).
constexpr std::string_view k_paste_start = "\x1b[200~";
constexpr std::string_view k_paste_end = "\x1b[201~";
// Lines typed ahead that are remembered at most (the oldest are forgotten).
constexpr std::size_t k_max_typed_ahead = 8;
// Screen lines held until a prompt says where they were written, at most.
constexpr std::size_t k_max_pending_lines = 4096;

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
  m_places.emplace_back(std::chrono::microseconds(0), m_place);
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
    typed_keys(in->bytes);
  } else if (const auto* resize = std::get_if<format::Resize>(&event.data)) {
    m_model->resize(term::Size{resize->cols, resize->rows});
  }
}

void Extractor::typed_keys(std::string_view bytes)
{
  int enters = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const std::string_view rest = bytes.substr(i);
    if (rest.starts_with(k_paste_start) || rest.starts_with(k_paste_end)) {
      m_in_paste = rest.starts_with(k_paste_start);
      i += k_paste_start.size() - 1;
    } else if (bytes[i] == '\r' || bytes[i] == '\n') {
      // A line break in a bracketed paste goes into the line being edited (bash 5.1 and later,
      // zsh): the next Enter submits all of it.
      ++(m_in_paste ? m_pasted_breaks : enters);
    } else if (bytes[i] == '\x03' && !m_in_paste) {
      // Ctrl-C drops the line being edited, and the terminal what was typed ahead.
      m_pasted_breaks = 0;
      m_typed_ahead.clear();
    }
  }
  if (enters > 0) {
    if (m_pending_enters == 0) {
      m_enter_time = m_time;
    }
    m_pending_enters += enters;
  }
  // Several Enters at once (a paste without bracketed paste mode): the shell runs the lines one
  // by one, and the output of one can take the line feed the next Enter waits for.
  m_burst = enters > 1;
  m_burst_time = m_time;
  m_burst_lent = 0;
}

void Extractor::output(std::string_view bytes)
{
  // At each line feed that answers an Enter, the line the cursor is on is the submitted one.
  // While lines typed ahead wait for the shell, any line feed may be the shell taking one.
  while ((m_pending_enters > 0 || !m_typed_ahead.empty() || m_burst_lent > 0) && !bytes.empty()) {
    const std::size_t lf = bytes.find('\n');
    if (lf == std::string_view::npos) {
      break;
    }
    m_model->feed(bytes.substr(0, lf));
    if (m_pending_enters > 0) {
      --m_pending_enters;
      submitted_line();
      if (m_pending_enters > 0) {
        m_enter_time = m_burst ? m_burst_time : m_time; // (a paste's Enters came together)
      }
    } else if (m_typed_ahead.empty() || !typed_ahead_line()) {
      burst_line();
    }
    // The line feed itself, once its line was read: each line feed answers one Enter at most.
    m_model->feed(bytes.substr(lf, 1));
    bytes.remove_prefix(lf + 1);
  }
  m_model->feed(bytes);
  check_alternate();
}

std::string Extractor::logical_line(int row, int& first, int& last) const
{
  // The row, the rows before it that wrap into it, and the rows after it that it wraps into.
  // The cursor need not be on the last row: given Enter with the cursor in a wrapped line's first
  // row, readline moves down to the last row with line feeds, and the first of them is read.
  first = row;
  while (first > 0 && m_model->row_continues(first - 1)) {
    --first;
  }
  last = row;
  while (last + 1 < m_model->size().rows && m_model->row_continues(last)) {
    ++last;
  }
  std::string line;
  for (int r = first; r <= last; ++r) {
    const std::string text = m_model->row_text(r);
    line += text;
    // A row that wrapped is full: blanks that row_text dropped at its end were typed (a command
    // that wraps at a space). Plain ASCII rows only: the width of other text is not counted here.
    if (r < last && std::all_of(text.begin(), text.end(), [](char c) {
          return static_cast<unsigned char>(c) < 0x80;
        })) {
      line.append(static_cast<std::size_t>(
                      std::max(0, m_model->size().cols - static_cast<int>(text.size()))),
                  ' ');
    }
  }
  return line;
}

std::optional<PromptMatch> Extractor::parse_prompt(std::string_view line) const
{
  auto match = m_prompts.parse(line);
  if (!match || match->user.size() <= m_place.user.size() || m_place.user.empty() ||
      match->host != m_place.host || !match->user.ends_with(m_place.user)) {
    return match;
  }
  // Output without a line feed before the prompt is glued to it ("done" + "alice@db-1:~$ "): a
  // user that ends with the current one, on the current host, is the current one.
  const std::size_t at = line.find(match->user);
  if (at == std::string_view::npos) {
    return match;
  }
  auto unglued = m_prompts.parse(line.substr(at + match->user.size() - m_place.user.size()));
  return unglued && unglued->user == m_place.user ? unglued : match;
}

void Extractor::take_place(const PromptMatch& match)
{
  const Place before = m_place;
  if (!match.host.empty()) {
    m_place.host = match.host;
  }
  if (!match.user.empty()) {
    m_place.user = match.user;
  }
  m_place.cwd = match.cwd;
  if (m_place.host != before.host || m_place.user != before.user) {
    // Another host or user: from the command that led there (the ssh, the sudo -i, the exit), so
    // that its banner and messages count for where they came from.
    const std::chrono::microseconds since = m_last_command ? m_last_command->offset : m_time;
    m_places.emplace_back(std::max(since, m_places.back().first), m_place);
  }
  flush_lines();
}

const Place& Extractor::place_at(std::chrono::microseconds offset) const
{
  auto it = std::upper_bound(
      m_places.begin(),
      m_places.end(),
      offset,
      [](std::chrono::microseconds t, const auto& change) { return t < change.first; });
  return it == m_places.begin() ? m_places.front().second : std::prev(it)->second;
}

void Extractor::flush_lines()
{
  for (OutputLine& line : m_pending_lines) {
    // The place at the time the line was written.
    const Place& place = place_at(line.offset);
    line.host = place.host;
    line.user = place.user;
    m_sink.output_line(line);
  }
  m_pending_lines.clear();
}

void Extractor::submitted_line()
{
  const int pasted = std::exchange(m_pasted_breaks, 0);
  if (m_model->alternate_screen()) {
    return;
  }
  int first = 0;
  int last = 0;
  std::string line = logical_line(m_model->cursor().row, first, last);
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
  auto match = parse_prompt(line);
  // A paste of several lines shows them below the prompt's line; the cursor is on the prompt's
  // line (readline redraws the pasted text on Enter: the first line feed ends the first line) or
  // on the last one, as many lines below it as were pasted.
  std::vector<std::string> more_lines;
  if (pasted > 0) {
    if (!match) {
      int up = 0;
      while (up < pasted && first > 0) {
        logical_line(first - 1, first, last);
        ++up;
      }
      if (up == pasted) {
        match = parse_prompt(logical_line(first, first, last));
      }
    }
    int row = last + 1;
    for (int n = 0; match && n < pasted && row < m_model->size().rows; ++n) {
      int line_first = 0;
      int line_last = 0;
      more_lines.push_back(trimmed_right(logical_line(row, line_first, line_last)));
      row = line_last + 1;
    }
  }
  if (!match) {
    // Input to a program, or a line typed ahead, echoed by the terminal, for the shell to take.
    std::string text = trimmed_right(line);
    if (m_burst) {
      ++m_burst_lent; // maybe the output of the burst's previous line
    }
    if (!text.empty()) {
      m_typed_ahead.push_back(TypedAhead{std::move(text), m_enter_time});
      if (m_typed_ahead.size() > k_max_typed_ahead) {
        m_typed_ahead.pop_front();
      }
    }
    return;
  }
  m_typed_ahead.clear(); // the shell took what was typed ahead before it showed this prompt
  take_place(*match);
  CommandRecord record;
  record.offset = m_enter_time;
  record.place = m_place;
  record.prompt = std::move(match->prompt);
  record.command = std::move(match->command);
  for (std::string& next : more_lines) { // each pasted line is a command, as in the history
    if (record.command.ends_with('\\')) {
      record.command.pop_back();
      record.command += next;
    } else {
      if (!record.command.empty()) {
        m_sink.command(record);
      }
      record.command = std::move(next);
    }
  }
  if (record.command.empty()) {
    return;
  }
  m_last_command = std::move(record);
  m_continuing = m_last_command->command.ends_with('\\');
  if (!m_continuing) {
    m_sink.command(*m_last_command);
  }
}

bool Extractor::typed_ahead_line()
{
  if (m_model->alternate_screen()) {
    return false;
  }
  const TypedAhead& next = m_typed_ahead.front();
  // Most line feeds are output: the cursor's row must first be the end of the line typed ahead.
  const std::string row = trimmed_right(m_model->row_text(m_model->cursor().row));
  if (row.empty() || (!row.ends_with(next.text) && !next.text.ends_with(row))) {
    return false;
  }
  int first = 0;
  int last = 0;
  auto match = parse_prompt(logical_line(m_model->cursor().row, first, last));
  // As echoed, the line may follow output that had no line feed yet.
  if (!match || match->command.empty() || !next.text.ends_with(match->command)) {
    return false;
  }
  const auto enter_time = next.enter_time;
  m_typed_ahead.pop_front();
  whole_command(*match, enter_time);
  return true;
}

void Extractor::burst_line()
{
  if (m_burst_lent == 0 || m_model->alternate_screen()) {
    return;
  }
  int first = 0;
  int last = 0;
  auto match = parse_prompt(logical_line(m_model->cursor().row, first, last));
  if (!match || match->command.empty()) {
    return; // output of the burst's lines
  }
  --m_burst_lent;
  m_typed_ahead.clear();
  whole_command(*match, m_burst_time);
}

void Extractor::whole_command(PromptMatch& match, std::chrono::microseconds offset)
{
  take_place(match);
  CommandRecord record;
  record.offset = offset;
  record.place = m_place;
  record.prompt = std::move(match.prompt);
  record.command = std::move(match.command);
  m_continuing = false;
  m_last_command = std::move(record);
  m_sink.command(*m_last_command);
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
    m_pasted_breaks = 0;
    m_typed_ahead.clear(); // the program reads what was typed ahead
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
  // Held until the next prompt says where the session is (the lines of a nested ssh's banner come
  // before its first prompt); a long run of output without a prompt is let go in pieces.
  m_pending_lines.push_back(OutputLine{when, std::move(text), {}, {}});
  if (m_pending_lines.size() >= k_max_pending_lines) {
    flush_lines();
  }
}

// The lines finish() would give (those still held, the one being joined, the screen), without
// changing anything: `rows` joined as finish() joins them.
std::vector<OutputLine> Extractor::remaining_lines() const
{
  std::vector<OutputLine> lines = m_pending_lines;
  std::string joined = m_joined;
  std::int64_t stamp = m_joined_stamp;
  const auto done = [&] {
    std::string text = trimmed_right(joined);
    if (!text.empty()) {
      lines.push_back(OutputLine{std::chrono::microseconds(stamp), std::move(text), {}, {}});
    }
    joined.clear();
    stamp = 0;
  };
  if (!m_model->alternate_screen()) {
    const std::vector<std::string> rows = m_model->screen_text();
    for (std::size_t r = 0; r < rows.size(); ++r) {
      joined += rows[r];
      stamp = std::max(stamp, m_model->row_stamp(static_cast<int>(r)));
      if (!m_model->row_continues(static_cast<int>(r)) || r + 1 == rows.size()) {
        done();
      }
    }
  } else if (!joined.empty()) {
    done();
  }
  for (OutputLine& line : lines) {
    const Place& place = place_at(line.offset);
    line.host = place.host;
    line.user = place.user;
  }
  return lines;
}

void Extractor::snapshot(ExtractorSink& sink) const
{
  if (m_continuing && m_last_command) {
    sink.command(*m_last_command);
  }
  if (m_activity) {
    ActivityRecord activity = *m_activity;
    activity.end = m_time;
    sink.activity(activity);
  }
  for (const OutputLine& line : remaining_lines()) {
    sink.output_line(line);
  }
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
  for (OutputLine& line : remaining_lines()) {
    m_sink.output_line(line);
  }
  m_pending_lines.clear();
  m_joined.clear();
  m_joined_stamp = 0;
}

} // namespace shelltrail::index
