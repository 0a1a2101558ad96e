#include "player/output_sanitizer.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <optional>
#include <vector>

// The parser follows the DEC/ECMA-48 state machine (vt100.net's "A parser for DEC's ANSI-
// compatible video terminals"), as xterm, libvterm and tmux do, so that it splits the byte
// stream into sequences where the reviewer's terminal would. Where it cannot be sure (a string
// terminated differently by different terminals), it errs towards dropping more: the
// introducer of a dropped sequence never reaches the terminal, so the terminal never enters the
// state in which the rest would matter.

namespace shelltrail::player {
namespace {

constexpr unsigned char k_esc = 0x1b;
constexpr unsigned char k_bel = 0x07;
constexpr unsigned char k_can = 0x18;
constexpr unsigned char k_sub = 0x1a;
constexpr unsigned char k_del = 0x7f;

constexpr std::size_t k_max_csi_bytes = 256;          // parameters, intermediates and final
constexpr std::size_t k_max_escape_intermediates = 2; // ESC ( % 5 has the most in use
constexpr std::size_t k_max_osc_number_digits = 5;
constexpr std::size_t k_max_hyperlink_bytes = 4096; // OSC 8 parameters and URI

constexpr std::string_view k_replacement = "\xef\xbf\xbd"; // U+FFFD

bool is_digit(char c)
{
  return c >= '0' && c <= '9';
}

// What to do with one mode of SM/RM (CSI h/l) or DECSET/DECRST/XTSAVE/XTRESTORE (CSI ? h/l/s/r):
// nullopt keeps it.
std::optional<DropKind> classify_mode(unsigned mode, bool dec_private)
{
  if (!dec_private) {
    switch (mode) {
    case 4: // IRM insert mode
      return std::nullopt;
    case 2:  // KAM: locks the keyboard
    case 12: // SRM: local echo
    case 20: // LNM: Enter sends CR LF
      return DropKind::keyboard;
    default:
      return DropKind::unknown;
    }
  }
  switch (mode) {
  case 1:    // DECCKM application cursor keys
  case 4:    // DECSCLM smooth scroll
  case 5:    // DECSCNM reverse video
  case 6:    // DECOM origin mode
  case 7:    // DECAWM autowrap
  case 12:   // blinking cursor
  case 25:   // DECTCEM cursor visible
  case 45:   // reverse wraparound
  case 47:   // alternate screen
  case 66:   // DECNKM application keypad
  case 69:   // DECLRMM left and right margins
  case 1047: // alternate screen
  case 1048: // save cursor
  case 1049: // alternate screen with saved cursor
  case 2004: // bracketed paste
  case 2026: // synchronized output
    return std::nullopt;
  case 9:
  case 1000:
  case 1001:
  case 1002:
  case 1003:
  case 1004: // focus in/out reports
  case 1005:
  case 1006:
  case 1007: // wheel sends cursor keys
  case 1015:
  case 1016:
    return DropKind::mouse;
  case 8:  // DECARM auto-repeat
  case 67: // DECBKM backspace sends BS
  case 1034:
  case 1035:
  case 1036:
  case 1037:
  case 1039:
  case 1050:
  case 1051:
  case 1052:
  case 1053:
  case 1060:
  case 1061:
    return DropKind::keyboard;
  case 1041: // selection to CLIPBOARD
  case 1044: // reuse the clipboard
    return DropKind::clipboard;
  case 3:  // DECCOLM: 80/132 columns resizes the window
  case 10: // rxvt toolbar
  case 30: // rxvt scrollbar
  case 40: // allow 80/132
  case 1010:
  case 1011:
  case 1042: // urgency on bell
  case 1043: // raise window on bell
  case 2048: // in-band resize reports
    return DropKind::window;
  case 18:
  case 19:
    return DropKind::printer;
  case 2:  // DECANM: VT52 mode, a different parser
  case 38: // Tektronix mode, a different parser
  case 42: // national replacement characters
  case 46: // xterm logging to a file
    return DropKind::terminal_mode;
  default:
    return DropKind::unknown;
  }
}

// The kind of an OSC by its number; nullopt for OSC 8, which may be kept.
std::optional<DropKind> classify_osc(int number)
{
  switch (number) {
  case 8:
    return std::nullopt;
  case 0:
  case 1:
  case 2:
  case 3:
    return DropKind::title;
  case 4:
  case 5:
  case 6:
  case 21:
  case 104:
  case 105:
  case 106:
    return DropKind::colour;
  case 50:
    return DropKind::font;
  case 52:
  case 5522:
    return DropKind::clipboard;
  case 7:
  case 9:
  case 99:
  case 777:
  case 1337:
    return DropKind::notification;
  default:
    if ((number >= 10 && number <= 19) || (number >= 110 && number <= 119)) {
      return DropKind::colour;
    }
    return DropKind::osc_other;
  }
}

enum class CsiAction : std::uint8_t {
  keep,           // drawing: passed through unchanged
  keep_one_param, // kept with one parameter at most, else dropped as `kind`
  modes,          // SM/RM, DECSET/DECRST, XTSAVE/XTRESTORE: each mode by classify_mode()
  drop            // dropped, counted as `kind`
};

// CSI sequences by private prefix ('<' '=' '>' '?', or none), intermediate (one at most) and
// final byte. Anything not listed is dropped as unknown.
struct CsiRule
{
  char prefix;
  char intermediate;
  std::string_view finals;
  CsiAction action;
  DropKind kind;
};

constexpr CsiRule k_csi_rules[] = {
    // ICH CUU CUD CUF CUB CNL CPL CHA CUP CHT ED EL IL DL DCH SU CTC ECH CBT HPA HPR REP VPA VPR
    // HVP TBC SGR DECSTBM SCOSC/DECSLRM SCORC
    {0, 0, "@ABCDEFGHIJKLMPSWXZ`abdefgmrsu", CsiAction::keep, DropKind::unknown},
    // SD; with 5 parameters, xterm's highlight mouse tracking
    {0, 0, "T", CsiAction::keep_one_param, DropKind::mouse},
    {0, 0, "hl", CsiAction::modes, DropKind::unknown},
    {0, 0, "cnx", CsiAction::drop, DropKind::query}, // DA1, DSR/CPR, DECREQTPARM
    {0, 0, "t", CsiAction::drop, DropKind::window},  // window ops and reports, DECSLPP
    {0, 0, "i", CsiAction::drop, DropKind::printer}, // media copy
    {'?', 0, "hlsr", CsiAction::modes, DropKind::unknown},
    {'?', 0, "JKW", CsiAction::keep, DropKind::unknown}, // DECSED DECSEL DECST8C
    {'?', 0, "nmuS", CsiAction::drop, DropKind::query},  // DSR, XTQMODKEYS, kitty, XTSMGRAPHICS
    {'?', 0, "i", CsiAction::drop, DropKind::printer},
    {'?', '$', "p", CsiAction::drop, DropKind::query},       // DECRQM
    {'>', 0, "cq", CsiAction::drop, DropKind::query},        // DA2, XTVERSION
    {'>', 0, "fmnu", CsiAction::drop, DropKind::keyboard},   // XTFMTKEYS, XTMODKEYS, kitty push
    {'>', 0, "tT", CsiAction::drop, DropKind::title},        // XTSMTITLE, XTRMTITLE
    {'=', 0, "c", CsiAction::drop, DropKind::query},         // DA3
    {'=', 0, "u", CsiAction::drop, DropKind::keyboard},      // kitty set
    {'<', 0, "u", CsiAction::drop, DropKind::keyboard},      // kitty pop
    {0, ' ', "@Aq", CsiAction::keep, DropKind::unknown},     // SL, SR, DECSCUSR
    {0, '!', "p", CsiAction::keep, DropKind::unknown},       // DECSTR
    {0, '"', "q", CsiAction::keep, DropKind::unknown},       // DECSCA
    {0, '"', "p", CsiAction::drop, DropKind::terminal_mode}, // DECSCL (8-bit controls)
    {0, '$', "rtvxz{", CsiAction::keep, DropKind::unknown},  // rectangular area operations
    {0, '$', "pw", CsiAction::drop, DropKind::query},        // DECRQM, DECRQPSR
    {0, '$', "|}~", CsiAction::drop, DropKind::window},      // DECSCPP, status line
    {0, '\'', "}~", CsiAction::keep, DropKind::unknown},     // DECIC, DECDC
    {0, '\'', "|", CsiAction::drop, DropKind::query},        // DECRQLP
    {0, '\'', "wz{", CsiAction::drop, DropKind::mouse},      // locator: DECEFR, DECELR, DECSLE
    {0, '*', "x", CsiAction::keep, DropKind::unknown},       // DECSACE
    {0, '*', "y", CsiAction::drop, DropKind::query},         // DECRQCRA
    {0, '*', "|", CsiAction::drop, DropKind::window},        // DECSNLS
    {0, '#', "|", CsiAction::drop, DropKind::query},         // XTREPORTSGR
};

// Whether an OSC 8 body ("params;uri") may reach the terminal: printable ASCII only, and a URI
// that is empty (the end of a link) or http, https or mailto.
bool is_safe_hyperlink(std::string_view body)
{
  const std::size_t semicolon = body.find(';');
  if (semicolon == std::string_view::npos) {
    return false;
  }
  const std::string_view params = body.substr(0, semicolon);
  const std::string_view uri = body.substr(semicolon + 1);
  const auto printable = [](std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return c > 0x20 && c < 0x7f; });
  };
  if (!printable(params) || !printable(uri)) {
    return false;
  }
  if (uri.empty()) {
    return true;
  }
  const std::size_t colon = uri.find(':');
  if (colon == std::string_view::npos) {
    return false;
  }
  std::string scheme(uri.substr(0, colon));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return scheme == "http" || scheme == "https" || scheme == "mailto";
}

} // namespace

std::string_view to_string(DropKind kind)
{
  switch (kind) {
  case DropKind::clipboard:
    return "clipboard";
  case DropKind::title:
    return "title";
  case DropKind::colour:
    return "colour";
  case DropKind::font:
    return "font";
  case DropKind::hyperlink:
    return "hyperlink";
  case DropKind::notification:
    return "notification";
  case DropKind::osc_other:
    return "other OSC";
  case DropKind::dcs:
    return "DCS";
  case DropKind::apc_pm_sos:
    return "APC/PM/SOS";
  case DropKind::query:
    return "query";
  case DropKind::window:
    return "window";
  case DropKind::mouse:
    return "mouse";
  case DropKind::keyboard:
    return "keyboard";
  case DropKind::printer:
    return "printer";
  case DropKind::terminal_mode:
    return "terminal mode";
  case DropKind::c1_control:
    return "C1 control";
  case DropKind::control:
    return "control";
  case DropKind::unknown:
    return "unknown";
  case DropKind::invalid_utf8:
    return "invalid UTF-8";
  }
  return "unknown";
}

std::uint64_t DropCounts::dropped() const
{
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < k_drop_kind_count; ++i) {
    if (static_cast<DropKind>(i) != DropKind::invalid_utf8) {
      total += by_kind[i];
    }
  }
  return total;
}

std::string DropCounts::describe() const
{
  std::vector<std::size_t> kinds;
  for (std::size_t i = 0; i < k_drop_kind_count; ++i) {
    if (by_kind[i] != 0) {
      kinds.push_back(i);
    }
  }
  std::stable_sort(kinds.begin(), kinds.end(), [this](std::size_t a, std::size_t b) {
    return by_kind[a] > by_kind[b];
  });
  std::string text;
  for (const std::size_t i : kinds) {
    text += fmt::format(
        "{}{} {}", text.empty() ? "" : ", ", by_kind[i], to_string(static_cast<DropKind>(i)));
  }
  return text;
}

void OutputSanitizer::feed(std::string_view bytes, std::string& out)
{
  out.reserve(out.size() + bytes.size());
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    switch (m_state) {
    case State::ground:
      ground_byte(byte, out);
      break;
    case State::escape:
      escape_byte(byte, out);
      break;
    case State::csi:
    case State::csi_ignore:
      csi_byte(byte, out);
      break;
    case State::osc:
      osc_byte(byte, out);
      break;
    case State::osc_discard:
      if (byte == k_bel || byte == k_can || byte == k_sub) {
        m_state = State::ground;
      } else if (byte == k_esc) {
        start_escape(); // ESC \ (ST) ends it; any other ESC ends it and starts a sequence
      }
      break;
    case State::string_discard:
      if (byte == k_can || byte == k_sub) {
        m_state = State::ground;
      } else if (byte == k_esc) {
        start_escape();
      }
      break;
    }
  }
}

void OutputSanitizer::finish(std::string& out)
{
  if (m_utf8_need != 0) {
    invalid_utf8(out);
  }
  switch (m_state) {
  case State::ground:
  case State::csi_ignore:
  case State::osc_discard:
  case State::string_discard:
    break; // nothing held, or already counted
  case State::escape:
  case State::csi:
    drop(DropKind::unknown);
    break;
  case State::osc:
    osc_abandon();
    break;
  }
  reset();
}

void OutputSanitizer::reset()
{
  m_state = State::ground;
  m_sequence.clear();
  m_overflow = false;
  m_osc_number_done = false;
  m_utf8_have = 0;
  m_utf8_need = 0;
  m_code_point = 0;
}

const DropCounts& OutputSanitizer::counts() const
{
  return m_counts;
}

void OutputSanitizer::clear_counts()
{
  m_counts = {};
}

std::string OutputSanitizer::sanitize(std::string_view bytes)
{
  std::string out;
  feed(bytes, out);
  finish(out);
  return out;
}

void OutputSanitizer::drop(DropKind kind)
{
  ++m_counts[kind];
}

void OutputSanitizer::abandon(DropKind kind)
{
  drop(kind);
  m_state = State::ground;
  m_sequence.clear();
}

void OutputSanitizer::start_escape()
{
  m_state = State::escape;
  m_sequence.clear();
  m_overflow = false;
}

// --- ground: text, UTF-8 and controls ---------------------------------------------------------

void OutputSanitizer::ground_byte(unsigned char byte, std::string& out)
{
  if (m_utf8_need != 0 || byte >= 0x80) {
    utf8_byte(byte, out);
  } else if (byte == k_esc) {
    start_escape();
  } else if (byte < 0x20) {
    control(byte, out);
  } else {
    out += static_cast<char>(byte); // printable ASCII, and DEL (which terminals ignore)
  }
}

void OutputSanitizer::utf8_byte(unsigned char byte, std::string& out)
{
  if (m_utf8_need == 0) {
    if (byte >= 0xc2 && byte <= 0xdf) {
      m_utf8_need = 2;
      m_code_point = byte & 0x1fU;
    } else if (byte >= 0xe0 && byte <= 0xef) {
      m_utf8_need = 3;
      m_code_point = byte & 0x0fU;
    } else if (byte >= 0xf0 && byte <= 0xf4) {
      m_utf8_need = 4;
      m_code_point = byte & 0x07U;
    } else if (byte >= 0x80 && byte <= 0x9f) {
      c1_control(byte); // a raw 8-bit C1 control
      return;
    } else {
      out += k_replacement; // a stray continuation byte, or a byte never valid in UTF-8
      drop(DropKind::invalid_utf8);
      return;
    }
    m_utf8[0] = static_cast<char>(byte);
    m_utf8_have = 1;
    return;
  }
  bool valid = (byte & 0xc0U) == 0x80;
  if (valid && m_utf8_have == 1) {
    // The second byte's range excludes overlong forms, surrogates and code points past U+10FFFF.
    const auto lead = static_cast<unsigned char>(m_utf8[0]);
    valid = !((lead == 0xe0 && byte < 0xa0) || (lead == 0xed && byte > 0x9f) ||
              (lead == 0xf0 && byte < 0x90) || (lead == 0xf4 && byte > 0x8f));
  }
  if (!valid) {
    invalid_utf8(out);
    ground_byte(byte, out); // the byte starts something new
    return;
  }
  m_utf8[m_utf8_have++] = static_cast<char>(byte);
  m_code_point = (m_code_point << 6) | (byte & 0x3fU);
  if (m_utf8_have == m_utf8_need) {
    code_point_done(out);
  }
}

void OutputSanitizer::code_point_done(std::string& out)
{
  const std::uint32_t code = m_code_point;
  const std::size_t size = m_utf8_have;
  m_utf8_have = 0;
  m_utf8_need = 0;
  m_code_point = 0;
  if (code >= 0x80 && code <= 0x9f) {
    c1_control(code); // xterm acts on UTF-8-encoded C1 controls too
    return;
  }
  out.append(m_utf8.data(), size);
}

void OutputSanitizer::invalid_utf8(std::string& out)
{
  // One U+FFFD for the unfinished character, as terminals show it.
  out += k_replacement;
  drop(DropKind::invalid_utf8);
  m_utf8_have = 0;
  m_utf8_need = 0;
  m_code_point = 0;
}

void OutputSanitizer::c1_control(std::uint32_t code)
{
  drop(DropKind::c1_control);
  // The sequence a C1 introducer starts is dropped whole, so its parameters do not show as text.
  switch (code) {
  case 0x9b: // CSI
    m_sequence.clear();
    m_state = State::csi_ignore;
    break;
  case 0x9d: // OSC
    m_state = State::osc_discard;
    break;
  case 0x90: // DCS
  case 0x98: // SOS
  case 0x9e: // PM
  case 0x9f: // APC
    m_state = State::string_discard;
    break;
  default:
    break; // IND, NEL, HTS, RI, SS2, SS3, ...: dropped alone
  }
}

void OutputSanitizer::control(unsigned char byte, std::string& out)
{
  switch (byte) {
  case k_bel:
  case 0x08: // BS
  case 0x09: // HT
  case 0x0a: // LF
  case 0x0b: // VT
  case 0x0c: // FF
  case 0x0d: // CR
  case 0x0e: // SO: shift to G1 (line drawing)
  case 0x0f: // SI: back to G0
    out += static_cast<char>(byte);
    break;
  case 0x05: // ENQ: the terminal sends its answerback message
    drop(DropKind::query);
    break;
  default:
    drop(DropKind::control);
    break;
  }
}

// --- ESC sequences -----------------------------------------------------------------------------

void OutputSanitizer::escape_byte(unsigned char byte, std::string& out)
{
  if (byte == k_can || byte == k_sub) {
    abandon(DropKind::unknown);
  } else if (byte == k_esc) {
    start_escape(); // terminals restart on a second ESC
  } else if (byte < 0x20) {
    control(byte, out);
  } else if (byte >= 0x80) {
    abandon(DropKind::unknown);
    ground_byte(byte, out);
  } else if (byte == k_del) {
    // ignored inside sequences
  } else if (byte <= 0x2f) {
    if (m_sequence.size() < k_max_escape_intermediates) {
      m_sequence += static_cast<char>(byte);
    } else {
      m_overflow = true;
    }
  } else if (m_sequence.empty() && byte == '[') {
    m_state = State::csi;
  } else if (m_sequence.empty() && byte == ']') {
    m_state = State::osc;
    m_osc_number_done = false;
  } else if (m_sequence.empty() && byte == 'P') {
    drop(DropKind::dcs);
    m_state = State::string_discard;
  } else if (m_sequence.empty() && (byte == 'X' || byte == '^' || byte == '_')) {
    drop(DropKind::apc_pm_sos);
    m_state = State::string_discard;
  } else {
    escape_dispatch(byte, out);
  }
}

void OutputSanitizer::escape_dispatch(unsigned char final_byte, std::string& out)
{
  m_state = State::ground;
  const auto keep = [&] {
    out += static_cast<char>(k_esc);
    out += m_sequence;
    out += static_cast<char>(final_byte);
  };
  if (m_overflow) {
    drop(DropKind::unknown);
    return;
  }
  if (m_sequence.empty()) {
    switch (final_byte) {
    case '7': // DECSC
    case '8': // DECRC
    case '=': // DECKPAM
    case '>': // DECKPNM
    case 'D': // IND
    case 'E': // NEL
    case 'H': // HTS
    case 'M': // RI
    case 'c': // RIS
    case 'N': // SS2
    case 'O': // SS3
    case 'n': // LS2
    case 'o': // LS3
    case '|': // LS3R
    case '}': // LS2R
    case '~': // LS1R
    case '6': // DECBI
    case '9': // DECFI
      keep();
      return;
    case '\\':
      return; // ST with no string open: nothing to do
    case 'Z': // DECID: the terminal answers like DA
      drop(DropKind::query);
      return;
    default:
      drop(DropKind::unknown);
      return;
    }
  }
  switch (m_sequence[0]) {
  case '(':
  case ')':
  case '*':
  case '+':
  case '-':
  case '.':
  case '/':
    keep(); // character set designation (ESC ( 0 for line drawing, ESC ( % 5, ...)
    return;
  case '#':
    if (m_sequence.size() == 1 && (final_byte == '3' || final_byte == '4' || final_byte == '5' ||
                                   final_byte == '6' || final_byte == '8')) {
      keep(); // double-height/width lines, DECALN
    } else {
      drop(DropKind::unknown);
    }
    return;
  case ' ': // S7C1T/S8C1T, ANSI conformance levels
  case '%': // ESC % @ leaves UTF-8, after which C1 bytes would act
    drop(DropKind::terminal_mode);
    return;
  default:
    drop(DropKind::unknown);
    return;
  }
}

// --- CSI ---------------------------------------------------------------------------------------

void OutputSanitizer::csi_byte(unsigned char byte, std::string& out)
{
  if (byte == k_can || byte == k_sub) {
    if (m_state == State::csi) {
      drop(DropKind::unknown);
    }
    m_state = State::ground;
    m_sequence.clear();
  } else if (byte == k_esc) {
    if (m_state == State::csi) {
      drop(DropKind::unknown);
    }
    start_escape();
  } else if (byte < 0x20) {
    control(byte, out); // executed in the middle of the sequence, as terminals do
  } else if (byte >= 0x80) {
    if (m_state == State::csi) {
      drop(DropKind::unknown);
    }
    m_state = State::ground;
    m_sequence.clear();
    ground_byte(byte, out);
  } else if (byte == k_del) {
    // ignored
  } else if (byte >= 0x40) {
    if (m_state == State::csi_ignore) {
      m_state = State::ground;
      m_sequence.clear();
      return;
    }
    m_sequence += static_cast<char>(byte);
    csi_dispatch(out);
    m_sequence.clear();
  } else if (m_state == State::csi) {
    if (m_sequence.size() + 1 >= k_max_csi_bytes) {
      drop(DropKind::unknown);
      m_state = State::csi_ignore;
      m_sequence.clear();
      return;
    }
    m_sequence += static_cast<char>(byte);
  }
}

void OutputSanitizer::csi_dispatch(std::string& out)
{
  m_state = State::ground;
  const std::string_view sequence = m_sequence; // csi_byte() clears it afterwards
  const char final_byte = sequence.back();
  std::string_view body(sequence.data(), sequence.size() - 1);
  char prefix = 0;
  if (!body.empty() && body.front() >= '<' && body.front() <= '?') {
    prefix = body.front();
    body.remove_prefix(1);
  }
  std::size_t digits_end = 0;
  while (digits_end < body.size() &&
         (is_digit(body[digits_end]) || body[digits_end] == ';' || body[digits_end] == ':')) {
    ++digits_end;
  }
  const std::string_view params = body.substr(0, digits_end);
  const std::string_view intermediates = body.substr(digits_end);
  // One intermediate at most: every CSI in the allowlist has none or one.
  if (intermediates.size() > 1 || (intermediates.size() == 1 && intermediates[0] > 0x2f)) {
    drop(DropKind::unknown);
    return;
  }
  const char intermediate = intermediates.empty() ? '\0' : intermediates[0];
  const auto rule =
      std::find_if(std::begin(k_csi_rules), std::end(k_csi_rules), [&](const CsiRule& r) {
        return r.prefix == prefix && r.intermediate == intermediate &&
               r.finals.find(final_byte) != std::string_view::npos;
      });
  if (rule == std::end(k_csi_rules)) {
    drop(DropKind::unknown);
    return;
  }
  switch (rule->action) {
  case CsiAction::keep:
    out += "\x1b[";
    out += sequence;
    return;
  case CsiAction::keep_one_param:
    if (params.find(';') == std::string_view::npos) {
      out += "\x1b[";
      out += sequence;
    } else {
      drop(rule->kind);
    }
    return;
  case CsiAction::modes:
    modes_dispatch(params, prefix == '?', final_byte, out);
    return;
  case CsiAction::drop:
    drop(rule->kind);
    return;
  }
}

void OutputSanitizer::modes_dispatch(std::string_view params,
                                     bool dec_private,
                                     char final_byte,
                                     std::string& out)
{
  if (params.empty() || params.find(':') != std::string_view::npos) {
    drop(DropKind::unknown);
    return;
  }
  std::string kept;
  bool dropped_any = false;
  std::size_t start = 0;
  while (start <= params.size()) {
    std::size_t end = params.find(';', start);
    if (end == std::string_view::npos) {
      end = params.size();
    }
    const std::string_view param = params.substr(start, end - start);
    std::optional<DropKind> verdict = DropKind::unknown;
    if (!param.empty() && param.size() <= k_max_osc_number_digits) {
      unsigned mode = 0;
      for (const char c : param) {
        mode = mode * 10 + static_cast<unsigned>(c - '0');
      }
      verdict = classify_mode(mode, dec_private);
    }
    if (verdict) {
      drop(*verdict);
      dropped_any = true;
    } else {
      kept += kept.empty() ? "" : ";";
      kept += param;
    }
    start = end + 1;
  }
  if (kept.empty()) {
    return;
  }
  out += "\x1b[";
  if (dec_private) {
    out += '?';
  }
  out += dropped_any ? kept : std::string(params);
  out += final_byte;
}

// --- OSC ---------------------------------------------------------------------------------------

void OutputSanitizer::osc_byte(unsigned char byte, std::string& out)
{
  if (byte == k_bel) {
    osc_end(out);
    return;
  }
  if (byte == k_esc) {
    osc_end(out); // ESC \ (ST), or any ESC: the string ends and a sequence starts
    start_escape();
    return;
  }
  if (byte == k_can || byte == k_sub) {
    osc_abandon();
    return;
  }
  if (!m_osc_number_done) {
    if (is_digit(static_cast<char>(byte)) && m_sequence.size() < k_max_osc_number_digits) {
      m_sequence += static_cast<char>(byte);
      return;
    }
    if (byte == ';' && !m_sequence.empty()) {
      const int number = std::stoi(m_sequence);
      m_sequence.clear();
      if (const auto kind = classify_osc(number)) {
        drop(*kind);
        m_state = State::osc_discard;
        return;
      }
      m_osc_number_done = true; // OSC 8: collect "params;uri"
      return;
    }
    // Not a number: dtterm's OSC l/L/I (title, icon), or garbage.
    const bool dtterm = m_sequence.empty() && (byte == 'l' || byte == 'L' || byte == 'I');
    drop(dtterm ? DropKind::title : DropKind::osc_other);
    m_state = State::osc_discard;
    return;
  }
  if (byte < 0x20 || byte >= 0x7f || m_sequence.size() >= k_max_hyperlink_bytes) {
    drop(DropKind::hyperlink);
    m_state = State::osc_discard;
    return;
  }
  m_sequence += static_cast<char>(byte);
}

void OutputSanitizer::osc_abandon()
{
  if (m_osc_number_done) {
    drop(DropKind::hyperlink); // only OSC 8 is collected past its number
  } else if (m_sequence.empty()) {
    drop(DropKind::osc_other);
  } else {
    // Ended before any ';': "OSC 104 BEL" resets the palette.
    drop(classify_osc(std::stoi(m_sequence)).value_or(DropKind::hyperlink));
  }
  m_state = State::ground;
  m_sequence.clear();
  m_osc_number_done = false;
}

void OutputSanitizer::osc_end(std::string& out)
{
  if (!m_osc_number_done) {
    osc_abandon();
    return;
  }
  m_state = State::ground;
  m_osc_number_done = false;
  if (is_safe_hyperlink(m_sequence)) {
    out += "\x1b]8;";
    out += m_sequence;
    out += "\x1b\\";
  } else {
    drop(DropKind::hyperlink); // the link text that follows still shows
  }
  m_sequence.clear();
}

} // namespace shelltrail::player
