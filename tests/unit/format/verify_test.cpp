#include "format/verify.hpp"

#include "support/sample_recording.hpp"
#include "support/temp_dir.hpp"

namespace shelltrail::format {
namespace {

class VerifyTest : public test::TempDirTest
{};

// Which chunk a byte of the file belongs to: the file header counts as chunk 0 (its hash seeds
// the chain); every frame byte belongs to the frame's first chunk.
std::uint64_t chunk_at(const std::vector<test::FrameInfo>& frames, std::uint64_t offset)
{
  for (const auto& frame : frames) {
    if (offset >= frame.offset && offset < frame.offset + frame.size) {
      return frame.header.first_seq;
    }
  }
  return 0;
}

TEST_F(VerifyTest, IntactRecordingIsOk)
{
  test::write_sample_recording(path("r.strec"));
  const auto report = verify_recording(path("r.strec"));
  ASSERT_TRUE(report);
  EXPECT_EQ(report->verdict, Verdict::ok);
  EXPECT_EQ(report->stats.chunk_count, 6U);
}

TEST_F(VerifyTest, EveryFlippedBitAnywhereIsDetectedAtItsChunk)
{
  for (const Codec codec : {Codec::zstd, Codec::none}) {
    SCOPED_TRACE(codec == Codec::zstd ? "zstd" : "none");
    const std::string name = codec == Codec::zstd ? "r-zstd.strec" : "r-none.strec";
    test::write_sample_recording(path(name), {.chunks = 3, .codec = codec});
    const auto frames = test::list_frames(path(name));
    const std::uint64_t size = frames.back().offset + frames.back().size;
    std::size_t altered = 0;
    std::size_t unreadable = 0;
    for (std::uint64_t offset = 0; offset < size; ++offset) {
      for (int bit = 0; bit < 8; ++bit) {
        test::copy_file(path(name), path("flipped.strec"));
        test::flip_bit(path("flipped.strec"), offset, bit);
        const auto report = verify_recording(path("flipped.strec"));
        if (!report) {
          // Only the magic and major version can make a file unrecognisable.
          EXPECT_LT(offset, 10U) << report.error().message();
          ++unreadable;
          continue;
        }
        ASSERT_EQ(report->verdict, Verdict::altered)
            << "bit " << bit << " of byte " << offset
            << " flipped went unnoticed: " << report->detail;
        ASSERT_EQ(report->damage.chunk, chunk_at(frames, offset))
            << "byte " << offset << ": " << report->detail;
        ++altered;
      }
    }
    EXPECT_EQ(unreadable, 10U * 8U);
    EXPECT_EQ(altered + unreadable, size * 8);
  }
}

} // namespace
} // namespace shelltrail::format
