#include "sys/clock_state.hpp"

#include <sys/timex.h>

namespace shelltrail::sys {

ClockReading read_clock_state()
{
  timex tx{};
  tx.modes = 0; // read only
  const int state = adjtimex(&tx);
  ClockReading reading;
  if (state < 0) {
    return reading; // unknown: reported as unsynchronised
  }
  reading.state = static_cast<std::uint32_t>(state);
  reading.status = static_cast<std::uint32_t>(tx.status);
  reading.max_error_us = static_cast<std::uint64_t>(tx.maxerror);
  reading.est_error_us = static_cast<std::uint64_t>(tx.esterror);
  reading.synchronized = (tx.status & STA_UNSYNC) == 0 && state != TIME_ERROR;
  return reading;
}

} // namespace shelltrail::sys
