// A long session's worth of output (1 GB; 64 MB under sanitizers, whose allocator keeps freed
// memory) written and read back: every byte arrives, and reading needs only one frame of memory.

#include "format/recording_writer.hpp"
#include "format/sha256.hpp"
#include "format/verify.hpp"

#include "support/sample_recording.hpp"
#include "support/synthetic_output.hpp"
#include "support/temp_dir.hpp"

namespace shelltrail::format {
namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__has_feature)
#  if defined(__SANITIZE_ADDRESS__)
#    define ST_UNDER_SANITIZER 1
#  elif __has_feature(address_sanitizer)
#    define ST_UNDER_SANITIZER 1
#  endif
#endif
#ifdef ST_UNDER_SANITIZER
constexpr std::uint64_t k_total_bytes = 64ULL << 20;
#else
constexpr std::uint64_t k_total_bytes = 1ULL << 30;
#endif

class LargeRecordingTest : public test::TempDirTest
{};

TEST_F(LargeRecordingTest, StreamsBackInBoundedMemory)
{
  std::string block;
  test::SyntheticOutput(3).append(block, 4 << 20);
  Sha256 written_hash;
  {
    auto writer = RecordingWriter::create(path("large.strec"), test::sample_metadata(), {});
    ASSERT_TRUE(writer);
    std::uint64_t written = 0;
    std::int64_t t = 0;
    while (written < k_total_bytes) {
      // 4 KiB reads, as a pty delivers them, starting at a varying place in the block.
      const std::size_t start = (written * 7) % (block.size() - 4096);
      const std::string_view piece(block.data() + start, 4096);
      ASSERT_TRUE(writer->write(std::chrono::microseconds(t += 20), Output{piece}));
      written_hash.update(util::as_bytes(piece));
      written += piece.size();
    }
    ASSERT_TRUE(writer->finish(std::chrono::microseconds(t)));
    ASSERT_TRUE(writer->close());
    EXPECT_EQ(writer->stats().output_bytes, k_total_bytes);
  }
  block = std::string(); // leave only the reader's own memory to measure

  test::reset_peak_rss();
  const std::uint64_t baseline = test::peak_rss_bytes();
  Sha256 read_hash;
  std::uint64_t read_bytes = 0;
  const auto report = verify_recording(path("large.strec"), [&](const Event& event) {
    const auto bytes = std::get<Output>(event.data).bytes;
    read_hash.update(util::as_bytes(bytes));
    read_bytes += bytes.size();
  });
  const std::uint64_t growth = test::peak_rss_bytes() - baseline;

  ASSERT_TRUE(report);
  EXPECT_EQ(report->verdict, Verdict::ok) << report->detail;
  EXPECT_EQ(read_bytes, k_total_bytes);
  EXPECT_EQ(read_hash.finish(), written_hash.finish());
#ifndef ST_UNDER_SANITIZER
  EXPECT_LT(growth, 4U << 20) << "reading " << k_total_bytes << " bytes grew RSS by " << growth;
#endif
  RecordProperty("peak_rss_growth_bytes", std::to_string(growth));
}

} // namespace
} // namespace shelltrail::format
