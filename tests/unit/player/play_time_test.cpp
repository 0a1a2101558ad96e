#include "player/play_time.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace shelltrail::player {
namespace {

using std::chrono::microseconds;

constexpr std::int64_t k_start = 1'795'000'000'000'000'000; // 2026-11-18T11:06:40Z

class PlayTimeTest : public ::testing::Test
{
protected:
  void SetUp() override
  {
    setenv("TZ", "UTC", 1);
    tzset();
  }
};

TEST_F(PlayTimeTest, OffsetsWithUnits)
{
  EXPECT_EQ(*parse_play_time("5m", k_start), microseconds(300'000'000));
  EXPECT_EQ(*parse_play_time("90s", k_start), microseconds(90'000'000));
  EXPECT_EQ(*parse_play_time("1h2m3.5s", k_start), microseconds(3'723'500'000));
  EXPECT_EQ(*parse_play_time("250ms", k_start), microseconds(250'000));
  EXPECT_EQ(*parse_play_time("300", k_start), microseconds(300'000'000));
  EXPECT_EQ(*parse_play_time("+2.25s", k_start), microseconds(2'250'000));
}

TEST_F(PlayTimeTest, TimeOfDayIsOnTheRecordingsDay)
{
  // k_start is 2026-11-18 11:06:40 UTC.
  EXPECT_EQ(*parse_play_time("11:06:50", k_start), microseconds(10'000'000));
  EXPECT_EQ(*parse_play_time("11:07", k_start), microseconds(20'000'000));
  EXPECT_EQ(*parse_play_time("11:06:40.5", k_start), microseconds(500'000));
  // Before the start: the next day (a session that ran past midnight).
  EXPECT_EQ(*parse_play_time("11:06:30", k_start), microseconds(86'400'000'000 - 10'000'000));
}

TEST_F(PlayTimeTest, AbsoluteTimes)
{
  EXPECT_EQ(*parse_play_time("2026-11-18T11:08:40Z", k_start), microseconds(120'000'000));
  // Before the start of the recording: its start.
  EXPECT_EQ(*parse_play_time("2026-11-17T11:08:40Z", k_start), microseconds(0));
}

TEST_F(PlayTimeTest, RefusesWhatIsNotATime)
{
  for (const char* text : {"", "soon", "5x", "1:2:3:4", "25:00", "12:60", "m5", "5m5", "--"}) {
    const auto parsed = parse_play_time(text, k_start);
    ASSERT_FALSE(parsed) << text;
    EXPECT_EQ(parsed.error().kind(), util::ErrorKind::usage);
    EXPECT_NE(parsed.error().message().find("offset (5m"), std::string::npos)
        << parsed.error().message();
  }
}

TEST_F(PlayTimeTest, FormatsOffsets)
{
  EXPECT_EQ(format_offset(microseconds(0)), "0:00.0");
  EXPECT_EQ(format_offset(microseconds(83'450'000)), "1:23.4");
  EXPECT_EQ(format_offset(microseconds(3'723'500'000)), "1:02:03.5");
}

} // namespace
} // namespace shelltrail::player
