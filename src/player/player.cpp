#include "player/player.hpp"

#include "format/recording_reader.hpp"
#include "player/keyframes.hpp"
#include "player/output_sanitizer.hpp"
#include "player/play_time.hpp"
#include "sys/signal_fd.hpp"
#include "sys/terminal.hpp"
#include "term/terminal_model.hpp"
#include "util/file.hpp"
#include "util/time.hpp"

#include <fmt/core.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <memory>

namespace shelltrail::player {
namespace {

using std::chrono::microseconds;
using std::chrono::nanoseconds;
using Clock = std::chrono::steady_clock;

constexpr microseconds k_small_seek{10'000'000};
constexpr microseconds k_large_seek{60'000'000};
constexpr double k_min_speed = 1.0 / 64;
constexpr double k_max_speed = 4096;
// How often a followed recording is looked at for new frames.
constexpr std::chrono::milliseconds k_follow_poll{50};
// A note on the bottom row (e.g. "terminal smaller than the recording") stays this long.
constexpr std::chrono::seconds k_note_time{4};

// What leaves the reviewer's terminal as it was (the screen content stays): normal attributes,
// cursor shown, primary screen, no bracketed paste / application cursor keys / keypad, mouse off.
constexpr std::string_view k_restore =
    "\x1b[0m\x1b[?25h\x1b[?2004l\x1b[?1l\x1b>\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l";

enum class Key {
  none,
  pause,
  step,
  faster,
  slower,
  back_small,
  forward_small,
  back_large,
  forward_large,
  quit
};

// The keys in `bytes` (one read of the reviewer's terminal), in order.
std::vector<Key> parse_keys(std::string_view bytes)
{
  std::vector<Key> keys;
  while (!bytes.empty()) {
    const auto take = [&](std::string_view prefix, Key key) {
      if (bytes.rfind(prefix, 0) == 0) {
        keys.push_back(key);
        bytes.remove_prefix(prefix.size());
        return true;
      }
      return false;
    };
    if (take("\x1b[1;2C", Key::forward_large) || take("\x1b[1;2D", Key::back_large) ||
        take("\x1b[6~", Key::forward_large) || take("\x1b[5~", Key::back_large) ||
        take("\x1b[C", Key::forward_small) || take("\x1bOC", Key::forward_small) ||
        take("\x1b[D", Key::back_small) || take("\x1bOD", Key::back_small)) {
      continue;
    }
    const char c = bytes.front();
    bytes.remove_prefix(1);
    switch (c) {
    case ' ':
      keys.push_back(Key::pause);
      break;
    case '.':
      keys.push_back(Key::step);
      break;
    case '+':
    case '=':
      keys.push_back(Key::faster);
      break;
    case '-':
    case '_':
      keys.push_back(Key::slower);
      break;
    case 'q':
    case 'Q':
    case '\x03':
      keys.push_back(Key::quit);
      break;
    case '\x1b':
      // Some other sequence: skip to its final byte.
      while (!bytes.empty() && !(bytes.front() >= 0x40 && bytes.front() <= 0x7e &&
                                 bytes.front() != '[' && bytes.front() != 'O')) {
        bytes.remove_prefix(1);
      }
      if (!bytes.empty()) {
        bytes.remove_prefix(1);
      }
      break;
    default:
      break;
    }
  }
  return keys;
}

// SGR for a cell's attributes (from normal).
std::string sgr(const term::Attributes& a)
{
  std::string s = "\x1b[0";
  const auto color = [&](const term::Color& c, int base, int extended) {
    switch (c.kind) {
    case term::Color::Kind::default_color:
      break;
    case term::Color::Kind::indexed:
      if (c.index < 8) {
        s += fmt::format(";{}", base + c.index);
      } else if (c.index < 16) {
        s += fmt::format(";{}", base + 60 + c.index - 8);
      } else {
        s += fmt::format(";{};5;{}", extended, c.index);
      }
      break;
    case term::Color::Kind::rgb:
      s += fmt::format(";{};2;{};{};{}", extended, c.red, c.green, c.blue);
      break;
    }
  };
  if (a.bold) {
    s += ";1";
  }
  if (a.italic) {
    s += ";3";
  }
  if (a.underline == 1) {
    s += ";4";
  } else if (a.underline == 2) {
    s += ";21";
  } else if (a.underline == 3) {
    s += ";4:3";
  }
  if (a.blink) {
    s += ";5";
  }
  if (a.reverse) {
    s += ";7";
  }
  if (a.conceal) {
    s += ";8";
  }
  if (a.strike) {
    s += ";9";
  }
  color(a.foreground, 30, 38);
  color(a.background, 40, 48);
  return s + "m";
}

void append_utf8(std::string& out, char32_t c)
{
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xc0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3f));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xe0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (c & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (c & 0x3f));
  }
}

class Session
{
public:
  Session(std::string path, PlayOptions options, int input_fd, int output_fd)
      : m_path(std::move(path)), m_options(options), m_input(input_fd), m_output(output_fd),
        m_speed(std::clamp(options.speed, k_min_speed, k_max_speed))
  {}

  util::Result<PlayResult> run();

private:
  util::Result<void> open_from(const Keyframe* keyframe);
  // Reads the next event into m_pending; false at the end of what is there (or damage).
  bool fetch();
  // Feeds events up to `target` to the model without showing them.
  void fast_forward(microseconds target);
  void seek(microseconds target);
  void show(const format::Event& event);
  void feed_model(const format::Event& event);
  // After a jump: a reset terminal, then the model's screen.
  void repaint_screen();
  void handle(Key key);
  void write_out(std::string_view bytes);
  void write_sanitized(std::string_view bytes);
  void draw_bottom_row();
  void erase_bottom_row();
  void check_terminal_size();
  microseconds clock_now() const; // the recording time the playback clock is at
  bool wait_for_follow();

  std::string m_path;
  PlayOptions m_options;
  int m_input;
  int m_output;
  double m_speed;
  PlayResult m_result;

  std::optional<format::RecordingReader> m_reader;
  std::unique_ptr<term::TerminalModel> m_model;
  std::unique_ptr<OutputSanitizer> m_sanitizer = std::make_unique<OutputSanitizer>();
  std::optional<format::Event> m_pending;
  std::string m_pending_bytes; // m_pending's bytes (the reader's view is valid until next())
  bool m_at_end = false;
  std::int64_t m_start_unix_ns = 0;

  std::optional<Keyframes> m_keyframes;
  bool m_keyframes_tried = false;

  // The playback clock: the recording time m_clock_time at wall time m_anchor.
  microseconds m_clock_time{0};
  Clock::time_point m_anchor = Clock::now();
  microseconds m_shown{0}; // time of what is on screen
  bool m_paused = false;
  bool m_step = false;

  bool m_row_drawn = false; // the status/note row is on screen
  std::string m_note;
  Clock::time_point m_note_until{};
  bool m_size_noted = false;
  std::optional<sys::Winsize> m_terminal_size;
  Clock::time_point m_last_status{};
  bool m_write_failed = false;
  std::uint64_t m_follow_size = 0; // the file size when a followed recording was last read
  std::optional<format::ResumePoint> m_last_boundary; // following: where to read again from
  bool m_final_read = false; // following: read once more after the recorder stopped
  util::Fd m_follow_fd;      // following: the recording file as it was when we started
};

util::Result<void> Session::open_from(const Keyframe* keyframe)
{
  m_reader.reset();
  m_pending.reset();
  m_at_end = false;
  if (keyframe == nullptr) {
    ST_TRY_ASSIGN(format::RecordingReader reader, format::RecordingReader::open(m_path));
    m_start_unix_ns = reader.metadata().start_unix_ns;
    m_model = std::make_unique<term::TerminalModel>(initial_size(reader.metadata()));
    m_reader.emplace(std::move(reader));
    return {};
  }
  ST_TRY_ASSIGN(format::RecordingReader reader,
                format::RecordingReader::open_at(m_path, keyframe->point));
  ST_TRY_ASSIGN(const std::string repaint, m_keyframes->repaint(*keyframe));
  m_model = std::make_unique<term::TerminalModel>(keyframe->size);
  m_model->feed(repaint);
  m_reader.emplace(std::move(reader));
  return {};
}

bool Session::fetch()
{
  if (m_pending) {
    return true;
  }
  if (m_at_end || !m_reader) {
    return false;
  }
  if (m_options.follow) {
    if (auto point = m_reader->boundary()) {
      m_last_boundary = std::move(point);
    }
  }
  auto event = m_reader->next();
  if (!event) {
    m_at_end = true;
    if (m_options.follow && m_last_boundary && util::is_locked_exclusively(m_follow_fd.get())) {
      // A frame the recorder is still writing can look damaged for a moment: read it again
      // once the file grows (a finished recording is judged as it is).
      return false;
    }
    m_result.damage = std::move(event).error();
    return false;
  }
  if (!*event) {
    m_at_end = true;
    const format::Ending& ending = m_reader->ending();
    m_result.complete = ending.complete;
    m_result.incomplete = ending.incomplete_reason;
    return false;
  }
  m_pending = std::move(**event);
  // The event's bytes point into the reader's frame: keep a copy while it waits.
  if (std::string_view* bytes = format::payload_bytes(m_pending->data)) {
    m_pending_bytes.assign(bytes->data(), bytes->size());
    *bytes = m_pending_bytes;
  }
  return true;
}

void Session::feed_model(const format::Event& event)
{
  feed_event(*m_model, event);
}

void Session::fast_forward(microseconds target)
{
  while (fetch() && m_pending->time <= target) {
    feed_model(*m_pending);
    m_pending.reset();
  }
}

void Session::seek(microseconds target)
{
  target = std::max(target, microseconds(0));
  if (m_options.until) {
    target = std::min(target, *m_options.until);
  }
  if (!m_keyframes_tried) {
    m_keyframes_tried = true;
    const auto file = identify_file(m_path);
    const std::string cache = keyframe_cache_path(m_reader->metadata().session_id);
    if (file && m_options.use_keyframe_cache) {
      m_keyframes = Keyframes::load(cache, *file);
    }
    if (!m_keyframes && file) {
      if (file->size >= (8U << 20)) {
        m_note = "building keyframes for seeking (once per recording)...";
        m_note_until = Clock::now() + k_note_time;
        draw_bottom_row();
      }
      auto built = Keyframes::build(m_path, {});
      if (built) {
        m_keyframes = std::move(*built);
        // Only a finished recording keeps its keyframes; a live one still changes.
        if (m_options.use_keyframe_cache && !m_options.follow) {
          (void)m_keyframes->save(cache);
        }
      }
    }
  }
  const Keyframe* keyframe = m_keyframes ? m_keyframes->at_or_before(target) : nullptr;
  const bool forward = target >= m_shown;
  if (forward && (keyframe == nullptr || keyframe->time <= m_shown)) {
    // Nearer from here than from any keyframe.
  } else if (auto opened = open_from(keyframe); !opened) {
    m_result.damage = std::move(opened).error();
    m_at_end = true;
    return;
  }
  fast_forward(target);
  m_shown = target;
  m_clock_time = target;
  m_anchor = Clock::now();
  repaint_screen();
}

void Session::repaint_screen()
{
  if (m_options.reset_terminal) {
    write_out("\x1b"
              "c");
  }
  // Nothing of a sequence cut by the jump carries over.
  m_sanitizer->reset();
  write_sanitized(m_model->repaint());
  m_row_drawn = false;
  draw_bottom_row();
}

void Session::write_out(std::string_view bytes)
{
  if (m_write_failed || m_output < 0) {
    return;
  }
  while (!bytes.empty()) {
    const ssize_t n = ::write(m_output, bytes.data(), bytes.size());
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      pollfd p{m_output, POLLOUT, 0};
      (void)::poll(&p, 1, 1000);
    } else {
      // The terminal is gone (EIO after a hang-up), the pipe closed or the disk full: stop.
      m_write_failed = true;
      m_result.output_error =
          util::Error::from_errno(n < 0 ? errno : EIO, "writing standard output");
      return;
    }
  }
}

void Session::write_sanitized(std::string_view bytes)
{
  if (m_options.raw) {
    write_out(bytes);
    return;
  }
  std::string safe;
  const std::uint64_t dropped_before = m_sanitizer->counts().dropped();
  m_sanitizer->feed(bytes, safe);
  write_out(safe);
  if (dropped_before == 0 && m_sanitizer->counts().dropped() > 0) {
    m_note = "shelltrail: escape sequences that could act on your terminal are filtered (--raw "
             "shows them)";
    m_note_until = Clock::now() + k_note_time;
  }
}

void Session::show(const format::Event& event)
{
  const bool drawn_row = m_row_drawn;
  if (drawn_row && (std::holds_alternative<format::Output>(event.data) ||
                    std::holds_alternative<format::ErrorOutput>(event.data))) {
    erase_bottom_row();
  }
  if (const auto* out = std::get_if<format::Output>(&event.data)) {
    write_sanitized(out->bytes);
  } else if (const auto* err = std::get_if<format::ErrorOutput>(&event.data)) {
    write_sanitized(err->bytes);
  }
  feed_model(event);
  if (std::holds_alternative<format::Resize>(event.data)) {
    check_terminal_size();
  } else if (const auto* marker = std::get_if<format::Marker>(&event.data)) {
    // Cuts, gaps and annotations are shown, never passed over in silence.
    m_note = std::string(marker->text);
    m_note_until = Clock::now() + k_note_time;
  }
  m_shown = event.time;
}

void Session::check_terminal_size()
{
  m_terminal_size = sys::window_size(m_output);
  // A closed pipe is an output error like any other (reported, the terminal put back), not a
  // signal that ends the process with stdin left in raw mode.
  (void)::signal(SIGPIPE, SIG_IGN);
  if (!m_terminal_size || m_size_noted) {
    return;
  }
  const term::Size recorded = m_model->size();
  if (m_terminal_size->cols < recorded.cols || m_terminal_size->rows < recorded.rows) {
    m_size_noted = true;
    m_result.size_note = fmt::format("the recording is {}x{}, this terminal only {}x{}: lines "
                                     "and rows beyond it are cut or wrapped",
                                     recorded.cols,
                                     recorded.rows,
                                     m_terminal_size->cols,
                                     m_terminal_size->rows);
    m_note = "note: " + m_result.size_note;
    m_note_until = Clock::now() + k_note_time;
  }
}

// The bottom row shows the status (with --status) or a note for a few seconds.
void Session::draw_bottom_row()
{
  const bool note = !m_note.empty() && Clock::now() < m_note_until;
  if (!note && !m_options.status_line) {
    if (m_row_drawn) {
      erase_bottom_row();
    }
    return;
  }
  if (!m_terminal_size) {
    return;
  }
  std::string text;
  if (note) {
    text = m_note;
  } else {
    const std::int64_t wall = m_start_unix_ns + m_shown.count() * 1000;
    text = fmt::format(" {} UTC  {}  {}  {}x ",
                       util::to_rfc3339(wall).substr(11, 12),
                       format_offset(m_shown),
                       m_paused ? "paused" : (m_at_end && !m_pending ? "end" : "playing"),
                       m_speed);
  }
  const int cols = m_terminal_size->cols;
  if (static_cast<int>(text.size()) > cols) {
    text.resize(static_cast<std::size_t>(cols));
  } else {
    text.append(static_cast<std::size_t>(cols) - text.size(), ' ');
  }
  // Save the cursor and pen (DECSC), draw in reverse video, restore (DECRC).
  write_out(fmt::format("\x1b"
                        "7\x1b[{};1H\x1b[0;7m{}\x1b"
                        "8",
                        m_terminal_size->rows,
                        text));
  m_row_drawn = true;
}

// Puts back what the model says the bottom row holds.
void Session::erase_bottom_row()
{
  m_row_drawn = false;
  if (!m_terminal_size) {
    return;
  }
  const int row = m_terminal_size->rows - 1;
  std::string out = fmt::format("\x1b"
                                "7\x1b[{};1H\x1b[0m\x1b[2K",
                                row + 1);
  const term::Size size = m_model->size();
  if (row < size.rows) {
    term::Attributes current;
    out += sgr(current);
    for (int col = 0; col < std::min<int>(size.cols, m_terminal_size->cols); ++col) {
      const term::Cell cell = m_model->cell(row, col);
      if (cell.width == 0) {
        continue;
      }
      if (!(cell.attributes == current)) {
        current = cell.attributes;
        out += sgr(current);
      }
      if (cell.chars.empty()) {
        out += ' ';
      } else {
        for (const char32_t c : cell.chars) {
          append_utf8(out, c);
        }
      }
    }
  }
  out += "\x1b"
         "8";
  write_out(out);
}

microseconds Session::clock_now() const
{
  if (m_paused) {
    return m_clock_time;
  }
  const auto elapsed = std::chrono::duration_cast<microseconds>(Clock::now() - m_anchor);
  return m_clock_time +
         microseconds(static_cast<std::int64_t>(static_cast<double>(elapsed.count()) * m_speed));
}

void Session::handle(Key key)
{
  switch (key) {
  case Key::pause:
    if (m_paused) {
      m_paused = false;
      m_anchor = Clock::now();
    } else {
      m_clock_time =
          std::max(m_shown, std::min(clock_now(), m_pending ? m_pending->time : clock_now()));
      m_paused = true;
    }
    break;
  case Key::step:
    if (m_paused) {
      m_step = true;
    }
    break;
  case Key::faster:
  case Key::slower: {
    m_clock_time =
        m_paused ? m_clock_time : std::min(clock_now(), m_pending ? m_pending->time : clock_now());
    m_anchor = Clock::now();
    m_speed = std::clamp(key == Key::faster ? m_speed * 2 : m_speed / 2, k_min_speed, k_max_speed);
    break;
  }
  case Key::back_small:
    seek(m_shown - k_small_seek);
    break;
  case Key::forward_small:
    seek(m_shown + k_small_seek);
    break;
  case Key::back_large:
    seek(m_shown - k_large_seek);
    break;
  case Key::forward_large:
    seek(m_shown + k_large_seek);
    break;
  case Key::quit:
    m_result.quit = true;
    break;
  case Key::none:
    break;
  }
  draw_bottom_row();
}

bool Session::wait_for_follow()
{
  // The end of what the recorder has written so far: wait for more, unless it has stopped.
  auto point = m_reader->boundary();
  if (!point) {
    point = m_last_boundary;
  }
  if (!point) {
    return false;
  }
  const bool live = util::is_locked_exclusively(m_follow_fd.get());
  struct stat now
  {};
  if (::fstat(m_follow_fd.get(), &now) != 0) {
    return false;
  }
  const auto size = static_cast<std::uint64_t>(now.st_size);
  const bool nothing_new = size <= point->frame_offset || size == m_follow_size;
  m_follow_size = size;
  if (nothing_new) {
    // Wait while the recorder lives (a frame may be half written). Once it has stopped, read
    // once more: its last frame may have been read while it was still being written.
    if (live) {
      return true;
    }
    if (m_final_read) {
      return false;
    }
    m_final_read = true;
  }
  auto reader = format::RecordingReader::open_at(m_path, *point);
  if (!reader) {
    m_result.damage = std::move(reader).error();
    return false;
  }
  m_reader.emplace(std::move(*reader));
  m_at_end = false;
  return true;
}

util::Result<PlayResult> Session::run()
{
  if (m_options.follow) {
    // Follow this file, not the path: compaction replaces the finished recording under the
    // same name (with other frame offsets) right after the session, maybe before we are done.
    ST_TRY_ASSIGN(m_follow_fd, util::open_file(m_path, O_RDONLY));
    m_path = "/proc/self/fd/" + std::to_string(m_follow_fd.get());
  }
  ST_TRY(open_from(nullptr));
  m_terminal_size = sys::window_size(m_output);
  // Ctrl-C arrives as a key in raw mode; these end the playback with the terminal put back.
  ST_TRY_ASSIGN(sys::SignalFd signals, sys::SignalFd::create({SIGTERM, SIGHUP, SIGINT, SIGWINCH}));
  std::optional<sys::TerminalModeGuard> raw;
  if (m_input >= 0 && isatty(m_input) != 0) {
    ST_TRY_ASSIGN(sys::TerminalModeGuard guard, sys::TerminalModeGuard::make_raw(m_input));
    raw.emplace(std::move(guard));
  }

  if (m_options.follow) {
    // The current screen first, then what comes.
    fast_forward(microseconds::max());
    m_shown = m_reader->stats().last_time;
    repaint_screen();
  } else if (m_options.start_at && *m_options.start_at > microseconds(0)) {
    seek(*m_options.start_at);
  } else if (m_options.reset_terminal) {
    write_out("\x1b"
              "c");
  }
  check_terminal_size();
  m_anchor = Clock::now();
  m_clock_time = m_shown;

  while (!m_result.quit && !m_write_failed) {
    bool have = fetch();
    if (!have) {
      if (!m_options.follow || m_result.complete || m_result.damage || !wait_for_follow()) {
        break;
      }
      have = fetch();
    }
    if (have && m_options.until && m_pending->time > *m_options.until) {
      break;
    }
    // When the next event is due on the playback clock.
    std::optional<Clock::time_point> due;
    if (have && m_options.follow) {
      due = Clock::now();
    } else if (have && (!m_paused || m_step)) {
      microseconds gap = m_pending->time - m_clock_time;
      if (m_options.idle_limit && gap > *m_options.idle_limit) {
        gap = *m_options.idle_limit;
      }
      due = m_step ? Clock::now()
                   : m_anchor + std::chrono::duration_cast<Clock::duration>(
                                    nanoseconds(static_cast<std::int64_t>(
                                        static_cast<double>(gap.count()) * 1000 / m_speed)));
    }
    int timeout_ms = -1;
    const auto now = Clock::now();
    if (due) {
      timeout_ms =
          *due <= now
              ? 0
              : static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(*due - now).count());
    }
    if (!have) {
      timeout_ms = static_cast<int>(k_follow_poll.count());
    }
    if (m_row_drawn || m_options.status_line) {
      timeout_ms = timeout_ms < 0 ? 250 : std::min(timeout_ms, 250);
    }
    pollfd fds[2] = {{signals.fd(), POLLIN, 0}, {raw ? m_input : -1, POLLIN, 0}};
    const int ready = ::poll(fds, 2, timeout_ms);
    if (ready < 0 && errno != EINTR) {
      break;
    }
    if (ready > 0 && (fds[0].revents & POLLIN) != 0) {
      while (const auto info = signals.read()) {
        if (info->ssi_signo == SIGWINCH) {
          m_size_noted = false;
          check_terminal_size();
        } else {
          m_result.quit = true;
        }
      }
    }
    if (ready > 0 && (fds[1].revents & (POLLIN | POLLHUP)) != 0) {
      char buffer[256];
      const ssize_t n = ::read(m_input, buffer, sizeof buffer);
      if (n > 0) {
        for (const Key key : parse_keys(std::string_view(buffer, static_cast<std::size_t>(n)))) {
          handle(key);
          if (m_result.quit) {
            break;
          }
        }
        continue; // the keys may have changed what is due
      }
    }
    if (have && due && Clock::now() >= *due && m_pending) {
      // Show this event and every other one already due, then draw once.
      const Clock::time_point shown_at = *due;
      show(*m_pending);
      const microseconds shown_time = m_pending->time;
      m_pending.reset();
      m_step = false;
      m_clock_time = shown_time;
      // Late (a slow terminal, a stall): go on from now rather than rush to catch up.
      m_anchor = Clock::now() - shown_at > std::chrono::milliseconds(100) ? Clock::now() : shown_at;
    }
    if (Clock::now() - m_last_status >= std::chrono::milliseconds(200)) {
      m_last_status = Clock::now();
      draw_bottom_row();
    }
  }
  if (m_row_drawn) {
    erase_bottom_row();
  }
  std::string restore(k_restore);
  if (m_model && m_model->alternate_screen()) {
    restore += "\x1b[?1049l";
  }
  write_out(restore);
  m_result.dropped_sequences = m_sanitizer->counts().dropped();
  m_result.dropped_kinds = m_sanitizer->counts().describe();
  return m_result;
}

} // namespace

util::Result<PlayResult>
play(const std::string& path, const PlayOptions& options, int input_fd, int output_fd)
{
  Session session(path, options, input_fd, output_fd);
  return session.run();
}

} // namespace shelltrail::player
