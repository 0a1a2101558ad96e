#pragma once
// Clock readings and their text forms: monotonic offsets for event times, UTC wall time with
// nanoseconds, RFC 3339 formatting (every JSON time in shelltrail), and durations for people.

#include <chrono>
#include <cstdint>
#include <string>

namespace shelltrail::util {

// Nanoseconds since the Unix epoch, from CLOCK_REALTIME.
std::int64_t wall_clock_ns();
// CLOCK_MONOTONIC as a duration (never steps; event offsets are measured on it).
std::chrono::nanoseconds monotonic_now();

// "2026-11-26T05:02:30.123456789Z" (RFC 3339, UTC, nanoseconds).
std::string to_rfc3339(std::int64_t unix_ns);
// "2026-11-26T05:02:30Z": the same to the second, for tables.
std::string to_rfc3339_seconds(std::int64_t unix_ns);
// "1h02m03.456s", "3.2s", "850ms": a duration for people.
std::string to_human_duration(std::chrono::microseconds duration);
// "12:34:56.789012" offset from the session start, as `dump` prints it.
std::string to_offset_string(std::chrono::microseconds offset);

} // namespace shelltrail::util
