// Fuzzes the output sanitizer. Whatever the bytes: the output is valid UTF-8 without C1
// controls; it holds no DCS, APC, PM, SOS or OSC but a safe hyperlink, and no query; filtering
// it again changes nothing and drops nothing; and where the input is cut does not matter.

#include "player/output_sanitizer.hpp"
#include "util/assert.hpp"

#include <string>
#include <string_view>

namespace {

using shelltrail::player::OutputSanitizer;

bool is_valid_utf8_without_c1(std::string_view text)
{
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t size = 1;
    std::uint32_t code = lead;
    if (lead >= 0xc2 && lead <= 0xdf) {
      size = 2;
      code = lead & 0x1fU;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      size = 3;
      code = lead & 0x0fU;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      size = 4;
      code = lead & 0x07U;
    } else if (lead >= 0x80) {
      return false;
    }
    if (i + size > text.size()) {
      return false;
    }
    for (std::size_t k = 1; k < size; ++k) {
      const auto byte = static_cast<unsigned char>(text[i + k]);
      if ((byte & 0xc0U) != 0x80) {
        return false;
      }
      code = (code << 6) | (byte & 0x3fU);
    }
    if ((size == 3 && code < 0x800) || (size == 4 && (code < 0x10000 || code > 0x10ffff)) ||
        (code >= 0xd800 && code <= 0xdfff) || (code >= 0x80 && code <= 0x9f)) {
      return false;
    }
    i += size;
  }
  return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  OutputSanitizer whole;
  const std::string output = whole.sanitize(input);

  // Cut twice, at places the input itself chooses.
  const std::size_t first = size == 0 ? 0 : data[0] % (size + 1);
  const std::size_t second = size == 0 ? 0 : first + (data[size - 1] % (size - first + 1));
  OutputSanitizer pieces;
  std::string split;
  pieces.feed(input.substr(0, first), split);
  pieces.feed(input.substr(first, second - first), split);
  pieces.feed(input.substr(second), split);
  pieces.finish(split);
  ST_ASSERT(split == output);
  ST_ASSERT(pieces.counts().by_kind == whole.counts().by_kind);

  ST_ASSERT(is_valid_utf8_without_c1(output));
  for (const std::string_view forbidden : {"\x1bP",
                                           "\x1b_",
                                           "\x1b^",
                                           "\x1bX",
                                           "\x1bZ",
                                           "\x05",
                                           "\x1b[c",
                                           "\x1b[0c",
                                           "\x1b[>c",
                                           "\x1b[5n",
                                           "\x1b[6n",
                                           "\x1b[?6n",
                                           "\x1b[>q",
                                           "\x1b[x",
                                           "\x1b%",
                                           "\x1b[?1000h",
                                           "\x1b[?1004h",
                                           "\x1b[?1006h"}) {
    ST_ASSERT(output.find(forbidden) == std::string::npos);
  }
  for (std::size_t osc = output.find("\x1b]"); osc != std::string::npos;
       osc = output.find("\x1b]", osc + 1)) {
    ST_ASSERT(output.compare(osc, 4, "\x1b]8;") == 0);
  }

  OutputSanitizer again;
  ST_ASSERT(again.sanitize(output) == output);
  ST_ASSERT(again.counts().dropped() == 0);
  return 0;
}
