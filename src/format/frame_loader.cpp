#include "format/frame_loader.hpp"

#include "util/file.hpp"

#include <fmt/core.h>

#include <pthread.h>

#include <algorithm>
#include <csignal>

namespace shelltrail::format {

FrameLoader::FrameLoader(int fd, std::uint64_t file_size) : m_fd(fd), m_file_size(file_size) {}

bool FrameLoader::rest_is_zero(std::uint64_t offset) const
{
  std::byte buffer[4096];
  while (offset < m_file_size) {
    const auto n = util::read_at(m_fd, offset, buffer);
    if (!n || *n == 0) {
      return false;
    }
    if (std::any_of(buffer, buffer + *n, [](std::byte b) { return b != std::byte{0}; })) {
      return false;
    }
    offset += *n;
  }
  return true;
}

void FrameLoader::load(std::uint64_t offset, LoadedFrame& frame)
{
  using Status = LoadedFrame::Status;
  frame.offset = offset;
  frame.message.clear();
  frame.io_error.reset();
  const int fd = m_fd;
  const auto done = [&](Status status, std::string message = {}) {
    frame.status = status;
    frame.message = std::move(message);
  };
  if (offset >= m_file_size) {
    return done(Status::end);
  }
  const std::uint64_t left = m_file_size - offset;
  if (left < k_frame_header_size) {
    return done(Status::torn,
                fmt::format("the file ends inside a frame header (offset {})", offset));
  }
  std::array<std::byte, k_frame_header_size> header_bytes{};
  if (auto read = util::read_at(fd, offset, header_bytes); !read) {
    frame.io_error = std::move(read).error();
    return done(Status::damaged);
  }
  auto header = decode_frame_header(header_bytes);
  if (!header) {
    if (rest_is_zero(offset)) {
      return done(Status::torn,
                  fmt::format("the file ends in {} zero bytes at offset {} (blocks never written "
                              "before a crash)",
                              left,
                              offset));
    }
    return done(Status::damaged, header.error().message());
  }
  frame.header = *header;
  if (header->stored_len > left - k_frame_header_size) {
    return done(Status::torn,
                fmt::format("the file ends inside the frame at offset {} ({} bytes needed, {} "
                            "present)",
                            offset,
                            header->stored_len,
                            left - k_frame_header_size));
  }
  // Allocation is bounded by the caps decode_frame_header checked and by the file's size.
  m_stored.resize(header->stored_len);
  if (auto read = util::read_at(fd, offset + k_frame_header_size, m_stored); !read) {
    frame.io_error = std::move(read).error();
    return done(Status::damaged);
  }
  if (crc32(m_stored) != header->payload_crc) {
    return done(Status::damaged, "frame payload checksum mismatch");
  }
  if (header->codec == Codec::zstd) {
    frame.raw.resize(header->raw_len);
    if (auto decoded = m_decompressor.decompress(m_stored, frame.raw); !decoded) {
      return done(Status::damaged, decoded.error().message());
    }
  } else if (header->codec == Codec::zstd_headers_first ||
             header->codec == Codec::zstd_events_first) {
    m_split.resize(header->raw_len);
    if (auto decoded = m_decompressor.decompress(m_stored, m_split); !decoded) {
      return done(Status::damaged, decoded.error().message());
    }
    frame.raw.resize(header->raw_len);
    auto joined = header->codec == Codec::zstd_headers_first
                      ? join_headers_first(m_split, header->chunk_count, frame.raw)
                      : join_events_first(m_split, header->chunk_count, frame.raw);
    if (!joined) {
      return done(Status::damaged, joined.error().message());
    }
  } else {
    frame.raw.swap(m_stored);
  }
  return done(Status::frame);
}

FramePipeline::FramePipeline(int fd, std::uint64_t file_size, std::uint64_t offset)
    : m_loader(fd, file_size), m_thread([this, offset] { run(offset); })
{}

FramePipeline::~FramePipeline()
{
  {
    const std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_changed.notify_all();
  m_thread.join();
}

void FramePipeline::run(std::uint64_t offset)
{
  // Signals belong to the thread that owns the reader (a player's signalfd, say).
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  for (;;) {
    std::unique_lock lock(m_mutex);
    const int slot = m_producer_slot;
    m_changed.wait(lock, [&] { return m_stop || (!m_ready[slot] && m_consumer_slot != slot); });
    if (m_stop) {
      return;
    }
    lock.unlock();
    Batch& batch = m_slots[slot];
    batch.count = 0;
    std::size_t bytes = 0;
    bool last = false;
    while (!last && bytes < k_batch_bytes) {
      if (batch.count == batch.frames.size()) {
        batch.frames.emplace_back();
      }
      LoadedFrame& frame = batch.frames[batch.count++];
      m_loader.load(offset, frame);
      // Nothing follows an end, a torn tail or damage.
      last = frame.status != LoadedFrame::Status::frame;
      offset += k_frame_header_size + frame.header.stored_len;
      bytes += frame.raw.size();
    }
    lock.lock();
    m_ready[slot] = true;
    m_producer_slot = (slot + 1) % k_slots;
    lock.unlock();
    m_changed.notify_all();
    if (last) {
      return;
    }
  }
}

LoadedFrame& FramePipeline::next()
{
  if (m_consumer_slot != -1 && m_consumer_index < m_slots[m_consumer_slot].count) {
    return m_slots[m_consumer_slot].frames[m_consumer_index++];
  }
  std::unique_lock lock(m_mutex);
  const int slot = m_consumer_slot == -1 ? 0 : (m_consumer_slot + 1) % k_slots;
  if (m_consumer_slot != -1) {
    m_ready[m_consumer_slot] = false; // give the finished batch back
  }
  m_consumer_slot = -1;
  m_changed.notify_all();
  m_changed.wait(lock, [&] { return m_ready[slot]; });
  m_consumer_slot = slot;
  m_consumer_index = 1;
  return m_slots[slot].frames[0];
}

} // namespace shelltrail::format
