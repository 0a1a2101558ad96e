// Fuzzes the indexer's extractor: what a recorded user can put on screen and type reaches the
// terminal model, the prompt patterns (std::regex, on lines of any length) and the command
// joining. The input is a series of events: a control byte (low 2 bits: output, input, resize,
// redacted input) and a length byte, then that many bytes. Must never crash or hang.

#include "index/extractor.hpp"
#include "index/prompt_parser.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace {

class Discard final : public shelltrail::index::ExtractorSink
{
public:
  void command(const shelltrail::index::CommandRecord&) override {}
  void activity(const shelltrail::index::ActivityRecord&) override {}
  void output_line(const shelltrail::index::OutputLine&) override {}
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace shelltrail;
  static const auto prompts = index::PromptParser::make();
  format::Metadata metadata;
  metadata.cols = 40;
  metadata.rows = 8;
  metadata.user = "u";
  metadata.host = "h";
  Discard sink;
  index::Extractor extractor(metadata, *prompts, sink);
  std::size_t at = 0;
  std::chrono::microseconds time{0};
  while (at + 2 <= size) {
    const std::uint8_t kind = data[at] & 3;
    const std::size_t length = data[at + 1] == 0xff ? size - at - 2 : data[at + 1];
    at += 2;
    const std::string bytes(reinterpret_cast<const char*>(data) + at, std::min(length, size - at));
    at += bytes.size();
    time += std::chrono::milliseconds(1);
    switch (kind) {
    case 0:
      extractor.event({time, format::Output{bytes}});
      break;
    case 1:
      extractor.event({time, format::Input{bytes}});
      break;
    case 2:
      extractor.event(
          {time,
           format::Resize{static_cast<std::uint16_t>(1 + (bytes.empty() ? 0 : bytes[0] & 127)),
                          static_cast<std::uint16_t>(1 + (bytes.size() < 2 ? 0 : bytes[1] & 63))}});
      break;
    default:
      extractor.event({time, format::RedactedInput{bytes.size()}});
      break;
    }
  }
  extractor.finish();
  return 0;
}
