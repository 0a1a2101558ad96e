// Fuzzes the event decoder on an events chunk body; every decoded event must re-encode and
// decode to the same fields.

#include "format/event.hpp"
#include "util/assert.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace shelltrail;
  util::ByteReader in(std::span<const std::byte>(reinterpret_cast<const std::byte*>(data), size));
  std::uint64_t time = 0;
  while (in.remaining() > 0) {
    const auto event = format::decode_event(in, time);
    if (!event) {
      break;
    }
    time = static_cast<std::uint64_t>(event->time.count());
    util::Bytes encoded;
    format::encode_event(7, event->data, encoded);
    ST_ASSERT(encoded.size() == format::encoded_size(7, event->data));
    util::ByteReader again(encoded);
    const auto decoded = format::decode_event(again, 0);
    ST_ASSERT(decoded.has_value());
    ST_ASSERT(decoded->time.count() == 7);
    ST_ASSERT(format::type_byte(decoded->data) == format::type_byte(event->data));
    util::Bytes twice;
    format::encode_event(7, decoded->data, twice);
    ST_ASSERT(twice == encoded);
  }
  return 0;
}
