#pragma once
// Small recordings with known content for format tests, and a walker over their frames so that
// tests can cut, swap and damage them precisely.

#include "format/layout.hpp"
#include "format/metadata.hpp"
#include "format/recording_writer.hpp"

#include "support/event_text.hpp"

#include <string>
#include <vector>

namespace shelltrail::test {

format::Metadata sample_metadata();

struct SampleOptions
{
  int chunks = 4;           // events chunks
  int events_per_chunk = 3; // output, input, and every third chunk a resize
  bool finish = true;       // write the trailer
  format::Codec codec = format::Codec::zstd;
};

struct Sample
{
  std::vector<OwnedEvent> events;         // what was written, in order
  std::vector<std::size_t> events_before; // events_before[k]: events in chunks before chunk k
};

// Writes `path` with `options.chunks` events chunks (seq 1..chunks), closing each explicitly.
Sample write_sample_recording(const std::string& path, const SampleOptions& options = {});

struct FrameInfo
{
  std::uint64_t offset = 0;
  std::uint64_t size = 0; // header and stored payload
  format::FrameHeader header;
};

// The frames of a well-formed file, in order.
std::vector<FrameInfo> list_frames(const std::string& path);

// Writes `path` as the given byte ranges of `source` concatenated.
void splice_file(const std::string& source,
                 const std::string& path,
                 const std::vector<std::pair<std::uint64_t, std::uint64_t>>& ranges);

void truncate_file(const std::string& path, std::uint64_t size);

} // namespace shelltrail::test
