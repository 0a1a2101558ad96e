#pragma once
// verify_recording: reads a whole recording and says whether it is complete, incomplete or
// altered, with the numbers `show` and `verify` print. Streams: memory stays at one frame.

#include "format/recording_reader.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace shelltrail::format {

enum class Verdict {
  ok,         // trailer present, every checksum and every link of the chain verified
  incomplete, // ends early (recorder stopped); everything up to the end verified
  altered     // a checksum, a link, a sequence number or a count does not match
};

struct VerifyReport
{
  Verdict verdict = Verdict::ok;
  // incomplete: why; altered: what does not match.
  std::string detail;
  // altered: the first chunk whose content cannot be trusted, and its frame's offset.
  ReadPosition damage;
  std::optional<Metadata> metadata; // absent when the metadata itself is damaged
  ReadStats stats;
  std::optional<Trailer> trailer;
  Hash chain_head{};
  // The signature chunks before the end or the damage (checked by trust::check_signatures).
  std::vector<SignedHead> signatures;
};

// Reads `path` to the end, calling `on_event` (if given) for each event. Returns an error only
// when the file cannot be examined at all: not found, unreadable, not a recording, or a newer
// major version. Damage and early ends are verdicts, not errors.
util::Result<VerifyReport> verify_recording(const std::string& path,
                                            const std::function<void(const Event&)>& on_event = {});

// "ok", "incomplete", "altered".
std::string_view to_string(Verdict verdict);

} // namespace shelltrail::format
