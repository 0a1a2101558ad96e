#include "util/bytes.hpp"

#include <fmt/core.h>

namespace shelltrail::util {

std::string escape_bytes(std::string_view bytes)
{
  std::string out;
  out.reserve(bytes.size());
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\\':
      out += "\\\\";
      break;
    default:
      if (byte >= 0x20 && byte < 0x7f) {
        out += c;
      } else {
        out += fmt::format("\\x{:02x}", byte);
      }
    }
  }
  return out;
}

std::string to_hex(std::span<const std::byte> bytes)
{
  static constexpr char k_digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const std::byte b : bytes) {
    const auto v = static_cast<unsigned>(b);
    out += k_digits[v >> 4];
    out += k_digits[v & 0xfU];
  }
  return out;
}

} // namespace shelltrail::util
