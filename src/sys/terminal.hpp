#pragma once
// Terminal facts: window sizes, raw mode that is always undone (TerminalModeGuard), and
// descriptor flags that are put back (FdFlagsGuard), so the shell that started us gets its
// terminal back exactly as it was (tlog's termios_orig).

#include "util/error.hpp"

#include <termios.h>

#include <cstdint>
#include <optional>

namespace shelltrail::sys {

struct Winsize
{
  std::uint16_t cols = 0;
  std::uint16_t rows = 0;
  bool operator==(const Winsize&) const = default;
};

// TIOCGWINSZ on `fd`; nullopt when `fd` is not a terminal.
std::optional<Winsize> window_size(int fd);
// TIOCSWINSZ on `fd` (a pty master: the child gets SIGWINCH).
util::Result<void> set_window_size(int fd, Winsize size);

// Whether the terminal behind `fd` (a pty master reads its follower's modes) is in canonical
// mode with echo off: how local password prompts (sudo, su, passwd, read -s) read.
bool is_canonical_without_echo(int fd);

class TerminalModeGuard
{
public:
  // Saves the modes of terminal `fd` and switches it to raw mode; nullopt-like empty guard when
  // `fd` is not a terminal.
  static util::Result<TerminalModeGuard> make_raw(int fd);
  TerminalModeGuard(const TerminalModeGuard&) = delete;
  TerminalModeGuard& operator=(const TerminalModeGuard&) = delete;
  TerminalModeGuard(TerminalModeGuard&& other) noexcept;
  TerminalModeGuard& operator=(TerminalModeGuard&&) = delete;
  ~TerminalModeGuard();

  // Puts the saved modes back now (also done by the destructor); safe to call twice.
  void restore();
  // The saved (original) modes, e.g. to give the pty the user's settings.
  const std::optional<termios>& saved() const;

private:
  TerminalModeGuard(int fd, std::optional<termios> saved);
  int m_fd;
  std::optional<termios> m_saved;
};

// Sets O_NONBLOCK on `fd` and puts the original flags back on destruction. Standard input and
// output may be shared with the shell that started us.
class NonBlockingGuard
{
public:
  explicit NonBlockingGuard(int fd);
  NonBlockingGuard(const NonBlockingGuard&) = delete;
  NonBlockingGuard& operator=(const NonBlockingGuard&) = delete;
  ~NonBlockingGuard();

private:
  int m_fd;
  int m_flags;
};

} // namespace shelltrail::sys
