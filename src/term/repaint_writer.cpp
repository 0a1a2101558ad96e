#include "term/repaint_writer.hpp"

#include <vterm.h>

namespace shelltrail::term {
namespace {

constexpr char32_t k_filler_wide = 0x3000; // IDEOGRAPHIC SPACE: any wide character will do

void append_color(std::string& out, std::uint32_t packed, bool foreground)
{
  const std::uint32_t value = packed & ~packed_color::k_kind_mask;
  switch (packed & packed_color::k_kind_mask) {
  case packed_color::k_indexed:
    if (value < 8) {
      out += foreground ? ";3" : ";4";
      out += std::to_string(value);
    } else if (value < 16) {
      out += foreground ? ";9" : ";10";
      out += std::to_string(value - 8);
    } else {
      out += foreground ? ";38;5;" : ";48;5;";
      out += std::to_string(value);
    }
    break;
  case packed_color::k_rgb:
    out += foreground ? ";38;2;" : ";48;2;";
    out += std::to_string((value >> 16) & 0xFF);
    out += ';';
    out += std::to_string((value >> 8) & 0xFF);
    out += ';';
    out += std::to_string(value & 0xFF);
    break;
  default:
    break;
  }
}

std::string sgr(const Pen& pen)
{
  std::string out = "\x1b[0";
  if ((pen.flags & pen_flag::k_bold) != 0) {
    out += ";1";
  }
  switch ((pen.flags & pen_flag::k_underline_mask) >> pen_flag::k_underline_shift) {
  case 1:
    out += ";4";
    break;
  case 2:
    out += ";21";
    break;
  case 3:
    out += ";4:3";
    break;
  default:
    break;
  }
  if ((pen.flags & pen_flag::k_italic) != 0) {
    out += ";3";
  }
  if ((pen.flags & pen_flag::k_blink) != 0) {
    out += ";5";
  }
  if ((pen.flags & pen_flag::k_reverse) != 0) {
    out += ";7";
  }
  if ((pen.flags & pen_flag::k_conceal) != 0) {
    out += ";8";
  }
  if ((pen.flags & pen_flag::k_strike) != 0) {
    out += ";9";
  }
  const int font = (pen.flags & pen_flag::k_font_mask) >> pen_flag::k_font_shift;
  if (font != 0) {
    out += ";1";
    out += std::to_string(font);
  }
  append_color(out, pen.foreground, true);
  append_color(out, pen.background, false);
  out += 'm';
  return out;
}

Pen without_protection(Pen pen)
{
  pen.flags = static_cast<std::uint16_t>(pen.flags & ~pen_flag::k_protected);
  return pen;
}

} // namespace

RepaintWriter::RepaintWriter(Size size) : m_size(size) {}

void RepaintWriter::number(int value)
{
  m_out += std::to_string(value);
}

void RepaintWriter::move(int row, int col)
{
  if (row == m_row && col == m_col) {
    return;
  }
  if (row == m_row && col > m_col && m_row >= 0) {
    m_out += "\x1b[";
    number(col - m_col);
    m_out += 'C';
  } else {
    m_out += "\x1b[";
    number(row + 1);
    m_out += ';';
    number(col + 1);
    m_out += 'H';
  }
  m_row = row;
  m_col = col;
}

void RepaintWriter::set_pen(const Pen& pen)
{
  const bool protect = (pen.flags & pen_flag::k_protected) != 0;
  if (protect != m_protect) {
    m_out += protect ? "\x1b[1\"q" : "\x1b[0\"q";
    m_protect = protect;
  }
  const Pen visible = without_protection(pen);
  if (visible != m_pen) {
    m_out += sgr(visible);
    m_pen = visible;
  }
}

void RepaintWriter::set_colors(const Pen& pen)
{
  if (pen.foreground != m_pen.foreground || pen.background != m_pen.background) {
    m_out += sgr(pen.colors_only());
    m_pen = pen.colors_only();
  }
}

void RepaintWriter::write_text(std::string_view text, int width, int col)
{
  m_out += text;
  if (col + width >= m_size.cols) {
    forget_cursor(); // pending wrap: only an explicit move is safe next
  } else {
    m_col = col + width;
  }
}

void RepaintWriter::write_glyph(const StoredCell& cell, int col)
{
  std::string text;
  for (int i = 0; i < cell.char_count(); ++i) {
    append_utf8(text, cell.chars[static_cast<std::size_t>(i)]);
  }
  write_text(text, cell.width, col);
}

// A glyph of width 0 (a combining mark with no character before it in libvterm's eyes, or a
// zero-width character) is only kept on its own when it does not follow the last glyph written:
// libvterm would add a combining mark to that one. Writing a space in its cell first makes the
// space the glyph that was written last, and the mark replaces it.
void RepaintWriter::write_zero_width(const StoredCell& cell, int row, int col)
{
  forget_cursor();
  move(row, col);
  m_out += ' ';
  forget_cursor();
  move(row, col); // CUP: also ends the pending wrap of a space in the last column
  set_pen(cell.pen);
  write_glyph(cell, col);
}

void RepaintWriter::erase_chars(int count)
{
  m_out += "\x1b[";
  number(count);
  m_out += 'X';
}

void RepaintWriter::paint(const ScreenBuffer& buffer, const std::function<LineInfo(int)>& lineinfo)
{
  for (int row = 0; row < buffer.rows(); ++row) {
    paint_row(buffer, row);
    if (row + 1 < buffer.rows() && buffer.continues(row)) {
      wrap_row(buffer, row);
    }
    const LineInfo line = lineinfo(row);
    if (line.double_width || line.double_height != 0) {
      move(row, 0);
      m_out += line.double_height == 1 ? "\x1b#3" : line.double_height == 2 ? "\x1b#4" : "\x1b#6";
      forget_cursor();
    }
  }
}

void RepaintWriter::paint_row(const ScreenBuffer& buffer, int row)
{
  const StoredCell* cells = buffer.row(row);
  const int cols = buffer.cols();
  int end = cols;
  int leading_halves = 0;
  while (leading_halves < cols && cells[leading_halves].is_wide_right()) {
    ++leading_halves;
  }
  if (leading_halves > 0 && leading_halves < cols) {
    // Right halves from the first column on: made one column to the right (as below), then
    // moved left by deleting the first cell (DCH) before anything else is painted in the row.
    for (int right = leading_halves; right >= 1; --right) {
      write_filler_wide(row, right - 1);
    }
    forget_cursor();
    move(row, 0);
    m_out += "\x1b[P";
  }
  const StoredCell& last = cells[cols - 1];
  if (cols >= 2 && last.is_glyph() && last.width == 2) {
    write_cut_wide(last, row); // the cell before it is painted next
    end = cols - 1;
  }
  // Glyphs of width 0 first, so that none of them follows the glyph before it.
  for (int col = 0; col < end; ++col) {
    if (cells[col].is_glyph() && cells[col].width == 0) {
      write_zero_width(cells[col], row, col);
    }
  }
  int col = 0;
  while (col < end) {
    const StoredCell& cell = cells[col];
    if (cell.is_blank()) {
      int run = 1;
      while (col + run < end && cells[col + run].is_blank() &&
             cells[col + run].pen.foreground == cell.pen.foreground &&
             cells[col + run].pen.background == cell.pen.background) {
        ++run;
      }
      move(row, col);
      set_colors(cell.pen);
      erase_chars(run);
      col += run;
    } else if (cell.is_glyph()) {
      if (cell.width != 0) { // (width 0: written above)
        move(row, col);
        set_pen(cell.pen);
        write_glyph(cell, col);
      }
      ++col;
    } else if (col > 0 && cells[col - 1].is_glyph() && cells[col - 1].width == 2) {
      ++col; // the right half written with its glyph
    } else {
      // Right halves without their left half: each is made by a wide character written just
      // before it (right to left), then the cell before the run is painted again.
      int run_end = col;
      while (run_end < end && cells[run_end].is_wide_right()) {
        ++run_end;
      }
      if (col > 0) { // (from the first column: made above)
        for (int right = run_end - 1; right >= col; --right) {
          write_filler_wide(row, right - 1);
        }
        repaint_cell(buffer, row, col - 1);
      }
      col = run_end;
    }
  }
}

// A wide character in the last column, cut by a resize or pushed there by an insertion: written
// one column early and pushed right (ICH), which blanks the cell before it.
void RepaintWriter::write_cut_wide(const StoredCell& cell, int row)
{
  const int col = m_size.cols - 2;
  forget_cursor();
  move(row, col);
  set_pen(cell.pen);
  write_glyph(cell, col);
  forget_cursor();
  move(row, col);
  m_out += "\x1b[@";
}

void RepaintWriter::write_filler_wide(int row, int col)
{
  forget_cursor();
  move(row, col);
  StoredCell filler;
  filler.chars[0] = k_filler_wide;
  filler.width = 2;
  write_glyph(filler, col);
}

void RepaintWriter::repaint_cell(const ScreenBuffer& buffer, int row, int col)
{
  const StoredCell* cells = buffer.row(row);
  const StoredCell& cell = cells[col];
  forget_cursor();
  if (cell.is_blank()) {
    move(row, col);
    set_colors(cell.pen);
    erase_chars(1);
  } else if (cell.is_glyph() && cell.width == 0) {
    write_zero_width(cell, row, col);
  } else if (cell.is_glyph() && cell.width == 2 && col == buffer.cols() - 1) {
    if (col >= 1) {
      write_cut_wide(cell, row);
      repaint_cell(buffer, row, col - 1);
    }
  } else if (cell.is_glyph()) {
    move(row, col);
    set_pen(cell.pen);
    write_glyph(cell, col);
  } else if (cell.is_wide_right() && col > 0) {
    if (cells[col - 1].is_glyph() && cells[col - 1].width == 2) {
      move(row, col - 1);
      set_pen(cells[col - 1].pen);
      write_glyph(cells[col - 1], col - 1);
    } else {
      // A right half without its left half: made by a wide character, whose left half is
      // then painted over.
      write_filler_wide(row, col - 1);
      repaint_cell(buffer, row, col - 1);
    }
  }
  forget_cursor();
}

// Makes the terminal wrap from this row to the next, which marks it as continued: the last
// glyph is written again (leaving a pending wrap) and one more character goes to the next row,
// which is painted over later.
void RepaintWriter::wrap_row(const ScreenBuffer& buffer, int row)
{
  const StoredCell* cells = buffer.row(row);
  const int cols = buffer.cols();
  int glyph = cols - 1;
  if (cells[glyph].is_wide_right() && glyph > 0 && cells[glyph - 1].is_glyph() &&
      cells[glyph - 1].width == 2) {
    --glyph;
  }
  const StoredCell& cell = cells[glyph];
  forget_cursor();
  if (cell.is_glyph() && glyph + cell.width == cols) {
    move(row, glyph);
    set_pen(cell.pen);
    write_glyph(cell, glyph);
    m_out += ' ';
  } else {
    move(row, cols - 1);
    m_out += "  ";
    repaint_cell(buffer, row, cols - 1);
  }
  forget_cursor();
}

void RepaintWriter::switch_to_alternate()
{
  set_pen(Pen{}); // the switch erases the alternate screen with the current pen
  m_out += "\x1b[?1047h";
}

void RepaintWriter::tabstops(const std::vector<std::uint8_t>& stops)
{
  bool standard = true;
  for (std::size_t col = 0; col < stops.size(); ++col) {
    standard = standard && stops[col] == (col % 8 == 0 ? 1 : 0);
  }
  if (standard) {
    return;
  }
  m_out += "\x1b[3g";
  for (std::size_t col = 0; col < stops.size(); ++col) {
    if (stops[col] != 0) {
      forget_cursor();
      move(0, static_cast<int>(col));
      m_out += "\x1bH";
    }
  }
}

void RepaintWriter::saved_cursor(
    int row, int col, const Pen& pen, bool visible, bool blink, int shape)
{
  forget_cursor();
  move(row, col);
  set_pen(pen);
  cursor_style(visible, blink, shape);
  m_out += "\x1b"
           "7";
}

void RepaintWriter::margins(bool left_right_mode, int left, int right, int top, int bottom)
{
  if (left_right_mode) {
    m_out += "\x1b[?69h";
  }
  if (left != 0 || right != -1) {
    m_out += "\x1b[";
    number(left + 1);
    if (right != -1) {
      // (A margin at the last column, kept from a wider screen, is only taken as such when
      // asked for beyond it: at the last column it means no margin.)
      m_out += ';';
      number(right == m_size.cols ? right + 1 : right);
    }
    m_out += 's';
  }
  if (top != 0 || bottom != -1) {
    m_out += "\x1b[";
    number(top + 1);
    if (bottom != -1) {
      m_out += ';';
      number(bottom == m_size.rows ? bottom + 1 : bottom);
    }
    m_out += 'r';
  }
  forget_cursor();
}

void RepaintWriter::cursor_position(int row, int col)
{
  m_out += "\x1b[";
  number(row + 1);
  m_out += ';';
  number(col + 1);
  m_out += 'H';
  forget_cursor();
}

void RepaintWriter::pending_wrap(const StoredCell& cell)
{
  if (cell.is_glyph()) {
    set_pen(cell.pen);
    std::string text;
    for (int i = 0; i < cell.char_count(); ++i) {
      append_utf8(text, cell.chars[static_cast<std::size_t>(i)]);
    }
    m_out += text;
  } else if (cell.is_blank()) {
    m_out += ' ';
    set_colors(cell.pen);
    erase_chars(1);
  }
}

void RepaintWriter::cursor_style(bool visible, bool blink, int shape)
{
  m_out += visible ? "\x1b[?25h" : "\x1b[?25l";
  if (shape == 0) {
    m_out += blink ? "\x1b[?12h" : "\x1b[?12l"; // keeps the shape
    return;
  }
  const int base = shape == VTERM_PROP_CURSORSHAPE_UNDERLINE  ? 3
                   : shape == VTERM_PROP_CURSORSHAPE_BAR_LEFT ? 5
                                                              : 1;
  m_out += "\x1b[";
  number(blink ? base : base + 1);
  m_out += " q";
}

void RepaintWriter::charsets(const std::array<char, 4>& designators, int gl, int gr)
{
  static constexpr std::array<char, 4> k_sets = {'(', ')', '*', '+'};
  for (std::size_t set = 0; set < designators.size(); ++set) {
    if (designators[set] != 0) {
      m_out += '\x1b';
      m_out += k_sets[set];
      m_out += designators[set];
    }
  }
  static constexpr std::array<std::string_view, 4> k_gl = {"", "\x0e", "\x1bn", "\x1bo"};
  static constexpr std::array<std::string_view, 4> k_gr = {"", "", "\x1b}", "\x1b|"};
  m_out += k_gl[static_cast<std::size_t>(gl & 3)];
  m_out += k_gr[static_cast<std::size_t>(gr & 3)];
}

void RepaintWriter::final_pen(const Pen& pen, bool protect)
{
  m_out += sgr(without_protection(pen));
  m_out += protect ? "\x1b[1\"q" : "\x1b[0\"q";
}

void RepaintWriter::titles(const std::string& title, const std::string& icon_name)
{
  if (!title.empty() && title == icon_name) {
    m_out += "\x1b]0;" + title + "\x07";
    return;
  }
  if (!icon_name.empty()) {
    m_out += "\x1b]1;" + icon_name + "\x07";
  }
  if (!title.empty()) {
    m_out += "\x1b]2;" + title + "\x07";
  }
}

} // namespace shelltrail::term
