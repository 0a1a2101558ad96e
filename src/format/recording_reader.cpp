#include "format/recording_reader.hpp"

#include "util/file.hpp"

#include <fmt/core.h>

#include <fcntl.h>

#include <algorithm>

namespace shelltrail::format {

RecordingReader::RecordingReader(std::string path, util::Fd fd, std::uint64_t file_size)
    : m_path(std::move(path)), m_fd(std::move(fd)), m_file_size(file_size)
{}

util::Result<RecordingReader> RecordingReader::open(const std::string& path)
{
  ST_TRY_ASSIGN(util::Fd fd, util::open_file(path, O_RDONLY));
  ST_TRY_ASSIGN(const std::uint64_t size, util::file_size(fd));
  RecordingReader reader(path, std::move(fd), size);
  if (size == 0) {
    return util::fail(
        util::ErrorKind::unsupported, "{}: empty file, not a shelltrail recording", path);
  }
  std::array<std::byte, k_file_header_size> header{};
  ST_TRY_CONTEXT(util::read_at(reader.m_fd, 0, header), "{}", path);
  if (size < k_file_header_size) {
    const auto n = static_cast<std::size_t>(size);
    const auto prefix = static_cast<std::ptrdiff_t>(std::min(n, k_file_magic.size()));
    if (std::equal(header.begin(), header.begin() + prefix, k_file_magic.begin())) {
      return util::fail(util::ErrorKind::truncated,
                        "{}: the recording ends inside its file header ({} bytes)",
                        path,
                        size);
    }
    return util::fail(util::ErrorKind::unsupported, "{}: not a shelltrail recording", path);
  }
  auto version = decode_file_header(header);
  if (!version) {
    return util::fail(std::move(version).error().with_context(path));
  }
  reader.m_version = *version;
  reader.m_prev_hash = Sha256::of(header);
  reader.m_next_frame_offset = k_file_header_size;

  // Chunk 0 must be the metadata.
  ST_TRY_ASSIGN(const bool has_chunk, reader.advance_chunk());
  if (!has_chunk || reader.m_expected_seq == 0) {
    return util::fail(util::ErrorKind::truncated,
                      "{}: the recording ends before its metadata ({})",
                      path,
                      reader.m_ending.incomplete_reason);
  }
  return reader;
}

util::Result<RecordingReader> RecordingReader::open_at(const std::string& path,
                                                       const ResumePoint& point)
{
  ST_TRY_ASSIGN(RecordingReader reader, open(path));
  if (point.seq < 1 || point.frame_offset < reader.m_next_frame_offset ||
      point.frame_offset > reader.m_file_size) {
    return util::fail(util::ErrorKind::usage,
                      "{}: no frame of chunk {} at offset {}",
                      path,
                      point.seq,
                      point.frame_offset);
  }
  reader.m_next_frame_offset = point.frame_offset;
  reader.m_expected_seq = point.seq;
  reader.m_prev_hash = point.prev_hash;
  reader.m_event_time_us = point.event_time_us;
  reader.m_stats = point.stats;
  reader.m_chunks_left_in_frame = 0;
  reader.m_raw = {};
  reader.m_raw_position = 0;
  reader.m_events.reset();
  return reader;
}

std::optional<ResumePoint> RecordingReader::boundary() const
{
  if (m_error || m_chunks_left_in_frame != 0 || (m_events && m_events->remaining() > 0) ||
      m_ending.complete) {
    return std::nullopt;
  }
  ResumePoint point;
  point.frame_offset = m_next_frame_offset;
  point.seq = m_expected_seq;
  point.prev_hash = m_prev_hash;
  point.event_time_us = m_event_time_us;
  point.stats = m_stats;
  return point;
}

const Metadata& RecordingReader::metadata() const
{
  return m_metadata;
}

FileVersion RecordingReader::version() const
{
  return m_version;
}

const std::string& RecordingReader::path() const
{
  return m_path;
}

const Ending& RecordingReader::ending() const
{
  return m_ending;
}

const ReadStats& RecordingReader::stats() const
{
  return m_stats;
}

const ReadPosition& RecordingReader::position() const
{
  return m_position;
}

const Hash& RecordingReader::chain_head() const
{
  return m_prev_hash;
}

const std::vector<SignedHead>& RecordingReader::signatures() const
{
  return m_signatures;
}

util::Error RecordingReader::corrupt(std::string_view message) const
{
  return {util::ErrorKind::corrupt,
          fmt::format("{}: chunk {} (frame at offset {}): {}",
                      m_path,
                      m_position.chunk,
                      m_position.offset,
                      message)};
}

void RecordingReader::end_incomplete(std::string reason)
{
  m_ended = true;
  m_ending.complete = false;
  m_ending.incomplete_reason = std::move(reason);
}

util::Result<std::optional<Event>> RecordingReader::next()
{
  if (m_error) {
    return util::fail(*m_error);
  }
  for (;;) {
    if (m_events && m_events->remaining() > 0) {
      auto event = decode_event(*m_events, m_event_time_us);
      if (!event) {
        m_error = corrupt(event.error().message());
        return util::fail(*m_error);
      }
      m_event_time_us = static_cast<std::uint64_t>(event->time.count());
      ++m_stats.event_count;
      m_stats.last_time = event->time;
      if (const std::string_view* bytes = payload_bytes(event->data)) {
        (std::holds_alternative<Input>(event->data) ? m_stats.input_bytes : m_stats.output_bytes) +=
            bytes->size();
      } else if (const auto* redacted = std::get_if<RedactedInput>(&event->data)) {
        m_stats.redacted_bytes += redacted->length;
      } else if (std::holds_alternative<End>(event->data)) {
        m_end_seen = true;
      }
      return std::optional<Event>(*event);
    }
    if (m_ended) {
      return std::optional<Event>();
    }
    auto more = advance_chunk();
    if (!more) {
      m_error = std::move(more).error();
      return util::fail(*m_error);
    }
    if (!*more) {
      return std::optional<Event>();
    }
  }
}

util::Result<void> RecordingReader::read_frame()
{
  const std::uint64_t offset = m_next_frame_offset;
  m_position = {m_expected_seq, offset};
  // The metadata is read here; a large file's events come through the read-ahead thread.
  if (!m_pipeline && m_expected_seq >= 1 && m_file_size >= k_read_ahead_min_bytes) {
    m_pipeline = std::make_unique<FramePipeline>(m_fd.get(), m_file_size, offset);
  }
  const LoadedFrame* frame = nullptr;
  if (m_pipeline) {
    frame = &m_pipeline->next();
  } else {
    if (!m_loader) {
      m_loader = std::make_unique<FrameLoader>(m_fd.get(), m_file_size);
    }
    m_loader->load(offset, m_loaded);
    frame = &m_loaded;
  }
  if (frame->io_error) {
    return util::fail(util::Error(*frame->io_error).with_context(m_path));
  }
  switch (frame->status) {
  case LoadedFrame::Status::end:
    end_incomplete(fmt::format("no trailer after chunk {}: the recorder did not finish the session",
                               m_expected_seq == 0 ? 0 : m_expected_seq - 1));
    return {};
  case LoadedFrame::Status::torn:
    end_incomplete(fmt::format("chunk {}: {}", m_expected_seq, frame->message));
    return {};
  case LoadedFrame::Status::damaged:
    return util::fail(corrupt(frame->message));
  case LoadedFrame::Status::frame:
    break;
  }
  if (frame->header.first_seq != m_expected_seq) {
    return util::fail(corrupt(fmt::format(
        "frame starts with chunk {}, expected chunk {} (chunks removed, duplicated or reordered)",
        frame->header.first_seq,
        m_expected_seq)));
  }
  m_frame = frame;
  m_raw = frame->raw;
  m_raw_position = 0;
  m_chunks_left_in_frame = frame->header.chunk_count;
  m_frame_first_time_us = frame->header.first_time_us;
  m_frame_first_chunk = true;
  m_next_frame_offset = offset + k_frame_header_size + frame->header.stored_len;
  ++m_stats.frame_count;
  return {};
}

util::Result<bool> RecordingReader::advance_chunk()
{
  m_events.reset();
  while (!m_ended) {
    if (m_chunks_left_in_frame == 0) {
      if (m_raw_position != m_raw.size()) {
        return util::fail(corrupt(fmt::format("{} bytes after the last chunk of the frame",
                                              m_raw.size() - m_raw_position)));
      }
      ST_TRY(read_frame());
      continue;
    }
    ST_TRY(enter_chunk());
    if (m_events) {
      return true;
    }
    if (m_expected_seq == 1 && !m_ended) {
      return true; // the metadata was just read: open() stops here
    }
  }
  return false;
}

util::Result<void> RecordingReader::enter_chunk()
{
  m_position.chunk = m_expected_seq;
  const std::span<const std::byte> rest = m_raw.subspan(m_raw_position);
  if (rest.size() < k_chunk_header_size) {
    return util::fail(corrupt("chunk header runs past the end of the frame"));
  }
  const auto header_bytes = rest.first<k_chunk_header_size>();
  auto header = decode_chunk_header(header_bytes);
  if (!header) {
    return util::fail(corrupt(header.error().message()));
  }
  if (header->body_len > rest.size() - k_chunk_header_size) {
    return util::fail(corrupt(
        fmt::format("chunk body of {} bytes runs past the end of the frame", header->body_len)));
  }
  if (header->seq != m_expected_seq) {
    return util::fail(corrupt(fmt::format(
        "found chunk {} where chunk {} belongs (chunks removed, duplicated or reordered)",
        header->seq,
        m_expected_seq)));
  }
  if (header->prev_hash != m_prev_hash) {
    if (m_expected_seq == 0) {
      return util::fail(corrupt("chunk 0 does not match the hash of the file header"));
    }
    // Report the earlier chunk: its content no longer matches the hash that follows it.
    m_position.chunk = m_expected_seq - 1;
    return util::fail(corrupt(fmt::format(
        "content does not match the hash recorded in chunk {} (altered)", m_expected_seq)));
  }
  if (m_frame_first_chunk && header->base_time_us != m_frame_first_time_us) {
    return util::fail(corrupt("frame header time does not match its first chunk"));
  }
  const auto body = rest.subspan(k_chunk_header_size, header->body_len);
  const auto whole = rest.first(k_chunk_header_size + header->body_len);
  m_prev_hash = Sha256::of(whole);
  m_frame_first_chunk = false;
  m_raw_position += whole.size();
  --m_chunks_left_in_frame;
  ++m_expected_seq;
  ++m_stats.chunk_count;

  if (header->seq == 0) {
    if (header->type != ChunkType::metadata) {
      return util::fail(corrupt("chunk 0 is not the metadata"));
    }
    auto metadata = parse_metadata(util::as_text(body));
    if (!metadata) {
      return util::fail(corrupt(metadata.error().message()));
    }
    m_metadata = std::move(*metadata);
    return {};
  }
  switch (header->type) {
  case ChunkType::metadata:
    return util::fail(corrupt("a second metadata chunk"));
  case ChunkType::events:
    if (header->base_time_us < m_event_time_us) {
      return util::fail(corrupt(fmt::format("chunk starts at {} us, before the previous event at "
                                            "{} us",
                                            header->base_time_us,
                                            m_event_time_us)));
    }
    m_event_time_us = header->base_time_us;
    m_events.emplace(body);
    return {};
  case ChunkType::trailer:
    return check_trailer(*header, body);
  case ChunkType::signature:
    // Checked by whoever holds the keys (src/trust); a malformed body is kept as an error there,
    // since the chain itself is intact.
    m_signatures.push_back(
        SignedHead{header->seq, header->prev_hash, decode_signature(body), m_end_seen});
    return {};
  default:
    return {}; // a chunk type of a later minor version: hashed above, skipped here
  }
}

util::Result<void> RecordingReader::check_trailer(const ChunkHeader& header,
                                                  std::span<const std::byte> body)
{
  auto trailer = decode_trailer_fields(body);
  if (!trailer) {
    return util::fail(corrupt(trailer.error().message()));
  }
  util::Bytes header_bytes;
  encode_chunk_header(header, header_bytes);
  Sha256 hasher;
  hasher.update(header_bytes);
  hasher.update(body.first(body.size() - k_hash_size));
  const Hash self = hasher.finish();
  if (!std::equal(self.begin(), self.end(), body.end() - k_hash_size)) {
    return util::fail(corrupt("trailer does not match its own hash (altered)"));
  }
  const auto mismatch = [&](std::string_view what, std::uint64_t said, std::uint64_t found) {
    return util::fail(
        corrupt(fmt::format("trailer says {} {}, the recording has {}", said, what, found)));
  };
  if (trailer->chunk_count != header.seq) {
    return mismatch("chunks", trailer->chunk_count, header.seq);
  }
  if (trailer->event_count != m_stats.event_count) {
    return mismatch("events", trailer->event_count, m_stats.event_count);
  }
  if (trailer->output_bytes != m_stats.output_bytes) {
    return mismatch("output bytes", trailer->output_bytes, m_stats.output_bytes);
  }
  if (trailer->input_bytes != m_stats.input_bytes) {
    return mismatch("input bytes", trailer->input_bytes, m_stats.input_bytes);
  }
  if (trailer->end_time_us < m_event_time_us || header.base_time_us != trailer->end_time_us) {
    return util::fail(corrupt("trailer end time is before the last event"));
  }
  if (m_chunks_left_in_frame != 0 || m_raw_position != m_raw.size() ||
      m_next_frame_offset != m_file_size) {
    return util::fail(corrupt("data after the trailer"));
  }
  m_ended = true;
  m_ending.complete = true;
  m_ending.trailer = *trailer;
  return {};
}

} // namespace shelltrail::format
