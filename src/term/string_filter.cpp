#include "term/string_filter.hpp"

#include <cstring>

namespace shelltrail::term {
namespace {

constexpr std::size_t k_max_payload = 1024;

// The strings libvterm 0.1.4 parses (it shows SOS, PM and APC bodies as text, as before).
bool is_string_introducer(char c)
{
  return c == ']' || c == 'P';
}

} // namespace

void StringFilter::filter(std::string_view in, std::string& out)
{
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    switch (m_state) {
    case State::ground: {
      // Runs of text in one append: this is nearly everything a terminal is sent.
      const void* esc = std::memchr(in.data() + i, '\x1b', in.size() - i);
      const std::size_t at =
          esc == nullptr ? in.size()
                         : static_cast<std::size_t>(static_cast<const char*>(esc) - in.data());
      out.append(in.data() + i, at - i);
      i = at;
      if (at < in.size()) {
        m_state = State::escape;
      }
      break;
    }
    case State::escape: {
      const auto byte = static_cast<unsigned char>(c);
      if (is_string_introducer(c)) {
        m_intermediates.clear();
        m_state = State::string;
        m_osc = c == ']';
        m_payload.clear();
      } else if (c == '\x18' || c == '\x1a') {
        out += c; // CAN, SUB: the escape is cancelled
        m_intermediates.clear();
        m_state = State::ground;
      } else if (byte < 0x20 && c != '\x1b') {
        out += c; // other C0 controls act inside an escape, which goes on (as in libvterm)
      } else if (byte >= 0x7f) {
        // Ignored inside an escape (as libvterm does): what follows still continues it.
      } else if (byte >= 0x20 && byte <= 0x2f) {
        m_intermediates += c;   // libvterm starts a string at ESC ] or ESC P even after these
      } else if (c != '\x1b') { // ESC ESC: the first one is abandoned
        out += '\x1b';
        out += m_intermediates;
        out += c;
        m_state =
            c == '[' ? State::csi : State::ground; // (libvterm: a CSI even after intermediates)
        m_separators = 0;
        m_intermediates.clear();
      } else {
        m_intermediates.clear();
      }
      break;
    }
    case State::csi: {
      // libvterm 0.1.4 writes past its 16 arguments (found by term_model_fuzz): more are dropped.
      const auto byte = static_cast<unsigned char>(c);
      if (c == '\x1b') {
        // ESC abandons the CSI. libvterm must see that now: if a string follows, the filter
        // swallows the ESC, and libvterm would go on counting this CSI's arguments past 16.
        out += '\x18';
        m_state = State::escape;
      } else if (byte >= 0x30 && byte <= 0x3f) {
        if ((c == ';' || c == ':') && ++m_separators >= 15) {
          break;
        }
        if (m_separators < 15) {
          out += c;
        }
      } else {
        out += c;
        if (byte >= 0x40 && byte <= 0x7e) {
          m_state = State::ground;
        } else if (c == '\x18' || c == '\x1a') {
          m_state = State::ground;
        }
      }
      break;
    }
    case State::string:
      if (c == '\x07') {
        end_string(out);
        m_state = State::ground;
      } else if (c == '\x1b') {
        m_state = State::string_escape;
      } else if (c == '\x18' || c == '\x1a') {
        m_state = State::ground; // CAN, SUB: cancelled
      } else if (m_osc && m_payload.size() < k_max_payload) {
        m_payload += c;
      }
      break;
    case State::string_escape:
      end_string(out);
      if (c == '\\') {
        m_state = State::ground;
      } else {
        // ESC ends the string and begins a new sequence with this byte.
        m_state = State::escape;
        --i;
      }
      break;
    }
  }
}

void StringFilter::end_string(std::string& out)
{
  if (!m_osc || m_payload.size() < 2 || m_payload[1] != ';' ||
      (m_payload[0] != '0' && m_payload[0] != '1' && m_payload[0] != '2')) {
    return;
  }
  std::string clean = "\x1b]";
  clean += m_payload[0];
  clean += ';';
  for (std::size_t i = 2; i < m_payload.size(); ++i) {
    const auto byte = static_cast<unsigned char>(m_payload[i]);
    if (byte >= 0x20 && byte != 0x7f) {
      clean += m_payload[i];
    }
  }
  out += clean + "\x07";
}

std::string StringFilter::pending() const
{
  switch (m_state) {
  case State::ground:
    return {};
  case State::escape:
    return "\x1b" + m_intermediates;
  case State::csi:
    return {}; // the scanner keeps the CSI's bytes (terminal_model.cpp)
  case State::string:
    return m_osc ? "\x1b]" + m_payload : "\x1bP";
  case State::string_escape:
    return (m_osc ? "\x1b]" + m_payload : "\x1bP") + "\x1b";
  }
  return {};
}

} // namespace shelltrail::term
