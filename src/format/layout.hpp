#pragma once
// The byte layout of a shelltrail recording, version 1.0. Full specification: docs/format.md.
// Used by the writer, the reader and the verifier; nothing else should know these offsets.
//
//   recording    := file_header frame*
//   file_header  := magic[8] = 89 53 54 52 0d 0a 1a 0a ("\x89STR\r\n\x1a\n")
//                   major:u16 minor:u16 flags:u32 (= 0)                              16 bytes
//   frame        := frame_header stored_payload[stored_len]
//   frame_header := magic[4] = "STFR"  codec:u8 (0 none, 1 zstd, 2 zstd headers first,
//                   3 zstd events first)
//                   flags:u8 (= 0)
//                   chunk_count:u16 (>= 1)  stored_len:u32  raw_len:u32
//                   first_seq:u64  first_time_us:u64
//                   payload_crc:u32 (CRC-32 of stored_payload)
//                   header_crc:u32 (CRC-32 of the 36 bytes before it)                 40 bytes
//   decode(stored_payload) = chunk{chunk_count}, exactly raw_len bytes; with codec 2 the zstd
//   content is the chunk_count chunk headers first, then the bodies in order (re-packed frames:
//   the hashes in the headers would otherwise sit among the bodies' literals and cost ~1.1% on
//   incompressible output)
//   chunk        := chunk_header body[body_len]
//   chunk_header := type:u8 flags:u8 (= 0) reserved:u16 (= 0) body_len:u32
//                   seq:u64 base_time_us:u64 prev_hash[32]                            56 bytes
//
// All integers are little-endian. The hash chain: H(-1) = SHA-256(file_header);
// H(n) = SHA-256(chunk_header(n) || body(n)); chunk n carries H(n-1) as prev_hash. The hash
// covers the decoded chunk, not the stored bytes, so recompressing frames keeps the chain (and
// any signature over it) valid. Chunk 0 is the metadata; the last chunk of a finished recording
// is the trailer. Unknown chunk types are hashed and skipped.

#include <array>
#include <cstddef>
#include <cstdint>

namespace shelltrail::format {

inline constexpr std::array<std::byte, 8> k_file_magic = {std::byte{0x89},
                                                          std::byte{'S'},
                                                          std::byte{'T'},
                                                          std::byte{'R'},
                                                          std::byte{'\r'},
                                                          std::byte{'\n'},
                                                          std::byte{0x1a},
                                                          std::byte{'\n'}};
inline constexpr std::uint16_t k_format_major = 1;
inline constexpr std::uint16_t k_format_minor = 0;
inline constexpr std::size_t k_file_header_size = 16;

inline constexpr std::array<std::byte, 4> k_frame_magic = {
    std::byte{'S'}, std::byte{'T'}, std::byte{'F'}, std::byte{'R'}};
inline constexpr std::size_t k_frame_header_size = 40;
inline constexpr std::size_t k_chunk_header_size = 56;
inline constexpr std::size_t k_hash_size = 32;

// Hard caps a reader enforces before allocating. Writers stay far below them.
inline constexpr std::uint32_t k_max_frame_raw_bytes = 16U << 20;
inline constexpr std::uint32_t k_max_metadata_bytes = 1U << 20;

enum class Codec : std::uint8_t {
  none = 0,
  zstd = 1,
  zstd_headers_first = 2, // chunk headers, then the bodies
  zstd_events_first = 3,  // chunk headers, then the events' headers, then the rest
};

enum class ChunkType : std::uint8_t {
  metadata = 1, // body: a UTF-8 JSON object (format/metadata.hpp)
  events = 2,   // body: event* (format/event.hpp)
  trailer = 3,  // body: see Trailer below
  // Reserved for later minor versions, skipped by 1.0 readers:
  signature = 4, // a signature over the chain head (tamper evidence)
  keyframe = 5,  // a terminal reset point for seeking
};

using Hash = std::array<std::byte, k_hash_size>;

struct FrameHeader
{
  Codec codec = Codec::none;
  std::uint16_t chunk_count = 0;
  std::uint32_t stored_len = 0;
  std::uint32_t raw_len = 0;
  std::uint64_t first_seq = 0;
  std::uint64_t first_time_us = 0;
  std::uint32_t payload_crc = 0;
};

struct ChunkHeader
{
  ChunkType type = ChunkType::events;
  std::uint32_t body_len = 0;
  std::uint64_t seq = 0;
  std::uint64_t base_time_us = 0;
  Hash prev_hash{};
};

// The trailer body: written once, as the last chunk, when a session ends cleanly.
//   chunk_count:u64 (chunks before the trailer = the trailer's seq)  event_count:u64
//   output_bytes:u64  input_bytes:u64  end_time_us:u64
//   self_hash[32] = SHA-256(trailer chunk_header || the 40 body bytes before it)
struct Trailer
{
  std::uint64_t chunk_count = 0;
  std::uint64_t event_count = 0;
  std::uint64_t output_bytes = 0;
  std::uint64_t input_bytes = 0;
  std::uint64_t end_time_us = 0;
};
inline constexpr std::size_t k_trailer_body_size = 40 + k_hash_size;

} // namespace shelltrail::format
