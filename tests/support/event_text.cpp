#include "support/event_text.hpp"

#include "util/bytes.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace shelltrail::test {

OwnedEvent OwnedEvent::from(const format::Event& event)
{
  util::Bytes bytes;
  format::encode_event(0, event.data, bytes);
  return {event.time.count(), format::type_byte(event.data), std::string(util::as_text(bytes))};
}

std::ostream& operator<<(std::ostream& out, const OwnedEvent& event)
{
  return out << "{t=" << event.time_us << "us type=" << int(event.type) << " "
             << util::escape_bytes(event.encoding) << "}";
}

ReadBack read_back(const std::string& path)
{
  ReadBack result;
  auto report = format::verify_recording(
      path, [&](const format::Event& e) { result.events.push_back(OwnedEvent::from(e)); });
  EXPECT_TRUE(report.has_value()) << (report ? "" : report.error().message());
  if (report) {
    result.report = std::move(*report);
  }
  return result;
}

void flip_bit(const std::string& path, std::uint64_t offset, int bit)
{
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekg(static_cast<std::streamoff>(offset));
  char byte = 0;
  file.read(&byte, 1);
  byte = static_cast<char>(byte ^ (1 << bit));
  file.seekp(static_cast<std::streamoff>(offset));
  file.write(&byte, 1);
}

void copy_file(const std::string& from, const std::string& to)
{
  std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
}

} // namespace shelltrail::test
