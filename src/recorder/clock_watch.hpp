#pragma once
// ClockWatch: notices, at each check, whether the kernel clock's synchronisation state changed
// and whether the wall clock stepped against the monotonic clock, and says which events to
// record. Checks are cheap (adjtimex, two clock reads) and run from the relay's timer.

#include "format/event.hpp"
#include "sys/clock_state.hpp"

#include <chrono>
#include <cstdint>
#include <vector>

namespace shelltrail::recorder {

class ClockWatch
{
public:
  ClockWatch(sys::ClockReading initial, std::chrono::nanoseconds step_threshold);

  // Compares against the last check; appends clock_state and clock_step events to `out`.
  // `reading`, `wall_ns` and `monotonic` are passed in so that tests can drive it.
  void check(const sys::ClockReading& reading,
             std::int64_t wall_ns,
             std::chrono::nanoseconds monotonic,
             std::vector<format::EventData>& out);

private:
  bool changed(const sys::ClockReading& reading) const;

  sys::ClockReading m_last;
  std::chrono::nanoseconds m_threshold;
  bool m_have_offset = false;
  std::int64_t m_offset_ns = 0; // wall clock minus monotonic clock at the last check
};

} // namespace shelltrail::recorder
