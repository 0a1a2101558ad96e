#include "format/chain_writer.hpp"

#include "format/frame_codec.hpp"
#include "util/file.hpp"

#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>

namespace shelltrail::format {
namespace {

// Writes all of `parts` at `offset`; on failure cuts the file back to `offset`.
util::Result<void> write_parts_at(const util::Fd& fd,
                                  std::uint64_t offset,
                                  std::span<const std::span<const std::byte>> parts)
{
  std::uint64_t position = offset;
  for (auto part : parts) {
    while (!part.empty()) {
      const ssize_t n = ::pwrite(fd.get(), part.data(), part.size(), static_cast<off_t>(position));
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        const int error = n < 0 ? errno : ENOSPC;
        // Leave no torn frame for a later successful frame to follow.
        (void)::ftruncate(fd.get(), static_cast<off_t>(offset));
        return util::fail(util::Error::from_errno(error, "write"));
      }
      part = part.subspan(static_cast<std::size_t>(n));
      position += static_cast<std::uint64_t>(n);
    }
  }
  return {};
}

} // namespace

ChainWriter::ChainWriter(util::Fd fd, ChainOptions options)
    : m_fd(std::move(fd)), m_options(options), m_compressor(options.zstd_level)
{}

util::Result<ChainWriter> ChainWriter::start(util::Fd fd, ChainOptions options)
{
  ChainWriter writer(std::move(fd), options);
  const auto header = encode_file_header();
  const std::span<const std::byte> parts[] = {header};
  ST_TRY(write_parts_at(writer.m_fd, 0, parts));
  writer.m_offset = header.size();
  writer.m_head = Sha256::of(header);
  return writer;
}

util::Result<void> ChainWriter::write_chunk(ChunkType type,
                                            std::uint64_t base_time_us,
                                            std::span<const std::byte> body,
                                            Storage storage)
{
  if (body.size() > k_max_frame_raw_bytes - k_chunk_header_size) {
    return util::fail(util::ErrorKind::usage, "chunk of {} bytes is too large", body.size());
  }
  m_raw.clear();
  ChunkHeader header;
  header.type = type;
  header.body_len = static_cast<std::uint32_t>(body.size());
  header.seq = m_next_seq;
  header.base_time_us = base_time_us;
  header.prev_hash = m_head;
  encode_chunk_header(header, m_raw);
  m_raw.insert(m_raw.end(), body.begin(), body.end());
  const Hash hash = Sha256::of(m_raw);

  FrameHeader frame;
  frame.codec = Codec::none;
  frame.chunk_count = 1;
  frame.raw_len = static_cast<std::uint32_t>(m_raw.size());
  frame.first_seq = m_next_seq;
  frame.first_time_us = base_time_us;
  std::span<const std::byte> stored = m_raw;
  if (m_options.codec == Codec::zstd && storage == Storage::compressed_if_smaller) {
    m_compressor.compress(m_raw, m_stored);
    if (m_stored.size() < m_raw.size()) {
      frame.codec = Codec::zstd;
      stored = m_stored;
    }
  }
  frame.stored_len = static_cast<std::uint32_t>(stored.size());
  frame.payload_crc = crc32(stored);
  m_frame_header.clear();
  encode_frame_header(frame, m_frame_header);

  const std::span<const std::byte> parts[] = {m_frame_header, stored};
  ST_TRY_CONTEXT(write_parts_at(m_fd, m_offset, parts), "writing chunk {}", m_next_seq);
  m_offset += m_frame_header.size() + stored.size();
  m_head = hash;
  ++m_next_seq;
  return {};
}

util::Result<void> ChainWriter::write_trailer(Trailer trailer)
{
  trailer.chunk_count = m_next_seq;
  // The trailer hashes itself: nothing follows it to carry its hash. It is stored raw, in the
  // file's last k_trailer_frame_size bytes, where `list` finds it without reading the rest.
  util::Bytes body;
  encode_trailer_fields(trailer, body);
  ChunkHeader header;
  header.type = ChunkType::trailer;
  header.body_len = static_cast<std::uint32_t>(k_trailer_body_size);
  header.seq = m_next_seq;
  header.base_time_us = trailer.end_time_us;
  header.prev_hash = m_head;
  util::Bytes header_bytes;
  encode_chunk_header(header, header_bytes);
  Sha256 hasher;
  hasher.update(header_bytes);
  hasher.update(body);
  const Hash self_hash = hasher.finish();
  body.insert(body.end(), self_hash.begin(), self_hash.end());
  ST_TRY_CONTEXT(write_chunk(ChunkType::trailer, trailer.end_time_us, body, Storage::raw),
                 "writing the trailer");
  return {};
}

std::uint64_t ChainWriter::next_seq() const
{
  return m_next_seq;
}

const Hash& ChainWriter::head() const
{
  return m_head;
}

std::uint64_t ChainWriter::file_bytes() const
{
  return m_offset;
}

util::Result<void> ChainWriter::sync()
{
  return util::sync_data(m_fd);
}

util::Result<void> ChainWriter::close()
{
  return m_fd.close();
}

} // namespace shelltrail::format
