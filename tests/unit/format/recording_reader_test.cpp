#include "format/chain_writer.hpp"
#include "format/frame_codec.hpp"
#include "format/recording_reader.hpp"
#include "format/recording_writer.hpp"
#include "util/file.hpp"

#include "support/sample_recording.hpp"
#include "support/temp_dir.hpp"

#include <fcntl.h>

#include <fstream>

namespace shelltrail::format {
namespace {

using test::read_back;

class RecordingReaderTest : public test::TempDirTest
{
protected:
  void write_bytes(const std::string& name, std::string_view bytes)
  {
    std::ofstream(path(name), std::ios::binary) << bytes;
  }
};

std::vector<test::OwnedEvent> first(const std::vector<test::OwnedEvent>& events, std::size_t n)
{
  return {events.begin(), events.begin() + static_cast<std::ptrdiff_t>(n)};
}

TEST_F(RecordingReaderTest, TornLastChunkAtEveryByteOffsetIsIncompleteWithWhatCameBefore)
{
  for (const Codec codec : {Codec::zstd, Codec::none}) {
    SCOPED_TRACE(codec == Codec::zstd ? "zstd" : "none");
    const std::string full = codec == Codec::zstd ? "full-zstd.strec" : "full-none.strec";
    const auto sample =
        test::write_sample_recording(path(full), {.chunks = 4, .finish = false, .codec = codec});
    const auto frames = test::list_frames(path(full));
    ASSERT_EQ(frames.size(), 5U); // metadata + 4 events chunks
    const auto& last = frames.back();
    for (std::uint64_t size = last.offset; size < last.offset + last.size; ++size) {
      SCOPED_TRACE(size);
      test::copy_file(path(full), path("torn.strec"));
      test::truncate_file(path("torn.strec"), size);
      const auto back = read_back(path("torn.strec"));
      EXPECT_EQ(back.report.verdict, Verdict::incomplete);
      EXPECT_EQ(back.events, first(sample.events, sample.events_before[4]));
    }
    // The whole last chunk present, but no trailer: everything is recoverable.
    const auto back = read_back(path(full));
    EXPECT_EQ(back.report.verdict, Verdict::incomplete);
    EXPECT_NE(back.report.detail.find("no trailer"), std::string::npos) << back.report.detail;
    EXPECT_EQ(back.events, sample.events);
  }
}

TEST_F(RecordingReaderTest, TornTrailerIsIncompleteWithEveryEvent)
{
  const auto sample = test::write_sample_recording(path("full.strec"));
  const auto frames = test::list_frames(path("full.strec"));
  const auto& trailer = frames.back();
  ASSERT_EQ(trailer.header.first_seq, 5U);
  for (std::uint64_t size = trailer.offset + 1; size < trailer.offset + trailer.size; ++size) {
    test::copy_file(path("full.strec"), path("torn.strec"));
    test::truncate_file(path("torn.strec"), size);
    const auto back = read_back(path("torn.strec"));
    EXPECT_EQ(back.report.verdict, Verdict::incomplete);
    EXPECT_EQ(back.events, sample.events);
  }
}

TEST_F(RecordingReaderTest, ZeroFilledTailAfterACrashIsIncompleteNotAltered)
{
  const auto sample = test::write_sample_recording(path("r.strec"), {.finish = false});
  const auto frames = test::list_frames(path("r.strec"));
  // The file system extended the file but the last frame's blocks were never written.
  test::copy_file(path("r.strec"), path("zeroed.strec"));
  {
    std::fstream file(path("zeroed.strec"), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(frames.back().offset));
    file << std::string(frames.back().size + 4096, '\0');
  }
  const auto back = read_back(path("zeroed.strec"));
  EXPECT_EQ(back.report.verdict, Verdict::incomplete) << back.report.detail;
  EXPECT_EQ(back.events, first(sample.events, sample.events_before[4]));
}

TEST_F(RecordingReaderTest, ReorderedRemovedAndDuplicatedChunksAreAltered)
{
  test::write_sample_recording(path("r.strec"));
  const auto f = test::list_frames(path("r.strec"));
  ASSERT_EQ(f.size(), 6U);
  const auto range = [&](std::size_t i) { return std::pair{f[i].offset, f[i].offset + f[i].size}; };
  const std::pair<std::uint64_t, std::uint64_t> header{0, k_file_header_size};
  struct Case
  {
    const char* name;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
    std::uint64_t damaged_chunk;
  };
  const std::vector<Case> cases = {
      {"swapped", {header, range(0), range(1), range(3), range(2), range(4), range(5)}, 2},
      {"removed", {header, range(0), range(1), range(3), range(4), range(5)}, 2},
      {"duplicated",
       {header, range(0), range(1), range(2), range(2), range(3), range(4), range(5)},
       3},
      {"after the trailer",
       {header, range(0), range(1), range(2), range(3), range(4), range(5), range(4)},
       5},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    test::splice_file(path("r.strec"), path("bad.strec"), c.ranges);
    const auto back = read_back(path("bad.strec"));
    EXPECT_EQ(back.report.verdict, Verdict::altered);
    EXPECT_EQ(back.report.damage.chunk, c.damaged_chunk) << back.report.detail;
  }
}

TEST_F(RecordingReaderTest, AnEditWithRecomputedChecksumsBreaksTheChain)
{
  // An attacker edits output bytes and fixes the frame CRCs, but cannot fix the hash that the
  // next chunk carries without rewriting every later chunk (and, later, the signatures).
  test::write_sample_recording(path("r.strec"), {.codec = Codec::none});
  const auto frames = test::list_frames(path("r.strec"));
  const auto& target = frames[2]; // chunk 2
  auto fd = util::open_file(path("r.strec"), O_RDWR);
  ASSERT_TRUE(fd);
  util::Bytes payload(target.header.stored_len);
  ASSERT_TRUE(util::read_at(*fd, target.offset + k_frame_header_size, payload));
  const std::string_view text = util::as_text(payload);
  const std::size_t at = text.find("hello");
  ASSERT_NE(at, std::string_view::npos);
  payload[at] = std::byte{'j'};
  FrameHeader header = target.header;
  header.payload_crc = crc32(payload);
  util::Bytes header_bytes;
  encode_frame_header(header, header_bytes);
  ASSERT_EQ(
      ::pwrite(
          fd->get(), header_bytes.data(), header_bytes.size(), static_cast<off_t>(target.offset)),
      static_cast<ssize_t>(header_bytes.size()));
  ASSERT_EQ(::pwrite(fd->get(),
                     payload.data(),
                     payload.size(),
                     static_cast<off_t>(target.offset + k_frame_header_size)),
            static_cast<ssize_t>(payload.size()));
  const auto back = read_back(path("r.strec"));
  EXPECT_EQ(back.report.verdict, Verdict::altered);
  EXPECT_EQ(back.report.damage.chunk, 2U);
  EXPECT_NE(back.report.detail.find("does not match the hash"), std::string::npos);
}

TEST_F(RecordingReaderTest, UnknownChunkTypesAreHashedAndSkipped)
{
  auto fd = util::open_file(path("future.strec"), O_WRONLY | O_CREAT | O_EXCL, 0600);
  ASSERT_TRUE(fd);
  auto chain = ChainWriter::start(std::move(*fd), {});
  ASSERT_TRUE(chain);
  const std::string metadata = to_json_text(test::sample_metadata());
  ASSERT_TRUE(chain->write_chunk(ChunkType::metadata, 0, util::as_bytes(metadata)));
  ASSERT_TRUE(chain->write_chunk(static_cast<ChunkType>(42), 0, util::as_bytes("keyframe?")));
  util::Bytes events;
  encode_event(0, Output{"after"}, events);
  ASSERT_TRUE(chain->write_chunk(ChunkType::events, 10, events));
  ASSERT_TRUE(chain->close());
  const auto back = read_back(path("future.strec"));
  EXPECT_EQ(back.report.verdict, Verdict::incomplete);
  ASSERT_EQ(back.events.size(), 1U);
  EXPECT_EQ(back.events[0].time_us, 10);
}

TEST_F(RecordingReaderTest, BadFilesGiveOneClearError)
{
  const std::string magic_only("\x89STR\r\n\x1a\n", 8);
  std::string newer = magic_only + std::string("\x02\x00\x00\x00\x00\x00\x00\x00", 8);
  std::string header_only = magic_only + std::string("\x01\x00\x00\x00\x00\x00\x00\x00", 8);
  write_bytes("empty", "");
  write_bytes("random", "\x13\x37 this is not a recording at all, just text\n");
  write_bytes("magic-only", magic_only);
  write_bytes("newer", newer);
  write_bytes("header-only", header_only);
  // A frame header claiming 2 GiB: rejected by its checksum before any allocation.
  const std::string huge("STFR\x01\x00\x01\x00\xff\xff\xff\x7f\xff\xff\xff\x7f", 16);
  write_bytes("huge-frame", header_only + huge + std::string(24, '\0'));
  struct Case
  {
    const char* name;
    util::ErrorKind kind;
    const char* says;
  };
  const std::vector<Case> cases = {
      {"missing", util::ErrorKind::not_found, "No such file"},
      {"empty", util::ErrorKind::unsupported, "empty file"},
      {"random", util::ErrorKind::unsupported, "not a shelltrail recording"},
      {"magic-only", util::ErrorKind::truncated, "ends inside its file header"},
      {"newer", util::ErrorKind::unsupported, "format 2.0 is not supported"},
      {"header-only", util::ErrorKind::truncated, "ends before its metadata"},
      {"huge-frame", util::ErrorKind::corrupt, "checksum"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto reader = RecordingReader::open(path(c.name));
    ASSERT_FALSE(reader);
    EXPECT_EQ(reader.error().kind(), c.kind) << reader.error().message();
    EXPECT_NE(reader.error().message().find(c.says), std::string::npos) << reader.error().message();
    EXPECT_NE(reader.error().message().find(path(c.name)), std::string::npos)
        << "the error names the file: " << reader.error().message();
  }
}

TEST_F(RecordingReaderTest, ErrorsNameFileChunkAndOffset)
{
  test::write_sample_recording(path("r.strec"));
  const auto frames = test::list_frames(path("r.strec"));
  test::flip_bit(path("r.strec"), frames[3].offset + k_frame_header_size + 2, 0);
  auto reader = RecordingReader::open(path("r.strec"));
  ASSERT_TRUE(reader);
  util::Result<std::optional<Event>> next = reader->next();
  while (next && *next) {
    next = reader->next();
  }
  ASSERT_FALSE(next);
  const std::string& message = next.error().message();
  EXPECT_NE(message.find(path("r.strec")), std::string::npos) << message;
  EXPECT_NE(message.find("chunk 3"), std::string::npos) << message;
  EXPECT_NE(message.find("offset " + std::to_string(frames[3].offset)), std::string::npos)
      << message;
  // The error is sticky: a caller that keeps asking gets it again, not garbage.
  EXPECT_FALSE(reader->next());
}

TEST_F(RecordingReaderTest, ReadAheadReportsDamageAndTornTailsLikeTheDirectPath)
{
  // Large enough for the read-ahead thread (k_read_ahead_min_bytes); random bytes stay large.
  std::string noise(24 << 20, '\0');
  std::uint64_t x = 88172645463325252ULL;
  for (char& c : noise) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  {
    auto writer = RecordingWriter::create(path("big.strec"), test::sample_metadata(), {});
    ASSERT_TRUE(writer);
    for (std::size_t at = 0; at < noise.size(); at += 4096) {
      ASSERT_TRUE(writer->write(std::chrono::microseconds(at), Output{noise.substr(at, 4096)}));
    }
    ASSERT_TRUE(writer->finish(std::chrono::microseconds(noise.size())));
    ASSERT_TRUE(writer->close());
  }
  const auto frames = test::list_frames(path("big.strec"));
  ASSERT_GT(frames.back().offset, 2 * k_read_ahead_min_bytes);
  const auto intact = read_back(path("big.strec"));
  EXPECT_EQ(intact.report.verdict, Verdict::ok);
  EXPECT_EQ(intact.report.stats.output_bytes, noise.size());

  // Damage far into the file: found at its chunk, with everything before it delivered.
  const auto& target = frames[frames.size() - 40];
  test::copy_file(path("big.strec"), path("damaged.strec"));
  test::flip_bit(path("damaged.strec"), target.offset + k_frame_header_size + 100, 3);
  const auto damaged = read_back(path("damaged.strec"));
  EXPECT_EQ(damaged.report.verdict, Verdict::altered);
  EXPECT_EQ(damaged.report.damage.chunk, target.header.first_seq);
  EXPECT_EQ(damaged.report.damage.offset, target.offset);

  // A torn tail far into the file.
  test::copy_file(path("big.strec"), path("torn.strec"));
  test::truncate_file(path("torn.strec"), target.offset + 10);
  const auto torn = read_back(path("torn.strec"));
  EXPECT_EQ(torn.report.verdict, Verdict::incomplete);
  EXPECT_EQ(torn.report.stats.chunk_count, target.header.first_seq);
  EXPECT_EQ(torn.events, damaged.events);
}

} // namespace
} // namespace shelltrail::format
