// LiveIndexer: a recording indexed as it grows, read on from where it stopped, ends in the index
// exactly as indexing the finished file from scratch leaves it.

#include "index/indexer.hpp"
#include "index/sqlite_store.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"

#include "support/sample_recording.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/file.h>

#include <algorithm>

namespace shelltrail::index {
namespace {

using std::chrono::milliseconds;

class LiveIndexerTest : public test::TempDirTest
{
protected:
  std::unique_ptr<IndexStore> open_store(const std::string& name)
  {
    auto store = open_sqlite_store(path(name), OpenMode::read_write);
    EXPECT_TRUE(store) << store.error().message();
    return store ? std::move(*store) : nullptr;
  }

  // A recording being written, locked as the recorder locks it.
  format::RecordingWriter start_recording(const std::string& file)
  {
    auto fd = util::open_file(file, O_RDWR | O_CREAT | O_EXCL, 0600);
    EXPECT_TRUE(fd) << fd.error().message();
    EXPECT_EQ(::flock(fd->get(), LOCK_EX | LOCK_NB), 0);
    format::WriterOptions options;
    options.chunk_interval = std::chrono::hours(1); // chunks are closed by the test
    auto writer = format::RecordingWriter::create(std::move(*fd), test::sample_metadata(), options);
    EXPECT_TRUE(writer) << writer.error().message();
    return std::move(*writer);
  }

  // Types `command` at the prompt and shows `output` after it, then the prompt again.
  static void run(format::RecordingWriter& writer,
                  milliseconds& t,
                  const std::string& command,
                  const std::string& output)
  {
    ASSERT_TRUE(writer.write(t, format::Input{command + "\r"}));
    t += milliseconds(100);
    ASSERT_TRUE(writer.write(t, format::Output{command + "\r\n" + output + k_prompt}));
    t += milliseconds(900);
    ASSERT_TRUE(writer.close_chunk());
  }

  static std::vector<std::string> commands(IndexStore& store)
  {
    auto rows = store.commands(CommandQuery{});
    EXPECT_TRUE(rows) << rows.error().message();
    std::vector<std::string> out;
    for (const CommandRow& row : *rows) {
      out.push_back((row.activity ? "activity " : "") + row.place.host + " " + row.command);
    }
    return out;
  }

  static std::vector<std::string> search(IndexStore& store, const std::string& text)
  {
    SearchQuery query;
    query.text = text;
    auto hits = store.search(query);
    EXPECT_TRUE(hits) << hits.error().message();
    std::vector<std::string> out;
    for (const SearchHit& hit : *hits) {
      out.push_back((hit.kind == SearchHit::Kind::command ? "$ " : "| ") + hit.text + " @" +
                    std::to_string(hit.offset.count()));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  static constexpr const char* k_prompt = "alice@db-1:~$ ";
};

TEST_F(LiveIndexerTest, FollowsAGrowingRecordingToTheSameIndexAsAFinishedOne)
{
  const std::string file = path("live.strec");
  format::RecordingWriter writer = start_recording(file);
  milliseconds t(0);
  ASSERT_TRUE(writer.write(t, format::Output{k_prompt}));
  run(writer, t, "uptime", " 14:02:31 up 3 days,  load average: 0.01\r\n");

  auto prompts = PromptParser::make();
  ASSERT_TRUE(prompts);
  auto live = LiveIndexer::start(*prompts, file);
  ASSERT_TRUE(live) << live.error().message();
  auto store = open_store("live.sqlite");

  auto ended = (*live)->update(*store);
  ASSERT_TRUE(ended) << ended.error().message();
  EXPECT_FALSE(*ended);
  EXPECT_EQ(commands(*store), (std::vector<std::string>{"db-1 uptime"}));
  // The screen as it is now is searchable while the session goes on.
  EXPECT_EQ(search(*store, "load average").size(), 1U);
  EXPECT_EQ((*store->session((*live)->record().session_id))->state, "live");

  // Nothing new: nothing changes.
  ended = (*live)->update(*store);
  ASSERT_TRUE(ended);
  EXPECT_FALSE(*ended);

  // Vim runs (the alternate screen) while the index is updated: an activity, provisional.
  ASSERT_TRUE(writer.write(t, format::Input{"vim notes\r"}));
  ASSERT_TRUE(writer.write(t + milliseconds(50),
                           format::Output{"vim notes\r\n\x1b[?1049h\x1b[H\x1b[2Jediting"}));
  t += milliseconds(1000);
  ASSERT_TRUE(writer.close_chunk());
  ended = (*live)->update(*store);
  ASSERT_TRUE(ended);
  EXPECT_EQ(commands(*store),
            (std::vector<std::string>{"db-1 uptime", "db-1 vim notes", "activity db-1 vim notes"}));

  ASSERT_TRUE(writer.write(t, format::Output{std::string("\x1b[?1049l") + k_prompt}));
  t += milliseconds(100);
  ASSERT_TRUE(writer.close_chunk());
  for (int i = 0; i < 40; ++i) { // the first screen scrolls off
    run(writer, t, "echo line " + std::to_string(i), "line " + std::to_string(i) + "\r\n");
  }
  ended = (*live)->update(*store);
  ASSERT_TRUE(ended);
  EXPECT_FALSE(*ended);
  EXPECT_EQ(search(*store, "load average").size(), 1U) << "no line twice";
  EXPECT_EQ(commands(*store).size(), 43U) << ::testing::PrintToString(commands(*store));

  run(writer, t, "exit", "logout\r\n");
  ASSERT_TRUE(writer.write(t, format::End{format::Termination::exited, 0, false, 0, {}}));
  ASSERT_TRUE(writer.finish(t));
  ASSERT_TRUE(writer.close());
  ended = (*live)->update(*store);
  ASSERT_TRUE(ended) << ended.error().message();
  EXPECT_TRUE(*ended);
  EXPECT_EQ((*store->session((*live)->record().session_id))->state, "complete");

  // The same as indexing the finished recording from scratch.
  auto fresh = open_store("fresh.sqlite");
  auto indexed = index_recording(*fresh, *prompts, file, true);
  ASSERT_TRUE(indexed) << indexed.error().message();
  EXPECT_EQ(indexed->state, "complete");
  EXPECT_EQ(commands(*store), commands(*fresh));
  for (const char* text : {"load average", "line 1", "editing", "logout", "echo", "vim"}) {
    EXPECT_EQ(search(*store, text), search(*fresh, text)) << text;
  }
  const SessionRecord followed = *store->session((*live)->record().session_id).value();
  const SessionRecord scratch = *fresh->session((*live)->record().session_id).value();
  EXPECT_EQ(followed.end_ns, scratch.end_ns);
  EXPECT_EQ(followed.exit, scratch.exit);
}

TEST_F(LiveIndexerTest, ARecorderThatStopsLeavesAnIncompleteSession)
{
  const std::string file = path("killed.strec");
  auto prompts = PromptParser::make();
  ASSERT_TRUE(prompts);
  auto store = open_store("index.sqlite");
  std::unique_ptr<LiveIndexer> live;
  {
    format::RecordingWriter writer = start_recording(file);
    milliseconds t(0);
    ASSERT_TRUE(writer.write(t, format::Output{k_prompt}));
    run(writer, t, "uptime", "up 3 days\r\n");
    auto started = LiveIndexer::start(*prompts, file);
    ASSERT_TRUE(started) << started.error().message();
    live = std::move(*started);
    auto ended = live->update(*store);
    ASSERT_TRUE(ended);
    EXPECT_FALSE(*ended);
    ASSERT_TRUE(writer.close()); // no trailer: the recorder died; its lock goes with it
  }
  auto ended = live->update(*store);
  ASSERT_TRUE(ended) << ended.error().message();
  EXPECT_TRUE(*ended);
  EXPECT_EQ((*store->session(live->record().session_id))->state, "incomplete");
  EXPECT_EQ(commands(*store), (std::vector<std::string>{"db-1 uptime"}));
}

} // namespace
} // namespace shelltrail::index
