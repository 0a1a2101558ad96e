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
  // Bytes of output and error_output, and of input, in this chunk (the trailer's counts).
  std::uint64_t output_bytes() const;
  std::uint64_t input_bytes() const;
  // Time of the first event (the chunk's base time); meaningful only when not empty.
  std::uint64_t base_time_us() const;
  std::uint64_t last_time_us() const;

  // Appends one event; `time_us` is clamped to be no earlier than the previous event.
  void append(std::uint64_t time_us, const EventData& data);

  std::span<const std::byte> body() const;
  // Hands the body over (e.g. to a writer thread) and leaves the builder empty, reusing
  // `replacement`'s storage.
  util::Bytes take_body(util::Bytes replacement);
  void clear();

private:
  util::Bytes m_body;
  std::size_t m_event_count = 0;
  std::uint64_t m_output_bytes = 0;
  std::uint64_t m_input_bytes = 0;
  std::uint64_t m_base_time_us = 0;
  std::uint64_t m_last_time_us = 0;
};

// Appends `data` at `time_us` to `chunk`, keeping every chunk body under `chunk_bytes`: calls
// `close_chunk()` (which must empty the builder) when the next event would not fit, and cuts
// output and input larger than the room left into several events with the same time.
template <typename CloseChunk>
util::Result<void> append_bounded(ChunkBuilder& chunk,
                                  std::size_t chunk_bytes,
                                  std::uint64_t time_us,
                                  const EventData& data,
                                  CloseChunk&& close_chunk);

// --- Inline implementations ---

template <typename CloseChunk>
util::Result<void> append_bounded(ChunkBuilder& chunk,
                                  std::size_t chunk_bytes,
                                  std::uint64_t time_us,
                                  const EventData& data,
                                  CloseChunk&& close_chunk)
{
  // Room for an event's type, delta and length in front of its data.
  constexpr std::size_t k_event_overhead = 1 + 10 + 10;
  EventData piece = data;
  std::string_view* bytes = payload_bytes(piece);
  if (bytes == nullptr) {
    if (!chunk.empty() && chunk.size() + encoded_size(0, data) > chunk_bytes) {
      ST_TRY(close_chunk());
    }
    chunk.append(time_us, data);
  } else {
    const std::string_view all = *bytes;
    std::size_t done = 0;
    do {
      const std::size_t used = chunk.size() + k_event_overhead;
      const std::size_t room = chunk_bytes > used ? chunk_bytes - used : 0;
      if (room < std::min<std::size_t>(all.size() - done, 64) && !chunk.empty()) {
        ST_TRY(close_chunk());
        continue;
      }
      *bytes = all.substr(done, room);
      chunk.append(time_us, piece);
      done += bytes->size();
    } while (done < all.size());
  }
  if (chunk.size() >= chunk_bytes) {
    ST_TRY(close_chunk());
  }
  return {};
}

} // namespace shelltrail::format
