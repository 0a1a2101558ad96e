#include "format/recording_writer.hpp"

#include "util/file.hpp"

#include <fcntl.h>

namespace shelltrail::format {
RecordingWriter::RecordingWriter(ChainWriter chain, const WriterOptions& options)
    : m_chain(std::move(chain)), m_options(options)
{
  if (m_options.chunk_bytes < 256) {
    m_options.chunk_bytes = 256;
  }
  m_options.chunk_bytes = std::min<std::size_t>(m_options.chunk_bytes, k_max_frame_raw_bytes / 2);
}

util::Result<RecordingWriter> RecordingWriter::create(const std::string& path,
                                                      const Metadata& metadata,
                                                      const WriterOptions& options)
{
  ST_TRY_ASSIGN(util::Fd fd, util::open_file(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600));
  return create(std::move(fd), metadata, options);
}

util::Result<RecordingWriter>
RecordingWriter::create(util::Fd fd, const Metadata& metadata, const WriterOptions& options)
{
  ST_TRY_ASSIGN(ChainWriter chain,
                ChainWriter::start(std::move(fd), {options.codec, options.zstd_level}));
  const std::string json = to_json_text(metadata);
  if (json.size() > k_max_metadata_bytes) {
    return util::fail(util::ErrorKind::usage, "metadata of {} bytes is too large", json.size());
  }
  ST_TRY(chain.write_chunk(ChunkType::metadata, 0, util::as_bytes(json)));
  RecordingWriter writer(std::move(chain), options);
  writer.m_stats.chunk_count = writer.m_chain.next_seq();
  writer.m_stats.file_bytes = writer.m_chain.file_bytes();
  return writer;
}

util::Result<void> RecordingWriter::write(std::chrono::microseconds time, const EventData& data)
{
  if (m_finished) {
    return util::fail(util::ErrorKind::usage, "the recording is already finished");
  }
  const auto time_us = static_cast<std::uint64_t>(std::max<std::int64_t>(time.count(), 0));
  ST_TRY(close_chunk_if_due(std::chrono::microseconds(time_us)));
  if (encoded_size(0, data) > k_max_frame_raw_bytes / 2 && payload_bytes(data) == nullptr) {
    return util::fail(util::ErrorKind::usage,
                      "a {} event of {} bytes is too large",
                      type_name(data),
                      encoded_size(0, data));
  }
  return append_bounded(
      m_chunk, m_options.chunk_bytes, time_us, data, [this] { return close_chunk(); });
}

std::optional<std::chrono::microseconds> RecordingWriter::chunk_deadline() const
{
  if (m_chunk.empty()) {
    return std::nullopt;
  }
  return std::chrono::microseconds(static_cast<std::int64_t>(m_chunk.base_time_us())) +
         m_options.chunk_interval;
}

util::Result<void> RecordingWriter::close_chunk_if_due(std::chrono::microseconds now)
{
  const auto deadline = chunk_deadline();
  if (deadline && *deadline <= now) {
    return close_chunk();
  }
  return {};
}

util::Result<void> RecordingWriter::close_chunk()
{
  if (m_chunk.empty()) {
    return {};
  }
  // On failure the chunk stays open, so that a later call can write it again.
  ST_TRY(m_chain.write_chunk(ChunkType::events, m_chunk.base_time_us(), m_chunk.body()));
  m_stats.event_count += m_chunk.event_count();
  m_stats.output_bytes += m_chunk.output_bytes();
  m_stats.input_bytes += m_chunk.input_bytes();
  m_chunk.clear();
  m_stats.chunk_count = m_chain.next_seq();
  m_stats.file_bytes = m_chain.file_bytes();
  return {};
}

util::Result<void> RecordingWriter::sync()
{
  return m_chain.sync();
}

util::Result<void> RecordingWriter::finish(std::chrono::microseconds end_time)
{
  if (m_finished) {
    return util::fail(util::ErrorKind::usage, "the recording is already finished");
  }
  ST_TRY(close_chunk());
  Trailer trailer;
  trailer.event_count = m_stats.event_count;
  trailer.output_bytes = m_stats.output_bytes;
  trailer.input_bytes = m_stats.input_bytes;
  trailer.end_time_us = static_cast<std::uint64_t>(std::max<std::int64_t>(end_time.count(), 0));
  ST_TRY(m_chain.write_trailer(trailer));
  m_stats.chunk_count = m_chain.next_seq();
  m_stats.file_bytes = m_chain.file_bytes();
  m_finished = true;
  return {};
}

util::Result<void> RecordingWriter::close()
{
  // Buffered events are never dropped silently: the open chunk goes to the file first.
  auto flushed = close_chunk();
  auto closed = m_chain.close();
  if (!flushed) {
    return flushed;
  }
  return closed;
}

const WriterStats& RecordingWriter::stats() const
{
  return m_stats;
}

const Hash& RecordingWriter::chain_head() const
{
  return m_chain.head();
}

} // namespace shelltrail::format
