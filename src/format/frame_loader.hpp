#pragma once
// FrameLoader: reads one frame of a recording file — header, stored payload, CRCs, decoding —
// and says whether it found a frame, the clean end of the file, a torn tail or damage. Knows
// nothing of chunks or the chain (RecordingReader does), so it can run ahead on another thread.
//
// FramePipeline: runs a FrameLoader ahead of the caller on a thread of its own, so that reading and
// decompressing the next frames overlaps hashing and parsing the current ones. Frames are handed
// over in batches of about k_batch_bytes (a hand-over per 64 KiB frame would cost more than it
// saves) through a ring of k_slots; memory: k_slots batches, about 2 MiB.

#include "format/frame_codec.hpp"
#include "format/zstd_codec.hpp"
#include "util/bytes.hpp"
#include "util/fd.hpp"

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace shelltrail::format {

struct LoadedFrame
{
  enum class Status {
    frame,  // header and raw (decoded chunks) are valid
    end,    // the file ends exactly here
    torn,   // the file ends inside this frame, or in zeros: `message` says how
    damaged // header or payload is bad: `message` says what
  };
  Status status = Status::end;
  std::uint64_t offset = 0;
  FrameHeader header;
  util::Bytes raw;
  std::string message;
  std::optional<util::Error> io_error; // a read failed (EIO...): not a verdict on the file
};

class FrameLoader
{
public:
  FrameLoader(int fd, std::uint64_t file_size);

  // Loads the frame at `offset` into `frame` (reusing its buffer).
  void load(std::uint64_t offset, LoadedFrame& frame);

private:
  bool rest_is_zero(std::uint64_t offset) const;

  int m_fd;
  std::uint64_t m_file_size;
  util::Bytes m_stored;
  util::Bytes m_split; // a headers-first payload before join_headers_first()
  ZstdDecompressor m_decompressor;
};

class FramePipeline
{
public:
  // Starts loading frames from `offset` on a background thread. `fd` must outlive this.
  FramePipeline(int fd, std::uint64_t file_size, std::uint64_t offset);
  ~FramePipeline();
  FramePipeline(const FramePipeline&) = delete;
  FramePipeline& operator=(const FramePipeline&) = delete;

  // The next frame in file order. The reference stays valid until the next call.
  LoadedFrame& next();

  // Measured on 2 cores (bench/format_bench): 8 x 256 KiB reads twice as fast as one thread;
  // fewer, larger batches stall more on this noisy machine and hold more memory.
  static constexpr std::size_t k_batch_bytes = 256 << 10;
  static constexpr int k_slots = 8;

private:
  struct Batch
  {
    std::vector<LoadedFrame> frames; // grows to the most frames a batch ever held
    std::size_t count = 0;
  };

  void run(std::uint64_t offset);

  FrameLoader m_loader;
  Batch m_slots[k_slots];
  std::size_t m_consumer_index = 0; // next frame of the consumer's batch
  int m_consumer_slot = -1;         // slot the caller holds, -1 before the first next()
  bool m_ready[k_slots] = {};
  int m_producer_slot = 0;
  bool m_stop = false;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::thread m_thread;
};

} // namespace shelltrail::format
