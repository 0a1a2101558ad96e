#include "util/time_spec.hpp"

#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <string>

namespace shelltrail::util {
namespace {

constexpr std::int64_t k_ns = 1'000'000'000;

Error bad(std::string_view text)
{
  return Error(ErrorKind::usage,
               fmt::format("'{}' is not a time: use 2026-11-26T14:02:30Z, '2026-11-26 14:02', "
                           "14:02, today, yesterday, or an age like 90s, 30m, 2h, 3d",
                           text));
}

std::int64_t local_midnight(std::int64_t now_ns, int days_back)
{
  const auto seconds = static_cast<time_t>(now_ns / k_ns);
  tm parts{};
  localtime_r(&seconds, &parts);
  parts.tm_hour = 0;
  parts.tm_min = 0;
  parts.tm_sec = 0;
  parts.tm_mday -= days_back;
  parts.tm_isdst = -1;
  return static_cast<std::int64_t>(mktime(&parts)) * k_ns;
}

} // namespace

Result<std::int64_t> parse_time_spec(std::string_view text, std::int64_t now_ns)
{
  if (text == "now") {
    return now_ns;
  }
  if (text == "today") {
    return local_midnight(now_ns, 0);
  }
  if (text == "yesterday") {
    return local_midnight(now_ns, 1);
  }
  // An age: a number and a unit.
  if (!text.empty() && std::isdigit(static_cast<unsigned char>(text.front())) != 0 &&
      std::isalpha(static_cast<unsigned char>(text.back())) != 0 &&
      text.find_first_of(":-T") == std::string_view::npos) {
    std::int64_t amount = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), amount);
    const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
    std::int64_t scale = 0;
    if (unit == "s") {
      scale = 1;
    } else if (unit == "m" || unit == "min") {
      scale = 60;
    } else if (unit == "h") {
      scale = 3600;
    } else if (unit == "d") {
      scale = 86400;
    } else if (unit == "w") {
      scale = 7 * 86400;
    }
    if (error != std::errc() || scale == 0 || amount < 0 ||
        amount > std::int64_t{100} * 365 * 86400 / scale) {
      return fail(bad(text));
    }
    return now_ns - amount * scale * k_ns;
  }
  const std::string s(text);
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  double second = 0;
  int consumed = 0;
  tm parts{};
  bool utc = false;
  std::int64_t offset_s = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%n", &year, &month, &day, &consumed) == 3) {
    std::string_view rest = std::string_view(s).substr(static_cast<std::size_t>(consumed));
    if (!rest.empty()) {
      if (rest.front() != 'T' && rest.front() != ' ') {
        return fail(bad(text));
      }
      rest.remove_prefix(1);
      int used = 0;
      const std::string time(rest);
      const int fields =
          std::sscanf(time.c_str(), "%2d:%2d%n:%lf%n", &hour, &minute, &used, &second, &used);
      if (fields < 2) {
        return fail(bad(text));
      }
      rest.remove_prefix(static_cast<std::size_t>(used));
      if (rest == "Z" || rest == "z") {
        utc = true;
      } else if (!rest.empty() && (rest.front() == '+' || rest.front() == '-')) {
        int zh = 0;
        int zm = 0;
        const std::string zone(rest.substr(1));
        if (std::sscanf(zone.c_str(), "%2d:%2d", &zh, &zm) != 2) {
          return fail(bad(text));
        }
        utc = true;
        offset_s = (rest.front() == '+' ? 1 : -1) * (zh * 3600 + zm * 60);
      } else if (!rest.empty()) {
        return fail(bad(text));
      }
    }
  } else if (std::sscanf(s.c_str(), "%2d:%2d%n", &hour, &minute, &consumed) == 2) {
    std::string_view rest = std::string_view(s).substr(static_cast<std::size_t>(consumed));
    if (!rest.empty()) {
      const std::string more(rest);
      int used = 0;
      if (rest.front() != ':' || std::sscanf(more.c_str(), ":%lf%n", &second, &used) != 1 ||
          static_cast<std::size_t>(used) != rest.size()) {
        return fail(bad(text));
      }
    }
    const auto now_s = static_cast<time_t>(now_ns / k_ns);
    localtime_r(&now_s, &parts);
    year = parts.tm_year + 1900;
    month = parts.tm_mon + 1;
    day = parts.tm_mday;
  } else {
    return fail(bad(text));
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second < 0 ||
      second >= 61) {
    return fail(bad(text));
  }
  parts = tm{};
  parts.tm_year = year - 1900;
  parts.tm_mon = month - 1;
  parts.tm_mday = day;
  parts.tm_hour = hour;
  parts.tm_min = minute;
  parts.tm_sec = static_cast<int>(second);
  parts.tm_isdst = -1;
  const std::int64_t whole = utc ? static_cast<std::int64_t>(timegm(&parts)) - offset_s
                                 : static_cast<std::int64_t>(mktime(&parts));
  const auto fraction = static_cast<std::int64_t>((second - static_cast<int>(second)) * 1e9);
  return whole * k_ns + fraction;
}

} // namespace shelltrail::util
