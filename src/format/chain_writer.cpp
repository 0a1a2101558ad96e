#include "format/chain_writer.hpp"

#include "format/frame_codec.hpp"
#include "util/assert.hpp"
#include "util/file.hpp"

#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace shelltrail::format {
namespace {

// Writes all of `parts` at `offset` (one pwritev when the kernel takes it all, as it does for
// regular files); on failure cuts the file back to `offset`.
util::Result<void> write_parts_at(const util::Fd& fd,
                                  std::uint64_t offset,
                                  std::span<const std::span<const std::byte>> parts)
{
  constexpr std::size_t k_max_parts = 4;
  ST_ASSERT(parts.size() <= k_max_parts);
  std::array<iovec, k_max_parts> vectors{};
  std::size_t count = 0;
  for (const auto part : parts) {
    if (!part.empty()) {
      vectors[count++] = {const_cast<std::byte*>(part.data()), part.size()};
    }
  }
  std::uint64_t position = offset;
  std::size_t first = 0;
  while (first < count) {
    const ssize_t n = ::pwritev(
        fd.get(), &vectors[first], static_cast<int>(count - first), static_cast<off_t>(position));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      const int error = n < 0 ? errno : ENOSPC;
      // Leave no torn frame for a later successful frame to follow.
      (void)::ftruncate(fd.get(), static_cast<off_t>(offset));
      return util::fail(util::Error::from_errno(error, "write"));
    }
    position += static_cast<std::uint64_t>(n);
    // Step over what was written: whole vectors, then into the next one.
    auto left = static_cast<std::size_t>(n);
    while (first < count && left >= vectors[first].iov_len) {
      left -= vectors[first++].iov_len;
    }
    if (left > 0) {
      vectors[first].iov_base = static_cast<std::byte*>(vectors[first].iov_base) + left;
      vectors[first].iov_len -= left;
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
  ChunkHeader header;
  header.type = type;
  header.body_len = static_cast<std::uint32_t>(body.size());
  header.seq = m_next_seq;
  header.base_time_us = base_time_us;
  header.prev_hash = m_head;
  m_chunk_header.clear();
  encode_chunk_header(header, m_chunk_header);
  Sha256 hasher;
  hasher.update(m_chunk_header);
  hasher.update(body);
  const Hash hash = hasher.finish();

  FrameHeader frame;
  frame.codec = Codec::none;
  frame.chunk_count = 1;
  frame.raw_len = static_cast<std::uint32_t>(m_chunk_header.size() + body.size());
  frame.first_seq = m_next_seq;
  frame.first_time_us = base_time_us;
  // Stored raw, the payload is the chunk header and the body as they are, written from where
  // they are; only compression needs them side by side.
  std::span<const std::byte> payload[] = {m_chunk_header, body};
  if (m_options.codec == Codec::zstd && storage == Storage::compressed_if_smaller) {
    m_raw.assign(m_chunk_header.begin(), m_chunk_header.end());
    m_raw.insert(m_raw.end(), body.begin(), body.end());
    m_compressor.compress(m_raw, m_stored);
    if (m_stored.size() < m_raw.size()) {
      frame.codec = Codec::zstd;
      payload[0] = m_stored;
      payload[1] = {};
    }
  }
  frame.stored_len = static_cast<std::uint32_t>(payload[0].size() + payload[1].size());
  frame.payload_crc = crc32(payload[1], crc32(payload[0]));
  m_frame_header.clear();
  encode_frame_header(frame, m_frame_header);

  const std::span<const std::byte> parts[] = {m_frame_header, payload[0], payload[1]};
  ST_TRY_CONTEXT(write_parts_at(m_fd, m_offset, parts), "writing chunk {}", m_next_seq);
  m_offset += m_frame_header.size() + frame.stored_len;
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
