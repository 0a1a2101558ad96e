#include "support/synthetic_output.hpp"

#include <array>
#include <string_view>

namespace shelltrail::test {
namespace {

constexpr std::array<std::string_view, 40> k_words = {
    "config",  "server",   "request", "handler", "buffer",  "timeout", "connection", "session",
    "cache",   "index",    "worker",  "thread",  "socket",  "packet",  "message",    "queue",
    "backup",  "database", "replica", "primary", "deploy",  "release", "kernel",     "module",
    "network", "storage",  "volume",  "mount",   "service", "daemon",  "process",    "memory",
    "error",   "warning",  "failed",  "started", "stopped", "ready",   "pending",    "retry"};
constexpr std::array<std::string_view, 6> k_colors = {
    "\x1b[01;34m", "\x1b[01;32m", "\x1b[0;33m", "\x1b[01;31m", "\x1b[0;36m", "\x1b[1m"};
constexpr std::array<std::string_view, 4> k_hosts = {"db-1", "web-3", "jump-1", "cache-2"};

} // namespace

SyntheticOutput::SyntheticOutput(std::uint64_t seed) : m_state(seed * 0x9e3779b97f4a7c15ULL + 1) {}

std::uint64_t SyntheticOutput::next()
{
  // xorshift64*: fast and deterministic on every platform.
  m_state ^= m_state >> 12;
  m_state ^= m_state << 25;
  m_state ^= m_state >> 27;
  return m_state * 0x2545f4914f6cdd1dULL;
}

std::uint64_t SyntheticOutput::below(std::uint64_t bound)
{
  return next() % bound;
}

void SyntheticOutput::line(std::string& out)
{
  const auto word = [&] { return k_words[below(k_words.size())]; };
  const auto number = [&](std::uint64_t bound) { return std::to_string(below(bound)); };
  ++m_counter;
  switch (below(10)) {
  case 0: // coloured ls
    for (int i = 0; i < 4; ++i) {
      out += k_colors[below(k_colors.size())];
      out += word();
      out += "_";
      out += number(100);
      out += "\x1b[0m  ";
    }
    out += "\r\n";
    break;
  case 1: // compiler
    out += "g++ -O2 -Wall -c src/";
    out += word();
    out += "/";
    out += word();
    out += ".cpp -o build/";
    out += word();
    out += ".o\r\n";
    break;
  case 2: // log line
    out += "2026-11-26 05:";
    out += number(60);
    out += ":";
    out += number(60);
    out += " \x1b[0;33mWARN\x1b[0m [";
    out += word();
    out += "] ";
    out += word();
    out += " ";
    out += word();
    out += " after ";
    out += number(5000);
    out += " ms\r\n";
    break;
  case 3: // prompt and command
    out += "\x1b[01;32moperator@";
    out += k_hosts[below(k_hosts.size())];
    out += "\x1b[00m:\x1b[01;34m~/";
    out += word();
    out += "\x1b[00m$ systemctl status ";
    out += word();
    out += "\r\n";
    break;
  case 4: // progress bar redrawn with \r
    for (int pct = 0; pct <= 100; pct += 25) {
      out += "\r[";
      out.append(static_cast<std::size_t>(pct / 5), '#');
      out.append(static_cast<std::size_t>(20 - pct / 5), ' ');
      out += "] ";
      out += std::to_string(pct);
      out += "%";
    }
    out += "\r\n";
    break;
  case 5: // ps-like table row
    out += "root      ";
    out += number(40000);
    out += "  0.";
    out += number(10);
    out += "  1.";
    out += number(10);
    out += " /usr/sbin/";
    out += word();
    out += "d --";
    out += word();
    out += "\r\n";
    break;
  case 6: // cursor movement and erase (top-like redraw)
    out += "\x1b[";
    out += number(40);
    out += ";1H\x1b[K";
    out += word();
    out += " ";
    out += number(1000000);
    out += " ";
    out += word();
    out += "\r\n";
    break;
  case 7: // UTF-8 text
    out += "状态: ";
    out += word();
    out += " — café ✓ ";
    out += number(1000);
    out += "\r\n";
    break;
  default: // plain prose
    for (int i = 0; i < 8; ++i) {
      out += word();
      out += ' ';
    }
    out += number(100000);
    out += "\r\n";
    break;
  }
}

void SyntheticOutput::append(std::string& out, std::size_t bytes)
{
  const std::size_t target = out.size() + bytes;
  while (out.size() < target) {
    line(out);
  }
}

} // namespace shelltrail::test
