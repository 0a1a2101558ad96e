#include "util/poller.hpp"

#include <array>
#include <cerrno>

namespace shelltrail::util {

Poller::Poller(Fd fd) : m_fd(std::move(fd)) {}

Result<Poller> Poller::create()
{
  const int fd = epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) {
    return fail(Error::from_errno(errno, "epoll_create1"));
  }
  return Poller(Fd(fd));
}

Result<void> Poller::add(int fd, std::uint32_t events, std::uint32_t tag)
{
  epoll_event event{};
  event.events = events;
  event.data.u32 = tag;
  if (epoll_ctl(m_fd.get(), EPOLL_CTL_ADD, fd, &event) != 0) {
    return fail(Error::from_errno(errno, "epoll_ctl add"));
  }
  return {};
}

Result<void> Poller::modify(int fd, std::uint32_t events, std::uint32_t tag)
{
  epoll_event event{};
  event.events = events;
  event.data.u32 = tag;
  if (epoll_ctl(m_fd.get(), EPOLL_CTL_MOD, fd, &event) != 0) {
    return fail(Error::from_errno(errno, "epoll_ctl modify"));
  }
  return {};
}

void Poller::remove(int fd)
{
  (void)epoll_ctl(m_fd.get(), EPOLL_CTL_DEL, fd, nullptr);
}

Result<std::size_t> Poller::wait(std::span<Ready> ready, std::chrono::milliseconds timeout)
{
  std::array<epoll_event, 16> events{};
  const int max = static_cast<int>(std::min(ready.size(), events.size()));
  const int n = epoll_wait(m_fd.get(), events.data(), max, static_cast<int>(timeout.count()));
  if (n < 0) {
    if (errno == EINTR) {
      return std::size_t{0};
    }
    return fail(Error::from_errno(errno, "epoll_wait"));
  }
  for (int i = 0; i < n; ++i) {
    ready[static_cast<std::size_t>(i)] = {events[static_cast<std::size_t>(i)].data.u32,
                                          events[static_cast<std::size_t>(i)].events};
  }
  return static_cast<std::size_t>(n);
}

} // namespace shelltrail::util
