#include "format/session_id.hpp"

#include "util/assert.hpp"
#include "util/bytes.hpp"

#include <sys/random.h>

#include <array>
#include <cerrno>

namespace shelltrail::format {

std::string new_session_id(std::int64_t unix_ns)
{
  std::array<std::byte, 16> bytes{};
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = getrandom(bytes.data() + done, bytes.size() - done, 0);
    if (n < 0) {
      ST_ASSERT(errno == EINTR); // getrandom cannot fail otherwise for 16 bytes
      continue;
    }
    done += static_cast<std::size_t>(n);
  }
  const auto ms = static_cast<std::uint64_t>(unix_ns / 1'000'000);
  for (int i = 0; i < 6; ++i) {
    bytes[static_cast<std::size_t>(i)] = static_cast<std::byte>(ms >> (40 - 8 * i));
  }
  bytes[6] = (bytes[6] & std::byte{0x0f}) | std::byte{0x70}; // version 7
  bytes[8] = (bytes[8] & std::byte{0x3f}) | std::byte{0x80}; // variant 10
  const std::string hex = util::to_hex(bytes);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

bool is_session_id(std::string_view text)
{
  if (text.size() != 36) {
    return false;
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') {
        return false;
      }
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

} // namespace shelltrail::format
