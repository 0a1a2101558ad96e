#pragma once
// SequenceScanner: finds, in a stream of output bytes, the escape sequences and controls whose
// effect libvterm's state layer keeps to itself (modes, margins, saved cursor, character sets,
// tab stops) and reports each one with the offset just past its final byte, so that the model
// can feed libvterm up to that point and then note the effect, in step with libvterm.
//
// It mirrors the byte-level rules of libvterm 0.1's parser (UTF-8 mode, so no 8-bit C1
// controls): C0 controls act inside sequences, CAN and SUB cancel, ESC restarts, OSC and DCS
// strings end at BEL or ESC \ . It only recognises; the model decides what a sequence means.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace shelltrail::term {

struct Sequence
{
  enum class Kind : std::uint8_t { control, escape, csi };
  static constexpr int k_max_args = 16;   // CSI_ARGS_MAX
  static constexpr int k_missing = -1;    // an empty argument
  static constexpr int k_arg_cap = 99999; // larger numbers are clamped

  Kind kind = Kind::control;
  char leader = 0;       // CSI: the first leader byte (0x3c-0x3f), or 0
  char intermediate = 0; // the first intermediate byte (0x20-0x2f), or 0
  int intermediates = 0; // how many
  char final = 0;        // control byte, or final byte of an escape or CSI
  int argc = 0;          // CSI: number of arguments (at least 1)
  std::array<int, k_max_args> args{};

  int arg(int i, int fallback) const
  {
    return i < argc && args[static_cast<std::size_t>(i)] != k_missing
               ? args[static_cast<std::size_t>(i)]
               : fallback;
  }
};

class SequenceScanner
{
public:
  // Calls sink(end, sequence) for every escape sequence, CSI sequence and SO/SI control that
  // ends in bytes, where end is the offset just past its last byte.
  template <typename Sink>
  void scan(std::string_view bytes, Sink&& sink);
  // Not inside an escape sequence or string.
  bool at_ground() const
  {
    return m_state == State::ground;
  }
  // How many bytes have been scanned, and where (in that count) the escape sequence or string
  // that is not finished yet began (its ESC); meaningful when not at_ground().
  std::uint64_t position() const
  {
    return m_position;
  }
  std::uint64_t sequence_start() const
  {
    return m_start;
  }
  // Bytes scanned in ground state, outside any sequence (in the count of position()): where the
  // current stretch began (meaningful when at_ground()), and the last stretch an ESC ended — in
  // a sink call, the text just before the sequence, if it ended there.
  struct TextSpan
  {
    std::uint64_t begin = 0;
    std::uint64_t end = 0;
  };
  std::uint64_t ground_start() const
  {
    return m_ground_start;
  }
  TextSpan last_text() const
  {
    return m_last_text;
  }

private:
  enum class State : std::uint8_t {
    ground,
    escape,
    csi_leader,
    csi_args,
    csi_intermediate,
    string,
    string_escape
  };

  void to_ground(std::uint64_t next)
  {
    m_state = State::ground;
    m_ground_start = next;
  }
  void start_escape(std::uint64_t at)
  {
    if (m_state == State::ground) {
      m_last_text = TextSpan{m_ground_start, at};
    }
    m_start = at;
    m_state = State::escape;
    m_seq.intermediate = 0;
    m_seq.intermediates = 0;
  }
  void add_intermediate(char c)
  {
    if (m_seq.intermediates++ == 0) {
      m_seq.intermediate = c;
    }
  }

  State m_state = State::ground;
  // Text: where the current (or last) stretch of ground began, and the last stretch an ESC ended.
  std::uint64_t m_ground_start = 0;
  TextSpan m_last_text;
  Sequence m_seq;
  std::uint64_t m_position = 0;
  std::uint64_t m_start = 0;
};

template <typename Sink>
void SequenceScanner::scan(std::string_view bytes, Sink&& sink)
{
  const std::size_t size = bytes.size();
  for (std::size_t i = 0; i < size; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (m_state == State::ground) {
      // Fast path: text, and controls other than ESC, SO and SI, change nothing here.
      if (c > 0x1b || (c != 0x1b && c != 0x0e && c != 0x0f)) {
        continue;
      }
    }
    if (c == 0x00 || c == 0x7f) {
      continue;
    }
    if (c == 0x18 || c == 0x1a) { // CAN, SUB
      to_ground(m_position + i + 1);
      continue;
    }
    if (c == 0x1b) {
      if (m_state == State::string) {
        m_state = State::string_escape;
      } else {
        start_escape(m_position + i);
      }
      continue;
    }
    if (c == 0x07 && m_state == State::string) {
      to_ground(m_position + i + 1);
      continue;
    }
    if (c < 0x20) {
      if (c == 0x0e || c == 0x0f) {
        Sequence control;
        control.kind = Sequence::Kind::control;
        control.final = static_cast<char>(c);
        sink(i + 1, control);
      }
      continue;
    }

    if (m_state == State::string_escape) {
      if (c == '\\') {
        to_ground(m_position + i + 1);
        continue;
      }
      // The string is abandoned; c continues the escape sequence of the ESC before it.
      start_escape(m_position + i - 1);
    }

    switch (m_state) {
    case State::ground:
    case State::string_escape:
      break;
    case State::string:
      break;
    case State::escape:
      if (c == 0x50 || c == 0x5d) { // DCS, OSC
        m_state = State::string;
      } else if (c == 0x5b) { // CSI
        m_state = State::csi_leader;
        m_seq.leader = 0;
      } else if (c >= 0x20 && c <= 0x2f) {
        add_intermediate(static_cast<char>(c));
      } else if (c >= 0x30 && c <= 0x7e) {
        m_seq.kind = Sequence::Kind::escape;
        m_seq.final = static_cast<char>(c);
        to_ground(m_position + i + 1);
        sink(i + 1, m_seq);
      }
      break;
    case State::csi_leader:
      if (c >= 0x3c && c <= 0x3f) {
        if (m_seq.leader == 0) {
          m_seq.leader = static_cast<char>(c);
        }
        break;
      }
      m_seq.argc = 0;
      m_seq.args[0] = Sequence::k_missing;
      m_state = State::csi_args;
      [[fallthrough]];
    case State::csi_args:
      if (c >= '0' && c <= '9') {
        int& arg = m_seq.args[static_cast<std::size_t>(m_seq.argc)];
        arg = arg == Sequence::k_missing ? 0 : arg;
        arg = std::min(arg * 10 + (c - '0'), Sequence::k_arg_cap);
        break;
      }
      if (c == ':' || c == ';') {
        if (m_seq.argc < Sequence::k_max_args - 1) {
          ++m_seq.argc;
        }
        m_seq.args[static_cast<std::size_t>(m_seq.argc)] = Sequence::k_missing;
        break;
      }
      ++m_seq.argc;
      m_seq.intermediate = 0;
      m_seq.intermediates = 0;
      m_state = State::csi_intermediate;
      [[fallthrough]];
    case State::csi_intermediate:
      if (c >= 0x20 && c <= 0x2f) {
        add_intermediate(static_cast<char>(c));
        break;
      }
      to_ground(m_position + i + 1);
      if (c >= 0x40 && c <= 0x7e) {
        m_seq.kind = Sequence::Kind::csi;
        m_seq.final = static_cast<char>(c);
        sink(i + 1, m_seq);
      }
      break;
    }
  }
  m_position += size;
}

} // namespace shelltrail::term
