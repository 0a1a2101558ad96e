#pragma once
// RecordingWriter: writes a whole recording — metadata, events cut into chunks by a size bound
// and a time bound, and the trailer at a clean end. Single-threaded; see ChainWriter for the
// layer a recorder can move to a writer thread.
//
// Time bound: a chunk is closed once `chunk_interval` has passed since its first event, either
// when the next event arrives or when the owner calls close_chunk_if_due() from a timer; this
// bounds what a live reader waits for and what a dying recorder loses.

#include "format/chain_writer.hpp"
#include "format/chunk_builder.hpp"
#include "format/metadata.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace shelltrail::format {

struct WriterOptions
{
  std::size_t chunk_bytes =
      std::size_t{64} * 1024; // close a chunk before its body passes this size
  std::chrono::microseconds chunk_interval = std::chrono::milliseconds(250);
  Codec codec = Codec::zstd;
  int zstd_level = 1;
};

struct WriterStats
{
  std::uint64_t event_count = 0;  // events written to the file (not those of the open chunk)
  std::uint64_t output_bytes = 0; // output and error_output bytes recorded
  std::uint64_t input_bytes = 0;  // input bytes recorded (redacted input not counted)
  std::uint64_t chunk_count = 0;  // chunks written, metadata included
  std::uint64_t file_bytes = 0;
};

class RecordingWriter
{
public:
  // Creates `path` (it must not exist; mode 0600, not following a symlink) and writes the file
  // header and the metadata chunk.
  static util::Result<RecordingWriter>
  create(const std::string& path, const Metadata& metadata, const WriterOptions& options);
  // The same on an empty file already open for writing.
  static util::Result<RecordingWriter>
  create(util::Fd fd, const Metadata& metadata, const WriterOptions& options);

  // Adds an event at `time` (an offset from the start). Output and input larger than a chunk
  // are split. May close the open chunk first (size or time bound) and so write to the file.
  util::Result<void> write(std::chrono::microseconds time, const EventData& data);

  // When the open chunk must be closed at the latest; nullopt when no chunk is open.
  std::optional<std::chrono::microseconds> chunk_deadline() const;
  // Closes the open chunk if its deadline is at or before `now`.
  util::Result<void> close_chunk_if_due(std::chrono::microseconds now);
  // Closes the open chunk now, if there is one.
  util::Result<void> close_chunk();
  util::Result<void> sync();

  // Closes the open chunk and writes the trailer; `end_time` is the session's end offset.
  // The writer accepts nothing afterwards.
  util::Result<void> finish(std::chrono::microseconds end_time);
  // Writes the open chunk, if any, and closes the file: after finish(), or to leave a
  // recording without a trailer (incomplete) on purpose.
  util::Result<void> close();

  const WriterStats& stats() const;
  const Hash& chain_head() const;

private:
  RecordingWriter(ChainWriter chain, const WriterOptions& options);

  ChainWriter m_chain;
  WriterOptions m_options;
  ChunkBuilder m_chunk;
  WriterStats m_stats;
  bool m_finished = false;
};

} // namespace shelltrail::format
