#include "util/time_spec.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace shelltrail::util {
namespace {

constexpr std::int64_t k_ns = 1'000'000'000;
// 2026-11-26T05:02:30Z
constexpr std::int64_t k_now = 1'795'669'350LL * k_ns;

class TimeSpecTest : public ::testing::Test
{
protected:
  void SetUp() override
  {
    setenv("TZ", "UTC", 1);
    tzset();
  }
};

TEST_F(TimeSpecTest, Rfc3339WithZones)
{
  EXPECT_EQ(parse_time_spec("2026-11-26T05:02:30Z", k_now), k_now);
  EXPECT_EQ(parse_time_spec("2026-11-26T06:02:30+01:00", k_now), k_now);
  EXPECT_EQ(parse_time_spec("2026-11-26T05:02:30.5Z", k_now), k_now + k_ns / 2);
}

TEST_F(TimeSpecTest, LocalForms)
{
  EXPECT_EQ(parse_time_spec("2026-11-26 05:02:30", k_now), k_now);
  EXPECT_EQ(parse_time_spec("2026-11-26 05:02", k_now), k_now - 30 * k_ns);
  EXPECT_EQ(parse_time_spec("2026-11-26", k_now), k_now - (5 * 3600 + 2 * 60 + 30) * k_ns);
  EXPECT_EQ(parse_time_spec("05:02:30", k_now), k_now);
  EXPECT_EQ(*parse_time_spec("today", k_now), *parse_time_spec("2026-11-26", k_now));
  EXPECT_EQ(*parse_time_spec("yesterday", k_now), *parse_time_spec("2026-11-25", k_now));
}

TEST_F(TimeSpecTest, Ages)
{
  EXPECT_EQ(parse_time_spec("90s", k_now), k_now - 90 * k_ns);
  EXPECT_EQ(parse_time_spec("30m", k_now), k_now - 1800 * k_ns);
  EXPECT_EQ(parse_time_spec("2h", k_now), k_now - 7200 * k_ns);
  EXPECT_EQ(parse_time_spec("3d", k_now), k_now - 3 * 86400 * k_ns);
  EXPECT_EQ(parse_time_spec("now", k_now), k_now);
}

TEST_F(TimeSpecTest, NonsenseIsAUsageErrorThatSaysWhatWorks)
{
  for (const char* text : {"",
                           "tomorrowish",
                           "2h30",
                           "25:00",
                           "2026-13-01",
                           "5x",
                           "-3h",
                           "2026-11-26T05:02:30+1",
                           "12:3a"}) {
    SCOPED_TRACE(text);
    const auto parsed = parse_time_spec(text, k_now);
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().kind(), ErrorKind::usage);
    EXPECT_NE(parsed.error().message().find("yesterday"), std::string::npos);
  }
}

} // namespace
} // namespace shelltrail::util
