#pragma once
// RecordingReader: streams the events of a recording, one frame in memory at a time, checking
// every frame checksum and every link of the hash chain as it goes (docs/format.md, "Reading").
//
// Outcomes, as an auditor needs them told apart:
//  - the events end and the trailer checks out: complete;
//  - the file ends mid-frame, or after the last full frame without a trailer, or in a
//    zero-filled tail (unwritten blocks after a crash): incomplete, with what was recoverable;
//  - anything else malformed: an ErrorKind::corrupt error naming file, chunk and offset. Events
//    already returned stay valid, and position() says where the damage is.
// Lengths are checked against the file size and hard caps before anything is allocated.
// Files of k_read_ahead_min_bytes or more are read one frame ahead on a second thread
// (FramePipeline), so decompression overlaps hashing; memory stays at two frames.

#include "format/event.hpp"
#include "format/frame_codec.hpp"
#include "format/frame_loader.hpp"
#include "format/metadata.hpp"
#include "format/sha256.hpp"
#include "format/signature.hpp"
#include "format/zstd_codec.hpp"
#include "util/bytes.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace shelltrail::format {

inline constexpr std::uint64_t k_read_ahead_min_bytes = 8U << 20;

struct ReadStats
{
  std::uint64_t event_count = 0;
  std::uint64_t output_bytes = 0; // output and error_output
  std::uint64_t input_bytes = 0;
  std::uint64_t redacted_bytes = 0;
  std::uint64_t chunk_count = 0; // chunks read and verified, metadata and trailer included
  std::uint64_t frame_count = 0;
  std::chrono::microseconds last_time{0}; // time of the last event read
};

// Where the reader is, or where it found damage: the chunk it was reading or expected next, and
// the file offset of the frame holding it.
struct ReadPosition
{
  std::uint64_t chunk = 0;
  std::uint64_t offset = 0;
};

struct Ending
{
  bool complete = false;
  std::optional<Trailer> trailer;
  // Why the recording is incomplete, e.g. "the file ends inside chunk 12 (frame at offset
  // 40960)" or "no trailer after chunk 11: the recorder did not finish the session".
  std::string incomplete_reason;
};

// Where reading can start again without reading what comes before: the start of a frame, with
// the chain state there. Keyframes (seek) and live follow keep these.
struct ResumePoint
{
  std::uint64_t frame_offset = 0;
  std::uint64_t seq = 0; // the frame's first chunk
  Hash prev_hash{};      // the hash the frame's first chunk must carry
  std::uint64_t event_time_us = 0;
  ReadStats stats; // what was read before this point (the trailer's counts cover it)
};

class RecordingReader
{
public:
  // Opens `path` and reads the file header and the metadata. Errors: not_found/permission/io
  // from the file system; corrupt (not a recording or damaged metadata); truncated (the file
  // ends before the metadata); unsupported (a newer major version).
  static util::Result<RecordingReader> open(const std::string& path);
  // Opens `path` and continues at `point` (from boundary() of an earlier reader of the same
  // file). The first frame read must link to point.prev_hash, so a point that does not belong
  // to this file is reported as corrupt, never silently followed.
  static util::Result<RecordingReader> open_at(const std::string& path, const ResumePoint& point);

  // Where reading can resume when the events read so far end exactly at a frame boundary (the
  // next event, if any, is in a frame not read yet); nullopt inside a frame. Also valid after an
  // incomplete ending at the end of the file (for following a live recording as it grows).
  std::optional<ResumePoint> boundary() const;

  const Metadata& metadata() const;
  FileVersion version() const;
  const std::string& path() const;

  // The next event, or nullopt when there are no more (see ending()). An error is sticky.
  util::Result<std::optional<Event>> next();

  // Valid after next() returned nullopt.
  const Ending& ending() const;
  const ReadStats& stats() const;
  const ReadPosition& position() const;
  // The hash of the last verified chunk.
  const Hash& chain_head() const;
  // The signature chunks met so far, in order (unchecked: see trust::check_signatures).
  const std::vector<SignedHead>& signatures() const;

private:
  RecordingReader(std::string path, util::Fd fd, std::uint64_t file_size);

  // Reads chunk headers until an events chunk with events left is current, or the end.
  // Returns false at the end of the recording.
  util::Result<bool> advance_chunk();
  util::Result<void> read_frame();
  util::Result<void> enter_chunk();
  util::Result<void> check_trailer(const ChunkHeader& header, std::span<const std::byte> body);
  void end_incomplete(std::string reason);
  util::Error corrupt(std::string_view message) const;

  std::string m_path;
  util::Fd m_fd;
  std::uint64_t m_file_size = 0;
  FileVersion m_version;
  Metadata m_metadata;

  // Where frames come from: loaded here, or by the read-ahead thread for large files.
  std::unique_ptr<FrameLoader> m_loader;
  std::unique_ptr<FramePipeline> m_pipeline;
  LoadedFrame m_loaded;

  // The frame being read.
  std::uint64_t m_next_frame_offset = 0;
  const LoadedFrame* m_frame = nullptr;
  std::span<const std::byte> m_raw; // the current frame's decoded chunks
  std::size_t m_raw_position = 0;
  std::uint16_t m_chunks_left_in_frame = 0;
  std::uint64_t m_frame_first_time_us = 0;
  bool m_frame_first_chunk = false;

  // The chunk being read.
  std::uint64_t m_expected_seq = 0;
  Hash m_prev_hash{};
  std::optional<util::ByteReader> m_events;
  std::uint64_t m_event_time_us = 0;

  ReadStats m_stats;
  ReadPosition m_position;
  Ending m_ending;
  bool m_ended = false;
  bool m_end_seen = false; // an end event was returned
  std::vector<SignedHead> m_signatures;
  std::optional<util::Error> m_error;
};

} // namespace shelltrail::format
