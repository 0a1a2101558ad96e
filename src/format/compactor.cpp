#include "format/compactor.hpp"

#include "format/frame_codec.hpp"
#include "format/frame_loader.hpp"
#include "format/zstd_codec.hpp"
#include "util/file.hpp"

#include <fmt/core.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace shelltrail::format {
namespace {

// Collects whole chunks and writes them out as large frames.
class FramePacker
{
public:
  FramePacker(const util::Fd& fd, std::uint64_t offset, const CompactOptions& options)
      : m_fd(fd), m_offset(offset), m_options(options), m_compressor(options.zstd_level)
  {}

  util::Result<void> add(const ChunkHeader& header, std::span<const std::byte> chunk)
  {
    if (m_count > 0 && (m_raw.size() + chunk.size() > m_options.frame_bytes ||
                        m_count == UINT16_MAX || header.type == ChunkType::trailer)) {
      ST_TRY(flush());
    }
    if (m_count == 0) {
      m_first_seq = header.seq;
      m_first_time_us = header.base_time_us;
    }
    m_raw.insert(m_raw.end(), chunk.begin(), chunk.end());
    ++m_count;
    m_trailer = header.type == ChunkType::trailer;
    return {};
  }

  util::Result<void> flush()
  {
    if (m_count == 0) {
      return {};
    }
    FrameHeader frame;
    frame.codec = Codec::none;
    frame.chunk_count = static_cast<std::uint16_t>(m_count);
    frame.raw_len = static_cast<std::uint32_t>(m_raw.size());
    frame.first_seq = m_first_seq;
    frame.first_time_us = m_first_time_us;
    std::span<const std::byte> stored = m_raw;
    // Headers first: the chunks' hashes and the events' headers would otherwise sit among the
    // output's literals, and zstd's Huffman tables pay for those rare symbols in every block
    // (~1.1% for the hashes, ~0.8% more for the events' headers on base64 output).
    Codec codec = Codec::zstd_events_first;
    if (!split_events_first(m_raw, static_cast<std::uint16_t>(m_count), m_split)) {
      codec = Codec::zstd_headers_first; // (an events body that does not parse: kept whole)
      split_headers_first(m_raw, static_cast<std::uint16_t>(m_count), m_split);
    }
    m_compressor.compress(m_split, m_stored);
    // The trailer stays raw in a frame of its own, where a reader of the tail expects it.
    if (m_stored.size() < m_raw.size() && !m_trailer) {
      frame.codec = codec;
      stored = m_stored;
    }
    frame.stored_len = static_cast<std::uint32_t>(stored.size());
    frame.payload_crc = crc32(stored);
    util::Bytes out;
    encode_frame_header(frame, out);
    out.insert(out.end(), stored.begin(), stored.end());
    if (::pwrite(m_fd.get(), out.data(), out.size(), static_cast<off_t>(m_offset)) !=
        static_cast<ssize_t>(out.size())) {
      return util::fail(util::Error::from_errno(errno, "write"));
    }
    m_offset += out.size();
    ++m_frames;
    m_raw.clear();
    m_count = 0;
    return {};
  }

  std::uint64_t frames() const
  {
    return m_frames;
  }
  std::uint64_t size() const
  {
    return m_offset;
  }

private:
  const util::Fd& m_fd;
  std::uint64_t m_offset;
  const CompactOptions& m_options;
  ZstdCompressor m_compressor;
  util::Bytes m_raw;
  util::Bytes m_stored;
  util::Bytes m_split;
  std::size_t m_count = 0;
  std::uint64_t m_first_seq = 0;
  std::uint64_t m_first_time_us = 0;
  std::uint64_t m_frames = 0;
  bool m_trailer = false;
};

// Copies every chunk of the verified file `in` into `packer`.
util::Result<void> repack(const util::Fd& in, std::uint64_t size, FramePacker& packer)
{
  FrameLoader loader(in.get(), size);
  LoadedFrame frame;
  std::uint64_t offset = k_file_header_size;
  for (;;) {
    loader.load(offset, frame);
    if (frame.io_error) {
      return util::fail(*frame.io_error);
    }
    if (frame.status == LoadedFrame::Status::end) {
      return {};
    }
    if (frame.status != LoadedFrame::Status::frame) {
      return util::fail(util::ErrorKind::corrupt, "frame at offset {}: {}", offset, frame.message);
    }
    std::span<const std::byte> rest = frame.raw;
    for (std::uint16_t i = 0; i < frame.header.chunk_count; ++i) {
      if (rest.size() < k_chunk_header_size) {
        return util::fail(util::ErrorKind::corrupt, "chunk header past the frame at {}", offset);
      }
      ST_TRY_ASSIGN(const ChunkHeader header,
                    decode_chunk_header(rest.first<k_chunk_header_size>()));
      const std::size_t whole = k_chunk_header_size + header.body_len;
      if (whole > rest.size()) {
        return util::fail(util::ErrorKind::corrupt, "chunk past the frame at {}", offset);
      }
      ST_TRY(packer.add(header, rest.first(whole)));
      rest = rest.subspan(whole);
    }
    offset += k_frame_header_size + frame.header.stored_len;
  }
}

} // namespace

util::Result<CompactStats> compact_recording(const std::string& path, const CompactOptions& options)
{
  ST_TRY_ASSIGN(util::Fd in, util::open_file(path, O_RDONLY | O_NOFOLLOW));
  // The recorder holds an exclusive lock while it writes; never compact a live recording.
  if (flock(in.get(), LOCK_SH | LOCK_NB) != 0) {
    return util::fail(util::ErrorKind::usage, "{}: the session is still being recorded", path);
  }
  ST_TRY_ASSIGN(const VerifyReport before, verify_recording(path));
  if (before.verdict != Verdict::ok) {
    return util::fail(util::ErrorKind::usage,
                      "{}: only a complete, intact recording is compacted ({}: {})",
                      path,
                      to_string(before.verdict),
                      before.detail);
  }
  struct stat st
  {};
  if (fstat(in.get(), &st) != 0) {
    return util::fail(util::Error::from_errno(errno, path));
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);

  const std::size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  const std::string temporary = fmt::format("{}/.{}.compact-{}", dir, name, getpid());
  ST_TRY_ASSIGN(
      util::Fd out,
      util::open_file(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, st.st_mode & 0777));
  const auto discard = [&](util::Error error) {
    ::unlink(temporary.c_str());
    return util::fail(std::move(error).with_context(fmt::format("compacting {}", path)));
  };
  std::array<std::byte, k_file_header_size> header{};
  if (auto read = util::read_at(in, 0, header); !read) {
    return discard(read.error());
  }
  if (auto written = util::write_all(out, header); !written) {
    return discard(written.error());
  }
  FramePacker packer(out, k_file_header_size, options);
  if (auto packed = repack(in, size, packer); !packed) {
    return discard(packed.error());
  }
  if (auto flushed = packer.flush(); !flushed) {
    return discard(flushed.error());
  }
  if (auto synced = util::sync_data(out); !synced) {
    return discard(synced.error());
  }
  (void)fchown(out.get(), st.st_uid, st.st_gid);
  (void)out.close();

  // The result must say exactly what the original said.
  auto after = verify_recording(temporary);
  if (!after || after->verdict != Verdict::ok || after->chain_head != before.chain_head ||
      after->stats.event_count != before.stats.event_count ||
      after->stats.chunk_count != before.stats.chunk_count) {
    return discard(util::Error(util::ErrorKind::corrupt,
                               "the compacted copy does not verify like the original"));
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    return discard(util::Error::from_errno(errno, "rename"));
  }
  return CompactStats{size, packer.size(), before.stats.frame_count, packer.frames()};
}

} // namespace shelltrail::format
