#pragma once
// summarize_recording: what `list` needs of a recording without reading all of it — the
// metadata (first frame), the trailer (the file's last 168 bytes when the session ended
// cleanly) and the end event (in the last events frame, found by hopping over frame headers).
// Nothing is verified beyond those pieces' own checks: `verify` reads everything.

#include "format/event.hpp"
#include "format/layout.hpp"
#include "format/metadata.hpp"
#include "util/error.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace shelltrail::format {

struct RecordingSummary
{
  Metadata metadata;
  std::optional<Trailer> trailer; // present: the session ended cleanly
  struct Exit
  {
    Termination termination = Termination::exited;
    std::int32_t value = 0;
    std::string reason;
  };
  std::optional<Exit> exit;
  std::chrono::microseconds duration{0}; // from the trailer, or the last frame's start
  std::uint64_t file_bytes = 0;
};

// The size of a trailer frame as writers store it: raw, one chunk, alone.
inline constexpr std::size_t k_trailer_frame_size =
    k_frame_header_size + k_chunk_header_size + k_trailer_body_size;

util::Result<RecordingSummary> summarize_recording(const std::string& path);

} // namespace shelltrail::format
