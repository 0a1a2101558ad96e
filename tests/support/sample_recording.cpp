#include "support/sample_recording.hpp"

#include "format/frame_codec.hpp"
#include "util/file.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

namespace shelltrail::test {

format::Metadata sample_metadata()
{
  format::Metadata m;
  m.session_id = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
  m.user = "alice";
  m.uid = 1000;
  m.host = "jump-1";
  m.term = "xterm-256color";
  m.cols = 80;
  m.rows = 24;
  m.start_unix_ns = 1'795'849'350'000'000'000;
  m.recorder_version = "test";
  m.origin = "recorded";
  return m;
}

Sample write_sample_recording(const std::string& path, const SampleOptions& options)
{
  format::WriterOptions writer_options;
  writer_options.codec = options.codec;
  writer_options.chunk_interval = std::chrono::hours(1); // chunks are closed by the test
  auto writer = format::RecordingWriter::create(path, sample_metadata(), writer_options);
  EXPECT_TRUE(writer) << writer.error().message();
  Sample sample;
  sample.events_before = {0, 0};
  std::int64_t t = 0;
  const auto write = [&](const format::EventData& data) {
    t += 1500;
    const format::Event event{std::chrono::microseconds(t), data};
    EXPECT_TRUE(writer->write(event.time, data));
    sample.events.push_back(OwnedEvent::from(event));
  };
  for (int chunk = 0; chunk < options.chunks; ++chunk) {
    const std::string line = "line " + std::to_string(chunk) + ": \x1b[1mhello\x1b[0m\r\n";
    for (int i = 0; i < options.events_per_chunk; ++i) {
      switch (i % 3) {
      case 0:
        write(format::Output{line});
        break;
      case 1:
        write(format::Input{"ls\r"});
        break;
      default:
        write(format::Resize{static_cast<std::uint16_t>(80 + chunk), 24});
        break;
      }
    }
    EXPECT_TRUE(writer->close_chunk());
    sample.events_before.push_back(sample.events.size());
  }
  if (options.finish) {
    EXPECT_TRUE(writer->finish(std::chrono::microseconds(t + 1000)));
  }
  EXPECT_TRUE(writer->close());
  return sample;
}

std::vector<FrameInfo> list_frames(const std::string& path)
{
  std::vector<FrameInfo> frames;
  auto fd = util::open_file(path, O_RDONLY);
  const std::uint64_t size = *util::file_size(*fd);
  std::uint64_t offset = format::k_file_header_size;
  while (offset + format::k_frame_header_size <= size) {
    std::array<std::byte, format::k_frame_header_size> bytes{};
    EXPECT_TRUE(util::read_at(*fd, offset, bytes));
    auto header = format::decode_frame_header(bytes);
    if (!header) {
      break;
    }
    const std::uint64_t frame_size = format::k_frame_header_size + header->stored_len;
    frames.push_back({offset, frame_size, *header});
    offset += frame_size;
  }
  return frames;
}

void splice_file(const std::string& source,
                 const std::string& path,
                 const std::vector<std::pair<std::uint64_t, std::uint64_t>>& ranges)
{
  std::ifstream in(source, std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (const auto& [begin, end] : ranges) {
    out.write(all.data() + begin, static_cast<std::streamsize>(end - begin));
  }
}

void truncate_file(const std::string& path, std::uint64_t size)
{
  ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(size)), 0);
}

} // namespace shelltrail::test
