#pragma once
// ChunkBuilder: encodes events into the body of one events chunk, in memory. Cheap enough for
// the relay thread: an append is a few varints and a memcpy, with no hashing or compression.

#include "format/event.hpp"
#include "util/bytes.hpp"

#include <cstdint>
#include <span>

namespace shelltrail::format {

class ChunkBuilder
{
public:
  bool empty() const;
  // Bytes of encoded events so far.
  std::size_t size() const;
  std::size_t event_count() const;
  // Time of the first event (the chunk's base time); meaningful only when not empty.
  std::uint64_t base_time_us() const;
  std::uint64_t last_time_us() const;

  // Appends one event; `time_us` is clamped to be no earlier than the previous event.
  void append(std::uint64_t time_us, const EventData& data);

  std::span<const std::byte> body() const;
  void clear();

private:
  util::Bytes m_body;
  std::size_t m_event_count = 0;
  std::uint64_t m_base_time_us = 0;
  std::uint64_t m_last_time_us = 0;
};

} // namespace shelltrail::format
