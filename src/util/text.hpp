#pragma once
// Small text helpers for what people read: sizes.

#include <cstdint>
#include <string>

namespace shelltrail::util {

// "512 B", "1.5 KiB", "3.2 MiB", "1.0 GiB".
std::string to_human_bytes(std::uint64_t bytes);

} // namespace shelltrail::util
