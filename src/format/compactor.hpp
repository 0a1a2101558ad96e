#pragma once
// compact_recording: re-packs a finished recording into large frames compressed at a higher
// level — about 4 MiB of chunks per frame instead of one chunk per frame — so that a session
// stored in small live frames ends up far smaller (issue: at most 0.15 bytes stored per output
// byte on text). Chunks themselves are copied byte for byte: every hash, the chain head and
// any signature over it stay valid. The result is verified against the original before it
// replaces it (rename in the same directory), so a failure leaves the original untouched.

#include "format/verify.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <string>

namespace shelltrail::format {

struct CompactOptions
{
  int zstd_level = 9;
  std::size_t frame_bytes = 4U << 20; // decoded chunks per frame, at most
};

struct CompactStats
{
  std::uint64_t bytes_before = 0;
  std::uint64_t bytes_after = 0;
  std::uint64_t frames_before = 0;
  std::uint64_t frames_after = 0;
};

// Compacts `path` in place. Refuses (ErrorKind::usage) a recording that is not complete and
// intact, or that is being written (the recorder holds a lock on it); fails with the reason
// when the result would not verify identically.
util::Result<CompactStats> compact_recording(const std::string& path,
                                             const CompactOptions& options);

} // namespace shelltrail::format
