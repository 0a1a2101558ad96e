#pragma once
// The kernel clock's synchronisation state, read with adjtimex(2) in read-only mode (modes = 0:
// never change the clock — as root that would really change it).

#include <cstdint>

namespace shelltrail::sys {

struct ClockReading
{
  bool synchronized = false; // STA_UNSYNC clear and the state is not TIME_ERROR
  std::uint32_t state = 0;   // adjtimex's return value: TIME_OK, TIME_ERROR, ...
  std::uint32_t status = 0;  // STA_* bits
  std::uint64_t max_error_us = 0;
  std::uint64_t est_error_us = 0;

  bool operator==(const ClockReading&) const = default;
};

ClockReading read_clock_state();

} // namespace shelltrail::sys
