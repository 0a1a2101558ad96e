// Fuzzes the terminal model: arbitrary output bytes, with a size and resizes taken from the
// input, then the repaint fed to a second model of that size. Must never crash; the second
// model's repaint must be accepted again.

#include "term/terminal_model.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace shelltrail;
  if (size < 2) {
    return 0;
  }
  const auto side = [](std::uint8_t byte, int bound) { return 1 + byte % bound; };
  term::TerminalModel model(term::Size{side(data[0], 120), side(data[1], 40)});
  std::string_view bytes(reinterpret_cast<const char*>(data) + 2, size - 2);
  // A 0xFF byte followed by two more is a resize, so that resizes land mid-stream.
  while (!bytes.empty()) {
    const std::size_t mark = bytes.find('\xff');
    if (mark == std::string_view::npos || mark + 2 >= bytes.size()) {
      model.feed(bytes);
      break;
    }
    model.feed(bytes.substr(0, mark));
    model.resize(term::Size{side(static_cast<std::uint8_t>(bytes[mark + 1]), 120),
                            side(static_cast<std::uint8_t>(bytes[mark + 2]), 40)});
    bytes.remove_prefix(mark + 3);
  }
  (void)model.screen_text();
  term::TerminalModel copy(model.size());
  copy.feed(model.repaint());
  (void)term::state_difference(model, copy);
  return 0;
}
