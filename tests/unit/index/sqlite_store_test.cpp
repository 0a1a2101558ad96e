#include "index/sqlite_store.hpp"

#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>

namespace shelltrail::index {
namespace {

using std::chrono::microseconds;
using std::chrono::seconds;

constexpr std::int64_t k_start = 1'790'000'000'000'000'000;

class SqliteStoreTest : public test::TempDirTest
{
protected:
  std::unique_ptr<IndexStore> open(OpenMode mode = OpenMode::read_write)
  {
    auto store = open_sqlite_store(path("index.sqlite"), mode);
    EXPECT_TRUE(store) << store.error().message();
    return store ? std::move(*store) : nullptr;
  }

  static SessionRecord
  session(std::string id, std::string user, std::string host, std::int64_t start)
  {
    SessionRecord r;
    r.session_id = std::move(id);
    r.path = "/spool/" + r.session_id + ".strec";
    r.user = std::move(user);
    r.host = std::move(host);
    r.start_ns = start;
    r.end_ns = start + 3'600'000'000'000;
    r.state = "complete";
    return r;
  }

  // One session: a command on `target` and `lines` of screen text.
  static void add(IndexStore& store,
                  const SessionRecord& record,
                  const std::string& target,
                  const std::vector<std::pair<std::string, std::string>>& commands,
                  const std::vector<std::string>& lines)
  {
    auto writer = store.replace_session(record);
    ASSERT_TRUE(writer) << writer.error().message();
    std::int64_t t = 10;
    for (const auto& [cwd, command] : commands) {
      (*writer)->command(
          {seconds(t), Place{"root", target, cwd}, "root@" + target + ":" + cwd + "# ", command});
      t += 10;
    }
    (*writer)->activity({seconds(t), seconds(t + 5), "vim notes", Place{"root", target, "/"}});
    for (const std::string& line : lines) {
      (*writer)->output_line({seconds(t++), line, target, "root"});
    }
    auto committed = (*writer)->commit(record);
    ASSERT_TRUE(committed) << committed.error().message();
  }

  static std::vector<std::string> texts(const util::Result<std::vector<SearchHit>>& hits)
  {
    std::vector<std::string> out;
    EXPECT_TRUE(hits) << hits.error().message();
    if (hits) {
      for (const auto& hit : *hits) {
        out.push_back((hit.kind == SearchHit::Kind::command ? "$ " : "| ") + hit.text);
      }
    }
    return out;
  }
};

TEST_F(SqliteStoreTest, FindsCommandsBySubstringAndScreenTextByWords)
{
  auto store = open();
  add(*store,
      session("s1", "alice", "jump-1", k_start),
      "db-1",
      {{"/etc", "rm -f /etc/passwd"}, {"/", "rm -rf /tmp/cache"}},
      {"ls: cannot access '/x': No such file or directory", "total 0"});
  SearchQuery q;
  q.text = "passwd";
  EXPECT_EQ(texts(store->search(q)), std::vector<std::string>{"$ rm -f /etc/passwd"});
  q.text = "-rf";
  EXPECT_EQ(texts(store->search(q)), std::vector<std::string>{"$ rm -rf /tmp/cache"});
  q.text = "no such FILE";
  EXPECT_EQ(texts(store->search(q)),
            std::vector<std::string>{"| ls: cannot access '/x': No such file or directory"});
  q.text = "such no"; // the words are there, the text is not
  EXPECT_TRUE(texts(store->search(q)).empty());

  q.text = "passwd";
  auto hits = store->search(q);
  ASSERT_TRUE(hits && hits->size() == 1);
  EXPECT_EQ((*hits)[0].session_id, "s1");
  EXPECT_EQ((*hits)[0].user, "alice");
  EXPECT_EQ((*hits)[0].host, "jump-1");
  EXPECT_EQ((*hits)[0].target_host, "db-1");
  EXPECT_EQ((*hits)[0].cwd, "/etc");
  EXPECT_EQ((*hits)[0].offset, seconds(10));
  EXPECT_EQ((*hits)[0].time_ns, k_start + 10'000'000'000);
}

TEST_F(SqliteStoreTest, FiltersByUserHostAndTime)
{
  auto store = open();
  add(*store,
      session("s1", "alice", "jump-1", k_start),
      "db-1",
      {{"/", "systemctl restart app"}},
      {"app restarted"});
  add(*store,
      session("s2", "bob", "jump-2", k_start + 86'400'000'000'000),
      "web-3",
      {{"/", "systemctl restart app"}},
      {"app restarted"});
  SearchQuery q;
  q.text = "restart";
  EXPECT_EQ(store->search(q)->size(), 4U);
  q.user = "bob";
  auto hits = store->search(q);
  ASSERT_EQ(hits->size(), 2U);
  EXPECT_EQ((*hits)[0].session_id, "s2");
  EXPECT_EQ((*hits)[1].session_id, "s2");
  q.user = "root"; // the user the prompts showed: commands and screen text of both sessions
  EXPECT_EQ(texts(store->search(q)).size(), 4U);
  q.user.clear();
  q.host = "db-1"; // a target host
  hits = store->search(q);
  ASSERT_EQ(hits->size(), 2U);
  EXPECT_EQ((*hits)[0].session_id, "s1");
  q.host = "jump-2"; // a jump box
  EXPECT_EQ(store->search(q)->size(), 2U);
  q.host = "elsewhere";
  EXPECT_TRUE(store->search(q)->empty());
  q.host.clear();
  q.since_ns = k_start + 43'200'000'000'000; // the second day only
  hits = store->search(q);
  ASSERT_EQ(hits->size(), 2U);
  EXPECT_EQ((*hits)[0].session_id, "s2");
  q.since_ns.reset();
  q.until_ns = k_start + 43'200'000'000'000;
  hits = store->search(q);
  ASSERT_EQ(hits->size(), 2U);
  EXPECT_EQ((*hits)[1].session_id, "s1");
}

TEST_F(SqliteStoreTest, NewestFirstAndLimited)
{
  auto store = open();
  std::vector<std::string> lines;
  for (int i = 0; i < 5000; ++i) { // more than one block
    lines.push_back("line " + std::to_string(i) + " of output");
  }
  add(*store, session("s1", "alice", "jump-1", k_start), "db-1", {}, lines);
  SearchQuery q;
  q.text = "output";
  q.limit = 3;
  EXPECT_EQ(texts(store->search(q)),
            (std::vector<std::string>{
                "| line 4999 of output", "| line 4998 of output", "| line 4997 of output"}));
  q.text = "line 1234 ";
  q.limit = 100;
  EXPECT_EQ(texts(store->search(q)), std::vector<std::string>{"| line 1234 of output"});
}

TEST_F(SqliteStoreTest, ReplacingASessionLeavesNoOldRowsAndRemovedSessionsGo)
{
  auto store = open();
  const SessionRecord s1 = session("s1", "alice", "jump-1", k_start);
  add(*store, s1, "db-1", {{"/", "uptime"}}, {"up 3 days"});
  add(*store, s1, "db-1", {{"/", "uptime"}}, {"up 3 days"});
  add(*store,
      session("s2", "bob", "jump-1", k_start + 1),
      "db-2",
      {{"/", "uptime"}},
      {"up 9 days"});
  SearchQuery q;
  q.text = "up";
  EXPECT_EQ(store->search(q)->size(), 4U);
  CommandQuery all;
  EXPECT_EQ(store->commands(all)->size(), 4U); // two commands, two activities
  auto removed = store->remove_sessions_except({"s2"});
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, 1U);
  EXPECT_EQ(texts(store->search(q)), (std::vector<std::string>{"| up 9 days", "$ uptime"}));
  EXPECT_FALSE(*store->session("s1"));
  EXPECT_EQ((*store->session("s"))->session_id, "s2"); // a unique prefix
}

TEST_F(SqliteStoreTest, TimelineIsInTimeOrderAcrossSessions)
{
  auto store = open();
  add(*store, session("s1", "alice", "jump-1", k_start), "db-1", {{"/", "a1"}, {"/", "a2"}}, {});
  add(*store, session("s2", "bob", "jump-1", k_start + 15'000'000'000), "db-2", {{"/", "b1"}}, {});
  CommandQuery q;
  auto rows = store->commands(q);
  ASSERT_TRUE(rows);
  std::vector<std::string> order;
  for (const auto& row : *rows) {
    order.push_back(row.activity ? "[" + row.command + "]" : row.command);
  }
  // a1 at +10 s, b1 at +25 s, a2 at +20 s, alice's vim at +30 s, bob's at +35 s
  EXPECT_EQ(order, (std::vector<std::string>{"a1", "a2", "b1", "[vim notes]", "[vim notes]"}));
  q.session_id = "s2";
  EXPECT_EQ(store->commands(q)->size(), 2U);
}

TEST_F(SqliteStoreTest, BadQueriesAndForeignIndexesSayWhatToDo)
{
  auto store = open();
  add(*store, session("s1", "alice", "jump-1", k_start), "db-1", {{"/", "ls"}}, {"x"});
  SearchQuery q;
  q.text = "foo AND (";
  q.fts_syntax = true;
  auto hits = store->search(q);
  ASSERT_FALSE(hits);
  EXPECT_EQ(hits.error().kind(), util::ErrorKind::usage);
  store.reset();

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path("index.sqlite").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE meta SET value = '0'", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto old = open_sqlite_store(path("index.sqlite"), OpenMode::read);
  ASSERT_FALSE(old);
  EXPECT_NE(old.error().message().find("run `shelltrail index --rebuild`"), std::string::npos);
  auto rebuilt = open_sqlite_store(path("index.sqlite"), OpenMode::rebuild);
  ASSERT_TRUE(rebuilt) << rebuilt.error().message();
  EXPECT_FALSE(*(*rebuilt)->session("s1"));

  std::ofstream(path("garbage.sqlite"))
      << "not a database at all, but long enough to look like a header";
  auto garbage = open_sqlite_store(path("garbage.sqlite"), OpenMode::read);
  ASSERT_FALSE(garbage);
  EXPECT_NE(garbage.error().message().find("index --rebuild"), std::string::npos);
  auto missing = open_sqlite_store(path("missing.sqlite"), OpenMode::read);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("run `shelltrail index`"), std::string::npos);
}

} // namespace
} // namespace shelltrail::index
