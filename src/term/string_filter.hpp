#pragma once
// StringFilter: keeps control strings (OSC, DCS: the ones libvterm 0.1.4 parses) away from it.
// libvterm 0.1.4's string handling crashes on hostile input (a heap overflow in its parser, a bad
// format string answering DECRQSS: both found by term_model_fuzz), and no string changes what the
// screen shows; only a title (OSC 0, 1, 2) is passed on, re-sent as a clean, short OSC.

#include <string>
#include <string_view>

namespace shelltrail::term {

class StringFilter
{
public:
  // Appends to `out` what libvterm may see of `in`; a string may span calls.
  void filter(std::string_view in, std::string& out);
  // An unfinished escape or string as a repaint ends with it, so that a model built from the
  // repaint takes the rest of the stream the same way.
  std::string pending() const;

private:
  enum class State { ground, escape, csi, string, string_escape };
  void end_string(std::string& out);

  State m_state = State::ground;
  bool m_osc = false;
  std::string m_payload;       // an OSC's text so far (capped)
  std::string m_intermediates; // of the escape being read
  int m_separators = 0;        // of the CSI being read
};

} // namespace shelltrail::term
