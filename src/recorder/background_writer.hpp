#pragma once
// BackgroundWriter: keeps hashing, compression and disk writes off the relay thread. The relay
// thread only encodes events into the open chunk (a memcpy); closed chunks go through a small
// bounded queue to a writer thread that runs the ChainWriter (issue: a zstd stream compressed on
// the relay thread cost 1.4x the bare relay's time, because nobody reads the pty meanwhile).
//
// When a write fails (disk full, EIO), the writer thread reports it through failure_fd() and
// keeps retrying the same chunk once a second; chunks closed meanwhile are dropped and counted,
// and a marker event records the gap once writing works again. What to do about the session is
// the recorder's policy (fail-closed ends it; fail-open lets it go on).

#include "format/chain_writer.hpp"
#include "format/chunk_builder.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"

#include "trust/signer.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace shelltrail::recorder {

// A checkpoint as it happened: the chain head (the hash of chunk chunks - 1) and whether a
// signature chunk now vouches for it.
struct Checkpoint
{
  std::uint64_t chunks = 0;
  format::Hash head{};
  bool is_signed = false;
};

struct BackgroundWriterOptions
{
  std::size_t chunk_bytes = 64 * 1024;
  std::chrono::microseconds chunk_interval = std::chrono::milliseconds(250);
  std::chrono::microseconds fsync_interval = std::chrono::seconds(1); // 0: never
  std::size_t queue_chunks = 4; // closed chunks waiting for the writer thread at most
  // Checkpoints: after this many new chunks, or this long after the first chunk not yet
  // covered, whichever comes first, and once more before the trailer. At each one the signer
  // (if any) adds a signature chunk and on_checkpoint (if any) is told, on the writer thread.
  const trust::Signer* signer = nullptr;
  std::uint64_t checkpoint_chunks = 256;
  std::chrono::microseconds checkpoint_interval = std::chrono::seconds(30);
  std::function<void(const Checkpoint&)> on_checkpoint{};
};

struct WrittenStats
{
  std::uint64_t chunks = 0; // events chunks written
  std::uint64_t event_count = 0;
  std::uint64_t output_bytes = 0;
  std::uint64_t input_bytes = 0;
  std::uint64_t dropped_chunks = 0; // lost while writes were failing
  std::uint64_t dropped_bytes = 0;
  std::uint64_t file_bytes = 0;
};

class BackgroundWriter
{
public:
  // Starts the writer thread on `chain` (whose metadata chunk is already written).
  static util::Result<std::unique_ptr<BackgroundWriter>> start(format::ChainWriter chain,
                                                               BackgroundWriterOptions options);
  BackgroundWriter(const BackgroundWriter&) = delete;
  BackgroundWriter& operator=(const BackgroundWriter&) = delete;
  // Stops the thread; without finish() the recording is left without a trailer.
  ~BackgroundWriter();

  // --- Relay thread ---
  // Adds an event at `time` (offset from the session start) to the open chunk, handing the
  // chunk to the writer thread when it is full. Blocks only if the writer is behind by more
  // than the queue (backpressure, never loss), unless writes are failing.
  void append(std::chrono::microseconds time, const format::EventData& data);
  // When the open chunk must be closed at the latest (the time bound); nullopt if none is open.
  std::optional<std::chrono::microseconds> chunk_deadline() const;
  void close_chunk_if_due(std::chrono::microseconds now);
  void close_chunk();

  // Readable (an eventfd) after the writer thread failed, for the relay's Poller.
  int failure_fd() const;
  // The first write error, if any; clears the descriptor's readiness.
  std::optional<util::Error> take_failure();

  // Closes the open chunk, writes the trailer, syncs, and stops the thread. Returns what was
  // written, or the error that kept the recording from being finished.
  util::Result<WrittenStats> finish(std::chrono::microseconds end_time);

private:
  struct Chunk
  {
    util::Bytes body;
    std::uint64_t base_time_us = 0;
    std::uint64_t event_count = 0;
    std::uint64_t output_bytes = 0;
    std::uint64_t input_bytes = 0;
    bool gap_marker = false; // stands for dropped chunks: written as a marker event
  };

  enum class Handover { bounded, always };

  BackgroundWriter(format::ChainWriter chain, BackgroundWriterOptions options, util::Fd failure);
  void hand_over(Handover mode);
  void run();
  util::Result<void> write(const Chunk& chunk);
  // Signs (if there is a signer) and reports the chain head; writer thread, or after it ended.
  void checkpoint();

  format::ChainWriter m_chain;
  BackgroundWriterOptions m_options;
  util::Fd m_failure_fd;

  // Relay thread only.
  format::ChunkBuilder m_open;

  // Writer thread only (and finish(), after the thread ended).
  std::uint64_t m_uncovered_chunks = 0;         // chunks written since the last checkpoint
  std::chrono::nanoseconds m_first_uncovered{}; // util::monotonic_now() of the first of them
  std::uint64_t m_last_base_time_us = 0;

  // Shared, under m_mutex.
  mutable std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<Chunk> m_queue;
  std::vector<util::Bytes> m_spare; // emptied buffers, reused to avoid allocation
  bool m_failing = false;
  bool m_stopping = false;
  std::optional<util::Error> m_failure;
  WrittenStats m_stats;
  bool m_gap_pending = false; // a gap marker is queued and counting dropped chunks
  std::uint64_t m_gap_chunks = 0;
  std::uint64_t m_gap_bytes = 0;

  std::thread m_thread;
};

} // namespace shelltrail::recorder
