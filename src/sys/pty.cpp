#include "sys/pty.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>

#include <array>
#include <cerrno>
#include <cstdlib>

namespace shelltrail::sys {

Pty::Pty(util::Fd master, util::Fd follower, std::string path)
    : m_master(std::move(master)), m_follower(std::move(follower)), m_follower_path(std::move(path))
{}

util::Result<Pty> Pty::open(const std::optional<termios>& modes, const std::optional<Winsize>& size)
{
  util::Fd master(posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!master) {
    return util::fail(util::Error::from_errno(errno, "opening a pseudo-terminal (posix_openpt)"));
  }
  if (grantpt(master.get()) != 0 || unlockpt(master.get()) != 0) {
    return util::fail(util::Error::from_errno(errno, "unlocking the pseudo-terminal"));
  }
  std::array<char, 128> name{};
  if (ptsname_r(master.get(), name.data(), name.size()) != 0) {
    return util::fail(util::Error::from_errno(errno, "ptsname"));
  }
  const std::string path(name.data());
  util::Fd follower(::open(path.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!follower) {
    return util::fail(util::Error::from_errno(errno, path));
  }
  if (modes) {
    (void)tcsetattr(follower.get(), TCSANOW, &*modes);
  }
  if (size && size->cols > 0 && size->rows > 0) {
    ST_TRY(set_window_size(master.get(), *size));
  }
  return Pty(std::move(master), std::move(follower), path);
}

const util::Fd& Pty::master() const
{
  return m_master;
}

const std::string& Pty::follower_path() const
{
  return m_follower_path;
}

util::Fd Pty::take_follower()
{
  return std::move(m_follower);
}

} // namespace shelltrail::sys
