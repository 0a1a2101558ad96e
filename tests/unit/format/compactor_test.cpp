#include "format/compactor.hpp"
#include "format/frame_codec.hpp"
#include "format/recording_reader.hpp"
#include "util/file.hpp"

#include "support/sample_recording.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>

namespace shelltrail::format {
namespace {

class CompactorTest : public test::TempDirTest
{};

TEST_F(CompactorTest, RepacksIntoFewFramesWithTheSameChunksAndChain)
{
  const auto sample = test::write_sample_recording(path("r.strec"), {.chunks = 40});
  const auto before = verify_recording(path("r.strec"));
  ASSERT_TRUE(before);
  const auto stats = compact_recording(path("r.strec"), {});
  ASSERT_TRUE(stats) << stats.error().message();
  EXPECT_GT(stats->frames_before, stats->frames_after);
  const auto frames = test::list_frames(path("r.strec"));
  ASSERT_EQ(frames.size(), stats->frames_after);
  // Re-packed frames put their chunk and event headers first; the trailer stays raw, alone, at
  // the end.
  EXPECT_EQ(frames.front().header.codec, Codec::zstd_events_first);
  EXPECT_GT(frames.front().header.chunk_count, 1U);
  EXPECT_EQ(frames.back().header.codec, Codec::none);
  EXPECT_EQ(frames.back().header.chunk_count, 1U);
  const auto after = verify_recording(path("r.strec"));
  ASSERT_TRUE(after);
  EXPECT_EQ(after->verdict, Verdict::ok) << after->detail;
  EXPECT_EQ(after->chain_head, before->chain_head);
  const auto back = test::read_back(path("r.strec"));
  EXPECT_EQ(back.events, sample.events);
}

TEST_F(CompactorTest, HeadersFirstLayoutRoundTrips)
{
  // Chunks of random sizes (empty bodies too), split and joined again.
  std::mt19937 random(1);
  for (int round = 0; round < 50; ++round) {
    util::Bytes chunks;
    const auto count = static_cast<std::uint16_t>(1 + random() % 20);
    for (std::uint16_t i = 0; i < count; ++i) {
      ChunkHeader header;
      header.type = ChunkType::events;
      header.seq = i;
      header.body_len = random() % 3 == 0 ? 0 : static_cast<std::uint32_t>(random() % 5000);
      encode_chunk_header(header, chunks);
      for (std::uint32_t b = 0; b < header.body_len; ++b) {
        chunks.push_back(static_cast<std::byte>(random()));
      }
    }
    util::Bytes split;
    split_headers_first(chunks, count, split);
    ASSERT_EQ(split.size(), chunks.size());
    util::Bytes joined(split.size());
    ASSERT_TRUE(join_headers_first(split, count, joined));
    EXPECT_EQ(joined, chunks);
    // Lengths that do not add up are damage, never an overrun.
    util::Bytes shorter(split.begin(), split.end() - 1);
    util::Bytes out(shorter.size());
    EXPECT_FALSE(join_headers_first(shorter, count, out));
    util::Bytes too_few_headers(std::size_t{count} * k_chunk_header_size - 1);
    util::Bytes out2(too_few_headers.size());
    EXPECT_FALSE(join_headers_first(too_few_headers, count, out2));
  }
}

TEST_F(CompactorTest, EventsFirstLayoutRoundTrips)
{
  // Events chunks of random events (empty bodies too) among other chunks, split and joined.
  std::mt19937 random(2);
  for (int round = 0; round < 100; ++round) {
    util::Bytes chunks;
    const auto count = static_cast<std::uint16_t>(1 + random() % 20);
    for (std::uint16_t i = 0; i < count; ++i) {
      util::Bytes body;
      util::ByteWriter w(body);
      const bool events = random() % 4 != 0;
      const int n = random() % 3 == 0 ? 0 : static_cast<int>(random() % 40);
      for (int e = 0; e < n; ++e) {
        if (events) {
          w.u8(static_cast<std::uint8_t>(1 + random() % 10));
          w.varint(random() % 3 == 0 ? random() : random() % 200);
          const auto len = static_cast<std::uint32_t>(random() % 300);
          w.varint(len);
          for (std::uint32_t b = 0; b < len; ++b) {
            w.u8(static_cast<std::uint8_t>(random()));
          }
        } else {
          w.u8(static_cast<std::uint8_t>(random()));
        }
      }
      ChunkHeader header;
      header.type = events ? ChunkType::events : ChunkType::metadata;
      header.seq = i;
      header.body_len = static_cast<std::uint32_t>(body.size());
      encode_chunk_header(header, chunks);
      chunks.insert(chunks.end(), body.begin(), body.end());
    }
    util::Bytes split;
    ASSERT_TRUE(split_events_first(chunks, count, split));
    ASSERT_EQ(split.size(), chunks.size());
    util::Bytes joined(split.size());
    auto ok = join_events_first(split, count, joined);
    ASSERT_TRUE(ok) << ok.error().message();
    EXPECT_EQ(joined, chunks);
    // Lengths that do not add up are damage, never an overrun (the sanitizer build checks).
    util::Bytes shorter(split.begin(), split.end() - 1);
    util::Bytes out(shorter.size());
    EXPECT_FALSE(join_events_first(shorter, count, out));
    util::Bytes too_few_headers(std::size_t{count} * k_chunk_header_size - 1);
    util::Bytes out2(too_few_headers.size());
    EXPECT_FALSE(join_events_first(too_few_headers, count, out2));
    for (int flip = 0; flip < 20; ++flip) {
      util::Bytes damaged = split;
      damaged[random() % damaged.size()] ^= static_cast<std::byte>(1U << (random() % 8));
      util::Bytes out3(damaged.size());
      (void)join_events_first(damaged, count, out3); // fails or gives other bytes; never overruns
    }
  }
  // An events body that is not events is not split (the compactor keeps codec 2 then).
  util::Bytes bad;
  ChunkHeader header;
  header.type = ChunkType::events;
  header.body_len = 3;
  encode_chunk_header(header, bad);
  for (const int b : {0x01, 0x00, 0x09}) { // an event of 9 bytes in a body of 3
    bad.push_back(static_cast<std::byte>(b));
  }
  util::Bytes split;
  EXPECT_FALSE(split_events_first(bad, 1, split));
}

TEST_F(CompactorTest, RefusesALiveIncompleteOrDamagedRecording)
{
  test::write_sample_recording(path("live.strec"));
  {
    auto fd = util::open_file(path("live.strec"), O_RDONLY);
    ASSERT_TRUE(fd);
    ASSERT_EQ(flock(fd->get(), LOCK_EX), 0); // as the recorder holds it
    const pid_t child = fork();
    if (child == 0) {
      // Another process: flock locks belong to the open file, not the process.
      const auto refused = compact_recording(path("live.strec"), {});
      _exit(!refused && refused.error().kind() == util::ErrorKind::usage ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a live recording is refused";
  }
  test::write_sample_recording(path("cut.strec"), {.finish = false});
  const auto incomplete = compact_recording(path("cut.strec"), {});
  ASSERT_FALSE(incomplete);
  EXPECT_EQ(incomplete.error().kind(), util::ErrorKind::usage);
  EXPECT_NE(incomplete.error().message().find("only a complete, intact recording"),
            std::string::npos);
}

TEST_F(CompactorTest, DamageInAnEventsFirstFrameIsReportedNotMisread)
{
  test::write_sample_recording(path("r.strec"), {.chunks = 20});
  ASSERT_TRUE(compact_recording(path("r.strec"), {}));
  const auto frames = test::list_frames(path("r.strec"));
  ASSERT_EQ(frames.front().header.codec, Codec::zstd_events_first);
  // A flipped bit in the compressed payload: the CRC catches it before anything is joined.
  test::flip_bit(path("r.strec"), frames.front().offset + k_frame_header_size + 20, 3);
  const auto report = verify_recording(path("r.strec"));
  ASSERT_TRUE(report);
  EXPECT_EQ(report->verdict, Verdict::altered) << report->detail;
}

} // namespace
} // namespace shelltrail::format
