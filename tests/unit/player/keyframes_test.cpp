#include "format/recording_writer.hpp"
#include "player/keyframes.hpp"

#include "support/sample_recording.hpp"
#include "support/synthetic_output.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <random>

namespace shelltrail::player {
namespace {

using std::chrono::microseconds;

class KeyframesTest : public test::TempDirTest
{
protected:
  // About `bytes` of realistic output in events 1 ms apart, with a resize and a stretch in the
  // alternate screen, in the small frames of a live recording.
  std::string write_recording(const std::string& name, std::size_t bytes, std::uint64_t seed = 7)
  {
    const std::string file = path(name);
    format::Metadata metadata = test::sample_metadata();
    metadata.cols = 80;
    metadata.rows = 24;
    auto writer = format::RecordingWriter::create(file, metadata, {.chunk_bytes = 16 * 1024});
    EXPECT_TRUE(writer);
    test::SyntheticOutput output(seed);
    microseconds time{0};
    std::size_t written = 0;
    int piece = 0;
    while (written < bytes) {
      std::string text;
      output.append(text, 3000);
      if (piece == 40) {
        text += "\x1b[?1049h\x1b[H\x1b[2Jfull screen\x1b[5;10Hstatus \x1b[1;33mline";
      } else if (piece == 60) {
        text += "\x1b[?1049l";
      }
      EXPECT_TRUE(writer->write(time, format::Output{text}));
      if (piece == 50) {
        EXPECT_TRUE(writer->write(time, format::Resize{100, 30}));
      }
      written += text.size();
      time += microseconds(1000);
      ++piece;
    }
    EXPECT_TRUE(writer->finish(time));
    m_end = time;
    return file;
  }

  microseconds m_end{0};
};

TEST_F(KeyframesTest, ASeekFromAKeyframeShowsWhatPlayingFromTheStartShows)
{
  const std::string file = write_recording("seek.strec", 2 << 20);
  auto keyframes = Keyframes::build(file, {.interval_bytes = 128 * 1024, .progress = {}});
  ASSERT_TRUE(keyframes) << keyframes.error().message();
  ASSERT_GE(keyframes->all().size(), 10U);
  std::mt19937 random(3);
  std::vector<microseconds> targets{microseconds(0), m_end, m_end / 2};
  for (const Keyframe& k : keyframes->all()) {
    targets.push_back(k.time); // exactly at a keyframe
  }
  for (int i = 0; i < 20; ++i) {
    targets.emplace_back(std::uniform_int_distribution<std::int64_t>(0, m_end.count())(random));
  }
  for (const microseconds target : targets) {
    auto from_keyframe = model_at(file, &*keyframes, target);
    auto from_start = model_at(file, nullptr, target);
    ASSERT_TRUE(from_keyframe && from_start);
    EXPECT_EQ(term::state_difference(*from_keyframe, *from_start), "")
        << "at " << target.count() << " us";
  }
}

TEST_F(KeyframesTest, TheCacheRoundTripsAndBelongsToOneVersionOfTheFile)
{
  const std::string file = write_recording("cache.strec", 1 << 20);
  auto built = Keyframes::build(file, {.interval_bytes = 64 * 1024, .progress = {}});
  ASSERT_TRUE(built);
  const std::string cache = path("cache/dir/x.keys");
  ASSERT_TRUE(built->save(cache));
  const auto identity = identify_file(file);
  ASSERT_TRUE(identity);
  auto loaded = Keyframes::load(cache, *identity);
  ASSERT_TRUE(loaded);
  ASSERT_EQ(loaded->all().size(), built->all().size());
  for (std::size_t i = 0; i < built->all().size(); ++i) {
    EXPECT_EQ(*loaded->repaint(loaded->all()[i]), *built->repaint(built->all()[i]));
    EXPECT_EQ(loaded->all()[i].point.frame_offset, built->all()[i].point.frame_offset);
    EXPECT_EQ(loaded->all()[i].point.prev_hash, built->all()[i].point.prev_hash);
  }
  const microseconds target = m_end / 3;
  auto a = model_at(file, &*loaded, target);
  auto b = model_at(file, nullptr, target);
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(term::same_state(*a, *b));
  // Another version of the file (compacted, grown, replaced): the cache does not apply.
  FileIdentity other = *identity;
  other.size += 1;
  EXPECT_FALSE(Keyframes::load(cache, other));
  EXPECT_FALSE(Keyframes::load(path("missing.keys"), *identity));
}

TEST_F(KeyframesTest, AResumePointOfAnotherFileIsRefusedNotFollowed)
{
  const std::string one = write_recording("one.strec", 512 * 1024);
  const std::string two = write_recording("two.strec", 512 * 1024, 8);
  auto keyframes = Keyframes::build(one, {.interval_bytes = 64 * 1024, .progress = {}});
  ASSERT_TRUE(keyframes);
  ASSERT_FALSE(keyframes->all().empty());
  auto reader = format::RecordingReader::open_at(two, keyframes->all().back().point);
  ASSERT_TRUE(reader);
  auto event = reader->next();
  ASSERT_FALSE(event);
  EXPECT_EQ(event.error().kind(), util::ErrorKind::corrupt);
}

} // namespace
} // namespace shelltrail::player
