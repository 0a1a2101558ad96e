#pragma once
// Poller: an epoll instance; descriptors are registered with a tag that wait() hands back, so
// an event loop dispatches on tags rather than on file descriptor numbers (mosh Select, without
// the singleton).

#include "util/error.hpp"
#include "util/fd.hpp"

#include <sys/epoll.h>

#include <chrono>
#include <cstdint>
#include <span>

namespace shelltrail::util {

class Poller
{
public:
  struct Ready
  {
    std::uint32_t tag = 0;
    std::uint32_t events = 0; // EPOLLIN, EPOLLOUT, EPOLLHUP, EPOLLERR
  };

  static Result<Poller> create();

  // Watches `fd` for `events` (EPOLLIN and/or EPOLLOUT); add, change or stop watching.
  Result<void> add(int fd, std::uint32_t events, std::uint32_t tag);
  Result<void> modify(int fd, std::uint32_t events, std::uint32_t tag);
  void remove(int fd);

  // Waits up to `timeout` (negative: forever) and fills `ready`; returns how many are ready.
  // EINTR is a value: zero ready.
  Result<std::size_t> wait(std::span<Ready> ready, std::chrono::milliseconds timeout);

private:
  explicit Poller(Fd fd);
  Fd m_fd;
};

} // namespace shelltrail::util
