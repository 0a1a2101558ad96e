#include "recorder/clock_watch.hpp"

#include <gtest/gtest.h>

#include <sys/timex.h>

namespace shelltrail::recorder {
namespace {

using namespace std::chrono_literals;

sys::ClockReading unsynced()
{
  return {false, TIME_ERROR, STA_UNSYNC, 16'000'000, 16'000'000};
}

TEST(ClockWatch, NothingChangesNothingIsRecorded)
{
  ClockWatch watch(unsynced(), 1s);
  std::vector<format::EventData> events;
  watch.check(unsynced(), 1'000'000'000, 0s, events);
  sys::ClockReading drifting = unsynced();
  drifting.max_error_us += 500; // maxerror grows by itself while unsynchronised
  watch.check(drifting, 2'000'000'000, 1s, events);
  EXPECT_TRUE(events.empty());
}

TEST(ClockWatch, SynchronisationIsRecordedWhenItChanges)
{
  ClockWatch watch(unsynced(), 1s);
  std::vector<format::EventData> events;
  watch.check(sys::ClockReading{true, TIME_OK, STA_PLL, 100, 20}, 0, 0s, events);
  ASSERT_EQ(events.size(), 1U);
  const auto& state = std::get<format::ClockState>(events[0]);
  EXPECT_TRUE(state.synchronized);
  EXPECT_EQ(state.est_error_us, 20U);
}

TEST(ClockWatch, AStepOfTheWallClockIsRecordedButSlewingIsNot)
{
  ClockWatch watch(unsynced(), 1s);
  std::vector<format::EventData> events;
  std::int64_t wall = 1'000'000'000'000;
  watch.check(unsynced(), wall, 0s, events);
  // An hour of slewing at 500 ppm, checked every second: never a step.
  for (int i = 1; i <= 3600; ++i) {
    watch.check(unsynced(), wall + i * 1'000'500'000LL, std::chrono::seconds(i), events);
  }
  EXPECT_TRUE(events.empty());
  // Someone sets the clock back five minutes.
  watch.check(unsynced(), wall + 3601 * 1'000'500'000LL - 300'000'000'000LL, 3601s, events);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_NEAR(static_cast<double>(std::get<format::ClockStep>(events[0]).step_ns), -300e9, 1e9);
}

} // namespace
} // namespace shelltrail::recorder
