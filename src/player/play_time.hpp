#pragma once
// Points in a recording as a reviewer types them (play --at/--until, and the offsets that
// search prints):
//   5m, 90s, 1h2m3.5s, 250ms, 300 (seconds)    an offset from the start of the recording
//   14:02, 14:02:30, 14:02:30.250               a wall-clock time on the recording's day (local
//                                               time; the next day if the session had passed
//                                               midnight by then)
//   2026-11-26T14:02:30Z, 2026-11-26 14:02 …    any absolute form of util/time_spec.hpp

#include "util/error.hpp"

#include <chrono>
#include <cstdint>
#include <string_view>

namespace shelltrail::player {

// The offset from the recording's start (`start_unix_ns`) that `text` names; before the start
// gives 0. Fails with ErrorKind::usage naming the text and the accepted forms.
util::Result<std::chrono::microseconds> parse_play_time(std::string_view text,
                                                        std::int64_t start_unix_ns);

// "1:02:03.5" / "2:03.5" style, for the status line and messages.
std::string format_offset(std::chrono::microseconds offset);

} // namespace shelltrail::player
