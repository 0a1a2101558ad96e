#include "recorder/clock_watch.hpp"

#include "recorder/attribution.hpp"

#include <sys/timex.h>

#include <cstdlib>

namespace shelltrail::recorder {

ClockWatch::ClockWatch(sys::ClockReading initial, std::chrono::nanoseconds step_threshold)
    : m_last(initial), m_threshold(step_threshold)
{}

bool ClockWatch::changed(const sys::ClockReading& reading) const
{
  // maxerror grows by itself while unsynchronised; only a change of state, of the sync bits,
  // or of the estimated error by half is news.
  constexpr std::uint32_t k_bits = STA_UNSYNC | STA_PLL | STA_FLL | STA_NANO | STA_CLOCKERR;
  if (reading.synchronized != m_last.synchronized || reading.state != m_last.state ||
      (reading.status & k_bits) != (m_last.status & k_bits)) {
    return true;
  }
  const auto before = static_cast<std::int64_t>(m_last.est_error_us);
  const auto now = static_cast<std::int64_t>(reading.est_error_us);
  return std::llabs(now - before) > before / 2 + 1000;
}

void ClockWatch::check(const sys::ClockReading& reading,
                       std::int64_t wall_ns,
                       std::chrono::nanoseconds monotonic,
                       std::vector<format::EventData>& out)
{
  if (changed(reading)) {
    out.emplace_back(to_clock_state(reading));
    m_last = reading;
  }
  const std::int64_t offset = wall_ns - monotonic.count();
  if (m_have_offset && std::llabs(offset - m_offset_ns) > m_threshold.count()) {
    out.emplace_back(format::ClockStep{offset - m_offset_ns});
  }
  // Compared check to check: slewing (at most 500 ppm) never adds up to a false step.
  m_offset_ns = offset;
  m_have_offset = true;
}

} // namespace shelltrail::recorder
