#include "index/indexer.hpp"

#include "format/recording_reader.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"

#include <fmt/core.h>

#include <fcntl.h>
#include <sys/stat.h>

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
    record.end_ns = record.start_ns + event.time.count() * 1000;
    if (const auto* out = std::get_if<format::Output>(&event.data)) {
      result.output_bytes += out->bytes.size();
    } else if (const auto* end = std::get_if<format::End>(&event.data)) {
      record.exit =
          end->termination == format::Termination::signaled ? fmt::format("sig {}", end->value)
          : end->termination == format::Termination::exited ? fmt::format("{}", end->value)
                                                            : std::string();
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

} // namespace shelltrail::index
