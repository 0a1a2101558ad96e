#include "util/time.hpp"

#include <fmt/core.h>

#include <ctime>

namespace shelltrail::util {

std::int64_t wall_clock_ns()
{
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::chrono::nanoseconds monotonic_now()
{
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

std::string to_rfc3339(std::int64_t unix_ns)
{
  std::int64_t seconds = unix_ns / 1'000'000'000;
  std::int64_t nanos = unix_ns % 1'000'000'000;
  if (nanos < 0) {
    nanos += 1'000'000'000;
    --seconds;
  }
  const auto t = static_cast<time_t>(seconds);
  tm parts{};
  gmtime_r(&t, &parts);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z",
                     parts.tm_year + 1900,
                     parts.tm_mon + 1,
                     parts.tm_mday,
                     parts.tm_hour,
                     parts.tm_min,
                     parts.tm_sec,
                     nanos);
}

std::string to_rfc3339_seconds(std::int64_t unix_ns)
{
  return to_rfc3339(unix_ns).substr(0, 19) + "Z";
}

std::string to_human_duration(std::chrono::microseconds duration)
{
  const std::int64_t us = duration.count();
  if (us < 1000) {
    return fmt::format("{}us", us);
  }
  if (us < 1'000'000) {
    return fmt::format("{}ms", us / 1000);
  }
  const std::int64_t total_s = us / 1'000'000;
  const std::int64_t millis = (us / 1000) % 1000;
  if (total_s < 60) {
    return fmt::format("{}.{:03}s", total_s, millis);
  }
  const std::int64_t h = total_s / 3600;
  const std::int64_t m = (total_s / 60) % 60;
  const std::int64_t s = total_s % 60;
  if (h == 0) {
    return fmt::format("{}m{:02}.{:03}s", m, s, millis);
  }
  return fmt::format("{}h{:02}m{:02}s", h, m, s);
}

std::string to_offset_string(std::chrono::microseconds offset)
{
  const std::int64_t us = offset.count();
  const std::int64_t total_s = us / 1'000'000;
  return fmt::format(
      "{:02}:{:02}:{:02}.{:06}", total_s / 3600, (total_s / 60) % 60, total_s % 60, us % 1'000'000);
}

} // namespace shelltrail::util
