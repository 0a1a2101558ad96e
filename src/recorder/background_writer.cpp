#include "recorder/background_writer.hpp"

#include "format/signature.hpp"
#include "util/time.hpp"

#include <fmt/core.h>

#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

namespace shelltrail::recorder {

BackgroundWriter::BackgroundWriter(format::ChainWriter chain,
                                   BackgroundWriterOptions options,
                                   util::Fd failure)
    : m_chain(std::move(chain)), m_options(options), m_failure_fd(std::move(failure))
{}

util::Result<std::unique_ptr<BackgroundWriter>>
BackgroundWriter::start(format::ChainWriter chain, BackgroundWriterOptions options)
{
  util::Fd failure(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!failure) {
    return util::fail(util::Error::from_errno(errno, "eventfd"));
  }
  std::unique_ptr<BackgroundWriter> writer(
      new BackgroundWriter(std::move(chain), options, std::move(failure)));
  // The thread starts with every signal blocked (it inherits this mask), so that none meant
  // for the relay is taken by it before run() blocks them for good.
  sigset_t all;
  sigset_t old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  writer->m_thread = std::thread([w = writer.get()] { w->run(); });
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return writer;
}

BackgroundWriter::~BackgroundWriter()
{
  {
    const std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_changed.notify_all();
  if (m_thread.joinable()) {
    m_thread.join();
  }
}

void BackgroundWriter::append(std::chrono::microseconds time, const format::EventData& data)
{
  const auto time_us = static_cast<std::uint64_t>(std::max<std::int64_t>(time.count(), 0));
  close_chunk_if_due(std::chrono::microseconds(time_us));
  (void)format::append_bounded(m_open, m_options.chunk_bytes, time_us, data, [this] {
    close_chunk();
    return util::Result<void>();
  });
}

std::optional<std::chrono::microseconds> BackgroundWriter::chunk_deadline() const
{
  if (m_open.empty()) {
    return std::nullopt;
  }
  return std::chrono::microseconds(static_cast<std::int64_t>(m_open.base_time_us())) +
         m_options.chunk_interval;
}

void BackgroundWriter::close_chunk_if_due(std::chrono::microseconds now)
{
  const auto deadline = chunk_deadline();
  if (deadline && *deadline <= now) {
    close_chunk();
  }
}

void BackgroundWriter::close_chunk()
{
  hand_over(Handover::bounded);
}

void BackgroundWriter::hand_over(Handover mode)
{
  if (m_open.empty()) {
    return;
  }
  Chunk chunk;
  chunk.base_time_us = m_open.base_time_us();
  chunk.event_count = m_open.event_count();
  chunk.output_bytes = m_open.output_bytes();
  chunk.input_bytes = m_open.input_bytes();
  std::unique_lock lock(m_mutex);
  util::Bytes spare;
  if (!m_spare.empty()) {
    spare = std::move(m_spare.back());
    m_spare.pop_back();
  }
  chunk.body = m_open.take_body(std::move(spare));
  if (mode == Handover::bounded) {
    // Backpressure: wait for the writer rather than lose anything — unless writes are
    // failing, when the queue keeps what it holds and the rest is dropped and counted.
    m_changed.wait(lock, [&] { return m_queue.size() < m_options.queue_chunks || m_failing; });
    if (m_queue.size() >= m_options.queue_chunks) {
      if (!m_gap_pending) {
        // A marker takes the dropped chunks' place in the queue (it is small: no bound).
        Chunk marker;
        marker.gap_marker = true;
        marker.base_time_us = chunk.base_time_us;
        m_queue.push_back(std::move(marker));
        m_gap_pending = true;
        m_gap_chunks = 0;
        m_gap_bytes = 0;
      }
      ++m_gap_chunks;
      m_gap_bytes += chunk.output_bytes + chunk.input_bytes;
      ++m_stats.dropped_chunks;
      m_stats.dropped_bytes += chunk.output_bytes + chunk.input_bytes;
      m_spare.push_back(std::move(chunk.body));
      return;
    }
  }
  m_queue.push_back(std::move(chunk));
  lock.unlock();
  m_changed.notify_all();
}

int BackgroundWriter::failure_fd() const
{
  return m_failure_fd.get();
}

std::optional<util::Error> BackgroundWriter::take_failure()
{
  std::uint64_t count = 0;
  (void)::read(m_failure_fd.get(), &count, sizeof count);
  const std::lock_guard lock(m_mutex);
  return m_failure;
}

void BackgroundWriter::checkpoint()
{
  Checkpoint point;
  point.chunks = m_chain.next_seq();
  point.head = m_chain.head();
  if (m_options.signer != nullptr) {
    const format::SignatureChunk signature = m_options.signer->sign(point.chunks, point.head);
    // A failed write is tried again one interval later; the chain has not moved.
    point.is_signed = m_chain
                          .write_chunk(format::ChunkType::signature,
                                       m_last_base_time_us,
                                       format::encode_signature(signature),
                                       format::ChainWriter::Storage::raw)
                          .has_value();
    if (!point.is_signed) {
      m_first_uncovered = util::monotonic_now();
      return;
    }
  }
  m_uncovered_chunks = 0;
  if (m_options.on_checkpoint) {
    m_options.on_checkpoint(point);
  }
}

util::Result<void> BackgroundWriter::write(const Chunk& chunk)
{
  m_last_base_time_us = std::max(m_last_base_time_us, chunk.base_time_us);
  if (!chunk.gap_marker) {
    return m_chain.write_chunk(format::ChunkType::events, chunk.base_time_us, chunk.body);
  }
  std::uint64_t chunks = 0;
  std::uint64_t bytes = 0;
  {
    const std::lock_guard lock(m_mutex);
    chunks = m_gap_chunks;
    bytes = m_gap_bytes;
    m_gap_pending = false; // later drops start a new gap
  }
  const std::string text = fmt::format(
      "shelltrail: recording gap: {} chunks ({} bytes of output and input) could not be written",
      chunks,
      bytes);
  format::ChunkBuilder marker;
  marker.append(chunk.base_time_us, format::Marker{text});
  return m_chain.write_chunk(format::ChunkType::events, chunk.base_time_us, marker.body());
}

void BackgroundWriter::run()
{
  // Signals are the relay thread's business (its signalfd only sees signals that every thread
  // blocks): a SIGCHLD taken here would be lost.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  auto last_sync = util::monotonic_now();
  for (;;) {
    std::unique_lock lock(m_mutex);
    const auto has_work = [&] { return m_stopping || !m_queue.empty(); };
    if (m_uncovered_chunks > 0) {
      // Quiet now, but the last chunks are not covered yet: cover them when their time is up.
      const auto left = m_first_uncovered + m_options.checkpoint_interval - util::monotonic_now();
      if (!m_changed.wait_for(lock, std::max(left, std::chrono::nanoseconds(0)), has_work)) {
        lock.unlock();
        checkpoint();
        continue;
      }
    } else {
      m_changed.wait(lock, has_work);
    }
    if (m_queue.empty()) {
      return; // stopping, and everything queued is written
    }
    Chunk& chunk = m_queue.front();
    const bool last_chance = m_stopping; // finish() was called before this attempt
    lock.unlock();

    auto written = write(chunk);
    if (!written) {
      lock.lock();
      if (!m_failure) {
        m_failure = written.error();
      }
      const bool first = !m_failing;
      m_failing = true;
      lock.unlock();
      m_changed.notify_all();
      if (first) {
        const std::uint64_t one = 1;
        (void)!::write(m_failure_fd.get(), &one, sizeof one);
      }
      lock.lock();
      if (last_chance) {
        return; // finish() gives up; what was written stays readable
      }
      if (m_stopping) {
        continue; // one more try at once: the space may be back by the end of the session
      }
      m_changed.wait_for(lock, std::chrono::seconds(1), [&] { return m_stopping; });
      continue; // retry the same chunk
    }

    lock.lock();
    m_failing = false;
    ++m_stats.chunks;
    m_stats.event_count += chunk.gap_marker ? 1 : chunk.event_count;
    m_stats.output_bytes += chunk.output_bytes;
    m_stats.input_bytes += chunk.input_bytes;
    m_spare.push_back(std::move(chunk.body));
    m_queue.pop_front();
    lock.unlock();
    m_changed.notify_all();
    const auto now = util::monotonic_now();
    if (m_uncovered_chunks++ == 0) {
      m_first_uncovered = now;
    }
    if (m_uncovered_chunks >= m_options.checkpoint_chunks ||
        now - m_first_uncovered >= m_options.checkpoint_interval) {
      checkpoint();
    }
    if (m_options.fsync_interval.count() > 0 && now - last_sync >= m_options.fsync_interval) {
      (void)m_chain.sync();
      last_sync = now;
    }
  }
}

util::Result<WrittenStats> BackgroundWriter::finish(std::chrono::microseconds end_time)
{
  hand_over(Handover::always); // the last chunk gets its chance even if writes were failing
  {
    const std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_changed.notify_all();
  m_thread.join();

  // The thread has stopped: everything below runs alone.
  if (!m_queue.empty()) {
    return util::fail(
        util::Error(m_failure.value_or(util::Error(util::ErrorKind::io, "write failed")))
            .with_context(fmt::format("{} chunks could not be written", m_queue.size())));
  }
  // The last checkpoint covers the end event, so that a signature vouches for the whole session.
  if (m_uncovered_chunks > 0 || m_options.signer != nullptr) {
    checkpoint();
  }
  format::Trailer trailer;
  trailer.event_count = m_stats.event_count;
  trailer.output_bytes = m_stats.output_bytes;
  trailer.input_bytes = m_stats.input_bytes;
  trailer.end_time_us = std::max<std::uint64_t>(
      static_cast<std::uint64_t>(std::max<std::int64_t>(end_time.count(), 0)),
      m_open.last_time_us());
  ST_TRY(m_chain.write_trailer(trailer));
  (void)m_chain.sync();
  m_stats.file_bytes = m_chain.file_bytes();
  ST_TRY(m_chain.close());
  return m_stats;
}

} // namespace shelltrail::recorder
