#include "index/indexer.hpp"

#include "format/recording_reader.hpp"
#include "index/extractor.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"

#include <fmt/core.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <variant>
#include <vector>

namespace shelltrail::index {
namespace {

// Counts what passes to the store.
class CountingSink final : public ExtractorSink
{
public:
  explicit CountingSink(SessionWriter& writer) : m_writer(writer) {}
  void command(const CommandRecord& record) override
  {
    ++commands;
    m_writer.command(record);
  }
  void activity(const ActivityRecord& record) override
  {
    m_writer.activity(record);
  }
  void output_line(const OutputLine& line) override
  {
    ++lines;
    text_bytes += line.text.size() + 1;
    m_writer.output_line(line);
  }
  std::size_t commands = 0;
  std::size_t lines = 0;
  std::uint64_t text_bytes = 0;

private:
  SessionWriter& m_writer;
};

SessionRecord
record_for(const format::Metadata& metadata, const std::string& path, const struct stat& st)
{
  SessionRecord record;
  record.session_id = metadata.session_id;
  record.path = path;
  record.file_size = static_cast<std::uint64_t>(st.st_size);
  record.file_mtime_ns =
      static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  record.user = metadata.user;
  if (metadata.ssh) {
    record.key_fingerprint = metadata.ssh->key_fingerprint;
    record.client = metadata.ssh->client_addr;
  }
  record.host = metadata.host;
  record.command = metadata.command;
  record.origin = metadata.origin;
  record.start_ns = metadata.start_unix_ns;
  record.end_ns = metadata.start_unix_ns;
  if (metadata.clock && !metadata.clock->synchronized) {
    record.clock_note = fmt::format("clock not synchronised at the start (max error {} ms)",
                                    metadata.clock->max_error_us / 1000);
  }
  return record;
}

// Rows the extractor gave since the last update of a live session, until they are written.
class HeldRows final : public ExtractorSink
{
public:
  void command(const CommandRecord& record) override
  {
    m_rows.emplace_back(record);
  }
  void activity(const ActivityRecord& record) override
  {
    m_rows.emplace_back(record);
  }
  void output_line(const OutputLine& line) override
  {
    m_rows.emplace_back(line);
  }
  // To `sink`, in the order they came, and forgotten.
  void give(ExtractorSink& sink)
  {
    for (const auto& row : m_rows) {
      if (const auto* command = std::get_if<CommandRecord>(&row)) {
        sink.command(*command);
      } else if (const auto* activity = std::get_if<ActivityRecord>(&row)) {
        sink.activity(*activity);
      } else {
        sink.output_line(std::get<OutputLine>(row));
      }
    }
    m_rows.clear();
  }

private:
  std::vector<std::variant<CommandRecord, ActivityRecord, OutputLine>> m_rows;
};

// What one event tells the session's record.
void note_event(SessionRecord& record, const format::Event& event)
{
  record.end_ns = record.start_ns + event.time.count() * 1000;
  if (const auto* end = std::get_if<format::End>(&event.data)) {
    record.exit = end->termination == format::Termination::signaled
                      ? fmt::format("sig {}", end->value)
                  : end->termination == format::Termination::exited ? fmt::format("{}", end->value)
                                                                    : std::string();
  }
}

} // namespace

util::Result<IndexedFile>
index_recording(IndexStore& store, const PromptParser& prompts, const std::string& path, bool force)
{
  IndexedFile result;
  result.path = path;
  auto fd = util::open_file(path, O_RDONLY);
  if (!fd) {
    result.unreadable = fd.error();
    return result;
  }
  struct stat st
  {};
  if (::fstat(fd->get(), &st) != 0) {
    result.unreadable = util::Error::from_errno(errno, path);
    return result;
  }
  const bool live = util::is_locked_exclusively(fd->get());
  auto opened = format::RecordingReader::open(path);
  if (!opened) {
    result.unreadable = opened.error();
    return result;
  }
  format::RecordingReader& reader = *opened;
  SessionRecord record = record_for(reader.metadata(), path, st);

  result.session_id = record.session_id;
  ST_TRY_ASSIGN(const std::optional<SessionRecord> before, store.indexed(record.session_id));
  if (!force && before && before->file_size == record.file_size &&
      before->file_mtime_ns == record.file_mtime_ns && before->path == path) {
    result.skipped = true;
    result.state = before->state;
    result.problem = before->problem;
    return result;
  }

  ST_TRY_ASSIGN(std::unique_ptr<SessionWriter> writer, store.replace_session(record));
  CountingSink sink(*writer);
  Extractor extractor(reader.metadata(), prompts, sink);
  for (;;) {
    auto next = reader.next();
    if (!next) {
      if (next.error().kind() != util::ErrorKind::corrupt) {
        // A read error part way: what was read is indexed, the rest is said.
        record.state = "incomplete";
        record.problem = next.error().message();
        break;
      }
      record.state = "damaged";
      record.problem = next.error().message();
      break;
    }
    if (!*next) {
      const auto& ending = reader.ending();
      record.state = ending.complete ? "complete" : live ? "live" : "incomplete";
      record.problem = ending.complete || live ? std::string() : ending.incomplete_reason;
      break;
    }
    const format::Event& event = **next;
    note_event(record, event);
    if (const auto* out = std::get_if<format::Output>(&event.data)) {
      result.output_bytes += out->bytes.size();
    }
    extractor.event(event);
  }
  extractor.finish();
  ST_TRY(writer->commit(record));
  result.state = record.state;
  result.problem = record.problem;
  result.commands = sink.commands;
  result.lines = sink.lines;
  result.text_bytes = sink.text_bytes;
  return result;
}

// --- live sessions ---

struct LiveIndexer::State
{
  // The file as it was when following began: compaction replaces a finished recording under
  // the same name right after the session.
  util::Fd fd;
  std::string fd_path;
  std::optional<format::RecordingReader> reader;
  std::optional<format::ResumePoint> boundary; // where reading starts again
  std::uint64_t size_read = 0;                 // the file's size when it was last read
  bool final_read = false; // the recorder has stopped: the file is read once more
  bool in_index = false;   // rows written: later updates add to them
  HeldRows rows;
  std::unique_ptr<Extractor> extractor;
};

LiveIndexer::LiveIndexer(std::string path, std::unique_ptr<State> state)
    : m_path(std::move(path)), m_state(std::move(state))
{}

LiveIndexer::~LiveIndexer() = default;

util::Result<std::unique_ptr<LiveIndexer>> LiveIndexer::start(const PromptParser& prompts,
                                                              const std::string& path)
{
  auto state = std::make_unique<State>();
  ST_TRY_ASSIGN(state->fd, util::open_file(path, O_RDONLY));
  state->fd_path = "/proc/self/fd/" + std::to_string(state->fd.get());
  ST_TRY_ASSIGN(format::RecordingReader reader, format::RecordingReader::open(state->fd_path));
  struct stat st
  {};
  if (::fstat(state->fd.get(), &st) != 0) {
    return util::fail(util::Error::from_errno(errno, path));
  }
  std::unique_ptr<LiveIndexer> live(new LiveIndexer(path, nullptr));
  live->m_record = record_for(reader.metadata(), path, st);
  state->extractor = std::make_unique<Extractor>(reader.metadata(), prompts, state->rows);
  state->reader.emplace(std::move(reader));
  live->m_state = std::move(state);
  return live;
}

util::Result<bool> LiveIndexer::update(IndexStore& store)
{
  State& st = *m_state;
  struct stat now
  {};
  if (::fstat(st.fd.get(), &now) != 0) {
    return util::fail(util::Error::from_errno(errno, m_path));
  }
  const auto size = static_cast<std::uint64_t>(now.st_size);
  const bool live = util::is_locked_exclusively(st.fd.get());
  if (!st.reader) {
    // Read again from where reading stopped, once there is more, or once more after the
    // recorder stopped (its last frame may have been read while it was being written).
    if (size == st.size_read && live) {
      return false;
    }
    st.final_read = !live;
    if (!st.boundary) {
      return util::fail(util::ErrorKind::corrupt, "{}: cannot follow the recording", m_path);
    }
    ST_TRY_ASSIGN(format::RecordingReader reader,
                  format::RecordingReader::open_at(st.fd_path, *st.boundary));
    st.reader.emplace(std::move(reader));
  }
  st.size_read = size;

  bool ended = false;
  for (;;) {
    if (auto point = st.reader->boundary()) {
      st.boundary = std::move(point);
    }
    auto next = st.reader->next();
    if (!next) {
      if (live && st.boundary) {
        st.reader.reset(); // a frame being written can look damaged: read it again later
        break;
      }
      m_record.state = next.error().kind() == util::ErrorKind::corrupt ? "damaged" : "incomplete";
      m_record.problem = next.error().message();
      ended = true;
      break;
    }
    if (!*next) {
      const format::Ending& ending = st.reader->ending();
      if (ending.complete) {
        m_record.state = "complete";
        m_record.problem.clear();
        ended = true;
      } else if (!live && st.final_read) {
        m_record.state = "incomplete";
        m_record.problem = ending.incomplete_reason;
        ended = true;
      } else {
        st.reader.reset();
      }
      break;
    }
    note_event(m_record, **next);
    st.extractor->event(**next);
  }
  if (!ended) {
    m_record.state = "live";
    m_record.problem.clear();
  }
  m_record.file_size = size;
  m_record.file_mtime_ns =
      static_cast<std::int64_t>(now.st_mtim.tv_sec) * 1'000'000'000 + now.st_mtim.tv_nsec;

  ST_TRY_ASSIGN(std::unique_ptr<SessionWriter> writer,
                st.in_index ? store.extend_session(m_record) : store.replace_session(m_record));
  if (ended) {
    st.extractor->finish();
  }
  st.rows.give(*writer);
  if (!ended) {
    st.extractor->snapshot(writer->provisional());
  }
  ST_TRY(writer->commit(m_record));
  st.in_index = true;
  return ended;
}

} // namespace shelltrail::index
