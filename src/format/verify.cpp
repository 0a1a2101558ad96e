#include "format/verify.hpp"

namespace shelltrail::format {

util::Result<VerifyReport> verify_recording(const std::string& path,
                                            const std::function<void(const Event&)>& on_event)
{
  VerifyReport report;
  auto reader = RecordingReader::open(path);
  if (!reader) {
    switch (reader.error().kind()) {
    case util::ErrorKind::truncated:
      report.verdict = Verdict::incomplete;
      report.detail = reader.error().message();
      return report;
    case util::ErrorKind::corrupt:
      report.verdict = Verdict::altered;
      report.detail = reader.error().message();
      report.damage = {0, k_file_header_size};
      return report;
    default:
      return util::fail(std::move(reader).error());
    }
  }
  report.metadata = reader->metadata();
  for (;;) {
    auto event = reader->next();
    if (!event) {
      if (event.error().kind() != util::ErrorKind::corrupt) {
        return util::fail(std::move(event).error());
      }
      report.verdict = Verdict::altered;
      report.detail = event.error().message();
      report.damage = reader->position();
      break;
    }
    if (!*event) {
      const Ending& ending = reader->ending();
      report.verdict = ending.complete ? Verdict::ok : Verdict::incomplete;
      report.detail = ending.incomplete_reason;
      report.trailer = ending.trailer;
      break;
    }
    if (on_event) {
      on_event(**event);
    }
  }
  report.stats = reader->stats();
  report.chain_head = reader->chain_head();
  report.signatures = reader->signatures();
  return report;
}

std::string_view to_string(Verdict verdict)
{
  switch (verdict) {
  case Verdict::ok:
    return "ok";
  case Verdict::incomplete:
    return "incomplete";
  case Verdict::altered:
    return "altered";
  }
  return "unknown";
}

} // namespace shelltrail::format
