#pragma once
// Small text helpers for what people read: sizes, recorded text made safe to show.

#include <cstdint>
#include <string>
#include <string_view>

namespace shelltrail::util {

// "512 B", "1.5 KiB", "3.2 MiB", "1.0 GiB".
std::string to_human_bytes(std::uint64_t bytes);

// Recorded text for a terminal, a pager or a page: control characters (C0, DEL, and C1 encoded in
// UTF-8) become U+FFFD, everything else stays as it is.
std::string without_controls(std::string_view text);

// `text` with < > & " as HTML entities.
std::string html_escaped(std::string_view text);

} // namespace shelltrail::util
