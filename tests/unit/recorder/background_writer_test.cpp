#include "format/metadata.hpp"
#include "recorder/background_writer.hpp"
#include "util/file.hpp"

#include "support/sample_recording.hpp"
#include "support/temp_dir.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <csignal>

namespace shelltrail::recorder {
namespace {

using namespace std::chrono_literals;

class BackgroundWriterTest : public test::TempDirTest
{
protected:
  std::unique_ptr<BackgroundWriter> start(const std::string& name,
                                          BackgroundWriterOptions options = {})
  {
    auto fd = util::open_file(path(name), O_WRONLY | O_CREAT | O_EXCL, 0600);
    EXPECT_TRUE(fd);
    auto chain = format::ChainWriter::start(std::move(*fd), {});
    EXPECT_TRUE(chain);
    const std::string json = format::to_json_text(test::sample_metadata());
    EXPECT_TRUE(chain->write_chunk(format::ChunkType::metadata, 0, util::as_bytes(json)));
    auto writer = BackgroundWriter::start(std::move(*chain), options);
    EXPECT_TRUE(writer);
    return std::move(*writer);
  }
};

std::uint64_t size_of(const std::string& path)
{
  struct stat st
  {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

TEST_F(BackgroundWriterTest, EverythingAppendedIsInTheFinishedRecording)
{
  auto writer = start("r.strec", {.chunk_bytes = 1024});
  std::vector<test::OwnedEvent> expected;
  for (int i = 0; i < 5000; ++i) {
    const std::string text = "line " + std::to_string(i) + "\r\n";
    const std::chrono::microseconds t(i * 100);
    writer->append(t, format::Output{text});
    expected.push_back(test::OwnedEvent::from({t, format::Output{text}}));
  }
  auto stats = writer->finish(500000us);
  ASSERT_TRUE(stats) << stats.error().message();
  EXPECT_EQ(stats->event_count, 5000U);
  EXPECT_GT(stats->chunks, 50U);
  const auto back = test::read_back(path("r.strec"));
  EXPECT_EQ(back.report.verdict, format::Verdict::ok) << back.report.detail;
  EXPECT_EQ(back.events, expected);
}

TEST_F(BackgroundWriterTest, AChunkPastItsTimeBoundReachesTheFile)
{
  auto writer = start("t.strec", {.chunk_interval = 250ms});
  const std::uint64_t before = size_of(path("t.strec"));
  writer->append(1000ms, format::Output{"typed"});
  EXPECT_EQ(writer->chunk_deadline(), 1250ms);
  writer->close_chunk_if_due(1250ms);
  // The writer thread writes it soon after; a live reader then sees it.
  for (int i = 0; i < 200 && size_of(path("t.strec")) == before; ++i) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_GT(size_of(path("t.strec")), before);
  EXPECT_EQ(test::read_back(path("t.strec")).events.size(), 1U);
  ASSERT_TRUE(writer->finish(2s));
}

TEST_F(BackgroundWriterTest, FailedWritesAreReportedDroppedAndMarkedWhenWritingResumes)
{
  std::signal(SIGXFSZ, SIG_IGN);
  auto writer = start("full.strec", {.chunk_bytes = 4096});
  writer->append(1ms, format::Output{"before the disk filled up"});
  writer->close_chunk();
  for (int i = 0; i < 200 && test::read_back(path("full.strec")).events.empty(); ++i) {
    std::this_thread::sleep_for(5ms);
  }
  const std::uint64_t good = size_of(path("full.strec"));
  rlimit old{};
  getrlimit(RLIMIT_FSIZE, &old);
  rlimit limit = old;
  limit.rlim_cur = good; // the disk is full
  setrlimit(RLIMIT_FSIZE, &limit);
  writer->append(2ms, format::Output{std::string(3000, 'x')});
  writer->close_chunk();
  pollfd pfd{writer->failure_fd(), POLLIN, 0};
  ASSERT_EQ(poll(&pfd, 1, 5000), 1) << "the failure is signalled to the relay's poller";
  const auto failure = writer->take_failure();
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->kind(), util::ErrorKind::io);
  // Meanwhile the session goes on (fail-open): these are dropped and counted, not queued.
  for (int i = 0; i < 100; ++i) {
    writer->append(std::chrono::milliseconds(3 + i), format::Output{std::string(3000, 'z')});
  }
  EXPECT_EQ(size_of(path("full.strec")), good) << "nothing torn was left behind";
  setrlimit(RLIMIT_FSIZE, &old); // space is back
  writer->append(200ms, format::Output{"after"});
  auto stats = writer->finish(300ms);
  ASSERT_TRUE(stats) << stats.error().message();
  EXPECT_GT(stats->dropped_chunks, 0U);
  const auto back = test::read_back(path("full.strec"));
  EXPECT_EQ(back.report.verdict, format::Verdict::ok) << back.report.detail;
  std::string text;
  for (const auto& e : back.events) {
    text += e.encoding;
  }
  EXPECT_NE(text.find("before the disk filled up"), std::string::npos);
  EXPECT_NE(text.find("recording gap"), std::string::npos);
  EXPECT_NE(text.find("after"), std::string::npos);
}

} // namespace
} // namespace shelltrail::recorder
