#include "format/summary.hpp"

#include "format/frame_codec.hpp"
#include "format/frame_loader.hpp"
#include "format/recording_reader.hpp"
#include "format/sha256.hpp"
#include "util/file.hpp"

#include <fcntl.h>

namespace shelltrail::format {
namespace {

// The trailer, if the file ends with a well-formed trailer frame.
std::optional<Trailer> read_trailer(const util::Fd& fd, std::uint64_t size)
{
  if (size < k_file_header_size + k_trailer_frame_size) {
    return std::nullopt;
  }
  std::array<std::byte, k_trailer_frame_size> tail{};
  const auto read = util::read_at(fd, size - tail.size(), tail);
  if (!read || *read != tail.size()) {
    return std::nullopt;
  }
  const auto frame = decode_frame_header(std::span(tail).first<k_frame_header_size>());
  const auto stored = std::span<const std::byte>(tail).subspan(k_frame_header_size);
  if (!frame || frame->codec != Codec::none || frame->chunk_count != 1 ||
      frame->stored_len != stored.size() || crc32(stored) != frame->payload_crc) {
    return std::nullopt;
  }
  const auto chunk = decode_chunk_header(stored.first<k_chunk_header_size>());
  if (!chunk || chunk->type != ChunkType::trailer || chunk->body_len != k_trailer_body_size) {
    return std::nullopt;
  }
  const auto body = stored.subspan(k_chunk_header_size);
  Sha256 hasher;
  hasher.update(stored.first(k_chunk_header_size + 40));
  const Hash self = hasher.finish();
  if (!std::equal(self.begin(), self.end(), body.end() - k_hash_size)) {
    return std::nullopt;
  }
  auto trailer = decode_trailer_fields(body);
  return trailer ? std::optional<Trailer>(*trailer) : std::nullopt;
}

} // namespace

util::Result<RecordingSummary> summarize_recording(const std::string& path)
{
  ST_TRY_ASSIGN(const RecordingReader reader, RecordingReader::open(path));
  ST_TRY_ASSIGN(util::Fd fd, util::open_file(path, O_RDONLY));
  ST_TRY_ASSIGN(const std::uint64_t size, util::file_size(fd));
  RecordingSummary summary;
  summary.metadata = reader.metadata();
  summary.file_bytes = size;
  summary.trailer = read_trailer(fd, size);

  // Hop over the frame headers to the last frame that holds events.
  std::uint64_t offset = k_file_header_size;
  std::optional<std::uint64_t> last_events;
  while (offset + k_frame_header_size <= size) {
    std::array<std::byte, k_frame_header_size> bytes{};
    if (!util::read_at(fd, offset, bytes)) {
      break;
    }
    const auto header = decode_frame_header(bytes);
    if (!header || header->stored_len > size - offset - k_frame_header_size) {
      break;
    }
    // Every frame but the trailer's may hold events (compaction packs the metadata with some).
    const bool trailer_frame = summary.trailer && offset + k_trailer_frame_size == size;
    if (!trailer_frame) {
      last_events = offset;
      summary.duration =
          std::chrono::microseconds(static_cast<std::int64_t>(header->first_time_us));
    }
    offset += k_frame_header_size + header->stored_len;
  }
  if (summary.trailer) {
    summary.duration =
        std::chrono::microseconds(static_cast<std::int64_t>(summary.trailer->end_time_us));
  }
  if (!last_events) {
    return summary;
  }
  // The end event, if any, is in the last events frame.
  FrameLoader loader(fd.get(), size);
  LoadedFrame frame;
  loader.load(*last_events, frame);
  if (frame.status != LoadedFrame::Status::frame) {
    return summary;
  }
  std::span<const std::byte> rest = frame.raw;
  while (rest.size() >= k_chunk_header_size) {
    const auto chunk = decode_chunk_header(rest.first<k_chunk_header_size>());
    if (!chunk || chunk->body_len > rest.size() - k_chunk_header_size) {
      break;
    }
    if (chunk->type == ChunkType::events) {
      util::ByteReader events(rest.subspan(k_chunk_header_size, chunk->body_len));
      std::uint64_t time = chunk->base_time_us;
      while (events.remaining() > 0) {
        const auto event = decode_event(events, time);
        if (!event) {
          break;
        }
        time = static_cast<std::uint64_t>(event->time.count());
        if (!summary.trailer) {
          summary.duration = event->time;
        }
        if (const auto* end = std::get_if<End>(&event->data)) {
          summary.exit =
              RecordingSummary::Exit{end->termination, end->value, std::string(end->reason)};
        }
      }
    }
    rest = rest.subspan(k_chunk_header_size + chunk->body_len);
  }
  return summary;
}

} // namespace shelltrail::format
