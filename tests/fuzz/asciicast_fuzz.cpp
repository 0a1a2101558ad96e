// Fuzzes the asciicast import on raw file bytes: any input gives a recording or one error, never
// a crash or a huge allocation. A recording it writes verifies ok, holds every event it counted,
// and exports to v2 and v3 lines that parse again.

#include "export/asciicast.hpp"
#include "format/verify.hpp"
#include "util/assert.hpp"

#include "fuzz_file.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <string>

namespace {

using namespace shelltrail;

void expect_parses(const std::string& cast)
{
  std::size_t start = 0;
  std::size_t end = cast.find('\n');
  ST_ASSERT(end != std::string::npos);
  const auto header = export_::parse_asciicast_header(std::string_view(cast).substr(0, end));
  ST_ASSERT(header.has_value());
  export_::AsciicastEventParser parser(header->version);
  for (start = end + 1; start < cast.size(); start = end + 1) {
    end = cast.find('\n', start);
    ST_ASSERT(end != std::string::npos);
    const auto event = parser.parse(std::string_view(cast).substr(start, end - start));
    ST_ASSERT(event.has_value() && event->has_value());
    ST_ASSERT(export_::to_event_data(**event).has_value());
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const fuzz::MemoryFile input(data, size);
  const int recording_fd = memfd_create("fuzz-import", MFD_CLOEXEC);
  ST_ASSERT(recording_fd >= 0);
  const auto imported =
      export_::import_asciicast(input.path(), [&](const format::Metadata& metadata) {
        return format::RecordingWriter::create(util::Fd(dup(recording_fd)), metadata, {});
      });
  if (imported) {
    export_::AsciicastWriter v2({export_::AsciicastVersion::v2, true});
    export_::AsciicastWriter v3({export_::AsciicastVersion::v3, true});
    std::string cast2;
    std::string cast3;
    const auto report = format::verify_recording("/proc/self/fd/" + std::to_string(recording_fd),
                                                 [&](const format::Event& event) {
                                                   v2.event(event, cast2);
                                                   v3.event(event, cast3);
                                                 });
    ST_ASSERT(report.has_value());
    ST_ASSERT(report->verdict == format::Verdict::ok);
    ST_ASSERT(report->stats.event_count >= imported->events);
    ST_ASSERT(report->metadata.has_value());
    std::string head2;
    std::string head3;
    v2.header(*report->metadata, head2);
    v3.header(*report->metadata, head3);
    v2.finish(cast2);
    v3.finish(cast3);
    expect_parses(head2 + cast2);
    expect_parses(head3 + cast3);
  }
  close(recording_fd);
  return 0;
}
