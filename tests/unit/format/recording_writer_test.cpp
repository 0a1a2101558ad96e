#include "format/frame_codec.hpp"
#include "format/recording_reader.hpp"
#include "format/recording_writer.hpp"

#include "support/sample_recording.hpp"
#include "support/temp_dir.hpp"

#include <sys/resource.h>
#include <sys/stat.h>

#include <csignal>
#include <random>

namespace shelltrail::format {
namespace {

using namespace std::chrono_literals;
using test::OwnedEvent;
using test::read_back;

class RecordingWriterTest : public test::TempDirTest
{};

std::uint64_t size_of(const std::string& path)
{
  struct stat st
  {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0);
  return static_cast<std::uint64_t>(st.st_size);
}

TEST_F(RecordingWriterTest, EveryEventTypeRoundTripsThroughAFile)
{
  StreamSummary summary{Stream::output, 10'000'000, 4096, {}, "rsync -a /srv ."};
  summary.sha256.fill(std::byte{0x5a});
  const std::vector<EventData> all = {
      Output{"$ "},
      Input{"sudo -k\r"},
      RedactedInput{9},
      Resize{132, 43},
      Marker{"incident INC-7"},
      ClockState{true, 0, 0x2001, 120, 45},
      ClockStep{2'500'000'000},
      ErrorOutput{"scp: warning\n"},
      summary,
      End{Termination::exited, 3, false, 1'795'849'351'000'000'000, "exit"},
  };
  auto writer = RecordingWriter::create(path("r.strec"), test::sample_metadata(), {});
  ASSERT_TRUE(writer) << writer.error().message();
  std::vector<OwnedEvent> expected;
  std::int64_t t = 0;
  for (const EventData& data : all) {
    t += 700;
    ASSERT_TRUE(writer->write(std::chrono::microseconds(t), data));
    expected.push_back(OwnedEvent::from({std::chrono::microseconds(t), data}));
  }
  ASSERT_TRUE(writer->finish(std::chrono::microseconds(t)));
  ASSERT_TRUE(writer->close());

  const auto back = read_back(path("r.strec"));
  EXPECT_EQ(back.report.verdict, Verdict::ok) << back.report.detail;
  EXPECT_EQ(back.events, expected);
  ASSERT_TRUE(back.report.metadata);
  EXPECT_EQ(back.report.metadata->user, "alice");
  ASSERT_TRUE(back.report.trailer);
  EXPECT_EQ(back.report.trailer->event_count, all.size());
  EXPECT_EQ(back.report.trailer->input_bytes, 8U);
  EXPECT_EQ(back.report.trailer->output_bytes, 2U + 13U);
}

TEST_F(RecordingWriterTest, EmptySessionIsCompleteWithNoEvents)
{
  auto writer = RecordingWriter::create(path("empty.strec"), test::sample_metadata(), {});
  ASSERT_TRUE(writer);
  ASSERT_TRUE(writer->finish(0us));
  ASSERT_TRUE(writer->close());
  const auto back = read_back(path("empty.strec"));
  EXPECT_EQ(back.report.verdict, Verdict::ok);
  EXPECT_TRUE(back.events.empty());
  EXPECT_EQ(back.report.stats.chunk_count, 2U); // metadata and trailer
}

TEST_F(RecordingWriterTest, ManyChunksKeepOrderAndChain)
{
  WriterOptions options;
  options.chunk_bytes = 256;
  auto writer = RecordingWriter::create(path("many.strec"), test::sample_metadata(), options);
  ASSERT_TRUE(writer);
  std::vector<OwnedEvent> expected;
  for (int i = 0; i < 20000; ++i) {
    const std::string text = "row " + std::to_string(i) + "\r\n";
    const std::chrono::microseconds t(i * 10);
    ASSERT_TRUE(writer->write(t, Output{text}));
    expected.push_back(OwnedEvent::from({t, Output{text}}));
  }
  ASSERT_TRUE(writer->finish(200000us));
  ASSERT_TRUE(writer->close());
  EXPECT_GT(writer->stats().chunk_count, 1000U);
  const auto back = read_back(path("many.strec"));
  EXPECT_EQ(back.report.verdict, Verdict::ok) << back.report.detail;
  EXPECT_EQ(back.events, expected);
  EXPECT_EQ(back.report.stats.chunk_count, writer->stats().chunk_count);
}

TEST_F(RecordingWriterTest, ChunkIsClosedByTheTimeBound)
{
  WriterOptions options;
  options.chunk_interval = 250ms;
  auto writer = RecordingWriter::create(path("t.strec"), test::sample_metadata(), options);
  ASSERT_TRUE(writer);
  const std::uint64_t after_metadata = size_of(path("t.strec"));

  ASSERT_TRUE(writer->write(1000ms, Output{"a"}));
  ASSERT_TRUE(writer->write(1100ms, Output{"b"}));
  EXPECT_EQ(writer->chunk_deadline(), 1250ms);
  EXPECT_EQ(size_of(path("t.strec")), after_metadata) << "the chunk is still open";

  // No new event: the owner's timer fires at the deadline and the chunk reaches the file.
  ASSERT_TRUE(writer->close_chunk_if_due(1249ms));
  EXPECT_EQ(size_of(path("t.strec")), after_metadata);
  ASSERT_TRUE(writer->close_chunk_if_due(1250ms));
  EXPECT_GT(size_of(path("t.strec")), after_metadata);
  EXPECT_EQ(writer->chunk_deadline(), std::nullopt);

  // A reader sees both events now, while the session goes on.
  auto live = read_back(path("t.strec"));
  EXPECT_EQ(live.report.verdict, Verdict::incomplete);
  EXPECT_EQ(live.events.size(), 2U);

  // An event that arrives after the deadline closes the open chunk before it is added.
  ASSERT_TRUE(writer->write(2000ms, Output{"c"}));
  const std::uint64_t before = size_of(path("t.strec"));
  ASSERT_TRUE(writer->write(2300ms, Output{"d"}));
  EXPECT_GT(size_of(path("t.strec")), before);
  EXPECT_EQ(read_back(path("t.strec")).events.size(), 3U);
}

TEST_F(RecordingWriterTest, ChunksRespectTheSizeBound)
{
  WriterOptions options;
  options.chunk_bytes = 4096;
  options.codec = Codec::none;
  auto writer = RecordingWriter::create(path("s.strec"), test::sample_metadata(), options);
  ASSERT_TRUE(writer);
  const std::string piece(100, 'x');
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(writer->write(std::chrono::microseconds(i), Output{piece}));
  }
  ASSERT_TRUE(writer->finish(1000us));
  ASSERT_TRUE(writer->close());
  for (const auto& frame : test::list_frames(path("s.strec"))) {
    EXPECT_LE(frame.header.raw_len, 4096U + k_chunk_header_size);
  }
  EXPECT_EQ(read_back(path("s.strec")).report.verdict, Verdict::ok);
}

TEST_F(RecordingWriterTest, LargeEventsAreSplitAndReassemble)
{
  std::string big(3 * 1024 * 1024 + 17, '\0');
  std::mt19937 random(7);
  for (char& c : big) {
    c = static_cast<char>(random());
  }
  auto writer = RecordingWriter::create(path("big.strec"), test::sample_metadata(), {});
  ASSERT_TRUE(writer);
  ASSERT_TRUE(writer->write(5us, Output{big}));
  ASSERT_TRUE(writer->finish(5us));
  ASSERT_TRUE(writer->close());
  std::string joined;
  auto report = verify_recording(path("big.strec"), [&](const Event& e) {
    EXPECT_EQ(e.time, 5us);
    joined += std::get<Output>(e.data).bytes;
  });
  ASSERT_TRUE(report);
  EXPECT_EQ(report->verdict, Verdict::ok);
  EXPECT_EQ(joined, big);
  // Random bytes do not compress: the frames are stored raw rather than grown by zstd.
  for (const auto& frame : test::list_frames(path("big.strec"))) {
    if (frame.header.raw_len > 60000) {
      EXPECT_EQ(frame.header.codec, Codec::none);
    }
  }
}

TEST_F(RecordingWriterTest, CompressesTextFrames)
{
  auto writer = RecordingWriter::create(path("z.strec"), test::sample_metadata(), {});
  ASSERT_TRUE(writer);
  std::string text;
  for (int i = 0; i < 5000; ++i) {
    text += "drwxr-xr-x 2 root root 4096 Nov 26 05:02 directory-" + std::to_string(i % 50) + "\r\n";
  }
  ASSERT_TRUE(writer->write(0us, Output{text}));
  ASSERT_TRUE(writer->finish(0us));
  ASSERT_TRUE(writer->close());
  EXPECT_LT(writer->stats().file_bytes * 4, text.size());
}

// Raw frames are written from the chunk header and the body where they lie (one pwritev); their
// CRC goes on from the header's into the body's.
TEST_F(RecordingWriterTest, FramesStoredRawAndIncompressibleFramesVerify)
{
  std::mt19937 random(7);
  std::string noise(30000, '\0');
  for (char& c : noise) {
    c = static_cast<char>(random());
  }
  for (const Codec codec : {Codec::none, Codec::zstd}) {
    WriterOptions options;
    options.codec = codec;
    const std::string file = path(codec == Codec::none ? "raw.strec" : "zstd.strec");
    auto writer = RecordingWriter::create(file, test::sample_metadata(), options);
    ASSERT_TRUE(writer);
    ASSERT_TRUE(writer->write(0us, Output{"some text\r\n"}));
    ASSERT_TRUE(writer->write(10us, Output{noise}));
    ASSERT_TRUE(writer->finish(20us));
    ASSERT_TRUE(writer->close());
    const auto back = read_back(file);
    EXPECT_EQ(back.report.verdict, Verdict::ok) << back.report.detail;
    const std::vector<OwnedEvent> expected = {OwnedEvent::from({0us, Output{"some text\r\n"}}),
                                              OwnedEvent::from({10us, Output{noise}})};
    EXPECT_EQ(back.events, expected);
  }
}

TEST_F(RecordingWriterTest, ACrcGoesOnAcrossPiecesAndAnEmptyPieceLeavesItAsItIs)
{
  const std::string text = "The quick brown fox jumps over the lazy dog";
  const auto whole = crc32(util::as_bytes(text));
  EXPECT_EQ(whole, 0x414FA339U); // zlib's CRC-32 of this sentence
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    const auto first = crc32(util::as_bytes(std::string_view(text).substr(0, cut)));
    EXPECT_EQ(crc32(util::as_bytes(std::string_view(text).substr(cut)), first), whole) << cut;
  }
  EXPECT_EQ(crc32({}, whole), whole);
}

TEST_F(RecordingWriterTest, ExistingFileIsNotOverwritten)
{
  ASSERT_TRUE(RecordingWriter::create(path("x.strec"), test::sample_metadata(), {}));
  auto again = RecordingWriter::create(path("x.strec"), test::sample_metadata(), {});
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message().find("x.strec"), std::string::npos);
}

// A full disk in miniature: RLIMIT_FSIZE makes writes past a size fail (EFBIG), as ENOSPC would.
class FileSizeLimit
{
public:
  explicit FileSizeLimit(rlim_t bytes)
  {
    std::signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &m_old);
    rlimit limit = m_old;
    limit.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit()
  {
    setrlimit(RLIMIT_FSIZE, &m_old);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

private:
  rlimit m_old{};
};

TEST_F(RecordingWriterTest, AFailedWriteLosesNothingAndCanBeRetried)
{
  WriterOptions options;
  options.codec = Codec::none;
  auto writer = RecordingWriter::create(path("full.strec"), test::sample_metadata(), options);
  ASSERT_TRUE(writer);
  ASSERT_TRUE(writer->write(1us, Output{"before"}));
  ASSERT_TRUE(writer->close_chunk());
  const std::uint64_t good = size_of(path("full.strec"));
  {
    const FileSizeLimit limit(good + 50); // room for a frame header, not for the frame
    ASSERT_TRUE(writer->write(2us, Output{std::string(500, 'y')}));
    auto closed = writer->close_chunk();
    ASSERT_FALSE(closed);
    EXPECT_EQ(closed.error().kind(), util::ErrorKind::io);
    EXPECT_EQ(size_of(path("full.strec")), good) << "no torn frame is left behind";
    // What was written before the failure is still readable.
    EXPECT_EQ(read_back(path("full.strec")).events.size(), 1U);
  }
  ASSERT_TRUE(writer->close_chunk()); // space is back: the same chunk is written now
  ASSERT_TRUE(writer->finish(3us));
  ASSERT_TRUE(writer->close());
  const auto back = read_back(path("full.strec"));
  EXPECT_EQ(back.report.verdict, Verdict::ok) << back.report.detail;
  EXPECT_EQ(back.events.size(), 2U);
}

TEST_F(RecordingWriterTest, NothingIsAcceptedAfterFinish)
{
  auto writer = RecordingWriter::create(path("f.strec"), test::sample_metadata(), {});
  ASSERT_TRUE(writer);
  ASSERT_TRUE(writer->finish(0us));
  EXPECT_FALSE(writer->write(1us, Output{"late"}));
  EXPECT_FALSE(writer->finish(1us));
}

} // namespace
} // namespace shelltrail::format
