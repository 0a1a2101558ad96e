#pragma once
// RepaintWriter: builds the escape sequences of TerminalModel::repaint() for a terminal just
// reset (RIS): it paints screens cell by cell, then sets the state that painting must not
// disturb (saved cursor, margins, cursor, pending wrap, modes, pen, character sets, titles).
//
// Painting recreates libvterm's cell model, including its odd corners: a row that continues on
// the next is written so that the terminal itself wraps it; a wide character cut by a resize at
// the last column is moved there with ICH; a right half left alone by an overwrite is recreated
// with a wide character that is then overwritten.

#include "term/screen_buffer.hpp"
#include "term/terminal_model.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace shelltrail::term {

struct LineInfo
{
  bool double_width = false;
  std::uint8_t double_height = 0; // 1 top half, 2 bottom half
};

class RepaintWriter
{
public:
  explicit RepaintWriter(Size size);

  void paint(const ScreenBuffer& buffer, const std::function<LineInfo(int)>& lineinfo);
  void switch_to_alternate();
  void tabstops(const std::vector<std::uint8_t>& stops);
  void saved_cursor(int row, int col, const Pen& pen, bool visible, bool blink, int shape);
  void margins(bool left_right_mode, int left, int right, int top, int bottom);
  // CUP, relative to the origin when origin mode is on.
  void cursor_position(int row, int col);
  // Rewrites the glyph under the cursor so that the terminal waits to wrap, as it did.
  void pending_wrap(const StoredCell& cell);
  void cursor_style(bool visible, bool blink, int shape);
  void charsets(const std::array<char, 4>& designators, int gl, int gr);
  void final_pen(const Pen& pen, bool protect);
  void titles(const std::string& title, const std::string& icon_name);
  void raw(std::string_view text)
  {
    m_out += text;
  }
  std::string take()
  {
    return std::move(m_out);
  }

private:
  void paint_row(const ScreenBuffer& buffer, int row);
  void repaint_cell(const ScreenBuffer& buffer, int row, int col);
  void wrap_row(const ScreenBuffer& buffer, int row);
  void move(int row, int col);
  void forget_cursor()
  {
    m_row = -1;
  }
  void set_pen(const Pen& pen);
  void set_colors(const Pen& pen);
  void write_glyph(const StoredCell& cell, int col);
  void write_text(std::string_view text, int width, int col);
  void write_zero_width(const StoredCell& cell, int row, int col);
  void write_cut_wide(const StoredCell& cell, int row);
  void write_filler_wide(int row, int col);
  void erase_chars(int count);
  void number(int value);

  Size m_size;
  std::string m_out;
  int m_row = 0; // where the terminal's cursor is; -1 when unknown
  int m_col = 0;
  Pen m_pen;
  bool m_protect = false;
};

} // namespace shelltrail::term
