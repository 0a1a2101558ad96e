#include "util/timer_fd.hpp"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace shelltrail::util {

TimerFd::TimerFd(Fd fd) : m_fd(std::move(fd)) {}

Result<TimerFd> TimerFd::create()
{
  const int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (fd < 0) {
    return fail(Error::from_errno(errno, "timerfd_create"));
  }
  return TimerFd(Fd(fd));
}

Result<void> TimerFd::arm_at(std::chrono::nanoseconds deadline)
{
  itimerspec spec{};
  const auto ns = std::max<std::int64_t>(deadline.count(), 1);
  spec.it_value.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
  spec.it_value.tv_nsec = static_cast<long>(ns % 1'000'000'000);
  if (timerfd_settime(m_fd.get(), TFD_TIMER_ABSTIME, &spec, nullptr) != 0) {
    return fail(Error::from_errno(errno, "timerfd_settime"));
  }
  return {};
}

Result<void> TimerFd::disarm()
{
  const itimerspec spec{};
  if (timerfd_settime(m_fd.get(), 0, &spec, nullptr) != 0) {
    return fail(Error::from_errno(errno, "timerfd_settime"));
  }
  return {};
}

void TimerFd::acknowledge()
{
  std::uint64_t expirations = 0;
  (void)::read(m_fd.get(), &expirations, sizeof expirations);
}

int TimerFd::fd() const
{
  return m_fd.get();
}

} // namespace shelltrail::util
