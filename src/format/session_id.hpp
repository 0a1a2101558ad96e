#pragma once
// Session ids: UUIDv7 (RFC 9562), so ids sort by start time and need no coordination between
// jump boxes. "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".

#include "util/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace shelltrail::format {

// A new UUIDv7 for a session starting at `unix_ns`, with 74 random bits from getrandom(2).
std::string new_session_id(std::int64_t unix_ns);

// Whether `text` is a canonical lowercase UUID (any version).
bool is_session_id(std::string_view text);

} // namespace shelltrail::format
