#include "sys/terminal.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>

namespace shelltrail::sys {

std::optional<Winsize> window_size(int fd)
{
  winsize ws{};
  if (ioctl(fd, TIOCGWINSZ, &ws) != 0) {
    return std::nullopt;
  }
  return Winsize{ws.ws_col, ws.ws_row};
}

util::Result<void> set_window_size(int fd, Winsize size)
{
  winsize ws{};
  ws.ws_col = size.cols;
  ws.ws_row = size.rows;
  if (ioctl(fd, TIOCSWINSZ, &ws) != 0) {
    return util::fail(util::Error::from_errno(errno, "TIOCSWINSZ"));
  }
  return {};
}

bool is_canonical_without_echo(int fd)
{
  termios modes{};
  if (tcgetattr(fd, &modes) != 0) {
    return false;
  }
  return (modes.c_lflag & ICANON) != 0 && (modes.c_lflag & ECHO) == 0;
}

TerminalModeGuard::TerminalModeGuard(int fd, std::optional<termios> saved)
    : m_fd(fd), m_saved(saved)
{}

util::Result<TerminalModeGuard> TerminalModeGuard::make_raw(int fd)
{
  termios original{};
  if (tcgetattr(fd, &original) != 0) {
    return TerminalModeGuard(fd, std::nullopt); // not a terminal: nothing to change or undo
  }
  termios raw = original;
  cfmakeraw(&raw);
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  if (tcsetattr(fd, TCSAFLUSH, &raw) != 0) {
    return util::fail(util::Error::from_errno(errno, "setting the terminal to raw mode"));
  }
  return TerminalModeGuard(fd, original);
}

TerminalModeGuard::TerminalModeGuard(TerminalModeGuard&& other) noexcept
    : m_fd(other.m_fd), m_saved(std::exchange(other.m_saved, std::nullopt))
{}

TerminalModeGuard::~TerminalModeGuard()
{
  restore();
}

void TerminalModeGuard::restore()
{
  if (m_saved) {
    // TCSADRAIN: what was written still reaches the screen in raw mode first.
    (void)tcsetattr(m_fd, TCSADRAIN, &*m_saved);
  }
}

const std::optional<termios>& TerminalModeGuard::saved() const
{
  return m_saved;
}

NonBlockingGuard::NonBlockingGuard(int fd) : m_fd(fd), m_flags(fcntl(fd, F_GETFL))
{
  if (m_flags != -1) {
    (void)fcntl(fd, F_SETFL, m_flags | O_NONBLOCK);
  }
}

NonBlockingGuard::~NonBlockingGuard()
{
  if (m_flags != -1) {
    (void)fcntl(m_fd, F_SETFL, m_flags);
  }
}

} // namespace shelltrail::sys
