#include "index/sqlite_store.hpp"

#include "format/zstd_codec.hpp"
#include "index/text_match.hpp"
#include "util/bytes.hpp"

#include <fmt/core.h>
#include <sqlite3.h>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

namespace shelltrail::index {
namespace {

constexpr int k_busy_timeout_ms = 120'000; // an indexer holds the write lock for one session
constexpr std::size_t k_block_lines = 4096;
constexpr std::size_t k_block_bytes = 64 << 10;
constexpr int k_block_level = 3;

const char* const k_schema = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sessions(
  id INTEGER PRIMARY KEY,
  session_id TEXT NOT NULL UNIQUE,
  path TEXT NOT NULL,
  file_size INTEGER NOT NULL,
  file_mtime_ns INTEGER NOT NULL,
  user TEXT NOT NULL,
  key_fingerprint TEXT NOT NULL,
  client TEXT NOT NULL,
  host TEXT NOT NULL,
  command TEXT NOT NULL,
  origin TEXT NOT NULL,
  start_ns INTEGER NOT NULL,
  end_ns INTEGER NOT NULL,
  exit TEXT NOT NULL,
  state TEXT NOT NULL,
  problem TEXT NOT NULL,
  clock_note TEXT NOT NULL);
CREATE INDEX sessions_start ON sessions(start_ns);
CREATE TABLE commands(
  id INTEGER PRIMARY KEY,
  session INTEGER NOT NULL REFERENCES sessions(id),
  time_ns INTEGER NOT NULL,
  offset_us INTEGER NOT NULL,
  end_ns INTEGER,            -- activities (full-screen programs) only
  activity INTEGER NOT NULL, -- 1: a full-screen program's span
  user TEXT NOT NULL,
  host TEXT NOT NULL,
  cwd TEXT NOT NULL,
  prompt TEXT NOT NULL,
  command TEXT NOT NULL,
  provisional INTEGER NOT NULL DEFAULT 0); -- 1: stands until the live session's next update
CREATE INDEX commands_session ON commands(session, time_ns);
CREATE INDEX commands_time ON commands(time_ns);
CREATE VIRTUAL TABLE commands_fts USING fts5(
  command, content='commands', content_rowid='id', tokenize='trigram', columnsize=0);
CREATE TABLE output_blocks(
  id INTEGER PRIMARY KEY,
  session INTEGER NOT NULL REFERENCES sessions(id),
  first_offset_us INTEGER NOT NULL,
  raw_size INTEGER NOT NULL,
  data BLOB NOT NULL,
  provisional INTEGER NOT NULL DEFAULT 0);
CREATE TABLE session_places( -- the target users and hosts of a session's screen text
  session INTEGER NOT NULL REFERENCES sessions(id),
  user TEXT NOT NULL,
  host TEXT NOT NULL,
  PRIMARY KEY(session, user, host)) WITHOUT ROWID;
CREATE INDEX output_blocks_session ON output_blocks(session);
CREATE VIRTUAL TABLE output_fts USING fts5(text, content='', tokenize='unicode61', detail='none', columnsize=0);
)sql";

struct DbCloser
{
  void operator()(sqlite3* db) const
  {
    sqlite3_close_v2(db);
  }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;

util::Error db_error(sqlite3* db, std::string_view what)
{
  return util::Error(
      util::ErrorKind::io,
      fmt::format("index: {}: {}", what, db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

// One prepared statement; bind() counts parameters from 1 in order.
class Statement
{
public:
  Statement() = default;
  static util::Result<Statement> prepare(sqlite3* db, std::string_view sql)
  {
    Statement s;
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v3(db,
                           sql.data(),
                           static_cast<int>(sql.size()),
                           SQLITE_PREPARE_PERSISTENT,
                           &raw,
                           nullptr) != SQLITE_OK) {
      return util::fail(db_error(db, "preparing a query"));
    }
    s.m_stmt.reset(raw);
    s.m_db = db;
    return s;
  }

  Statement& reset()
  {
    sqlite3_reset(m_stmt.get());
    sqlite3_clear_bindings(m_stmt.get());
    m_next = 1;
    return *this;
  }
  Statement& bind(std::int64_t value)
  {
    sqlite3_bind_int64(m_stmt.get(), m_next++, value);
    return *this;
  }
  Statement& bind(std::string_view text)
  {
    // A null pointer would bind SQL NULL: an empty view is the empty string.
    sqlite3_bind_text(m_stmt.get(),
                      m_next++,
                      text.data() != nullptr ? text.data() : "",
                      static_cast<int>(text.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind_blob(std::span<const std::byte> blob)
  {
    sqlite3_bind_blob(
        m_stmt.get(), m_next++, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind_null()
  {
    sqlite3_bind_null(m_stmt.get(), m_next++);
    return *this;
  }
  template <typename T>
  Statement& bind_optional(const std::optional<T>& value)
  {
    return value ? bind(*value) : bind_null();
  }

  // true: a row is there; false: done.
  util::Result<bool> step()
  {
    const int rc = sqlite3_step(m_stmt.get());
    if (rc == SQLITE_ROW) {
      return true;
    }
    if (rc == SQLITE_DONE) {
      return false;
    }
    return util::fail(db_error(m_db, "query"));
  }
  util::Result<void> run()
  {
    ST_TRY(step());
    return {};
  }

  std::int64_t integer(int column) const
  {
    return sqlite3_column_int64(m_stmt.get(), column);
  }
  std::string text(int column) const
  {
    const auto* data = sqlite3_column_text(m_stmt.get(), column);
    return data == nullptr
               ? std::string()
               : std::string(reinterpret_cast<const char*>(data),
                             static_cast<std::size_t>(sqlite3_column_bytes(m_stmt.get(), column)));
  }
  std::span<const std::byte> blob(int column) const
  {
    const void* data = sqlite3_column_blob(m_stmt.get(), column);
    return {static_cast<const std::byte*>(data),
            static_cast<std::size_t>(sqlite3_column_bytes(m_stmt.get(), column))};
  }

private:
  struct Finalizer
  {
    void operator()(sqlite3_stmt* stmt) const
    {
      sqlite3_finalize(stmt);
    }
  };
  std::unique_ptr<sqlite3_stmt, Finalizer> m_stmt;
  sqlite3* m_db = nullptr;
  int m_next = 1;
};

util::Result<void> exec(sqlite3* db, const char* sql)
{
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    util::Error error(util::ErrorKind::io,
                      fmt::format("index: {}", message != nullptr ? message : "error"));
    sqlite3_free(message);
    return util::fail(error);
  }
  return {};
}

// The lines of an output block: their count, the places (target user and host) named in the
// block, then for each line its time (a signed varint from the line before; the block's
// first_offset_us for the first) and its place's number, then the texts, each ended by '\n'.
struct BlockLines
{
  std::vector<std::chrono::microseconds> offsets;
  std::vector<std::string_view> users;
  std::vector<std::string_view> hosts;
  std::vector<std::string_view> texts;
  std::string_view all_text; // the texts as stored, each ended by '\n': what the word index has
};

util::Error damaged_block()
{
  return util::Error(util::ErrorKind::corrupt,
                     "index: a damaged output block (run `shelltrail index --rebuild`)");
}

util::Result<BlockLines>
parse_block(std::span<const std::byte> raw, std::chrono::microseconds first, std::string& storage)
{
  BlockLines lines;
  storage.assign(util::as_text(raw));
  util::ByteReader in(util::as_bytes(storage));
  const auto count = in.varint();
  const auto host_count = in.varint();
  if (!count || *count > k_block_lines || !host_count || *host_count > *count) {
    return util::fail(damaged_block());
  }
  std::vector<std::pair<std::string_view, std::string_view>> places;
  for (std::uint64_t i = 0; i < *host_count; ++i) {
    std::string_view parts[2];
    for (std::string_view& part : parts) {
      const auto size = in.varint();
      const auto bytes = size ? in.raw(*size) : std::nullopt;
      if (!bytes) {
        return util::fail(damaged_block());
      }
      part = util::as_text(*bytes);
    }
    places.emplace_back(parts[0], parts[1]);
  }
  std::chrono::microseconds time = first;
  for (std::uint64_t i = 0; i < *count; ++i) {
    const auto delta = in.svarint();
    const auto host = in.varint();
    if (!delta || !host || *host >= places.size()) {
      return util::fail(damaged_block());
    }
    time += std::chrono::microseconds(*delta);
    lines.offsets.push_back(time);
    lines.users.push_back(places[*host].first);
    lines.hosts.push_back(places[*host].second);
  }
  std::string_view rest = util::as_text(in.rest());
  lines.all_text = rest;
  for (std::uint64_t i = 0; i < *count; ++i) {
    const std::size_t end = rest.find('\n');
    if (end == std::string_view::npos) {
      return util::fail(damaged_block());
    }
    lines.texts.push_back(rest.substr(0, end));
    rest.remove_prefix(end + 1);
  }
  return lines;
}

class SqliteStore;

class SqliteSessionWriter final : public SessionWriter
{
public:
  SqliteSessionWriter(SqliteStore& store,
                      std::int64_t session_row,
                      std::int64_t start_ns,
                      std::int64_t next_block)
      : m_store(store), m_session(session_row), m_start_ns(start_ns), m_next_block(next_block),
        m_provisional(*this)
  {}
  ~SqliteSessionWriter() override;

  void command(const CommandRecord& record) override
  {
    add_command(record, false);
  }
  void activity(const ActivityRecord& record) override
  {
    add_activity(record, false);
  }
  void output_line(const OutputLine& line) override
  {
    add_line(m_main, line);
  }
  ExtractorSink& provisional() override
  {
    return m_provisional;
  }
  util::Result<void> commit(const SessionRecord& final_record) override;

private:
  // Screen lines on their way into a block.
  struct Block
  {
    bool provisional = false;
    std::vector<OutputLine> lines;
    std::size_t bytes = 0;
  };
  class ProvisionalSink final : public ExtractorSink
  {
  public:
    explicit ProvisionalSink(SqliteSessionWriter& writer) : m_writer(writer) {}
    void command(const CommandRecord& record) override
    {
      m_writer.add_command(record, true);
    }
    void activity(const ActivityRecord& record) override
    {
      m_writer.add_activity(record, true);
    }
    void output_line(const OutputLine& line) override
    {
      m_writer.add_line(m_writer.m_provisional_lines, line);
    }

  private:
    SqliteSessionWriter& m_writer;
  };

  void add_command(const CommandRecord& record, bool provisional);
  void add_activity(const ActivityRecord& record, bool provisional);
  void add_line(Block& block, const OutputLine& line);
  void flush_block(Block& block);
  void keep(util::Result<void> result)
  {
    if (!result && !m_error) {
      m_error = result.error();
    }
  }

  SqliteStore& m_store;
  std::int64_t m_session;
  std::int64_t m_start_ns;
  std::int64_t m_next_block;
  std::optional<util::Error> m_error;
  bool m_done = false;
  std::set<std::pair<std::string, std::string>> m_session_places; // already in session_places
  Block m_main;
  Block m_provisional_lines{true, {}, 0};
  ProvisionalSink m_provisional;
  util::Bytes m_raw;
  util::Bytes m_compressed;
  format::ZstdCompressor m_compressor{k_block_level};
};

class SqliteStore final : public IndexStore
{
public:
  SqliteStore(Db db, std::string path) : m_db(std::move(db)), m_path(std::move(path)) {}

  util::Result<void> prepare();

  util::Result<std::optional<SessionRecord>> indexed(const std::string& session_id) override;
  util::Result<std::unique_ptr<SessionWriter>>
  replace_session(const SessionRecord& record) override;
  util::Result<std::unique_ptr<SessionWriter>> extend_session(const SessionRecord& record) override;
  util::Result<std::size_t> remove_sessions_except(const std::vector<std::string>& keep) override;
  util::Result<std::optional<SessionRecord>> session(const std::string& id_or_prefix) override;
  util::Result<std::vector<SearchHit>> search(const SearchQuery& query) override;
  util::Result<std::vector<CommandRow>> commands(const CommandQuery& query) override;

  sqlite3* db()
  {
    return m_db.get();
  }
  Statement insert_command;
  Statement insert_command_fts;
  Statement insert_block;
  Statement insert_block_fts;
  Statement insert_session_place;
  Statement update_session;

private:
  // In one transaction, committed by the writer: `make_row` makes the session's row ready.
  util::Result<std::unique_ptr<SessionWriter>>
  begin_session(const SessionRecord& record,
                const std::function<util::Result<std::int64_t>()>& make_row);
  util::Result<std::optional<std::int64_t>> session_row(const std::string& session_id);
  // All the session's rows and the session itself, or only its provisional rows.
  util::Result<void> delete_session_rows(std::int64_t session_row, bool provisional_only = false);
  util::Result<void> search_commands(const SearchQuery& query, std::vector<SearchHit>& hits);
  util::Result<void> search_output(const SearchQuery& query, std::vector<SearchHit>& hits);

  Db m_db;
  std::string m_path;
};

SessionRecord read_session(const Statement& s, int first)
{
  SessionRecord r;
  int c = first;
  r.session_id = s.text(c++);
  r.path = s.text(c++);
  r.file_size = static_cast<std::uint64_t>(s.integer(c++));
  r.file_mtime_ns = s.integer(c++);
  r.user = s.text(c++);
  r.key_fingerprint = s.text(c++);
  r.client = s.text(c++);
  r.host = s.text(c++);
  r.command = s.text(c++);
  r.origin = s.text(c++);
  r.start_ns = s.integer(c++);
  r.end_ns = s.integer(c++);
  r.exit = s.text(c++);
  r.state = s.text(c++);
  r.problem = s.text(c++);
  r.clock_note = s.text(c++);
  return r;
}

constexpr std::string_view k_session_columns =
    "session_id, path, file_size, file_mtime_ns, user, key_fingerprint, client, host, command, "
    "origin, start_ns, end_ns, exit, state, problem, clock_note";

void bind_session(Statement& s, const SessionRecord& r)
{
  s.bind(r.session_id)
      .bind(r.path)
      .bind(static_cast<std::int64_t>(r.file_size))
      .bind(r.file_mtime_ns)
      .bind(r.user)
      .bind(r.key_fingerprint)
      .bind(r.client)
      .bind(r.host)
      .bind(r.command)
      .bind(r.origin)
      .bind(r.start_ns)
      .bind(r.end_ns)
      .bind(r.exit)
      .bind(r.state)
      .bind(r.problem)
      .bind(r.clock_note);
}

util::Result<void> SqliteStore::prepare()
{
  sqlite3* db = m_db.get();
  ST_TRY_ASSIGN(
      insert_command,
      Statement::prepare(db,
                         "INSERT INTO commands(session, time_ns, offset_us, end_ns, activity, "
                         "user, host, cwd, prompt, command, provisional) "
                         "VALUES(?,?,?,?,?,?,?,?,?,?,?)"));
  ST_TRY_ASSIGN(insert_command_fts,
                Statement::prepare(db, "INSERT INTO commands_fts(rowid, command) VALUES(?,?)"));
  ST_TRY_ASSIGN(
      insert_block,
      Statement::prepare(db,
                         "INSERT INTO output_blocks(id, session, first_offset_us, raw_size, data, "
                         "provisional) VALUES(?,?,?,?,?,?)"));
  ST_TRY_ASSIGN(insert_block_fts,
                Statement::prepare(db, "INSERT INTO output_fts(rowid, text) VALUES(?,?)"));
  ST_TRY_ASSIGN(insert_session_place,
                Statement::prepare(db, "INSERT OR IGNORE INTO session_places VALUES(?,?,?)"));
  ST_TRY_ASSIGN(update_session,
                Statement::prepare(db,
                                   fmt::format("UPDATE sessions SET ({}) = ({}) WHERE id = ?",
                                               k_session_columns,
                                               "?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?")));
  return {};
}

util::Result<std::optional<SessionRecord>> SqliteStore::indexed(const std::string& session_id)
{
  ST_TRY_ASSIGN(Statement s,
                Statement::prepare(m_db.get(),
                                   fmt::format("SELECT {} FROM sessions WHERE session_id = ?",
                                               k_session_columns)));
  s.bind(session_id);
  ST_TRY_ASSIGN(const bool row, s.step());
  if (!row) {
    return std::optional<SessionRecord>();
  }
  return std::optional<SessionRecord>(read_session(s, 0));
}

util::Result<std::optional<SessionRecord>> SqliteStore::session(const std::string& id_or_prefix)
{
  ST_TRY_ASSIGN(Statement s,
                Statement::prepare(m_db.get(),
                                   fmt::format("SELECT {} FROM sessions WHERE session_id >= ? AND "
                                               "session_id < ? ORDER BY session_id LIMIT 2",
                                               k_session_columns)));
  s.bind(id_or_prefix).bind(id_or_prefix + "\x7f");
  std::vector<SessionRecord> found;
  for (;;) {
    ST_TRY_ASSIGN(const bool row, s.step());
    if (!row) {
      break;
    }
    found.push_back(read_session(s, 0));
  }
  if (found.size() > 1 && found[0].session_id != id_or_prefix) {
    return util::fail(
        util::ErrorKind::usage, "session id prefix {} is ambiguous in the index", id_or_prefix);
  }
  if (found.empty()) {
    return std::optional<SessionRecord>();
  }
  return std::optional<SessionRecord>(found[0]);
}

util::Result<void> SqliteStore::delete_session_rows(std::int64_t session_row, bool provisional_only)
{
  const std::string_view only = provisional_only ? " AND provisional = 1" : "";
  sqlite3* db = m_db.get();
  // FTS rows are deleted by giving their text back (contentless output: from the blocks; commands
  // from their table, activities were never in it).
  ST_TRY_ASSIGN(Statement blocks,
                Statement::prepare(db,
                                   "SELECT id, first_offset_us, raw_size, data FROM output_blocks "
                                   "WHERE session = ?" +
                                       std::string(only)));
  ST_TRY_ASSIGN(Statement delete_block,
                Statement::prepare(
                    db, "INSERT INTO output_fts(output_fts, rowid, text) VALUES('delete',?,?)"));
  blocks.bind(session_row);
  format::ZstdDecompressor decompressor;
  util::Bytes raw;
  std::string storage;
  for (;;) {
    ST_TRY_ASSIGN(const bool row, blocks.step());
    if (!row) {
      break;
    }
    const std::int64_t id = blocks.integer(0);
    raw.resize(static_cast<std::size_t>(blocks.integer(2)));
    ST_TRY(decompressor.decompress(blocks.blob(3), raw));
    ST_TRY_ASSIGN(BlockLines lines,
                  parse_block(raw, std::chrono::microseconds(blocks.integer(1)), storage));
    ST_TRY(delete_block.reset().bind(id).bind(lines.all_text).run());
  }
  ST_TRY(exec(db,
              fmt::format("INSERT INTO commands_fts(commands_fts, rowid, command) SELECT 'delete', "
                          "id, command FROM commands WHERE session = {} AND activity = 0{}",
                          session_row,
                          only)
                  .c_str()));
  if (provisional_only) {
    return exec(db,
                fmt::format("DELETE FROM commands WHERE session = {0} AND provisional = 1; DELETE "
                            "FROM output_blocks WHERE session = {0} AND provisional = 1;",
                            session_row)
                    .c_str());
  }
  ST_TRY(
      exec(db,
           fmt::format("DELETE FROM commands WHERE session = {0}; DELETE FROM output_blocks WHERE "
                       "session = {0}; DELETE FROM session_places WHERE session = {0}; DELETE FROM "
                       "sessions WHERE id = {0};",
                       session_row)
               .c_str()));
  return {};
}

util::Result<std::unique_ptr<SessionWriter>>
SqliteStore::begin_session(const SessionRecord& record,
                           const std::function<util::Result<std::int64_t>()>& make_row)
{
  sqlite3* db = m_db.get();
  ST_TRY(exec(db, "BEGIN IMMEDIATE"));
  auto body = [&]() -> util::Result<std::unique_ptr<SessionWriter>> {
    ST_TRY_ASSIGN(const std::int64_t row, make_row());
    ST_TRY_ASSIGN(Statement last,
                  Statement::prepare(db, "SELECT coalesce(max(id), 0) FROM output_blocks"));
    ST_TRY(last.step());
    return std::unique_ptr<SessionWriter>(
        std::make_unique<SqliteSessionWriter>(*this, row, record.start_ns, last.integer(0) + 1));
  };
  auto writer = body();
  if (!writer) {
    (void)exec(db, "ROLLBACK");
  }
  return writer;
}

util::Result<std::optional<std::int64_t>> SqliteStore::session_row(const std::string& session_id)
{
  ST_TRY_ASSIGN(Statement find,
                Statement::prepare(m_db.get(), "SELECT id FROM sessions WHERE session_id = ?"));
  find.bind(session_id);
  ST_TRY_ASSIGN(const bool found, find.step());
  return found ? std::optional<std::int64_t>(find.integer(0)) : std::nullopt;
}

util::Result<std::unique_ptr<SessionWriter>>
SqliteStore::replace_session(const SessionRecord& record)
{
  return begin_session(record, [&]() -> util::Result<std::int64_t> {
    ST_TRY_ASSIGN(const std::optional<std::int64_t> before, session_row(record.session_id));
    if (before) {
      ST_TRY(delete_session_rows(*before));
    }
    ST_TRY_ASSIGN(Statement insert,
                  Statement::prepare(m_db.get(),
                                     fmt::format("INSERT INTO sessions({}) VALUES({})",
                                                 k_session_columns,
                                                 "?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?")));
    bind_session(insert, record);
    ST_TRY(insert.run());
    return sqlite3_last_insert_rowid(m_db.get());
  });
}

util::Result<std::unique_ptr<SessionWriter>>
SqliteStore::extend_session(const SessionRecord& record)
{
  return begin_session(record, [&]() -> util::Result<std::int64_t> {
    ST_TRY_ASSIGN(const std::optional<std::int64_t> row, session_row(record.session_id));
    if (!row) {
      return util::fail(util::ErrorKind::not_found,
                        "session {} is not in the index: it cannot be extended",
                        record.session_id);
    }
    ST_TRY(delete_session_rows(*row, true));
    return *row;
  });
}

util::Result<std::size_t> SqliteStore::remove_sessions_except(const std::vector<std::string>& keep)
{
  const std::set<std::string> kept(keep.begin(), keep.end());
  ST_TRY_ASSIGN(Statement all,
                Statement::prepare(m_db.get(), "SELECT id, session_id FROM sessions"));
  std::vector<std::int64_t> gone;
  for (;;) {
    ST_TRY_ASSIGN(const bool row, all.step());
    if (!row) {
      break;
    }
    if (!kept.contains(all.text(1))) {
      gone.push_back(all.integer(0));
    }
  }
  for (const std::int64_t row : gone) {
    ST_TRY(exec(m_db.get(), "BEGIN IMMEDIATE"));
    if (auto deleted = delete_session_rows(row); !deleted) {
      (void)exec(m_db.get(), "ROLLBACK");
      return util::fail(deleted.error());
    }
    ST_TRY(exec(m_db.get(), "COMMIT"));
  }
  return gone.size();
}

// --- writing a session ---

SqliteSessionWriter::~SqliteSessionWriter()
{
  if (!m_done) {
    (void)exec(m_store.db(), "ROLLBACK");
  }
}

void SqliteSessionWriter::add_command(const CommandRecord& record, bool provisional)
{
  if (m_error) {
    return;
  }
  auto& s = m_store.insert_command;
  keep(s.reset()
           .bind(m_session)
           .bind(m_start_ns + record.offset.count() * 1000)
           .bind(static_cast<std::int64_t>(record.offset.count()))
           .bind_null()
           .bind(std::int64_t{0})
           .bind(record.place.user)
           .bind(record.place.host)
           .bind(record.place.cwd)
           .bind(record.prompt)
           .bind(record.command)
           .bind(std::int64_t{provisional ? 1 : 0})
           .run());
  const std::int64_t id = sqlite3_last_insert_rowid(m_store.db());
  keep(m_store.insert_command_fts.reset().bind(id).bind(record.command).run());
}

void SqliteSessionWriter::add_activity(const ActivityRecord& record, bool provisional)
{
  if (m_error) {
    return;
  }
  keep(m_store.insert_command.reset()
           .bind(m_session)
           .bind(m_start_ns + record.start.count() * 1000)
           .bind(static_cast<std::int64_t>(record.start.count()))
           .bind(m_start_ns + record.end.count() * 1000)
           .bind(std::int64_t{1})
           .bind(record.place.user)
           .bind(record.place.host)
           .bind(record.place.cwd)
           .bind(std::string_view())
           .bind(record.program)
           .bind(std::int64_t{provisional ? 1 : 0})
           .run());
}

void SqliteSessionWriter::add_line(Block& block, const OutputLine& line)
{
  if (m_error) {
    return;
  }
  if (!block.lines.empty() &&
      (block.lines.size() == k_block_lines || block.bytes + line.text.size() > k_block_bytes)) {
    flush_block(block);
  }
  block.bytes += line.text.size() + 1;
  block.lines.push_back(line);
}

void SqliteSessionWriter::flush_block(Block& block)
{
  const std::vector<OutputLine>& lines = block.lines;
  if (lines.empty()) {
    return;
  }
  using PlaceView = std::pair<std::string_view, std::string_view>; // user, host
  std::vector<PlaceView> places;
  const auto place_number = [&places](const OutputLine& line) {
    const PlaceView place(line.user, line.host);
    const auto it = std::find(places.begin(), places.end(), place);
    if (it != places.end()) {
      return static_cast<std::uint64_t>(it - places.begin());
    }
    places.push_back(place);
    return static_cast<std::uint64_t>(places.size() - 1);
  };
  for (const OutputLine& line : lines) {
    (void)place_number(line);
  }
  m_raw.clear();
  util::ByteWriter out(m_raw);
  out.varint(lines.size());
  out.varint(places.size());
  for (const auto& [user, host] : places) {
    out.varint(user.size());
    out.raw(user);
    out.varint(host.size());
    out.raw(host);
    if (m_session_places.emplace(user, host).second) {
      keep(m_store.insert_session_place.reset().bind(m_session).bind(user).bind(host).run());
    }
  }
  std::chrono::microseconds previous = lines.front().offset;
  for (const OutputLine& line : lines) {
    out.svarint((line.offset - previous).count());
    out.varint(place_number(line));
    previous = line.offset;
  }
  const std::size_t text_start = m_raw.size();
  for (const OutputLine& line : lines) {
    out.raw(line.text);
    out.u8('\n');
  }
  m_compressor.compress(m_raw, m_compressed);
  const std::int64_t id = m_next_block++;
  keep(m_store.insert_block.reset()
           .bind(id)
           .bind(m_session)
           .bind(static_cast<std::int64_t>(lines.front().offset.count()))
           .bind(static_cast<std::int64_t>(m_raw.size()))
           .bind_blob(m_compressed)
           .bind(std::int64_t{block.provisional ? 1 : 0})
           .run());
  // One row of the word index per block: a word in many lines of it is listed once.
  keep(m_store.insert_block_fts.reset()
           .bind(id)
           .bind(util::as_text(std::span<const std::byte>(m_raw).subspan(text_start)))
           .run());
  block.lines.clear();
  block.bytes = 0;
}

util::Result<void> SqliteSessionWriter::commit(const SessionRecord& final_record)
{
  flush_block(m_main);
  flush_block(m_provisional_lines);
  if (!m_error) {
    bind_session(m_store.update_session.reset(), final_record);
    m_store.update_session.bind(m_session);
    keep(m_store.update_session.run());
  }
  if (m_error) {
    return util::fail(*m_error);
  }
  ST_TRY(exec(m_store.db(), "COMMIT"));
  m_done = true;
  return {};
}

// --- reading ---

util::Result<std::vector<SearchHit>> SqliteStore::search(const SearchQuery& query)
{
  std::vector<SearchHit> hits;
  if (query.commands) {
    ST_TRY(search_commands(query, hits));
  }
  if (query.output) {
    ST_TRY(search_output(query, hits));
  }
  // A command also shows on screen, after its prompt: that line is the command's hit already.
  const auto echoed = [&hits](const SearchHit& hit) {
    return hit.kind == SearchHit::Kind::output &&
           std::any_of(hits.begin(), hits.end(), [&hit](const SearchHit& command) {
             return command.kind == SearchHit::Kind::command &&
                    command.session_id == hit.session_id &&
                    std::abs(command.time_ns - hit.time_ns) < 2'000'000'000 &&
                    hit.text.ends_with(command.text);
           });
  };
  if (query.commands && query.output) {
    hits.erase(std::remove_if(hits.begin(), hits.end(), echoed), hits.end());
  }
  std::stable_sort(hits.begin(), hits.end(), [](const SearchHit& a, const SearchHit& b) {
    return a.time_ns > b.time_ns;
  });
  if (hits.size() > query.limit) {
    hits.resize(query.limit);
  }
  return hits;
}

util::Result<void> SqliteStore::search_commands(const SearchQuery& query,
                                                std::vector<SearchHit>& hits)
{
  // CROSS JOIN: the word index drives (SQLite would otherwise walk commands by time and ask the
  // index about each one).
  std::string sql = "SELECT c.time_ns, c.offset_us, s.session_id, s.user, c.user, s.host, c.host, "
                    "c.cwd, c.command FROM commands_fts f CROSS JOIN commands c ON c.id = f.rowid "
                    "JOIN sessions s ON s.id = c.session WHERE ";
  // LIKE without ESCAPE: only then does the trigram index take it. A '%' or '_' in the text is
  // a wildcard to SQLite, so the rows are a superset and the substring is checked here.
  const bool wildcards = query.text.find_first_of("%_") != std::string::npos;
  const bool checked = !query.fts_syntax && wildcards;
  sql += query.fts_syntax ? "commands_fts MATCH ?1" : "f.command LIKE ?1";
  sql += " AND (?2 = '' OR s.user = ?2 OR c.user = ?2) AND (?3 = '' OR s.host = ?3 OR c.host = ?3)"
         " AND c.time_ns >= ?4 AND c.time_ns <= ?5 ORDER BY c.time_ns DESC LIMIT ?6";
  ST_TRY_ASSIGN(Statement s, Statement::prepare(m_db.get(), sql));
  s.bind(query.fts_syntax ? query.text : "%" + query.text + "%")
      .bind(query.user)
      .bind(query.host)
      .bind(query.since_ns.value_or(INT64_MIN))
      .bind(query.until_ns.value_or(INT64_MAX))
      .bind(checked ? INT64_MAX : static_cast<std::int64_t>(query.limit));
  std::size_t found = 0;
  for (;;) {
    auto row = s.step();
    if (!row) {
      return util::fail(util::ErrorKind::usage, "search: {}", sqlite3_errmsg(m_db.get()));
    }
    if (!*row) {
      break;
    }
    SearchHit hit;
    hit.kind = SearchHit::Kind::command;
    hit.time_ns = s.integer(0);
    hit.offset = std::chrono::microseconds(s.integer(1));
    hit.session_id = s.text(2);
    hit.user = s.text(3);
    hit.target_user = s.text(4);
    hit.host = s.text(5);
    hit.target_host = s.text(6);
    hit.cwd = s.text(7);
    hit.text = s.text(8);
    if (checked && !contains_ignoring_case(hit.text, query.text)) {
      continue;
    }
    hits.push_back(std::move(hit));
    if (++found == query.limit) {
      break;
    }
  }
  return {};
}

util::Result<void> SqliteStore::search_output(const SearchQuery& query,
                                              std::vector<SearchHit>& hits)
{
  std::string match;
  if (query.fts_syntax) {
    match = query.text;
  } else {
    match = word_query(query.text);
    if (match.empty()) {
      return {}; // no word to look up: only commands can match
    }
  }
  // Candidates newest block first (block ids grow with indexing order, sessions by start time).
  // With filters, only the block ranges of the sessions they let through are looked at (a
  // session's blocks are consecutive: they are written in one transaction).
  std::vector<std::pair<std::int64_t, std::int64_t>> ranges;
  const bool filtered =
      !query.user.empty() || !query.host.empty() || query.since_ns || query.until_ns;
  if (!filtered) {
    ranges.emplace_back(0, INT64_MAX);
  } else {
    ST_TRY_ASSIGN(
        Statement sessions,
        Statement::prepare(
            m_db.get(),
            "SELECT min(b.id), max(b.id) FROM sessions s JOIN output_blocks b ON b.session = s.id "
            "WHERE (?1 = '' OR s.user = ?1 OR EXISTS(SELECT 1 FROM session_places p WHERE "
            "p.session = s.id AND p.user = ?1)) AND (?2 = '' OR s.host = ?2 OR EXISTS(SELECT 1 "
            "FROM session_places h WHERE h.session = s.id AND h.host = ?2)) AND s.end_ns >= ?3 AND "
            "s.start_ns <= ?4 GROUP BY s.id ORDER BY max(b.id) DESC"));
    sessions.bind(query.user)
        .bind(query.host)
        .bind(query.since_ns.value_or(INT64_MIN))
        .bind(query.until_ns.value_or(INT64_MAX));
    for (;;) {
      ST_TRY_ASSIGN(const bool row, sessions.step());
      if (!row) {
        break;
      }
      ranges.emplace_back(sessions.integer(0), sessions.integer(1));
    }
  }
  ST_TRY_ASSIGN(Statement s,
                Statement::prepare(m_db.get(),
                                   "SELECT rowid FROM output_fts WHERE output_fts MATCH ? AND "
                                   "rowid BETWEEN ? AND ? ORDER BY rowid DESC"));
  ST_TRY_ASSIGN(
      Statement block,
      Statement::prepare(m_db.get(),
                         "SELECT b.session, '', b.first_offset_us, b.raw_size, b.data, "
                         "s.session_id, s.user, s.host, s.start_ns FROM output_blocks b JOIN "
                         "sessions s ON s.id = b.session WHERE b.id = ?"));
  BlockLines lines;
  std::string storage;
  util::Bytes raw;
  format::ZstdDecompressor decompressor;
  // With --fts the block matched the user's expression; its lines that have one of the
  // expression's words are shown.
  std::vector<std::string> fts_words;
  if (query.fts_syntax) {
    std::string word;
    for (const char c : query.text + " ") {
      if (std::isalnum(static_cast<unsigned char>(c)) != 0 ||
          static_cast<unsigned char>(c) >= 0x80) {
        word += c;
      } else if (!word.empty()) {
        if (word != "AND" && word != "OR" && word != "NOT" && word != "NEAR") {
          fts_words.push_back(word);
        }
        word.clear();
      }
    }
  }
  const auto line_matches = [&](std::string_view text) {
    if (!query.fts_syntax) {
      return contains_ignoring_case(text, query.text);
    }
    return std::any_of(fts_words.begin(), fts_words.end(), [text](const std::string& word) {
      return contains_ignoring_case(text, word);
    });
  };
  std::size_t found = 0;
  for (const auto& [low, high] : ranges) {
    s.reset().bind(match).bind(low).bind(high);
    while (found < query.limit) {
      auto row = s.step();
      if (!row) {
        return util::fail(util::ErrorKind::usage, "search: {}", sqlite3_errmsg(m_db.get()));
      }
      if (!*row) {
        break;
      }
      ST_TRY_ASSIGN(const bool there, block.reset().bind(s.integer(0)).step());
      if (!there) {
        continue;
      }
      SearchHit base;
      base.kind = SearchHit::Kind::output;
      base.session_id = block.text(5);
      base.user = block.text(6);
      base.host = block.text(7);
      const std::int64_t start_ns = block.integer(8);
      raw.resize(static_cast<std::size_t>(block.integer(3)));
      ST_TRY(decompressor.decompress(block.blob(4), raw));
      ST_TRY_ASSIGN(lines, parse_block(raw, std::chrono::microseconds(block.integer(2)), storage));
      for (std::size_t i = lines.texts.size(); i-- > 0 && found < query.limit;) {
        if ((!query.host.empty() && base.host != query.host && lines.hosts[i] != query.host) ||
            (!query.user.empty() && base.user != query.user && lines.users[i] != query.user)) {
          continue;
        }
        const std::int64_t time_ns = start_ns + lines.offsets[i].count() * 1000;
        if ((query.since_ns && time_ns < *query.since_ns) ||
            (query.until_ns && time_ns > *query.until_ns) || !line_matches(lines.texts[i])) {
          continue;
        }
        SearchHit hit = base;
        hit.target_host = std::string(lines.hosts[i]);
        hit.target_user = std::string(lines.users[i]);
        hit.offset = lines.offsets[i];
        hit.time_ns = time_ns;
        hit.text = std::string(lines.texts[i]);
        hits.push_back(std::move(hit));
        ++found;
      }
    }
  }
  return {};
}

util::Result<std::vector<CommandRow>> SqliteStore::commands(const CommandQuery& query)
{
  std::string sql =
      "SELECT c.time_ns, c.offset_us, s.session_id, s.user, s.key_fingerprint, s.host, "
      "s.clock_note, "
      "c.user, c.host, c.cwd, c.command, c.activity, coalesce(c.end_ns, 0) FROM commands c JOIN "
      "sessions s "
      "ON s.id = c.session WHERE (?1 = '' OR s.session_id = ?1) AND c.time_ns >= ?2 AND c.time_ns "
      "<= ?3 "
      "AND (?4 = '' OR s.user = ?4 OR c.user = ?4) AND (?5 = '' OR s.host = ?5 OR c.host = ?5) "
      "ORDER BY c.time_ns, c.id";
  ST_TRY_ASSIGN(Statement s, Statement::prepare(m_db.get(), sql));
  s.bind(query.session_id)
      .bind(query.since_ns.value_or(INT64_MIN))
      .bind(query.until_ns.value_or(INT64_MAX))
      .bind(query.user)
      .bind(query.host);
  std::vector<CommandRow> rows;
  for (;;) {
    ST_TRY_ASSIGN(const bool row, s.step());
    if (!row) {
      break;
    }
    CommandRow r;
    r.time_ns = s.integer(0);
    r.offset = std::chrono::microseconds(s.integer(1));
    r.session_id = s.text(2);
    r.user = s.text(3);
    r.key_fingerprint = s.text(4);
    r.host = s.text(5);
    r.clock_note = s.text(6);
    r.place = Place{s.text(7), s.text(8), s.text(9)};
    r.command = s.text(10);
    r.activity = s.integer(11) != 0;
    r.end_ns = s.integer(12);
    rows.push_back(std::move(r));
  }
  return rows;
}

util::Error not_an_index(const std::string& path, const util::Error& error)
{
  return util::Error(
      util::ErrorKind::unsupported,
      fmt::format("{}: not a shelltrail index ({}): run `shelltrail index --rebuild`",
                  path,
                  error.message()));
}

util::Result<void> check_version(sqlite3* db, const std::string& path)
{
  ST_TRY_ASSIGN(Statement s,
                Statement::prepare(db, "SELECT value FROM meta WHERE key = 'schema_version'"));
  auto row = s.step();
  if (!row || !*row || s.text(0) != std::to_string(k_index_schema_version)) {
    return util::fail(
        util::ErrorKind::unsupported,
        "{}: the index is from another version of shelltrail (or damaged): run `shelltrail "
        "index --rebuild`",
        path);
  }
  return {};
}

} // namespace

util::Result<std::unique_ptr<IndexStore>> open_sqlite_store(const std::string& path, OpenMode mode)
{
  if (mode == OpenMode::rebuild) {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      const std::string file = path + suffix;
      if (::unlink(file.c_str()) != 0 && errno != ENOENT) {
        return util::fail(util::Error::from_errno(errno, "removing " + file));
      }
    }
  }
  const bool exists = ::access(path.c_str(), F_OK) == 0;
  if (!exists && mode == OpenMode::read) {
    return util::fail(util::ErrorKind::not_found, "{}: no index yet: run `shelltrail index`", path);
  }
  sqlite3* raw = nullptr;
  const int flags =
      mode == OpenMode::read ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) {
    return util::fail(util::ErrorKind::io,
                      "{}: cannot open the index: {}",
                      path,
                      raw != nullptr ? sqlite3_errmsg(raw) : "out of memory");
  }
  sqlite3_busy_timeout(db.get(), k_busy_timeout_ms);
  sqlite3_extended_result_codes(db.get(), 1);
  // A file that is not a database at all says so at the first query.
  ST_TRY_ASSIGN(
      Statement tables,
      Statement::prepare(db.get(), "SELECT count(*) FROM sqlite_master WHERE name = 'meta'")
          .map_error([&path](const util::Error& e) { return not_an_index(path, e); }));
  ST_TRY(tables.step().map_error([&path](const util::Error& e) { return not_an_index(path, e); }));
  const bool has_schema = tables.integer(0) != 0;
  tables.reset(); // (a statement still stepping is a transaction: no journal mode change)
  if (mode != OpenMode::read) {
    // A larger page cache than the 2 MiB default: FTS segment merges re-read what they wrote.
    ST_TRY(exec(db.get(),
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32768;")
               .map_error([&path](const util::Error& e) { return not_an_index(path, e); }));
  }
  if (!has_schema) {
    if (mode == OpenMode::read) {
      return util::fail(
          util::ErrorKind::not_found, "{}: the index is empty: run `shelltrail index`", path);
    }
    ST_TRY(exec(db.get(), "BEGIN IMMEDIATE"));
    Statement again;
    ST_TRY_ASSIGN(
        again,
        Statement::prepare(db.get(), "SELECT count(*) FROM sqlite_master WHERE name = 'meta'"));
    ST_TRY(again.step());
    if (again.integer(0) == 0) { // another indexer may have created it meanwhile
      ST_TRY(exec(db.get(), k_schema));
      ST_TRY(exec(
          db.get(),
          fmt::format("INSERT INTO meta VALUES('schema_version', '{}')", k_index_schema_version)
              .c_str()));
    }
    ST_TRY(exec(db.get(), "COMMIT"));
  }
  ST_TRY(check_version(db.get(), path));
  auto store = std::make_unique<SqliteStore>(std::move(db), path);
  if (mode != OpenMode::read) {
    ST_TRY(store->prepare());
  }
  return std::unique_ptr<IndexStore>(std::move(store));
}

} // namespace shelltrail::index
