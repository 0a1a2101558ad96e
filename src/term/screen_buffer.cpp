#include "term/screen_buffer.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <numeric>

namespace shelltrail::term {
namespace {

StoredCell blank_cell(const Pen& pen)
{
  StoredCell cell;
  cell.pen = pen.colors_only();
  return cell;
}

} // namespace

int StoredCell::char_count() const
{
  int count = 0;
  while (count < k_max_chars && chars[static_cast<std::size_t>(count)] != 0) {
    ++count;
  }
  return count;
}

bool same_cell(const StoredCell& a, const StoredCell& b)
{
  if (a.is_blank() || b.is_blank()) {
    return a.is_blank() && b.is_blank() && a.pen.foreground == b.pen.foreground &&
           a.pen.background == b.pen.background;
  }
  if (a.is_wide_right() || b.is_wide_right()) {
    return a.is_wide_right() && b.is_wide_right();
  }
  const int count = a.char_count();
  return count == b.char_count() &&
         std::equal(a.chars.begin(), a.chars.begin() + count, b.chars.begin()) && a.pen == b.pen &&
         a.width == b.width;
}

ScreenBuffer::ScreenBuffer(int rows, int cols, Pen blank_pen)
    : m_rows(rows), m_cols(cols), m_stride(static_cast<std::size_t>(cols)),
      m_cells(static_cast<std::size_t>(rows) * m_stride, blank_cell(blank_pen)),
      m_slot(static_cast<std::size_t>(rows)), m_continues(static_cast<std::size_t>(rows), 0),
      m_stamps(static_cast<std::size_t>(rows), 0)
{
  std::iota(m_slot.begin(), m_slot.end(), 0);
}

void ScreenBuffer::clear_slot(int index, const Pen& pen)
{
  StoredCell* cells = &m_cells[static_cast<std::size_t>(index) * m_stride];
  std::fill(cells, cells + m_cols, blank_cell(pen));
  m_continues[static_cast<std::size_t>(index)] = 0;
  m_stamps[static_cast<std::size_t>(index)] = 0;
}

void ScreenBuffer::erase(const Rect& rect, const Pen& pen, bool selective)
{
  const int start_col = std::max(rect.start_col, 0);
  const int end_col = std::min(rect.end_col, m_cols);
  const StoredCell blank = blank_cell(pen);
  for (int r = std::max(rect.start_row, 0); r < std::min(rect.end_row, m_rows); ++r) {
    StoredCell* cells = row(r);
    for (int c = start_col; c < end_col; ++c) {
      if (selective && (cells[c].pen.flags & pen_flag::k_protected) != 0) {
        continue;
      }
      cells[c] = blank;
    }
    // A row erased as a whole no longer continues on the next one.
    if (!selective && start_col == 0 && end_col == m_cols) {
      set_continues(r, false);
    }
  }
}

void ScreenBuffer::scroll(const Rect& requested, int downward, int rightward, const Pen& pen)
{
  // libvterm's rectangles are within the screen; clipping keeps a surprise harmless.
  const Rect rect{std::max(requested.start_row, 0),
                  std::min(requested.end_row, m_rows),
                  std::max(requested.start_col, 0),
                  std::min(requested.end_col, m_cols)};
  const int height = rect.end_row - rect.start_row;
  const int width = rect.end_col - rect.start_col;
  if (height <= 0 || width <= 0 || (downward == 0 && rightward == 0)) {
    return;
  }
  if (std::abs(downward) >= height || std::abs(rightward) >= width) {
    erase(rect, pen, false);
    return;
  }
  if (rightward == 0 && rect.start_col == 0 && rect.end_col == m_cols) {
    // Whole rows: rotate the slot table, no cell moves.
    const auto first = m_slot.begin() + rect.start_row;
    const auto last = m_slot.begin() + rect.end_row;
    if (downward > 0) {
      std::rotate(first, first + downward, last);
      for (int r = rect.end_row - downward; r < rect.end_row; ++r) {
        clear_slot(m_slot[static_cast<std::size_t>(r)], pen);
      }
    } else {
      std::rotate(first, last + downward, last);
      for (int r = rect.start_row; r < rect.start_row - downward; ++r) {
        clear_slot(m_slot[static_cast<std::size_t>(r)], pen);
      }
      if (rect.end_row == m_rows) {
        set_continues(m_rows - 1, false); // nothing below it to continue on
      }
    }
    return;
  }

  Rect src{};
  Rect dest{};
  if (rightward >= 0) {
    dest.start_col = rect.start_col;
    dest.end_col = rect.end_col - rightward;
    src.start_col = rect.start_col + rightward;
    src.end_col = rect.end_col;
  } else {
    dest.start_col = rect.start_col - rightward;
    dest.end_col = rect.end_col;
    src.start_col = rect.start_col;
    src.end_col = rect.end_col + rightward;
  }
  if (downward >= 0) {
    dest.start_row = rect.start_row;
    dest.end_row = rect.end_row - downward;
    src.start_row = rect.start_row + downward;
    src.end_row = rect.end_row;
  } else {
    dest.start_row = rect.start_row - downward;
    dest.end_row = rect.end_row;
    src.start_row = rect.start_row;
    src.end_row = rect.end_row + downward;
  }
  move(dest, src);

  Rect vacated = rect;
  if (downward > 0) {
    vacated.start_row = rect.end_row - downward;
  } else if (downward < 0) {
    vacated.end_row = rect.start_row - downward;
  }
  if (rightward > 0) {
    vacated.start_col = rect.end_col - rightward;
  } else if (rightward < 0) {
    vacated.end_col = rect.start_col - rightward;
  }
  erase(vacated, pen, false);
}

void ScreenBuffer::move(const Rect& dest, const Rect& src)
{
  const int cols = src.end_col - src.start_col;
  const int rows = src.end_row - src.start_row;
  if (cols <= 0 || rows <= 0) {
    return;
  }
  const auto inside = [this](const Rect& r) {
    return r.start_row >= 0 && r.end_row <= m_rows && r.start_col >= 0 && r.end_col <= m_cols;
  };
  if (!inside(src) || !inside(dest) || dest.end_row - dest.start_row != rows ||
      dest.end_col - dest.start_col != cols) {
    return;
  }
  const int downward = src.start_row - dest.start_row;
  const auto copy_row = [&](int i) {
    std::memmove(row(dest.start_row + i) + dest.start_col,
                 row(src.start_row + i) + src.start_col,
                 static_cast<std::size_t>(cols) * sizeof(StoredCell));
  };
  if (downward < 0) {
    for (int i = rows - 1; i >= 0; --i) {
      copy_row(i);
    }
  } else {
    for (int i = 0; i < rows; ++i) {
      copy_row(i);
    }
  }
}

void ScreenBuffer::resize(int rows, int cols, const Pen& pen)
{
  const auto stride = static_cast<std::size_t>(cols);
  std::vector<StoredCell> cells(static_cast<std::size_t>(rows) * stride, blank_cell(pen));
  std::vector<std::uint8_t> new_continues(static_cast<std::size_t>(rows), 0);
  std::vector<std::int64_t> new_stamps(static_cast<std::size_t>(rows), 0);
  const int keep_rows = std::min(rows, m_rows);
  const int keep_cols = std::min(cols, m_cols);
  for (int r = 0; r < keep_rows; ++r) {
    std::copy(row(r), row(r) + keep_cols, &cells[static_cast<std::size_t>(r) * stride]);
    new_continues[static_cast<std::size_t>(r)] = continues(r) ? 1 : 0;
    new_stamps[static_cast<std::size_t>(r)] = stamp(r);
  }
  m_rows = rows;
  m_cols = cols;
  m_stride = stride;
  m_cells = std::move(cells);
  m_continues = std::move(new_continues);
  m_stamps = std::move(new_stamps);
  m_slot.resize(static_cast<std::size_t>(rows));
  std::iota(m_slot.begin(), m_slot.end(), 0);
  if (rows > 0) {
    set_continues(rows - 1, false);
  }
}

void append_utf8(std::string& out, char32_t code_point)
{
  if (code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    code_point = 0xFFFD;
  }
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

std::string row_text_of(const ScreenBuffer& buffer, int row)
{
  // Called for every row that scrolls off (the transcript, the indexer): the row's end is found
  // first, so that trailing blanks are never built, and ASCII takes the short path.
  const StoredCell* cells = buffer.row(row);
  int end = buffer.cols();
  while (end > 0 && (cells[end - 1].is_blank() ||
                     (cells[end - 1].is_glyph() && cells[end - 1].char_count() == 1 &&
                      cells[end - 1].chars[0] == U' '))) {
    --end;
  }
  std::string text;
  text.reserve(static_cast<std::size_t>(end) + 8);
  for (int col = 0; col < end; ++col) {
    const StoredCell& cell = cells[col];
    if (cell.is_blank()) {
      text += ' ';
    } else if (cell.is_glyph()) {
      if (cell.char_count() == 1 && cell.chars[0] < 0x80) {
        text += static_cast<char>(cell.chars[0]);
        continue;
      }
      for (int i = 0; i < cell.char_count(); ++i) {
        append_utf8(text, cell.chars[static_cast<std::size_t>(i)]);
      }
    }
  }
  return text;
}

} // namespace shelltrail::term
