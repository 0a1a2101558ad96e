#pragma once
// SignalFd: signals as just another descriptor in the Poller (mosh's loop). Blocks its signals
// for the calling thread and restores the previous mask when destroyed; children must unblock
// them before exec (ChildProcess does).

#include "util/error.hpp"
#include "util/fd.hpp"

#include <signal.h>
#include <sys/signalfd.h>

#include <initializer_list>
#include <optional>

namespace shelltrail::sys {

class SignalFd
{
public:
  static util::Result<SignalFd> create(std::initializer_list<int> signals);
  SignalFd(const SignalFd&) = delete;
  SignalFd& operator=(const SignalFd&) = delete;
  SignalFd(SignalFd&& other) noexcept;
  SignalFd& operator=(SignalFd&&) = delete;
  ~SignalFd();

  int fd() const;
  // The next pending signal, or nullopt when none is pending.
  std::optional<signalfd_siginfo> read();

private:
  SignalFd(util::Fd fd, sigset_t old_mask);
  util::Fd m_fd;
  sigset_t m_old_mask;
  bool m_owns_mask = true;
};

} // namespace shelltrail::sys
