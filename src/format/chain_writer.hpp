#pragma once
// ChainWriter: appends chunks to a recording file, linking each to the previous one by hash and
// storing it as a frame (zstd-compressed, or raw when that is smaller). The layer under
// RecordingWriter, and the part a recorder can run on a writer thread of its own.
//
// Failure never leaves half a frame behind: a failed write is cut off again (ftruncate), the
// chain does not advance, and the same chunk can be written again later.

#include "format/layout.hpp"
#include "format/sha256.hpp"
#include "format/zstd_codec.hpp"
#include "util/bytes.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"

#include <cstdint>
#include <span>

namespace shelltrail::format {

struct ChainOptions
{
  Codec codec = Codec::zstd;
  int zstd_level = 1;
};

class ChainWriter
{
public:
  // Writes the file header to `fd`, an empty file open for writing.
  static util::Result<ChainWriter> start(util::Fd fd, ChainOptions options);

  enum class Storage { compressed_if_smaller, raw };

  // Appends one chunk as one frame. On failure nothing is appended.
  util::Result<void> write_chunk(ChunkType type,
                                 std::uint64_t base_time_us,
                                 std::span<const std::byte> body,
                                 Storage storage = Storage::compressed_if_smaller);

  // Appends the trailer (its chunk_count is filled in here) as the last chunk.
  util::Result<void> write_trailer(Trailer trailer);

  // The seq the next chunk gets (= chunks written so far).
  std::uint64_t next_seq() const;
  // The hash of the last chunk written (the chain head).
  const Hash& head() const;
  // Bytes in the file so far.
  std::uint64_t file_bytes() const;

  util::Result<void> sync();
  util::Result<void> close();

private:
  ChainWriter(util::Fd fd, ChainOptions options);

  util::Fd m_fd;
  ChainOptions m_options;
  ZstdCompressor m_compressor;
  std::uint64_t m_offset = 0;
  std::uint64_t m_next_seq = 0;
  Hash m_head{};
  util::Bytes m_chunk_header;
  util::Bytes m_raw;    // chunk header + body, side by side for the compressor
  util::Bytes m_stored; // compressed payload
  util::Bytes m_frame_header;
};

} // namespace shelltrail::format
