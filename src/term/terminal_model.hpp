#pragma once
// TerminalModel: what a terminal would show after a stream of output bytes. libvterm's parser and
// state layer interpret the escape sequences; the screen (cells, attributes, scrolling, the
// alternate screen) is kept here, in rows held in a ring so that scrolling costs O(1) — libvterm's
// own screen layer is 3-5x slower on scrolling coloured text.
//
// Used by the player (what is on screen at a seek point, keyframes), the exporters (the text as it
// scrolled) and later the indexer. It never writes anything anywhere: terminal queries (DA, DSR)
// are not answered.

#include "util/error.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace shelltrail::term {

struct Size
{
  int cols = 80;
  int rows = 24;
  bool operator==(const Size&) const = default;
};

struct Color
{
  enum class Kind : std::uint8_t { default_color, indexed, rgb };
  Kind kind = Kind::default_color;
  std::uint8_t index = 0;                    // Kind::indexed: 0-255
  std::uint8_t red = 0, green = 0, blue = 0; // Kind::rgb
  bool operator==(const Color&) const = default;
};

struct Attributes
{
  bool bold = false;
  bool italic = false;
  bool blink = false;
  bool reverse = false;
  bool conceal = false;
  bool strike = false;
  std::uint8_t underline = 0; // 0 none, 1 single, 2 double, 3 curly
  Color foreground;
  Color background;
  bool operator==(const Attributes&) const = default;
};

struct Cell
{
  // The base character and its combining marks (UTF-32); empty for a blank cell. The right half
  // of a wide character is a cell with width 0.
  std::u32string chars;
  std::uint8_t width = 1;
  Attributes attributes;
  bool operator==(const Cell&) const = default;
};

struct Cursor
{
  int row = 0;
  int col = 0;
  bool visible = true;
  bool operator==(const Cursor&) const = default;
};

class TerminalModel
{
public:
  explicit TerminalModel(Size size);
  TerminalModel(TerminalModel&&) noexcept;
  TerminalModel& operator=(TerminalModel&&) noexcept;
  ~TerminalModel();

  // Interprets output bytes; an escape sequence or UTF-8 character may be split across calls.
  void feed(std::string_view bytes);
  // The terminal was resized (a resize event of the recording).
  void resize(Size size);

  Size size() const;
  Cursor cursor() const;
  bool alternate_screen() const;
  // The window title last set (OSC 0/2), for display by the player only if asked.
  const std::string& title() const;

  // One row of the visible screen: UTF-8, trailing blanks removed, wide characters once.
  std::string row_text(int row) const;
  // The visible screen, one string per row.
  std::vector<std::string> screen_text() const;
  // One cell of the visible screen (row, col within size()).
  Cell cell(int row, int col) const;
  // Whether a row continues on the next one (it was wrapped at the right margin, not ended by
  // a newline): an exporter joins such rows.
  bool row_continues(int row) const;

  // Escape sequences that, written to a terminal just reset (RIS, ESC c) of the same size — or
  // fed to a new TerminalModel of that size — reproduce this state: the screen of each buffer in
  // use (primary, and alternate when active), cells and attributes, cursor position and
  // visibility, the current pen (attributes of text written next), the scroll region, origin,
  // autowrap, insert, application cursor/keypad, bracketed paste and mouse modes, the character
  // sets and the title. Invariant (tested): a model fed repaint() equals this one.
  std::string repaint() const;

  // Called with each row of the primary screen that scrolls off the top (the transcript and the
  // indexer's "screen text as it scrolled"): its UTF-8 text and whether it continues on the next.
  // `stamp`: the row's stamp (below).
  using ScrolledOff =
      std::function<void(std::string_view text, bool continues, std::int64_t stamp)>;
  void on_scrolled_off(ScrolledOff callback);

  // A number the caller sets (the indexer: the time of the event it feeds); each row of the
  // screen remembers the stamp in effect when a character was last written to it — when a line
  // appeared, not when it scrolled off.
  void set_stamp(std::int64_t stamp);
  std::int64_t row_stamp(int row) const;

  struct Impl; // public so that the implementation's C callbacks can name it

private:
  friend std::string state_difference(const TerminalModel& a, const TerminalModel& b);
  std::unique_ptr<Impl> m_impl;
};

// Equality of what two models show (screen contents and attributes of both buffers, cursor,
// modes); the tests and the keyframe checks use it.
bool same_state(const TerminalModel& a, const TerminalModel& b);
// What differs first ("primary cell 3,7", "saved cursor", ...), or empty when same_state.
std::string state_difference(const TerminalModel& a, const TerminalModel& b);

} // namespace shelltrail::term
