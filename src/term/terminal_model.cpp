#include "term/terminal_model.hpp"

#include "term/repaint_writer.hpp"
#include "term/screen_buffer.hpp"
#include "term/sequence_scanner.hpp"
#include "term/string_filter.hpp"
#include "util/assert.hpp"

#include <vterm.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <utility>

namespace shelltrail::term {
namespace {

using VTermPtr = std::unique_ptr<VTerm, decltype(&vterm_free)>;

// Recordings carry sizes from outside: keep them to what a terminal can have.
constexpr int k_max_side = 1000;
// An unfinished sequence kept for a repaint: far more than libvterm keeps of a string.
constexpr std::size_t k_max_pending = 4096;

// How many bytes at the end of text are a UTF-8 character not complete yet.
std::size_t incomplete_utf8_tail(std::string_view text)
{
  std::size_t continuation = 0;
  while (continuation < 3 && continuation < text.size() &&
         (static_cast<unsigned char>(text[text.size() - 1 - continuation]) & 0xC0) == 0x80) {
    ++continuation;
  }
  if (continuation == text.size()) {
    return 0;
  }
  const auto lead = static_cast<unsigned char>(text[text.size() - 1 - continuation]);
  const std::size_t length = lead >= 0xF0 && lead < 0xF8   ? 4
                             : lead >= 0xE0 && lead < 0xF0 ? 3
                             : lead >= 0xC0 && lead < 0xE0 ? 2
                                                           : 1;
  return continuation + 1 < length ? continuation + 1 : 0;
}

// The pending bytes as a repaint writes them: without the controls that libvterm already
// carried out in the middle of a sequence.
std::string without_controls(std::string_view bytes)
{
  std::string out;
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte >= 0x20 && byte != 0x7f) || byte == 0x1b) {
      out += c;
    }
  }
  return out;
}

Size clamp_size(Size size)
{
  return Size{std::clamp(size.cols, 1, k_max_side), std::clamp(size.rows, 1, k_max_side)};
}

std::uint32_t pack_color(const VTermColor& color, bool foreground)
{
  if (foreground ? VTERM_COLOR_IS_DEFAULT_FG(&color) : VTERM_COLOR_IS_DEFAULT_BG(&color)) {
    return packed_color::k_default;
  }
  if (VTERM_COLOR_IS_INDEXED(&color)) {
    return packed_color::k_indexed | color.indexed.idx;
  }
  return packed_color::k_rgb | (std::uint32_t{color.rgb.red} << 16) |
         (std::uint32_t{color.rgb.green} << 8) | color.rgb.blue;
}

Color unpack_color(std::uint32_t packed)
{
  Color color;
  switch (packed & packed_color::k_kind_mask) {
  case packed_color::k_indexed:
    color.kind = Color::Kind::indexed;
    color.index = static_cast<std::uint8_t>(packed & 0xFF);
    break;
  case packed_color::k_rgb:
    color.kind = Color::Kind::rgb;
    color.red = static_cast<std::uint8_t>(packed >> 16);
    color.green = static_cast<std::uint8_t>(packed >> 8);
    color.blue = static_cast<std::uint8_t>(packed);
    break;
  default:
    break;
  }
  return color;
}

Attributes to_attributes(const Pen& pen)
{
  Attributes attributes;
  attributes.bold = (pen.flags & pen_flag::k_bold) != 0;
  attributes.italic = (pen.flags & pen_flag::k_italic) != 0;
  attributes.blink = (pen.flags & pen_flag::k_blink) != 0;
  attributes.reverse = (pen.flags & pen_flag::k_reverse) != 0;
  attributes.conceal = (pen.flags & pen_flag::k_conceal) != 0;
  attributes.strike = (pen.flags & pen_flag::k_strike) != 0;
  attributes.underline = static_cast<std::uint8_t>((pen.flags & pen_flag::k_underline_mask) >>
                                                   pen_flag::k_underline_shift);
  attributes.foreground = unpack_color(pen.foreground);
  attributes.background = unpack_color(pen.background);
  return attributes;
}

void set_flag(Pen& pen, std::uint16_t flag, bool on)
{
  pen.flags = static_cast<std::uint16_t>(on ? (pen.flags | flag) : (pen.flags & ~flag));
}

void set_field(Pen& pen, std::uint16_t mask, int shift, int value)
{
  pen.flags = static_cast<std::uint16_t>((pen.flags & ~mask) | ((value << shift) & mask));
}

} // namespace

// What libvterm's state layer keeps to itself and the model tracks from the byte stream.
struct Modes
{
  bool cursor_keys = false;        // DECCKM
  bool keypad = false;             // DECKPAM
  bool origin = false;             // DECOM
  bool autowrap = true;            // DECAWM
  bool insert = false;             // IRM
  bool newline = false;            // LNM
  bool left_right_margins = false; // DECLRMM (?69)
  bool report_focus = false;       // ?1004
  bool bracketed_paste = false;    // ?2004
  std::uint8_t mouse_protocol = 0; // 0 X10, 1 UTF-8 (?1005), 2 SGR (?1006), 3 rxvt (?1015)
  bool protect = false;            // DECSCA
  int top = 0;
  int bottom = -1; // -1: the last row
  int left = 0;
  int right = -1;                 // -1: the last column
  std::array<char, 4> charsets{}; // G0-G3 designators; 0: the default (UTF-8)
  std::uint8_t gl = 0;
  std::uint8_t gr = 1;
  bool operator==(const Modes&) const = default;
};

struct SavedCursor
{
  bool valid = false;
  int row = 0;
  int col = 0;
  Pen pen;
  bool visible = true;
  bool blink = true;
  int shape = VTERM_PROP_CURSORSHAPE_BLOCK;
  bool operator==(const SavedCursor&) const = default;
};

struct TerminalModel::Impl
{
  explicit Impl(Size size);
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void feed(std::string_view bytes);
  void write_to_vterm(std::string_view part, std::pair<std::size_t, std::size_t> text);
  std::size_t put_ascii_run(std::string_view run);
  void note_pending(std::string_view bytes);
  void resize(Size size);
  void apply(const Sequence& sequence);
  void reset_modes(bool hard);
  void set_dec_mode(int mode, bool on);
  void set_scroll_region(const Sequence& sequence);
  void set_margins(const Sequence& sequence);
  void save_cursor();
  void keep_cursor_on_screen();
  void report_scrolled_off(int count);
  VTermPos cursor_position() const;
  ScreenBuffer& active()
  {
    return alternate_active ? alternate : primary;
  }
  const ScreenBuffer& active() const
  {
    return alternate_active ? alternate : primary;
  }
  std::vector<std::uint8_t> default_tabstops(int cols) const;
  std::string repaint() const;

  // libvterm state callbacks (static trampolines below).
  int on_putglyph(const VTermGlyphInfo& info, VTermPos pos);
  // The width of the glyph libvterm would repeat for REP (0: none since a reset).
  int last_glyph_width = 0;
  // libvterm's decoder for text that begins with ASCII may hold part of a UTF-8 character (see
  // write_to_vterm).
  bool ascii_decoder_dirty = false;
  std::int64_t stamp = 0; // set_stamp()
  StringFilter strings;
  int on_movecursor(VTermPos pos);
  void cancel_pending_wrap()
  {
    phantom = false;
    phantom_row = -1;
  }
  int on_scrollrect(VTermRect rect, int downward, int rightward);
  int on_moverect(VTermRect dest, VTermRect src);
  int on_erase(VTermRect rect, int selective);
  int on_setpenattr(VTermAttr attr, const VTermValue& value);
  int on_settermprop(VTermProp prop, const VTermValue& value);
  int on_resize(int rows, int cols, VTermPos* delta);

  static const VTermStateCallbacks k_callbacks;

  VTermPtr vt;
  VTermState* state = nullptr;
  Size size;
  ScreenBuffer primary;
  ScreenBuffer alternate;
  bool alternate_active = false;
  Pen pen;
  Modes modes;
  SavedCursor saved;
  std::vector<std::uint8_t> tabstops;
  bool cursor_visible = true;
  bool cursor_blink = true;
  int cursor_shape = VTERM_PROP_CURSORSHAPE_BLOCK;
  bool reverse_screen = false;
  int mouse = VTERM_PROP_MOUSE_NONE;
  std::string title;
  std::string icon_name;
  // Pending wrap: the last glyph reached the right margin with autowrap on, so the next one
  // goes to the start of the next row (libvterm's at_phantom, which it does not expose).
  bool phantom = false;
  VTermPos phantom_at{-1, -1}; // where the cursor waits: the glyph's cell
  int phantom_row = -1;        // the row that continues if the wrap happens (moves with scrolls)
  SequenceScanner scanner;
  // The bytes of an escape sequence, string or UTF-8 character that the input so far ends in
  // the middle of (as received, from its first byte, at most k_max_pending), and where they
  // began in the scanner's count: libvterm's parser holds them, so a repaint ends with them.
  std::string pending;
  std::uint64_t pending_start = 0;
  ScrolledOff scrolled_off;
};

namespace {

// libvterm 0.1.4's UTF-8 decoder can store one code point past the end of the buffer it was
// given (a U+FFFD for an unfinished character and then the next one, when one slot is left).
// Every allocation gets room for it; libvterm wants its memory zeroed.
VTermAllocatorFunctions k_padded_allocator = {
    .malloc = [](std::size_t size, void*) { return std::calloc(1, size + 16); },
    .free = [](void* ptr, void*) { std::free(ptr); },
};

TerminalModel::Impl& impl_of(void* user)
{
  return *static_cast<TerminalModel::Impl*>(user);
}

} // namespace

const VTermStateCallbacks TerminalModel::Impl::k_callbacks = {
    .putglyph = [](VTermGlyphInfo* info,
                   VTermPos pos,
                   void* user) { return impl_of(user).on_putglyph(*info, pos); },
    .movecursor =
        [](VTermPos pos, VTermPos, int, void* user) { return impl_of(user).on_movecursor(pos); },
    .scrollrect =
        [](VTermRect rect, int downward, int rightward, void* user) {
          return impl_of(user).on_scrollrect(rect, downward, rightward);
        },
    .moverect = [](VTermRect dest,
                   VTermRect src,
                   void* user) { return impl_of(user).on_moverect(dest, src); },
    .erase = [](VTermRect rect,
                int selective,
                void* user) { return impl_of(user).on_erase(rect, selective); },
    .initpen = [](void*) { return 1; },
    .setpenattr = [](VTermAttr attr,
                     VTermValue* value,
                     void* user) { return impl_of(user).on_setpenattr(attr, *value); },
    .settermprop = [](VTermProp prop,
                      VTermValue* value,
                      void* user) { return impl_of(user).on_settermprop(prop, *value); },
    .bell = [](void*) { return 1; },
    .resize =
        [](int rows, int cols, VTermPos* delta, void* user) {
          return impl_of(user).on_resize(rows, cols, delta);
        },
    .setlineinfo = [](int, const VTermLineInfo*, const VTermLineInfo*, void*) { return 1; },
};

TerminalModel::Impl::Impl(Size initial)
    : vt(nullptr, &vterm_free), size(clamp_size(initial)), primary(size.rows, size.cols, Pen{}),
      alternate(size.rows, size.cols, Pen{}), tabstops(default_tabstops(size.cols))
{
  vt.reset(vterm_new_with_allocator(size.rows, size.cols, &k_padded_allocator, nullptr));
  ST_ASSERT(vt != nullptr);
  vterm_set_utf8(vt.get(), 1);
  // Answer-back (DA, DSR, ...) goes nowhere: the model never writes.
  vterm_output_set_callback(
      vt.get(), [](const char*, std::size_t, void*) {}, nullptr);
  state = vterm_obtain_state(vt.get());
  vterm_state_set_callbacks(state, &k_callbacks, this);
  vterm_state_reset(state, 1);
}

std::vector<std::uint8_t> TerminalModel::Impl::default_tabstops(int cols) const
{
  std::vector<std::uint8_t> stops(static_cast<std::size_t>(cols));
  for (int col = 0; col < cols; ++col) {
    stops[static_cast<std::size_t>(col)] = col % 8 == 0 ? 1 : 0;
  }
  return stops;
}

VTermPos TerminalModel::Impl::cursor_position() const
{
  VTermPos pos;
  vterm_state_get_cursorpos(state, &pos);
  return pos;
}

void TerminalModel::Impl::feed(std::string_view input)
{
  // Strings (OSC, DCS ...) never reach libvterm: see string_filter.hpp.
  std::string filtered;
  filtered.reserve(input.size());
  strings.filter(input, filtered);
  const std::string_view bytes = filtered;
  std::size_t fed = 0;
  const std::uint64_t origin = scanner.position(); // of bytes[0] in the scanner's count
  // The part of [fed, at) that is text outside any sequence, as offsets from fed.
  const auto text_in = [&](SequenceScanner::TextSpan span, std::size_t at) {
    const std::uint64_t base = origin + fed;
    const std::uint64_t limit = origin + at;
    const std::uint64_t begin = std::clamp(span.begin, base, limit);
    const std::uint64_t end = std::clamp(span.end, begin, limit);
    return std::pair{static_cast<std::size_t>(begin - base), static_cast<std::size_t>(end - base)};
  };
  scanner.scan(bytes, [&](std::size_t end, const Sequence& sequence) {
    if (sequence.kind == Sequence::Kind::csi && sequence.final == 'b' && sequence.leader == 0 &&
        sequence.intermediates == 0) {
      // The text before the sequence first, so that its glyphs count (the scanner is called with
      // the position where this call's bytes start).
      if (scanner.sequence_start() >= scanner.position()) {
        const auto start = static_cast<std::size_t>(scanner.sequence_start() - scanner.position());
        if (start > fed) {
          write_to_vterm(bytes.substr(fed, start - fed), text_in(scanner.last_text(), start));
          fed = start;
        }
      }
      if (last_glyph_width <= 0) {
        // REP with no glyph to repeat: libvterm 0.1.4 advances by the last glyph's width, 0
        // here, and never ends (a hostile recording would hang the player). CAN in place of
        // the final byte cancels the sequence in libvterm's parser, wherever it began.
        vterm_input_write(vt.get(), bytes.data() + fed, end - 1 - fed);
        vterm_input_write(vt.get(), "\x18", 1);
        fed = end;
        return;
      }
    }
    const bool control_in_ground = sequence.kind == Sequence::Kind::control && scanner.at_ground();
    const SequenceScanner::TextSpan text =
        control_in_ground ? SequenceScanner::TextSpan{scanner.ground_start(), origin + end - 1}
                          : scanner.last_text();
    write_to_vterm(bytes.substr(fed, end - fed), text_in(text, end));
    fed = end;
    apply(sequence);
  });
  if (fed < bytes.size()) {
    const SequenceScanner::TextSpan text =
        scanner.at_ground()
            ? SequenceScanner::TextSpan{scanner.ground_start(), origin + bytes.size()}
            : scanner.last_text();
    write_to_vterm(bytes.substr(fed), text_in(text, bytes.size()));
  }
  note_pending(bytes);
}

// Gives part to libvterm. Its bytes [text.first, text.second) are text outside any sequence: runs
// of printable ASCII there that stay on the cursor's row are written to the screen here, all but
// their last character, and libvterm's cursor is moved past them (one CHA instead of a glyph
// callback per character: most of what a terminal is sent). The last character goes through
// libvterm, which so sets the pending wrap and the glyph REP repeats as it would have.
//
// Only where that cannot change what libvterm 0.1.4 decodes: it decodes a stretch of text (up to
// a control) in one call, with one UTF-8 decoder when the stretch begins with ASCII and another
// when it begins with a byte above 0x7f; the first keeps an unfinished character across calls,
// and when it had one, the U+FFFD it emits can push the stretch's last byte into the other
// decoder. So a run is written here only in a stretch of ASCII up to it, and only when that
// decoder cannot be holding part of a character (no byte above 0x7f in its last stretch).
void TerminalModel::Impl::write_to_vterm(std::string_view part,
                                         std::pair<std::size_t, std::size_t> text)
{
  constexpr std::size_t k_min_run = 8; // shorter runs are not worth the CHA
  const auto high = [](char c) { return static_cast<unsigned char>(c) >= 0x80; };
  const std::size_t text_begin = std::min(text.first, part.size());
  const std::size_t text_end = std::min(std::max(text.second, text_begin), part.size());
  // Text outside the span (in a cancelled sequence) is not followed here: assume the worst.
  if (std::any_of(part.begin(), part.begin() + static_cast<std::ptrdiff_t>(text_begin), high) ||
      std::any_of(part.begin() + static_cast<std::ptrdiff_t>(text_end), part.end(), high)) {
    ascii_decoder_dirty = true;
  }
  std::size_t done = 0; // given to libvterm or written here
  // The stretch of text up to the next control (libvterm decodes it in one call): whether it
  // has a byte above 0x7f, and whether the decoder was clean when it began.
  bool stretch_high = false;
  bool stretch_empty = true;
  bool clean_start = !ascii_decoder_dirty;
  const auto end_stretch = [&] {
    if (!stretch_empty) {
      ascii_decoder_dirty = stretch_high;
    }
    stretch_high = false;
    stretch_empty = true;
    clean_start = !ascii_decoder_dirty;
  };
  std::size_t i = text_begin;
  while (i < text_end) {
    const auto byte = static_cast<unsigned char>(part[i]);
    if (byte < 0x20 || byte == 0x7f) {
      end_stretch();
      ++i;
      continue;
    }
    stretch_empty = false;
    if (byte >= 0x80) {
      stretch_high = true;
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    while (j < text_end && part[j] >= 0x20 && part[j] < 0x7f) {
      ++j;
    }
    if (stretch_high || !clean_start) {
      i = j;
      continue;
    }
    // The run's first character goes through libvterm with what came before (a single shift
    // applies to it, as libvterm decides).
    std::size_t k = i + 1;
    while (j - k >= k_min_run) {
      vterm_input_write(vt.get(), part.data() + done, k - done); // the cursor, pen, modes now
      done = k;
      const std::size_t direct = put_ascii_run(part.substr(k, j - k));
      // Nothing written here (a wrap, a mode): one more character through libvterm, then again.
      k += direct == 0 ? 1 : direct;
      if (direct != 0) {
        done = k;
      }
    }
    i = j;
  }
  end_stretch();
  if (done < part.size()) {
    vterm_input_write(vt.get(), part.data() + done, part.size() - done);
  }
}

// Writes all but the last character of run (printable ASCII) where libvterm would put them,
// when that is plain: no pending wrap, insert mode, margins, protection, character set or
// double-width row, and the characters stay on the row. Returns how many it wrote (0: none).
std::size_t TerminalModel::Impl::put_ascii_run(std::string_view run)
{
  if (phantom || modes.insert || modes.origin || modes.left_right_margins || modes.protect ||
      (modes.charsets[modes.gl] != 0 && modes.charsets[modes.gl] != 'B')) {
    return 0;
  }
  ScreenBuffer& buffer = active();
  const VTermPos pos = cursor_position();
  if (pos.row < 0 || pos.row >= buffer.rows() || pos.col < 0) {
    return 0;
  }
  const VTermLineInfo* line = vterm_state_get_lineinfo(state, pos.row);
  if (line != nullptr && line->doublewidth) {
    return 0;
  }
  // Up to the column before the last, so that the last character is libvterm's.
  const int room = buffer.cols() - 1 - pos.col;
  const auto count =
      static_cast<int>(std::min(run.size() - 1, static_cast<std::size_t>(std::max(room, 0))));
  if (count < 2) {
    return 0;
  }
  buffer.set_stamp(pos.row, stamp);
  StoredCell* cells = buffer.row(pos.row) + pos.col;
  for (int k = 0; k < count; ++k) {
    StoredCell& cell = cells[k];
    cell.chars[0] = static_cast<char32_t>(run[static_cast<std::size_t>(k)]);
    cell.chars[1] = 0;
    cell.pen = pen;
    set_flag(cell.pen, pen_flag::k_protected, false);
    cell.width = 1;
  }
  last_glyph_width = 1;
  std::array<char, 16> move{'\x1b', '['};
  char* end =
      std::to_chars(move.data() + 2, move.data() + move.size() - 1, pos.col + count + 1).ptr;
  *end++ = 'G';
  vterm_input_write(vt.get(), move.data(), static_cast<std::size_t>(end - move.data()));
  return static_cast<std::size_t>(count);
}

void TerminalModel::Impl::note_pending(std::string_view bytes)
{
  const std::uint64_t end = scanner.position();
  const std::uint64_t begin = end - bytes.size();
  if (scanner.at_ground()) {
    if (pending.empty() && (bytes.empty() || static_cast<unsigned char>(bytes.back()) < 0x80)) {
      return; // the common case: whole characters
    }
    std::string joined;
    std::string_view text = bytes;
    if (bytes.size() < 4 && !pending.empty()) { // a character may have begun before
      joined = pending;
      joined += bytes;
      text = joined;
    }
    const std::size_t tail = incomplete_utf8_tail(text);
    pending.assign(text.substr(text.size() - tail));
    pending_start = end - tail;
    return;
  }
  const std::uint64_t start = scanner.sequence_start();
  if (start >= begin) {
    pending.assign(bytes.substr(static_cast<std::size_t>(start - begin), k_max_pending));
  } else if (start >= pending_start && start - pending_start <= pending.size()) {
    pending.erase(0, static_cast<std::size_t>(start - pending_start));
    pending.append(bytes.substr(0, k_max_pending - std::min(pending.size(), k_max_pending)));
  } else {
    pending.clear(); // (began in bytes beyond k_max_pending)
  }
  pending_start = start;
}

void TerminalModel::Impl::save_cursor()
{
  const VTermPos pos = cursor_position();
  saved = SavedCursor{true, pos.row, pos.col, pen, cursor_visible, cursor_blink, cursor_shape};
}

// libvterm 0.1.4 restores a saved cursor as it was saved, even outside a screen that has
// since shrunk, and its state then reads outside its line table. Move it back on screen.
void TerminalModel::Impl::keep_cursor_on_screen()
{
  const VTermPos pos = cursor_position();
  if (pos.row >= 0 && pos.row < size.rows && pos.col >= 0 && pos.col < size.cols) {
    return;
  }
  int row = std::clamp(pos.row, 0, size.rows - 1);
  const int col = std::clamp(pos.col, 0, size.cols - 1);
  if (modes.origin) {
    row = std::max(row - modes.top, 0); // CUP counts from the top margin
  }
  const std::string move = "\x1b[" + std::to_string(row + 1) + ";" + std::to_string(col + 1) + "H";
  vterm_input_write(vt.get(), move.data(), move.size());
}

void TerminalModel::Impl::reset_modes(bool hard)
{
  modes = Modes{};
  tabstops = default_tabstops(size.cols);
  mouse = VTERM_PROP_MOUSE_NONE;
  if (hard) {
    cancel_pending_wrap();
  }
}

void TerminalModel::Impl::set_dec_mode(int mode, bool on)
{
  switch (mode) {
  case 1:
    modes.cursor_keys = on;
    break;
  case 6:
    modes.origin = on;
    break;
  case 7:
    modes.autowrap = on;
    break;
  case 69:
    modes.left_right_margins = on;
    break;
  case 1004:
    modes.report_focus = on;
    break;
  case 1005:
    modes.mouse_protocol = on ? 1 : 0;
    break;
  case 1006:
    modes.mouse_protocol = on ? 2 : 0;
    break;
  case 1015:
    modes.mouse_protocol = on ? 3 : 0;
    break;
  case 1048:
  case 1049:
    if (on) {
      save_cursor();
    } else {
      keep_cursor_on_screen();
    }
    break;
  case 2004:
    modes.bracketed_paste = on;
    break;
  default:
    break;
  }
}

// DECSTBM, with libvterm's bounds.
void TerminalModel::Impl::set_scroll_region(const Sequence& sequence)
{
  int top = sequence.arg(0, 1) - 1;
  int bottom = sequence.argc < 2 ? -1 : sequence.arg(1, -1);
  top = std::clamp(top, 0, size.rows);
  bottom = std::max(bottom, -1);
  if (top == 0 && bottom == size.rows) {
    bottom = -1;
  } else {
    bottom = std::min(bottom, size.rows);
  }
  if ((bottom > -1 ? bottom : size.rows) <= top) {
    top = 0;
    bottom = -1;
  }
  modes.top = top;
  modes.bottom = bottom;
}

// DECSLRM, with libvterm's bounds.
void TerminalModel::Impl::set_margins(const Sequence& sequence)
{
  int left = sequence.arg(0, 1) - 1;
  int right = sequence.argc < 2 ? -1 : sequence.arg(1, -1);
  left = std::clamp(left, 0, size.cols);
  right = std::max(right, -1);
  if (left == 0 && right == size.cols) {
    right = -1;
  } else {
    right = std::min(right, size.cols);
  }
  if (right > -1 && right <= left) {
    left = 0;
    right = -1;
  }
  modes.left = left;
  modes.right = right;
}

void TerminalModel::Impl::apply(const Sequence& sequence)
{
  switch (sequence.kind) {
  case Sequence::Kind::control:
    modes.gl = sequence.final == 0x0e ? 1 : 0; // SO, SI
    return;
  case Sequence::Kind::escape:
    if (sequence.intermediates == 1 && sequence.final < 0x7f &&
        (sequence.final == '0' || sequence.final == 'A' || sequence.final == 'B')) {
      const int set = sequence.intermediate - '(';
      if (set >= 0 && set < 4) {
        modes.charsets[static_cast<std::size_t>(set)] = sequence.final;
      }
      return;
    }
    if (sequence.intermediates != 0) {
      return;
    }
    switch (sequence.final) {
    case '7':
      save_cursor();
      break;
    case '8':
      keep_cursor_on_screen();
      break;
    case 'c':
      reset_modes(true);
      break;
    case '=':
      modes.keypad = true;
      break;
    case '>':
      modes.keypad = false;
      break;
    case 'n':
      modes.gl = 2;
      break;
    case 'o':
      modes.gl = 3;
      break;
    case '~':
      modes.gr = 1;
      break;
    case '}':
      modes.gr = 2;
      break;
    case '|':
      modes.gr = 3;
      break;
    case 'H': { // HTS
      const VTermPos pos = cursor_position();
      if (pos.col >= 0 && pos.col < size.cols) {
        tabstops[static_cast<std::size_t>(pos.col)] = 1;
      }
      break;
    }
    default:
      break;
    }
    return;
  case Sequence::Kind::csi:
    break;
  }

  if (sequence.leader == 0 && sequence.intermediates == 0) {
    switch (sequence.final) {
    case 'A': // CUU, CUD, CUF, CUB, CNL, CPL, CHA, CUP
    case 'B':
    case 'C':
    case 'D':
    case 'E':
    case 'F':
    case 'G':
    case 'H':
    case '`': // HPA, HPR, VPA, VPR, HVP, HPB, VPB
    case 'a':
    case 'd':
    case 'e':
    case 'f':
    case 'j':
    case 'k':
      // libvterm cancels a pending wrap on these even when the cursor stays where it is (a
      // CUP to the cursor's own cell), which tells the model nothing.
      cancel_pending_wrap();
      break;
    case 'K':
      // EL to the end: the row ends its line here (a shell redrawing a shorter line over a
      // wrapped one), as in xterm; libvterm 0.1.4 keeps no such flag.
      if (sequence.arg(0, 0) == 0) {
        const VTermPos pos = cursor_position();
        if (pos.row >= 0 && pos.row < size.rows) {
          active().set_continues(pos.row, false);
        }
      }
      break;
    case 'r':
      set_scroll_region(sequence);
      break;
    case 's':
      set_margins(sequence);
      break;
    case 'h':
    case 'l':
      for (int i = 0; i < sequence.argc; ++i) {
        const int mode = sequence.arg(i, -1);
        if (mode == 4) {
          modes.insert = sequence.final == 'h';
        } else if (mode == 20) {
          modes.newline = sequence.final == 'h';
        }
      }
      break;
    case 'g': { // TBC
      const int which = sequence.arg(0, 0);
      if (which == 0) {
        const VTermPos pos = cursor_position();
        if (pos.col >= 0 && pos.col < size.cols) {
          tabstops[static_cast<std::size_t>(pos.col)] = 0;
        }
      } else if (which == 3 || which == 5) {
        std::fill(tabstops.begin(), tabstops.end(), 0);
      }
      break;
    }
    default:
      break;
    }
  } else if (sequence.leader == '?' && sequence.intermediates == 0 &&
             (sequence.final == 'h' || sequence.final == 'l')) {
    for (int i = 0; i < sequence.argc; ++i) {
      const int mode = sequence.arg(i, -1);
      if (mode >= 0) {
        set_dec_mode(mode, sequence.final == 'h');
      }
    }
  } else if (sequence.leader == 0 && sequence.intermediates == 1) {
    if (sequence.intermediate == '!' && sequence.final == 'p') { // DECSTR
      reset_modes(false);
    } else if (sequence.intermediate == '"' && sequence.final == 'q') { // DECSCA
      const int value = sequence.arg(0, 0);
      if (value == 0 || value == 2) {
        modes.protect = false;
      } else if (value == 1) {
        modes.protect = true;
      }
    }
  }
}

void TerminalModel::Impl::report_scrolled_off(int count)
{
  if (!scrolled_off || alternate_active) {
    return;
  }
  for (int r = 0; r < std::min(count, primary.rows()); ++r) {
    scrolled_off(row_text_of(primary, r), primary.continues(r), primary.stamp(r));
  }
}

int TerminalModel::Impl::on_putglyph(const VTermGlyphInfo& info, VTermPos pos)
{
  last_glyph_width = info.width;
  ScreenBuffer& buffer = active();
  if (pos.row < 0 || pos.row >= buffer.rows() || pos.col < 0 || pos.col >= buffer.cols()) {
    return 1;
  }
  if (phantom && pos.col == 0 && phantom_row >= 0 && pos.row == phantom_row + 1) {
    buffer.set_continues(phantom_row, true);
  }
  buffer.set_stamp(pos.row, stamp);
  StoredCell* cells = buffer.row(pos.row);
  StoredCell& cell = cells[pos.col];
  int count = 0;
  while (count < StoredCell::k_max_chars && info.chars[count] != 0) {
    // libvterm 0.1.4 decodes some invalid UTF-8 to values that are not characters.
    const std::uint32_t c = info.chars[count];
    const bool valid = c <= 0x10FFFF && (c < 0xD800 || c > 0xDFFF);
    cell.chars[static_cast<std::size_t>(count)] = valid ? static_cast<char32_t>(c) : U'\uFFFD';
    ++count;
  }
  if (count < StoredCell::k_max_chars) {
    cell.chars[static_cast<std::size_t>(count)] = 0;
  }
  cell.pen = pen;
  set_flag(cell.pen, pen_flag::k_protected, info.protected_cell != 0);
  cell.width = static_cast<std::uint8_t>(std::clamp(info.width, 0, 2));
  for (int col = pos.col + 1; col < pos.col + info.width && col < buffer.cols(); ++col) {
    cells[col].chars[0] = StoredCell::k_wide_right;
  }

  const VTermLineInfo* line = vterm_state_get_lineinfo(state, pos.row);
  const int row_width = line != nullptr && line->doublewidth ? buffer.cols() / 2 : buffer.cols();
  phantom = modes.autowrap && pos.col + info.width >= row_width;
  phantom_at = pos;
  phantom_row = phantom ? pos.row : -1;
  return 1;
}

int TerminalModel::Impl::on_movecursor(VTermPos pos)
{
  // libvterm cancels a pending wrap on every cursor move except the one that ends a run of text,
  // which leaves the cursor on the glyph that set it. (Any other move comes from elsewhere:
  // while a wrap is pending, the cursor stays on that glyph until something moves it.)
  if (phantom && (pos.row != phantom_at.row || pos.col != phantom_at.col)) {
    cancel_pending_wrap();
  }
  return 1;
}

int TerminalModel::Impl::on_scrollrect(VTermRect rect, int downward, int rightward)
{
  ScreenBuffer& buffer = active();
  const bool full_width = rect.start_col == 0 && rect.end_col == buffer.cols();
  if (full_width && rightward == 0 && downward > 0 && rect.start_row == 0 &&
      rect.end_row == buffer.rows()) {
    report_scrolled_off(downward);
  }
  if (phantom_row >= 0 && full_width && rightward == 0 && phantom_row >= rect.start_row &&
      phantom_row < rect.end_row) {
    phantom_row -= downward;
    if (phantom_row < rect.start_row || phantom_row >= rect.end_row) {
      phantom_row = -1;
    }
  }
  buffer.scroll(
      Rect{rect.start_row, rect.end_row, rect.start_col, rect.end_col}, downward, rightward, pen);
  return 1;
}

int TerminalModel::Impl::on_moverect(VTermRect dest, VTermRect src)
{
  active().move(Rect{dest.start_row, dest.end_row, dest.start_col, dest.end_col},
                Rect{src.start_row, src.end_row, src.start_col, src.end_col});
  return 1;
}

int TerminalModel::Impl::on_erase(VTermRect rect, int selective)
{
  active().erase(
      Rect{rect.start_row, rect.end_row, rect.start_col, rect.end_col}, pen, selective != 0);
  return 1;
}

int TerminalModel::Impl::on_setpenattr(VTermAttr attr, const VTermValue& value)
{
  switch (attr) {
  case VTERM_ATTR_BOLD:
    set_flag(pen, pen_flag::k_bold, value.boolean != 0);
    break;
  case VTERM_ATTR_UNDERLINE:
    set_field(pen, pen_flag::k_underline_mask, pen_flag::k_underline_shift, value.number);
    break;
  case VTERM_ATTR_ITALIC:
    set_flag(pen, pen_flag::k_italic, value.boolean != 0);
    break;
  case VTERM_ATTR_BLINK:
    set_flag(pen, pen_flag::k_blink, value.boolean != 0);
    break;
  case VTERM_ATTR_REVERSE:
    set_flag(pen, pen_flag::k_reverse, value.boolean != 0);
    break;
  case VTERM_ATTR_STRIKE:
    set_flag(pen, pen_flag::k_strike, value.boolean != 0);
    break;
  case VTERM_ATTR_FONT:
    set_field(pen, pen_flag::k_font_mask, pen_flag::k_font_shift, value.number);
    break;
  case VTERM_ATTR_FOREGROUND:
    pen.foreground = pack_color(value.color, true);
    break;
  case VTERM_ATTR_BACKGROUND:
    pen.background = pack_color(value.color, false);
    break;
  default:
    break;
  }
  return 1;
}

int TerminalModel::Impl::on_settermprop(VTermProp prop, const VTermValue& value)
{
  switch (prop) {
  case VTERM_PROP_CURSORVISIBLE:
    cursor_visible = value.boolean != 0;
    break;
  case VTERM_PROP_CURSORBLINK:
    cursor_blink = value.boolean != 0;
    break;
  case VTERM_PROP_CURSORSHAPE:
    cursor_shape = value.number;
    break;
  case VTERM_PROP_ALTSCREEN:
    alternate_active = value.boolean != 0;
    break;
  case VTERM_PROP_TITLE:
    title = value.string != nullptr ? value.string : "";
    break;
  case VTERM_PROP_ICONNAME:
    icon_name = value.string != nullptr ? value.string : "";
    break;
  case VTERM_PROP_REVERSE:
    reverse_screen = value.boolean != 0;
    break;
  case VTERM_PROP_MOUSE:
    mouse = value.number;
    break;
  default:
    break;
  }
  return 1;
}

// As libvterm's screen layer (without reflow): a primary screen that loses rows first scrolls
// up by the rows that the blank rows at the bottom cannot absorb — but never so far that the
// cursor would leave the top (libvterm 0.1.4 lets it go negative, and its state then indexes
// outside its arrays).
int TerminalModel::Impl::on_resize(int rows, int cols, VTermPos* delta)
{
  const int old_rows = primary.rows();
  if (!alternate_active && rows < old_rows) {
    const VTermPos cursor = cursor_position();
    int row = old_rows - 1;
    for (; row >= rows; --row) {
      const StoredCell* cells = primary.row(row);
      const bool blank = std::all_of(
          cells, cells + primary.cols(), [](const StoredCell& cell) { return cell.is_blank(); });
      if (!blank || cursor.row == row) {
        break;
      }
    }
    const int first_blank_row = row + 1;
    const int count = std::min(first_blank_row - rows, cursor.row);
    if (count > 0) {
      report_scrolled_off(count);
      primary.scroll(Rect{0, old_rows, 0, primary.cols()}, count, 0, pen);
      delta->row -= count;
    }
  }
  primary.resize(rows, cols, pen);
  alternate.resize(rows, cols, pen);
  size = Size{cols, rows};
  return 1;
}

void TerminalModel::Impl::resize(Size requested)
{
  const Size new_size = clamp_size(requested);
  if (new_size == size) {
    return;
  }
  const VTermPos before = cursor_position();
  const Size old_size = size;
  vterm_set_size(vt.get(), new_size.rows, new_size.cols);
  // libvterm's state: a pending wrap ends when the new width leaves room to its right.
  if (phantom && before.col < new_size.cols - 1) {
    phantom = false;
  }
  phantom_row = phantom ? cursor_position().row : -1;
  if (new_size.cols != old_size.cols) {
    std::vector<std::uint8_t> stops = default_tabstops(new_size.cols);
    std::copy_n(tabstops.begin(), std::min(old_size.cols, new_size.cols), stops.begin());
    tabstops = std::move(stops);
  }
  if (modes.bottom > -1) {
    modes.bottom = std::min(modes.bottom, new_size.rows);
  }
  if (modes.right > -1) {
    modes.right = std::min(modes.right, new_size.cols);
  }
  // What a restore will show (see keep_cursor_on_screen).
  saved.row = std::min(saved.row, new_size.rows - 1);
  saved.col = std::min(saved.col, new_size.cols - 1);
  // A scroll region that no longer fits makes libvterm 0.1.4's state move memory by a negative
  // size on the next scroll: reset it (which homes the cursor, so put the cursor back). An
  // unfinished escape sequence is cancelled first, or the reset would become part of it.
  const int bottom = modes.bottom > -1 ? modes.bottom : new_size.rows;
  const int right = modes.right > -1 ? modes.right : new_size.cols;
  if (modes.top >= bottom || modes.left >= right) {
    const VTermPos pos = cursor_position();
    std::string fix = scanner.at_ground() ? "" : "\x18";
    fix +=
        "\x1b[r\x1b[s\x1b[" + std::to_string(pos.row + 1) + ";" + std::to_string(pos.col + 1) + "H";
    feed(fix);
  }
}

// --- TerminalModel ---------------------------------------------------------------------------

TerminalModel::TerminalModel(Size size) : m_impl(std::make_unique<Impl>(size)) {}
TerminalModel::TerminalModel(TerminalModel&&) noexcept = default;
TerminalModel& TerminalModel::operator=(TerminalModel&&) noexcept = default;
TerminalModel::~TerminalModel() = default;

void TerminalModel::feed(std::string_view bytes)
{
  m_impl->feed(bytes);
}

void TerminalModel::resize(Size size)
{
  m_impl->resize(size);
}

Size TerminalModel::size() const
{
  return m_impl->size;
}

Cursor TerminalModel::cursor() const
{
  const VTermPos pos = m_impl->cursor_position();
  return Cursor{pos.row, pos.col, m_impl->cursor_visible};
}

bool TerminalModel::alternate_screen() const
{
  return m_impl->alternate_active;
}

const std::string& TerminalModel::title() const
{
  return m_impl->title;
}

std::string TerminalModel::row_text(int row) const
{
  const ScreenBuffer& buffer = m_impl->active();
  if (row < 0 || row >= buffer.rows()) {
    return {};
  }
  return row_text_of(buffer, row);
}

std::vector<std::string> TerminalModel::screen_text() const
{
  const ScreenBuffer& buffer = m_impl->active();
  std::vector<std::string> rows;
  rows.reserve(static_cast<std::size_t>(buffer.rows()));
  for (int row = 0; row < buffer.rows(); ++row) {
    rows.push_back(row_text_of(buffer, row));
  }
  return rows;
}

Cell TerminalModel::cell(int row, int col) const
{
  const ScreenBuffer& buffer = m_impl->active();
  if (row < 0 || row >= buffer.rows() || col < 0 || col >= buffer.cols()) {
    return {};
  }
  const StoredCell* cells = buffer.row(row);
  const StoredCell& stored = cells[col];
  Cell cell;
  cell.attributes = to_attributes(stored.pen);
  if (stored.is_wide_right()) {
    cell.width = 0;
  } else if (stored.is_glyph()) {
    cell.chars.assign(stored.chars.begin(), stored.chars.begin() + stored.char_count());
    cell.width = col + 1 < buffer.cols() && cells[col + 1].is_wide_right() ? 2 : 1;
  }
  return cell;
}

bool TerminalModel::row_continues(int row) const
{
  const ScreenBuffer& buffer = m_impl->active();
  return row >= 0 && row < buffer.rows() && buffer.continues(row);
}

void TerminalModel::on_scrolled_off(ScrolledOff callback)
{
  m_impl->scrolled_off = std::move(callback);
}

void TerminalModel::set_stamp(std::int64_t stamp)
{
  m_impl->stamp = stamp;
}

std::int64_t TerminalModel::row_stamp(int row) const
{
  const ScreenBuffer& buffer = m_impl->active();
  return row >= 0 && row < buffer.rows() ? buffer.stamp(row) : 0;
}

std::string TerminalModel::repaint() const
{
  return m_impl->repaint();
}

std::string TerminalModel::Impl::repaint() const
{
  RepaintWriter writer(size);
  const auto lineinfo = [this](int row) {
    const VTermLineInfo* info = vterm_state_get_lineinfo(state, row);
    LineInfo line;
    if (info != nullptr) {
      line.double_width = info->doublewidth != 0;
      line.double_height = static_cast<std::uint8_t>(info->doubleheight);
    }
    return line;
  };
  const auto no_lineinfo = [](int) { return LineInfo{}; };
  // Shape 0 (no shape) only comes from libvterm restoring a cursor that was never saved (which
  // also hides it and blanks its blink): do that first, then set the rest over it.
  if (cursor_shape == 0 || (saved.valid && saved.shape == 0)) {
    writer.raw("\x1b"
               "8\x1b[0m");
  }

  if (alternate_active) {
    writer.paint(primary, no_lineinfo);
    writer.switch_to_alternate();
    writer.paint(alternate, lineinfo);
  } else {
    writer.paint(primary, lineinfo);
  }
  writer.tabstops(tabstops);
  if (saved.valid) {
    writer.saved_cursor(saved.row, saved.col, saved.pen, saved.visible, saved.blink, saved.shape);
  }
  writer.margins(modes.left_right_margins, modes.left, modes.right, modes.top, modes.bottom);
  if (modes.origin) {
    writer.raw("\x1b[?6h");
  }
  const VTermPos pos = cursor_position();
  // In origin mode libvterm keeps a restored cursor (DECRC) where it was saved, even outside
  // the margins, until the next CSI sequence moves it in; no CUP can put it there. When the
  // saved cursor is the cursor as it is (as just after a restore), restore it last.
  const int bottom = modes.bottom > -1 ? modes.bottom : size.rows;
  const int right = modes.right > -1 ? modes.right : size.cols;
  const bool outside_margins =
      modes.origin && (pos.row < modes.top || pos.row >= bottom ||
                       (modes.left_right_margins && (pos.col < modes.left || pos.col >= right)));
  const bool restore_last = outside_margins && !phantom && saved.valid && saved.row == pos.row &&
                            saved.col == pos.col && saved.pen == pen &&
                            saved.visible == cursor_visible && saved.blink == cursor_blink &&
                            saved.shape == cursor_shape;
  const int origin_row = modes.origin ? modes.top : 0;
  const int origin_col = modes.origin && modes.left_right_margins ? modes.left : 0;
  // (Outside them otherwise, the cursor goes to the nearest edge: see docs/player.md.)
  writer.cursor_position(std::max(pos.row - origin_row, 0), std::max(pos.col - origin_col, 0));
  if (phantom && pos.row >= 0 && pos.row < size.rows && pos.col >= 0 && pos.col < size.cols) {
    writer.pending_wrap(active().row(pos.row)[pos.col]);
  }

  std::string modes_text;
  const auto dec = [&modes_text](bool on, const char* number) {
    if (on) {
      modes_text += "\x1b[?";
      modes_text += number;
      modes_text += 'h';
    }
  };
  if (!modes.autowrap) {
    modes_text += "\x1b[?7l";
  }
  if (modes.insert) {
    modes_text += "\x1b[4h";
  }
  if (modes.newline) {
    modes_text += "\x1b[20h";
  }
  dec(modes.cursor_keys, "1");
  if (modes.keypad) {
    modes_text += "\x1b=";
  }
  dec(modes.bracketed_paste, "2004");
  dec(mouse == VTERM_PROP_MOUSE_CLICK, "1000");
  dec(mouse == VTERM_PROP_MOUSE_DRAG, "1002");
  dec(mouse == VTERM_PROP_MOUSE_MOVE, "1003");
  dec(modes.mouse_protocol == 1, "1005");
  dec(modes.mouse_protocol == 2, "1006");
  dec(modes.mouse_protocol == 3, "1015");
  dec(modes.report_focus, "1004");
  dec(reverse_screen, "5");
  writer.raw(modes_text);
  writer.cursor_style(cursor_visible, cursor_blink, cursor_shape);
  writer.charsets(modes.charsets, modes.gl, modes.gr);
  writer.final_pen(pen, modes.protect);
  writer.titles(title, icon_name);
  if (restore_last) {
    writer.raw("\x1b"
               "8");
  }
  writer.raw(without_controls(pending));
  writer.raw(strings.pending());
  return writer.take();
}

std::string state_difference(const TerminalModel& a, const TerminalModel& b)
{
  const TerminalModel::Impl& x = *a.m_impl;
  const TerminalModel::Impl& y = *b.m_impl;
  const std::pair<bool, const char*> facts[] = {
      {x.size == y.size, "size"},
      {x.alternate_active == y.alternate_active, "alternate screen"},
      {x.pen == y.pen, "pen"},
      {x.modes == y.modes, "modes, margins or character sets"},
      {x.saved == y.saved, "saved cursor"},
      {x.tabstops == y.tabstops, "tab stops"},
      {x.cursor_visible == y.cursor_visible && x.cursor_blink == y.cursor_blink &&
           x.cursor_shape == y.cursor_shape,
       "cursor style"},
      {x.reverse_screen == y.reverse_screen, "reverse screen"},
      {x.mouse == y.mouse, "mouse mode"},
      {x.title == y.title && x.icon_name == y.icon_name, "title"},
      {x.phantom == y.phantom, "pending wrap"},
      {without_controls(x.pending) == without_controls(y.pending),
       "unfinished sequence or character"},
  };
  for (const auto& [same, what] : facts) {
    if (!same) {
      return what;
    }
  }
  const VTermPos px = x.cursor_position();
  const VTermPos py = y.cursor_position();
  if (px.row != py.row || px.col != py.col) {
    return "cursor position";
  }
  const auto buffer_difference =
      [](const ScreenBuffer& p, const ScreenBuffer& q, const char* name) -> std::string {
    for (int row = 0; row < p.rows(); ++row) {
      if (p.continues(row) != q.continues(row)) {
        return std::string(name) + " row " + std::to_string(row) + " continuation";
      }
      for (int col = 0; col < p.cols(); ++col) {
        if (!same_cell(p.row(row)[col], q.row(row)[col])) {
          return std::string(name) + " cell " + std::to_string(row) + "," + std::to_string(col);
        }
      }
    }
    return {};
  };
  std::string difference = buffer_difference(x.primary, y.primary, "primary");
  if (difference.empty() && x.alternate_active) {
    difference = buffer_difference(x.alternate, y.alternate, "alternate");
  }
  if (!difference.empty()) {
    return difference;
  }
  for (int row = 0; row < x.size.rows; ++row) {
    const VTermLineInfo* lx = vterm_state_get_lineinfo(x.state, row);
    const VTermLineInfo* ly = vterm_state_get_lineinfo(y.state, row);
    if (lx->doublewidth != ly->doublewidth || lx->doubleheight != ly->doubleheight) {
      return "line " + std::to_string(row) + " double width or height";
    }
  }
  return {};
}

bool same_state(const TerminalModel& a, const TerminalModel& b)
{
  return state_difference(a, b).empty();
}

} // namespace shelltrail::term
