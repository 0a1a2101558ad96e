// Fuzzes the re-packed frame layouts (codecs 2 and 3), which put a frame's chunks back together
// from bytes that passed the frame's CRC but are otherwise anyone's: the first byte is the chunk
// count, the rest the decompressed payload. Whatever a join accepts must split back to the
// same payload.

#include "format/frame_codec.hpp"
#include "util/assert.hpp"

#include <algorithm>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace shelltrail;
  if (size < 1) {
    return 0;
  }
  const auto count = static_cast<std::uint16_t>(1 + data[0] % 64);
  const std::span<const std::byte> split(reinterpret_cast<const std::byte*>(data + 1), size - 1);
  util::Bytes out(split.size());
  util::Bytes again;
  if (format::join_headers_first(split, count, out)) {
    format::split_headers_first(out, count, again);
    ST_ASSERT(std::equal(again.begin(), again.end(), split.begin(), split.end()));
  }
  if (format::join_events_first(split, count, out)) {
    ST_ASSERT(format::split_events_first(out, count, again));
    ST_ASSERT(std::equal(again.begin(), again.end(), split.begin(), split.end()));
  }
  return 0;
}
