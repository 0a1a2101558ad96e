#include "sys/signal_fd.hpp"

#include <pthread.h>
#include <unistd.h>

#include <cerrno>

namespace shelltrail::sys {

SignalFd::SignalFd(util::Fd fd, sigset_t old_mask) : m_fd(std::move(fd)), m_old_mask(old_mask) {}

util::Result<SignalFd> SignalFd::create(std::initializer_list<int> signals)
{
  sigset_t set;
  sigemptyset(&set);
  for (const int signal : signals) {
    sigaddset(&set, signal);
  }
  sigset_t old{};
  if (pthread_sigmask(SIG_BLOCK, &set, &old) != 0) {
    return util::fail(util::ErrorKind::io, "cannot block signals");
  }
  const int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd < 0) {
    const int error = errno;
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return util::fail(util::Error::from_errno(error, "signalfd"));
  }
  return SignalFd(util::Fd(fd), old);
}

SignalFd::SignalFd(SignalFd&& other) noexcept
    : m_fd(std::move(other.m_fd)), m_old_mask(other.m_old_mask), m_owns_mask(other.m_owns_mask)
{
  other.m_owns_mask = false;
}

SignalFd::~SignalFd()
{
  if (m_owns_mask) {
    pthread_sigmask(SIG_SETMASK, &m_old_mask, nullptr);
  }
}

int SignalFd::fd() const
{
  return m_fd.get();
}

std::optional<signalfd_siginfo> SignalFd::read()
{
  signalfd_siginfo info{};
  const ssize_t n = ::read(m_fd.get(), &info, sizeof info);
  if (n != static_cast<ssize_t>(sizeof info)) {
    return std::nullopt;
  }
  return info;
}

} // namespace shelltrail::sys
