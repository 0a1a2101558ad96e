#pragma once
// Times as people type them on the command line (--since, --until, later --at):
//   2026-11-26T14:02:30Z, 2026-11-26T14:02:30.5+01:00   RFC 3339
//   2026-11-26 14:02[:30], 2026-11-26                    local time
//   14:02[:30]                                           today, local time
//   now, today, yesterday                                (midnight, local time)
//   90s, 30m, 2h, 3d, 1w                                 that long ago

#include "util/error.hpp"

#include <cstdint>
#include <string_view>

namespace shelltrail::util {

// Nanoseconds since the Unix epoch for `text`, relative forms counted back from `now_ns`.
// Fails with ErrorKind::usage naming the text and the accepted forms.
Result<std::int64_t> parse_time_spec(std::string_view text, std::int64_t now_ns);

} // namespace shelltrail::util
