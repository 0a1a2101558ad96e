#pragma once
// OutputSanitizer: a streaming filter over recorded terminal output that lets through what
// draws (text, UTF-8, cursor movement, colours, erase, scroll regions, drawing modes) and drops
// what a hostile recording could use against the reviewer's terminal: clipboard writes, titles,
// palette and font changes, odd hyperlinks, DCS/APC/PM/SOS strings, queries that make the
// terminal answer, mouse and keyboard protocol changes, 8-bit C1 controls. docs/player.md
// ("Safe output") lists every rule and why.
//
// Input may be cut anywhere (inside an escape sequence, inside a UTF-8 character): a sequence is
// held until it is complete and then emitted or dropped whole, so the output does not depend on
// how the input was split. Memory is bounded: a sequence longer than its cap is dropped while it
// streams past, never buffered.
//
// The output is always valid UTF-8 without C1 code points (invalid bytes become U+FFFD), and
// every escape sequence in it was checked against an allowlist. Play, dump and the exporters
// use it; their --raw options skip it.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace shelltrail::player {

// What was dropped (or, for invalid_utf8, replaced), counted per occurrence.
enum class DropKind : std::uint8_t {
  clipboard,     // OSC 52 (and 5522): clipboard read or write
  title,         // OSC 0/1/2/3, dtterm OSC l/L/I, xterm title modes (CSI > t): window title, icon
  colour,        // OSC 4/5/6/10-19/21/104-119: palette and dynamic colours (set or query)
  font,          // OSC 50: font change or query
  hyperlink,     // OSC 8 with a scheme other than http, https, mailto, or malformed (text kept)
  notification,  // OSC 7/9/99/777/1337: cwd, desktop notifications, iTerm2 (file transfer)
  osc_other,     // any other OSC (shell integration, xterm log file, pointer shape, ...)
  dcs,           // DCS strings: DECRQSS, XTGETTCAP, DECUDK, tmux passthrough, sixel, ReGIS
  apc_pm_sos,    // APC (kitty graphics), PM, SOS strings
  query,         // sequences the terminal answers: DA1/2/3, DSR/CPR, DECRQM, XTVERSION, ENQ, ...
  window,        // CSI t window manipulation and reports, DECSLPP/DECSCPP/DECSNLS resizes, ...
  mouse,         // mouse and focus reporting modes (?9, ?1000-?1007, ?1015, ?1016)
  keyboard,      // keyboard protocol changes: kitty CSI > u, modifyOtherKeys, KAM, SRM, LNM, ...
  printer,       // media copy (CSI i) and printer modes
  terminal_mode, // parser or emulation switches: ESC % (leave UTF-8), S8C1T, DECSCL, VT52, Tek
  c1_control,    // 8-bit C1 controls (raw 0x80-0x9f or UTF-8-encoded U+0080-U+009F)
  control,       // C0 controls that do not draw (NUL, DC1, ...), besides ENQ (query)
  unknown,       // any other or malformed escape or control sequence, or one over its size cap
  invalid_utf8,  // bytes that are not UTF-8, replaced by U+FFFD (not dropped)
};

inline constexpr std::size_t k_drop_kind_count =
    static_cast<std::size_t>(DropKind::invalid_utf8) + 1;

// "clipboard", "title", ...
std::string_view to_string(DropKind kind);

struct DropCounts
{
  std::array<std::uint64_t, k_drop_kind_count> by_kind{};

  std::uint64_t& operator[](DropKind kind)
  {
    return by_kind[static_cast<std::size_t>(kind)];
  }
  std::uint64_t operator[](DropKind kind) const
  {
    return by_kind[static_cast<std::size_t>(kind)];
  }
  // Everything dropped (invalid_utf8 replacements not included).
  std::uint64_t dropped() const;
  // "2 title, 1 clipboard" (kinds with a count, most frequent first); empty when none.
  std::string describe() const;
};

class OutputSanitizer
{
public:
  // Appends the safe form of `bytes` to `out`. Bytes of an unfinished sequence or character are
  // held for the next call.
  void feed(std::string_view bytes, std::string& out);
  // Ends the stream: an unfinished escape sequence is dropped, an unfinished UTF-8 character
  // becomes U+FFFD. The sanitizer is then ready for a new stream (counts are kept).
  void finish(std::string& out);
  // Forgets any unfinished sequence or character without output (for a seek); counts are kept.
  void reset();

  const DropCounts& counts() const;
  void clear_counts();

  // The whole of `bytes` as one stream: feed() then finish().
  std::string sanitize(std::string_view bytes);

private:
  enum class State : std::uint8_t {
    ground,
    escape,         // after ESC (intermediates in m_sequence)
    csi,            // after ESC [ or C1 CSI: parameters and intermediates in m_sequence
    csi_ignore,     // a CSI over its cap or malformed: skipped to its final byte
    osc,            // after ESC ]: the OSC number, then (OSC 8) the content, in m_sequence
    osc_discard,    // an OSC being dropped: skipped to BEL, ESC or CAN/SUB
    string_discard, // DCS, SOS, PM, APC: skipped to ESC (ST) or CAN/SUB
  };

  void ground_byte(unsigned char byte, std::string& out);
  void utf8_byte(unsigned char byte, std::string& out);
  void code_point_done(std::string& out);
  void invalid_utf8(std::string& out);
  // C0 controls: executed in ground and inside sequences (as terminals do).
  void control(unsigned char byte, std::string& out);
  void c1_control(std::uint32_t code);
  void escape_byte(unsigned char byte, std::string& out);
  void escape_dispatch(unsigned char final_byte, std::string& out);
  void csi_byte(unsigned char byte, std::string& out);
  void csi_dispatch(std::string& out);
  void modes_dispatch(std::string_view params, bool dec_private, char final_byte, std::string& out);
  void osc_byte(unsigned char byte, std::string& out);
  void osc_end(std::string& out);
  // Drops the OSC in progress, counted by its number.
  void osc_abandon();
  // Drops the sequence in progress, counting it as `kind`, and returns to ground.
  void abandon(DropKind kind);
  void drop(DropKind kind);
  void start_escape();

  State m_state = State::ground;
  std::string m_sequence;  // the sequence being collected (without ESC and its introducer)
  bool m_overflow = false; // an ESC sequence with too many intermediates: dropped at its end
  bool m_osc_number_done = false;

  // A UTF-8 character in progress.
  std::array<char, 4> m_utf8{};
  std::uint8_t m_utf8_have = 0;
  std::uint8_t m_utf8_need = 0;
  std::uint32_t m_code_point = 0;

  DropCounts m_counts;
};

} // namespace shelltrail::player
