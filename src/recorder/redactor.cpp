#include "recorder/redactor.hpp"

#include <cstring>

namespace shelltrail::recorder {
namespace {

// The cursor line is only kept this long: prompts are short, and the tail is what matters.
constexpr std::size_t k_max_line = 512;

} // namespace

void Redactor::RegexFree::operator()(regex_t* regex) const
{
  regfree(regex);
  delete regex;
}

Redactor::Redactor(std::vector<Regex> patterns, bool enabled)
    : m_patterns(std::move(patterns)), m_enabled(enabled)
{}

util::Result<Redactor> Redactor::create(const std::vector<std::string>& prompt_patterns,
                                        bool enabled)
{
  std::vector<Regex> compiled;
  for (const std::string& pattern : prompt_patterns) {
    Regex regex(new regex_t);
    const int error = regcomp(regex.get(), pattern.c_str(), REG_EXTENDED | REG_ICASE | REG_NOSUB);
    if (error != 0) {
      char message[256];
      regerror(error, regex.get(), message, sizeof message);
      delete regex.release(); // regcomp failed: nothing to regfree
      return util::fail(util::ErrorKind::config,
                        "prompt pattern '{}' is not a valid regular expression: {}",
                        pattern,
                        message);
    }
    compiled.push_back(std::move(regex));
  }
  return Redactor(std::move(compiled), enabled);
}

const std::string& Redactor::cursor_line() const
{
  return m_line;
}

void Redactor::on_output(std::string_view bytes)
{
  if (!m_enabled || bytes.empty()) {
    return;
  }
  // Only what follows the last newline can be on the cursor line.
  const void* newline = memrchr(bytes.data(), '\n', bytes.size());
  if (newline != nullptr) {
    const auto at = static_cast<std::size_t>(static_cast<const char*>(newline) - bytes.data());
    m_line.clear();
    m_escape = Escape::none;
    m_typed_on_line = false;
    bytes.remove_prefix(at + 1);
  }
  feed_tail(bytes);
}

void Redactor::feed_tail(std::string_view bytes)
{
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    switch (m_escape) {
    case Escape::esc:
      if (c == '[') {
        m_escape = Escape::csi;
      } else if (c == ']' || c == 'P' || c == '_' || c == '^' || c == 'X') {
        m_escape = Escape::string; // OSC, DCS, APC, PM, SOS: up to BEL or ESC '\'
      } else {
        m_escape = Escape::none;
      }
      continue;
    case Escape::csi:
      if (byte >= 0x40 && byte <= 0x7e) {
        m_escape = Escape::none;
      }
      continue;
    case Escape::string:
      if (c == '\a') {
        m_escape = Escape::none;
      } else if (c == '\x1b') {
        m_escape = Escape::string_esc;
      }
      continue;
    case Escape::string_esc:
      m_escape = c == '\\' ? Escape::none : Escape::string;
      continue;
    case Escape::none:
      break;
    }
    if (c == '\x1b') {
      m_escape = Escape::esc;
    } else if (c == '\r') {
      m_line.clear(); // the cursor goes back to the start: what follows overwrites it
    } else if (c == '\b') {
      if (!m_line.empty()) {
        m_line.pop_back();
      }
    } else if (byte >= 0x20 && byte != 0x7f) {
      m_line.push_back(c);
    }
  }
  if (m_line.size() > k_max_line) {
    m_line.erase(0, m_line.size() - k_max_line);
  }
}

bool Redactor::line_is_prompt() const
{
  for (const Regex& pattern : m_patterns) {
    if (regexec(pattern.get(), m_line.c_str(), 0, nullptr, 0) == 0) {
      return true;
    }
  }
  return false;
}

void Redactor::classify(std::string_view input,
                        bool canonical_without_echo,
                        std::vector<Piece>& out)
{
  out.clear();
  if (!m_enabled) {
    out.push_back({input, false});
    return;
  }
  if (canonical_without_echo) {
    out.push_back({input, true});
    return;
  }
  while (!input.empty()) {
    if (!m_redacting && !m_typed_on_line && line_is_prompt()) {
      m_redacting = true;
    }
    m_typed_on_line = true;
    if (!m_redacting) {
      out.push_back({input, false});
      return;
    }
    const std::size_t enter = input.find_first_of("\r\n");
    if (enter == std::string_view::npos) {
      out.push_back({input, true});
      return;
    }
    out.push_back({input.substr(0, enter + 1), true});
    m_redacting = false;
    input.remove_prefix(enter + 1);
  }
}

} // namespace shelltrail::recorder
