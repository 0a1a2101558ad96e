#pragma once
// Encoding and decoding of the fixed headers (file, frame, chunk) from format/layout.hpp, plus
// the CRC-32 the frame header uses. Pure functions over bytes; no I/O.

#include "format/layout.hpp"
#include "util/bytes.hpp"
#include "util/error.hpp"

#include <span>

namespace shelltrail::format {

// The 16-byte file header for the current version.
std::array<std::byte, k_file_header_size> encode_file_header();

struct FileVersion
{
  std::uint16_t major = 0;
  std::uint16_t minor = 0;
};
// Checks magic, major version and flags. Fails with corrupt (not a recording) or unsupported.
util::Result<FileVersion> decode_file_header(std::span<const std::byte, k_file_header_size> bytes);

// CRC-32 (zlib's) of `bytes`, going on from `crc`, the CRC of the bytes before them.
std::uint32_t crc32(std::span<const std::byte> bytes, std::uint32_t crc = 0);

void encode_frame_header(const FrameHeader& header, util::Bytes& out);
// Checks magic, header CRC, codec, flags and the size caps (before anything is allocated).
util::Result<FrameHeader>
decode_frame_header(std::span<const std::byte, k_frame_header_size> bytes);

void encode_chunk_header(const ChunkHeader& header, util::Bytes& out);
// Checks the reserved fields. Does not know the chunk type's meaning.
util::Result<ChunkHeader>
decode_chunk_header(std::span<const std::byte, k_chunk_header_size> bytes);

// Codec 2's payload layout: the `count` chunk headers of a frame first, then the bodies in the
// same order. split: `chunks` (in chunk order) -> `out`; join: the reverse, into `out` of the
// same size. join fails (corrupt) when the headers' body lengths do not add up.
void split_headers_first(std::span<const std::byte> chunks, std::uint16_t count, util::Bytes& out);
util::Result<void>
join_headers_first(std::span<const std::byte> split, std::uint16_t count, std::span<std::byte> out);

// Codec 3's payload layout: the chunk headers first, then the headers of the events of the events
// chunks (type, delta, length: as written), then the events' data and the other chunks' bodies,
// all in chunk order. split fails (nothing written) when an events body does not parse as
// events; join fails (corrupt) when the lengths do not add up.
bool split_events_first(std::span<const std::byte> chunks, std::uint16_t count, util::Bytes& out);
util::Result<void>
join_events_first(std::span<const std::byte> split, std::uint16_t count, std::span<std::byte> out);

// Trailer body (without self hash) and its decoding; the self hash is checked by the reader.
void encode_trailer_fields(const Trailer& trailer, util::Bytes& out);
util::Result<Trailer> decode_trailer_fields(std::span<const std::byte> body);

} // namespace shelltrail::format
