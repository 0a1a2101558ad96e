// Fuzzes the whole reader on raw file bytes: file header, frame headers, checksums, caps,
// decompression. Any input must give events, an end state or an error; never a crash.

#include "format/verify.hpp"

#include "fuzz_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const shelltrail::fuzz::MemoryFile file(data, size);
  std::uint64_t bytes = 0;
  const auto report = shelltrail::format::verify_recording(
      file.path(), [&](const shelltrail::format::Event& event) {
        if (const auto* view = shelltrail::format::payload_bytes(event.data)) {
          bytes += view->size(); // touch what the views point at
        }
      });
  (void)report;
  return 0;
}
