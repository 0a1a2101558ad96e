#include "format/frame_codec.hpp"

#include "util/assert.hpp"
#include "util/bytes.hpp"

#include <zlib.h>

#include <algorithm>
#include <optional>
#include <utility>

namespace shelltrail::format {

std::array<std::byte, k_file_header_size> encode_file_header()
{
  util::Bytes bytes;
  util::ByteWriter w(bytes);
  w.raw(k_file_magic);
  w.u16(k_format_major);
  w.u16(k_format_minor);
  w.u32(0);
  std::array<std::byte, k_file_header_size> out{};
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

util::Result<FileVersion> decode_file_header(std::span<const std::byte, k_file_header_size> bytes)
{
  if (!std::equal(k_file_magic.begin(), k_file_magic.end(), bytes.begin())) {
    return util::fail(util::ErrorKind::unsupported, "not a shelltrail recording");
  }
  util::ByteReader r(std::span<const std::byte>(bytes).subspan(k_file_magic.size()));
  const FileVersion version{*r.u16(), *r.u16()};
  const std::uint32_t flags = *r.u32();
  if (version.major != k_format_major) {
    return util::fail(util::ErrorKind::unsupported,
                      "recording format {}.{} is not supported by this shelltrail (reads {}.x)",
                      version.major,
                      version.minor,
                      k_format_major);
  }
  if (flags != 0) {
    return util::fail(util::ErrorKind::corrupt, "file header flags {:#x} are not zero", flags);
  }
  return version;
}

std::uint32_t crc32(std::span<const std::byte> bytes, std::uint32_t crc)
{
  if (bytes.empty()) {
    return crc; // zlib answers 0 for a null pointer, whatever the crc so far
  }
  return static_cast<std::uint32_t>(
      crc32_z(crc, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size()));
}

void encode_frame_header(const FrameHeader& h, util::Bytes& out)
{
  const std::size_t start = out.size();
  util::ByteWriter w(out);
  w.raw(k_frame_magic);
  w.u8(static_cast<std::uint8_t>(h.codec));
  w.u8(0);
  w.u16(h.chunk_count);
  w.u32(h.stored_len);
  w.u32(h.raw_len);
  w.u64(h.first_seq);
  w.u64(h.first_time_us);
  w.u32(h.payload_crc);
  w.u32(crc32(std::span<const std::byte>(out).subspan(start, k_frame_header_size - 4)));
}

namespace {

// body_len of the chunk header at the front of `header`.
std::uint32_t body_len_at(std::span<const std::byte> header)
{
  std::uint32_t value = 0;
  for (int i = 3; i >= 0; --i) {
    value = (value << 8) | static_cast<std::uint32_t>(header[4 + static_cast<std::size_t>(i)]);
  }
  return value;
}

} // namespace

void split_headers_first(std::span<const std::byte> chunks, std::uint16_t count, util::Bytes& out)
{
  out.clear();
  out.reserve(chunks.size());
  std::span<const std::byte> rest = chunks;
  for (std::uint16_t i = 0; i < count && rest.size() >= k_chunk_header_size; ++i) {
    const auto header = rest.first(k_chunk_header_size);
    out.insert(out.end(), header.begin(), header.end());
    const std::size_t whole =
        std::min(rest.size(), k_chunk_header_size + std::size_t{body_len_at(rest)});
    rest = rest.subspan(whole);
  }
  rest = chunks;
  for (std::uint16_t i = 0; i < count && rest.size() >= k_chunk_header_size; ++i) {
    const std::size_t whole =
        std::min(rest.size(), k_chunk_header_size + std::size_t{body_len_at(rest)});
    const auto body = rest.subspan(k_chunk_header_size, whole - k_chunk_header_size);
    out.insert(out.end(), body.begin(), body.end());
    rest = rest.subspan(whole);
  }
}

util::Result<void>
join_headers_first(std::span<const std::byte> split, std::uint16_t count, std::span<std::byte> out)
{
  const std::size_t headers = std::size_t{count} * k_chunk_header_size;
  if (split.size() != out.size() || split.size() < headers) {
    return util::fail(util::ErrorKind::corrupt,
                      "headers-first frame of {} bytes cannot hold {} chunk headers",
                      split.size(),
                      count);
  }
  std::size_t body_at = headers;
  std::size_t at = 0;
  for (std::uint16_t i = 0; i < count; ++i) {
    const auto header = split.subspan(std::size_t{i} * k_chunk_header_size, k_chunk_header_size);
    const std::size_t body = body_len_at(header);
    if (body > split.size() - body_at) {
      return util::fail(util::ErrorKind::corrupt,
                        "headers-first frame: the body of chunk {} of the frame runs past its end",
                        i);
    }
    std::copy(header.begin(), header.end(), out.begin() + static_cast<std::ptrdiff_t>(at));
    at += k_chunk_header_size;
    std::copy(split.begin() + static_cast<std::ptrdiff_t>(body_at),
              split.begin() + static_cast<std::ptrdiff_t>(body_at + body),
              out.begin() + static_cast<std::ptrdiff_t>(at));
    at += body;
    body_at += body;
  }
  if (at != out.size()) {
    return util::fail(util::ErrorKind::corrupt,
                      "headers-first frame: {} bytes after the bodies of its chunks",
                      out.size() - at);
  }
  return {};
}

namespace {

// The size of the event header (type, delta varint, length varint) at the start of `bytes` and
// the length it gives, or nullopt when it is cut short or a varint is malformed.
std::optional<std::pair<std::size_t, std::uint64_t>>
event_header_at(std::span<const std::byte> bytes)
{
  util::ByteReader in(bytes);
  if (!in.u8() || !in.varint()) {
    return std::nullopt;
  }
  const auto length = in.varint();
  if (!length) {
    return std::nullopt;
  }
  return std::pair{in.position(), *length};
}

bool is_events_chunk(std::span<const std::byte> header)
{
  return static_cast<ChunkType>(header[0]) == ChunkType::events;
}

} // namespace

bool split_events_first(std::span<const std::byte> chunks, std::uint16_t count, util::Bytes& out)
{
  out.clear();
  out.reserve(chunks.size());
  util::Bytes event_headers;
  util::Bytes rest_bytes;
  rest_bytes.reserve(chunks.size());
  std::span<const std::byte> rest = chunks;
  for (std::uint16_t i = 0; i < count; ++i) {
    if (rest.size() < k_chunk_header_size) {
      return false;
    }
    const auto header = rest.first(k_chunk_header_size);
    const std::size_t body_len = body_len_at(header);
    if (rest.size() - k_chunk_header_size < body_len) {
      return false;
    }
    std::span<const std::byte> body = rest.subspan(k_chunk_header_size, body_len);
    out.insert(out.end(), header.begin(), header.end());
    if (is_events_chunk(header)) {
      while (!body.empty()) {
        const auto event = event_header_at(body);
        if (!event || event->second > body.size() - event->first) {
          return false;
        }
        const auto event_header = body.first(event->first);
        event_headers.insert(event_headers.end(), event_header.begin(), event_header.end());
        const auto data = body.subspan(event->first, event->second);
        rest_bytes.insert(rest_bytes.end(), data.begin(), data.end());
        body = body.subspan(event->first + event->second);
      }
    } else {
      rest_bytes.insert(rest_bytes.end(), body.begin(), body.end());
    }
    rest = rest.subspan(k_chunk_header_size + body_len);
  }
  if (!rest.empty()) {
    return false;
  }
  out.insert(out.end(), event_headers.begin(), event_headers.end());
  out.insert(out.end(), rest_bytes.begin(), rest_bytes.end());
  return true;
}

util::Result<void>
join_events_first(std::span<const std::byte> split, std::uint16_t count, std::span<std::byte> out)
{
  const std::size_t headers = std::size_t{count} * k_chunk_header_size;
  if (split.size() != out.size() || split.size() < headers) {
    return util::fail(util::ErrorKind::corrupt,
                      "events-first frame of {} bytes cannot hold {} chunk headers",
                      split.size(),
                      count);
  }
  const auto damaged = [](std::uint16_t chunk) {
    return util::fail(util::ErrorKind::corrupt,
                      "events-first frame: the events of chunk {} of the frame do not add up",
                      chunk);
  };
  // Where the events' headers end (and the rest begins): their lengths fill each events body.
  std::size_t data_at = headers;
  for (std::uint16_t i = 0; i < count; ++i) {
    const auto header = split.subspan(std::size_t{i} * k_chunk_header_size, k_chunk_header_size);
    if (!is_events_chunk(header)) {
      continue;
    }
    std::uint64_t left = body_len_at(header);
    while (left > 0) {
      const auto event = event_header_at(split.subspan(data_at));
      if (!event || event->first > left || event->second > left - event->first) {
        return damaged(i);
      }
      data_at += event->first;
      left -= event->first + event->second;
    }
  }
  std::size_t header_at = headers;
  std::size_t at = 0;
  const auto copy = [&](std::size_t from, std::size_t size) {
    std::copy(split.begin() + static_cast<std::ptrdiff_t>(from),
              split.begin() + static_cast<std::ptrdiff_t>(from + size),
              out.begin() + static_cast<std::ptrdiff_t>(at));
    at += size;
  };
  for (std::uint16_t i = 0; i < count; ++i) {
    const std::size_t chunk_header = std::size_t{i} * k_chunk_header_size;
    const auto header = split.subspan(chunk_header, k_chunk_header_size);
    std::size_t left = body_len_at(header);
    if (out.size() - at < k_chunk_header_size || left > out.size() - at - k_chunk_header_size) {
      return damaged(i);
    }
    copy(chunk_header, k_chunk_header_size);
    if (!is_events_chunk(header)) {
      if (left > split.size() - data_at) {
        return damaged(i);
      }
      copy(data_at, left);
      data_at += left;
      continue;
    }
    while (left > 0) {
      const auto event = event_header_at(split.subspan(header_at));
      ST_ASSERT(event.has_value()); // (checked above)
      const auto data = static_cast<std::size_t>(event->second);
      if (data > split.size() - data_at) {
        return damaged(i);
      }
      copy(header_at, event->first);
      header_at += event->first;
      copy(data_at, data);
      data_at += data;
      left -= event->first + data;
    }
  }
  if (at != out.size() || data_at != split.size()) {
    return util::fail(util::ErrorKind::corrupt,
                      "events-first frame: {} bytes after its chunks",
                      split.size() - data_at);
  }
  return {};
}

util::Result<FrameHeader> decode_frame_header(std::span<const std::byte, k_frame_header_size> bytes)
{
  if (!std::equal(k_frame_magic.begin(), k_frame_magic.end(), bytes.begin())) {
    return util::fail(util::ErrorKind::corrupt, "bad frame magic");
  }
  util::ByteReader r(bytes);
  (void)r.raw(k_frame_magic.size());
  FrameHeader h;
  const std::uint8_t codec = *r.u8();
  const std::uint8_t flags = *r.u8();
  h.chunk_count = *r.u16();
  h.stored_len = *r.u32();
  h.raw_len = *r.u32();
  h.first_seq = *r.u64();
  h.first_time_us = *r.u64();
  h.payload_crc = *r.u32();
  const std::uint32_t header_crc = *r.u32();
  if (header_crc != crc32(bytes.first(k_frame_header_size - 4))) {
    return util::fail(util::ErrorKind::corrupt, "frame header checksum mismatch");
  }
  if (codec > static_cast<std::uint8_t>(Codec::zstd_events_first)) {
    return util::fail(util::ErrorKind::corrupt, "unknown codec {}", codec);
  }
  h.codec = static_cast<Codec>(codec);
  if (flags != 0) {
    return util::fail(util::ErrorKind::corrupt, "frame flags {:#x} are not zero", flags);
  }
  if (h.chunk_count == 0) {
    return util::fail(util::ErrorKind::corrupt, "frame holds no chunks");
  }
  if (h.raw_len > k_max_frame_raw_bytes) {
    return util::fail(util::ErrorKind::corrupt,
                      "frame claims {} bytes, more than the {} a frame may hold",
                      h.raw_len,
                      k_max_frame_raw_bytes);
  }
  if (h.raw_len < std::size_t{h.chunk_count} * k_chunk_header_size) {
    return util::fail(util::ErrorKind::corrupt,
                      "frame of {} bytes cannot hold {} chunks",
                      h.raw_len,
                      h.chunk_count);
  }
  if (h.codec == Codec::none && h.stored_len != h.raw_len) {
    return util::fail(util::ErrorKind::corrupt,
                      "uncompressed frame stores {} bytes but holds {}",
                      h.stored_len,
                      h.raw_len);
  }
  if (h.stored_len > k_max_frame_raw_bytes + (k_max_frame_raw_bytes >> 7) + 1024) {
    return util::fail(util::ErrorKind::corrupt, "frame stores {} bytes, too many", h.stored_len);
  }
  return h;
}

void encode_chunk_header(const ChunkHeader& h, util::Bytes& out)
{
  util::ByteWriter w(out);
  w.u8(static_cast<std::uint8_t>(h.type));
  w.u8(0);
  w.u16(0);
  w.u32(h.body_len);
  w.u64(h.seq);
  w.u64(h.base_time_us);
  w.raw(h.prev_hash);
}

util::Result<ChunkHeader> decode_chunk_header(std::span<const std::byte, k_chunk_header_size> bytes)
{
  util::ByteReader r(bytes);
  ChunkHeader h;
  const std::uint8_t type = *r.u8();
  const std::uint8_t flags = *r.u8();
  const std::uint16_t reserved = *r.u16();
  h.body_len = *r.u32();
  h.seq = *r.u64();
  h.base_time_us = *r.u64();
  const auto hash = *r.raw(k_hash_size);
  std::copy(hash.begin(), hash.end(), h.prev_hash.begin());
  if (type == 0) {
    return util::fail(util::ErrorKind::corrupt, "chunk type 0 is not valid");
  }
  if (flags != 0 || reserved != 0) {
    return util::fail(util::ErrorKind::corrupt, "chunk header reserved fields are not zero");
  }
  h.type = static_cast<ChunkType>(type);
  return h;
}

void encode_trailer_fields(const Trailer& t, util::Bytes& out)
{
  util::ByteWriter w(out);
  w.u64(t.chunk_count);
  w.u64(t.event_count);
  w.u64(t.output_bytes);
  w.u64(t.input_bytes);
  w.u64(t.end_time_us);
}

util::Result<Trailer> decode_trailer_fields(std::span<const std::byte> body)
{
  if (body.size() != k_trailer_body_size) {
    return util::fail(util::ErrorKind::corrupt,
                      "trailer is {} bytes, expected {}",
                      body.size(),
                      k_trailer_body_size);
  }
  util::ByteReader r(body);
  Trailer t;
  t.chunk_count = *r.u64();
  t.event_count = *r.u64();
  t.output_bytes = *r.u64();
  t.input_bytes = *r.u64();
  t.end_time_us = *r.u64();
  return t;
}

} // namespace shelltrail::format
