// Fuzzes the metadata parser; whatever it accepts must survive a rewrite and parse again to the
// same document (unknown fields included).

#include "format/metadata.hpp"
#include "util/assert.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace shelltrail::format;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = parse_metadata(text);
  if (!parsed) {
    return 0;
  }
  const std::string once = to_json_text(*parsed);
  const auto again = parse_metadata(once);
  ST_ASSERT(again.has_value());
  ST_ASSERT(to_json_text(*again) == once);
  return 0;
}
