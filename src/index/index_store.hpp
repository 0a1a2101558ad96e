#pragma once
// IndexStore: what the indexer writes and search, commands and timeline read — sessions, their
// commands and activity spans, and their screen text — behind one interface, so that a shared
// server database can take SQLite's place for many jump boxes (sqlite_store.hpp is the embedded
// default). The recordings are the truth; an index is a cache that can be rebuilt at any time.

#include "index/extractor.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace shelltrail::index {

struct SessionRecord
{
  std::string session_id;
  std::string path;
  std::uint64_t file_size = 0; // the version of the file that was indexed
  std::int64_t file_mtime_ns = 0;
  std::string user; // who logged in to the jump box
  std::string key_fingerprint;
  std::string client; // the SSH client's address
  std::string host;   // the jump box
  std::string command;
  std::string origin; // "recorded", "imported:asciicast-v2" ...
  std::int64_t start_ns = 0;
  std::int64_t end_ns = 0; // the last event's time (the end for a complete recording)
  std::string exit;        // "0", "sig 9"; empty when unknown
  std::string state;       // "complete", "incomplete", "damaged", "live"
  std::string problem;     // why incomplete, where damaged
  std::string clock_note;  // set when the recording's clock was not synchronised
};

// A session's rows as the indexer produces them; nothing is visible to readers before commit().
class SessionWriter : public ExtractorSink
{
public:
  // Rows of a live session that stand only until its next update (Extractor::snapshot(): the
  // screen as it is, a full-screen program still running).
  virtual ExtractorSink& provisional() = 0;
  // The record as it is known at the end (state, end time, exit).
  virtual util::Result<void> commit(const SessionRecord& final_record) = 0;
};

struct SearchQuery
{
  std::string text;
  bool fts_syntax = false; // text is an FTS5 query, not a plain substring
  bool commands = true;
  bool output = true;
  std::string user; // the jump box login or the user a prompt showed
  std::string host; // the jump box or a target host
  std::optional<std::int64_t> since_ns;
  std::optional<std::int64_t> until_ns;
  std::size_t limit = 100;
};

struct SearchHit
{
  enum class Kind { command, output };
  Kind kind = Kind::command;
  std::int64_t time_ns = 0;
  std::chrono::microseconds offset{0};
  std::string session_id;
  std::string user;        // the jump box login
  std::string target_user; // as the prompt showed it
  std::string host;        // the jump box
  std::string target_host;
  std::string cwd;
  std::string text;
};

struct CommandQuery
{
  std::string session_id; // one session, or every session in the window below
  std::optional<std::int64_t> since_ns;
  std::optional<std::int64_t> until_ns;
  std::string user;
  std::string host;
};

struct CommandRow
{
  std::int64_t time_ns = 0;
  std::chrono::microseconds offset{0};
  std::string session_id;
  std::string user; // the jump box login
  std::string key_fingerprint;
  std::string host; // the jump box
  std::string clock_note;
  Place place; // the target user, host and directory
  std::string command;
  bool activity = false;   // a full-screen program's span (command = the program)
  std::int64_t end_ns = 0; // activities: when it ended
};

class IndexStore
{
public:
  virtual ~IndexStore() = default;

  // The file version indexed for this session, if any.
  virtual util::Result<std::optional<SessionRecord>> indexed(const std::string& session_id) = 0;
  // Replaces the session's rows (when commit() is called).
  virtual util::Result<std::unique_ptr<SessionWriter>>
  replace_session(const SessionRecord& record) = 0;
  // Adds rows to a session indexed before (a live one, as it grows): its rows stay, but for
  // the provisional ones, which the new provisional rows replace. Fails if it is not indexed.
  virtual util::Result<std::unique_ptr<SessionWriter>>
  extend_session(const SessionRecord& record) = 0;
  // Removes the sessions whose ids are not in `keep` (their recordings are gone); how many.
  virtual util::Result<std::size_t>
  remove_sessions_except(const std::vector<std::string>& keep) = 0;

  // A session by id or unique id prefix.
  virtual util::Result<std::optional<SessionRecord>> session(const std::string& id_or_prefix) = 0;
  // Newest first, at most query.limit.
  virtual util::Result<std::vector<SearchHit>> search(const SearchQuery& query) = 0;
  // Commands (and activities) in time order.
  virtual util::Result<std::vector<CommandRow>> commands(const CommandQuery& query) = 0;
};

} // namespace shelltrail::index
