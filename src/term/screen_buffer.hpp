#pragma once
// ScreenBuffer: the cells of one screen (primary or alternate), kept in the same cell model as
// libvterm's screen layer so that the two can be compared cell by cell: a cell is blank
// (chars[0] == 0), the right half of a wide character (chars[0] == k_wide_right, its width is
// implied), or a glyph of up to six code points. Rows are reached through a slot table, so that
// scrolling moves row indices, not cells.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace shelltrail::term {

// Colours packed in 32 bits: kind in the top byte, index or 0xRRGGBB below.
namespace packed_color {
inline constexpr std::uint32_t k_default = 0;
inline constexpr std::uint32_t k_indexed = 1U << 24;
inline constexpr std::uint32_t k_rgb = 2U << 24;
inline constexpr std::uint32_t k_kind_mask = 0xFFU << 24;
} // namespace packed_color

namespace pen_flag {
inline constexpr std::uint16_t k_bold = 1U << 0;
inline constexpr std::uint16_t k_underline_shift = 1; // two bits
inline constexpr std::uint16_t k_underline_mask = 3U << 1;
inline constexpr std::uint16_t k_italic = 1U << 3;
inline constexpr std::uint16_t k_blink = 1U << 4;
inline constexpr std::uint16_t k_reverse = 1U << 5;
inline constexpr std::uint16_t k_strike = 1U << 6;
inline constexpr std::uint16_t k_conceal = 1U << 7;
inline constexpr std::uint16_t k_font_shift = 8; // four bits, SGR 10-19
inline constexpr std::uint16_t k_font_mask = 0xFU << 8;
inline constexpr std::uint16_t k_protected = 1U << 12; // DECSCA, for selective erase
} // namespace pen_flag

// The attributes a glyph is written with (and, for blank cells, only the two colours).
struct Pen
{
  std::uint32_t foreground = packed_color::k_default;
  std::uint32_t background = packed_color::k_default;
  std::uint16_t flags = 0;
  bool operator==(const Pen&) const = default;
  Pen colors_only() const
  {
    return Pen{foreground, background, 0};
  }
};

struct StoredCell
{
  static constexpr int k_max_chars = 6; // VTERM_MAX_CHARS_PER_CELL
  static constexpr char32_t k_wide_right = 0xFFFFFFFF;

  std::array<char32_t, k_max_chars> chars{}; // 0-terminated unless full
  Pen pen;
  std::uint8_t width = 1; // of a glyph, as written

  bool is_blank() const
  {
    return chars[0] == 0;
  }
  bool is_wide_right() const
  {
    return chars[0] == k_wide_right;
  }
  bool is_glyph() const
  {
    return !is_blank() && !is_wide_right();
  }
  int char_count() const;
};

// Same content as far as a terminal shows it: blanks by colours, right halves by being right
// halves (their attributes are never drawn), glyphs by characters, width and attributes.
bool same_cell(const StoredCell& a, const StoredCell& b);

struct Rect
{
  int start_row;
  int end_row;
  int start_col;
  int end_col;
};

class ScreenBuffer
{
public:
  ScreenBuffer(int rows, int cols, Pen blank_pen);

  int rows() const
  {
    return m_rows;
  }
  int cols() const
  {
    return m_cols;
  }

  StoredCell* row(int r)
  {
    return &m_cells[slot(r) * m_stride];
  }
  const StoredCell* row(int r) const
  {
    return &m_cells[slot(r) * m_stride];
  }
  bool continues(int r) const
  {
    return m_continues[slot(r)] != 0;
  }
  void set_continues(int r, bool value)
  {
    m_continues[slot(r)] = value ? 1 : 0;
  }

  // The caller's stamp (the indexer: the event time) of the last glyph written to a row.
  std::int64_t stamp(int r) const
  {
    return m_stamps[slot(r)];
  }
  void set_stamp(int r, std::int64_t value)
  {
    m_stamps[slot(r)] = value;
  }

  void erase(const Rect& rect, const Pen& pen, bool selective);
  // libvterm's scrollrect: content moves up (downward > 0) or left (rightward > 0) within rect;
  // the vacated cells are erased with pen.
  void scroll(const Rect& requested, int downward, int rightward, const Pen& pen);
  // Copies the cells of src to dest (same size, may overlap).
  void move(const Rect& dest, const Rect& src);
  // Keeps the top-left corner; new cells are blank with pen's colours.
  void resize(int rows, int cols, const Pen& pen);

private:
  std::size_t slot(int r) const
  {
    return static_cast<std::size_t>(m_slot[static_cast<std::size_t>(r)]);
  }
  void clear_slot(int index, const Pen& pen);

  int m_rows;
  int m_cols;
  std::size_t m_stride; // cells per slot (== cols)
  std::vector<StoredCell> m_cells;
  std::vector<int> m_slot;               // visible row -> slot
  std::vector<std::uint8_t> m_continues; // by slot
  std::vector<std::int64_t> m_stamps;    // by slot
};

void append_utf8(std::string& out, char32_t code_point);
// A row as text: UTF-8, blanks as spaces, right halves of wide characters skipped, trailing
// spaces removed.
std::string row_text_of(const ScreenBuffer& buffer, int row);

} // namespace shelltrail::term
