#include "player/play_time.hpp"

#include "util/time_spec.hpp"

#include <fmt/core.h>

#include <charconv>
#include <ctime>
#include <optional>
#include <string>

namespace shelltrail::player {
namespace {

using std::chrono::microseconds;

constexpr std::string_view k_forms =
    "an offset (5m, 90s, 1h2m3.5s, 250ms, 300), a time of day (14:02:30) or a date and time "
    "(2026-11-26T14:02:30Z)";

// A decimal number with an optional fraction at the front of `text`; advances past it.
std::optional<double> take_number(std::string_view& text)
{
  std::size_t end = 0;
  while (end < text.size() && ((text[end] >= '0' && text[end] <= '9') || text[end] == '.')) {
    ++end;
  }
  if (end == 0 || end > 32) {
    return std::nullopt;
  }
  double value = 0;
  const auto [ptr, error] = std::from_chars(text.data(), text.data() + end, value);
  if (error != std::errc() || ptr != text.data() + end) {
    return std::nullopt;
  }
  text.remove_prefix(end);
  return value;
}

// "1h2m3.5s", "250ms", "300": an offset; nullopt when `text` is not one.
std::optional<microseconds> parse_offset(std::string_view text)
{
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
  }
  if (text.empty()) {
    return std::nullopt;
  }
  double total_seconds = 0;
  bool any = false;
  while (!text.empty()) {
    const auto number = take_number(text);
    if (!number) {
      return std::nullopt;
    }
    double unit = 0;
    if (text.rfind("ms", 0) == 0) {
      unit = 0.001;
      text.remove_prefix(2);
    } else if (!text.empty() &&
               (text[0] == 's' || text[0] == 'm' || text[0] == 'h' || text[0] == 'd')) {
      unit = text[0] == 's' ? 1 : text[0] == 'm' ? 60 : text[0] == 'h' ? 3600 : 86400;
      text.remove_prefix(1);
    } else if (text.empty() && !any) {
      unit = 1; // a bare number: seconds
    } else {
      return std::nullopt;
    }
    total_seconds += *number * unit;
    any = true;
  }
  if (total_seconds > 1e9) {
    return std::nullopt;
  }
  return microseconds(static_cast<std::int64_t>(total_seconds * 1e6 + 0.5));
}

// "14:02", "14:02:30", "14:02:30.25": seconds since midnight; nullopt when not one.
std::optional<double> parse_time_of_day(std::string_view text)
{
  double parts[3] = {0, 0, 0};
  int count = 0;
  while (count < 3) {
    const auto number = take_number(text);
    if (!number) {
      return std::nullopt;
    }
    parts[count++] = *number;
    if (text.empty()) {
      break;
    }
    if (text.front() != ':') {
      return std::nullopt;
    }
    text.remove_prefix(1);
  }
  if (!text.empty() || count < 2 || parts[0] >= 24 || parts[1] >= 60 || parts[2] >= 61 ||
      parts[0] != static_cast<int>(parts[0]) || parts[1] != static_cast<int>(parts[1])) {
    return std::nullopt;
  }
  return parts[0] * 3600 + parts[1] * 60 + parts[2];
}

} // namespace

util::Result<microseconds> parse_play_time(std::string_view text, std::int64_t start_unix_ns)
{
  if (const auto offset = parse_offset(text)) {
    return *offset;
  }
  std::int64_t at_ns = 0;
  if (const auto seconds = parse_time_of_day(text)) {
    // On the recording's (local) day; a time before the start is on the next day.
    const auto start_s = static_cast<time_t>(start_unix_ns / 1'000'000'000);
    tm day{};
    localtime_r(&start_s, &day);
    day.tm_hour = 0;
    day.tm_min = 0;
    day.tm_sec = 0;
    day.tm_isdst = -1;
    const time_t midnight = mktime(&day);
    at_ns = static_cast<std::int64_t>(midnight) * 1'000'000'000 +
            static_cast<std::int64_t>(*seconds * 1e9);
    if (at_ns < start_unix_ns) {
      at_ns += 86'400'000'000'000;
    }
  } else {
    auto absolute = util::parse_time_spec(text, start_unix_ns);
    if (!absolute || text.find_first_of("-T") == std::string_view::npos) {
      return util::fail(util::ErrorKind::usage, "'{}' is not a time: give {}", text, k_forms);
    }
    at_ns = *absolute;
  }
  return microseconds(std::max<std::int64_t>(0, (at_ns - start_unix_ns) / 1000));
}

std::string format_offset(microseconds offset)
{
  const std::int64_t us = std::max<std::int64_t>(offset.count(), 0);
  const std::int64_t total_s = us / 1'000'000;
  const auto tenths = static_cast<int>((us / 100'000) % 10);
  if (total_s >= 3600) {
    return fmt::format(
        "{}:{:02}:{:02}.{}", total_s / 3600, (total_s / 60) % 60, total_s % 60, tenths);
  }
  return fmt::format("{}:{:02}.{}", total_s / 60, total_s % 60, tenths);
}

} // namespace shelltrail::player
