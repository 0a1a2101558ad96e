#include "util/time.hpp"

#include <gtest/gtest.h>

namespace shelltrail::util {
namespace {

TEST(Time, Rfc3339HasNanosecondsAndZ)
{
  EXPECT_EQ(to_rfc3339(0), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(to_rfc3339(1'795'849'350'123'456'789), "2026-11-28T07:02:30.123456789Z");
  EXPECT_EQ(to_rfc3339(-1), "1969-12-31T23:59:59.999999999Z");
}

TEST(Time, HumanDurations)
{
  using std::chrono::microseconds;
  EXPECT_EQ(to_human_duration(microseconds(12)), "12us");
  EXPECT_EQ(to_human_duration(microseconds(850'000)), "850ms");
  EXPECT_EQ(to_human_duration(microseconds(3'200'000)), "3.200s");
  EXPECT_EQ(to_human_duration(microseconds(62'500'000)), "1m02.500s");
  EXPECT_EQ(to_human_duration(microseconds(3'723'000'000)), "1h02m03s");
  EXPECT_EQ(to_offset_string(microseconds(3'723'000'001)), "01:02:03.000001");
}

TEST(Time, ClocksMove)
{
  const auto a = monotonic_now();
  const auto b = monotonic_now();
  EXPECT_LE(a, b);
  EXPECT_GT(wall_clock_ns(), 1'700'000'000'000'000'000);
}

} // namespace
} // namespace shelltrail::util
