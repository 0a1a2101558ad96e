#pragma once
// TimerFd: a one-shot CLOCK_MONOTONIC timer as a descriptor for the Poller (the chunk time bound,
// clock checks). Re-armed by the owner for the nearest deadline.

#include "util/error.hpp"
#include "util/fd.hpp"

#include <chrono>

namespace shelltrail::util {

class TimerFd
{
public:
  static Result<TimerFd> create();

  // Fires once at `deadline` on the monotonic clock (see util::monotonic_now); a deadline in
  // the past fires at once.
  Result<void> arm_at(std::chrono::nanoseconds deadline);
  Result<void> disarm();
  // Consumes the expiration so the descriptor stops being readable.
  void acknowledge();
  int fd() const;

private:
  explicit TimerFd(Fd fd);
  Fd m_fd;
};

} // namespace shelltrail::util
