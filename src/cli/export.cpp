// shelltrail export SESSION --format FORMAT [-o FILE]: a recording in another tool's format, on
// standard output or into a new file. Formats: asciicast (v2, what asciinema 2 and most players
// read) and asciicast-v3 (asciinema 3's default). A cast is made to be played in a terminal, so
// output bytes go through the OutputSanitizer unless --raw (docs/player.md, "Safe output").
// Exit status as dump: what precedes damage is exported, then 1 (incomplete) or 2 (altered).

#include "cli/command.hpp"
#include "cli/spool_lookup.hpp"
#include "cli/verdict.hpp"
#include "export/asciicast.hpp"
#include "export/transcript.hpp"
#include "format/recording_reader.hpp"
#include "format/verify.hpp"
#include "player/output_sanitizer.hpp"
#include "util/file.hpp"

#include <fmt/core.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <optional>

namespace shelltrail::cli {
namespace {

// More formats (text, html) join this list as they come.
const std::vector<std::string> k_formats = {"asciicast", "asciicast-v3", "text", "html"};

struct ExportOptions
{
  std::string session;
  SpoolChoice spool;
  std::string format;
  std::string output; // empty: standard output
  bool raw = false;
  bool no_input = false;
  bool timestamps = false; // text, html
};

// Where the export goes: standard output, or a file created for it (removed again when the
// export fails, so that no half file looks like a whole one).
class Destination
{
public:
  static util::Result<Destination> open(const std::string& path)
  {
    Destination destination;
    if (path.empty() || path == "-") {
      destination.m_file = stdout;
      return destination;
    }
    // 0600 like recordings: a cast holds everything the session showed.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
      const int error = errno;
      if (error == EEXIST) {
        return util::fail(util::ErrorKind::usage,
                          "{} already exists; remove it or choose another name with -o",
                          path);
      }
      return util::fail(util::Error::from_errno(error, "creating " + path));
    }
    destination.m_file = fdopen(fd, "w");
    destination.m_path = path;
    if (destination.m_file == nullptr) {
      const int error = errno;
      ::close(fd);
      ::unlink(path.c_str());
      return util::fail(util::Error::from_errno(error, "opening " + path));
    }
    return destination;
  }

  Destination() = default;
  Destination(Destination&& other) noexcept
      : m_file(std::exchange(other.m_file, nullptr)), m_path(std::move(other.m_path))
  {}
  Destination& operator=(Destination&&) = delete;
  Destination(const Destination&) = delete;
  Destination& operator=(const Destination&) = delete;
  ~Destination()
  {
    if (m_file != nullptr && m_file != stdout) {
      std::fclose(m_file);
      ::unlink(m_path.c_str()); // not committed: an export that failed
    }
  }

  util::Result<void> write(std::string& text)
  {
    if (!text.empty() && std::fwrite(text.data(), 1, text.size(), m_file) != text.size()) {
      return util::fail(util::Error::from_errno(errno, "writing " + name()));
    }
    text.clear();
    return {};
  }

  // Flushes and closes; the file stays.
  util::Result<void> commit()
  {
    std::FILE* file = std::exchange(m_file, nullptr);
    if (file == stdout) {
      if (std::fflush(stdout) != 0) {
        return util::fail(util::Error::from_errno(errno, "writing " + name()));
      }
      return {};
    }
    if (std::fclose(file) != 0) {
      const int error = errno;
      ::unlink(m_path.c_str());
      return util::fail(util::Error::from_errno(error, "writing " + name()));
    }
    return {};
  }

private:
  std::string name() const
  {
    return m_path.empty() ? std::string("standard output") : m_path;
  }

  std::FILE* m_file = nullptr;
  std::string m_path;
};

constexpr std::size_t k_write_batch = std::size_t{64} << 10;

int run_export(const ExportOptions& options)
{
  auto file = resolve_recording(options.session, options.spool);
  if (!file) {
    print_error(file.error());
    return exit_code_for(file.error());
  }
  auto reader = format::RecordingReader::open(*file);
  if (!reader) {
    print_error(reader.error());
    return exit_code_for(reader.error());
  }
  auto destination = Destination::open(options.output);
  if (!destination) {
    print_error(destination.error());
    return exit_code_for(destination.error());
  }
  const bool transcript_format = options.format == "text" || options.format == "html";
  if (options.raw && !transcript_format) {
    print_warning("--raw: output is exported unfiltered; a terminal that plays the cast will act "
                  "on every escape sequence in it");
  }
  const auto fail_with = [](const util::Error& error) {
    print_error(error);
    return exit_code_for(error);
  };

  export_::AsciicastWriter writer({options.format == "asciicast-v3" ? export_::AsciicastVersion::v3
                                                                    : export_::AsciicastVersion::v2,
                                   !options.no_input});
  std::optional<player::OutputSanitizer> filter;
  if (!options.raw && !transcript_format) {
    filter.emplace();
  }
  // A transcript holds screen text only (the terminal model interprets the escape sequences).
  std::optional<export_::TranscriptWriter> transcript;
  if (transcript_format) {
    transcript.emplace(reader->metadata(),
                       export_::TranscriptOptions{options.timestamps, options.format == "html"});
  }
  std::string out;
  if (transcript) {
    transcript->header(out);
  } else {
    writer.header(reader->metadata(), out);
  }

  format::VerifyReport report;
  report.metadata = reader->metadata();
  std::string safe;
  for (;;) {
    auto next = reader->next();
    if (!next) {
      if (next.error().kind() != util::ErrorKind::corrupt) {
        return fail_with(next.error());
      }
      report.verdict = format::Verdict::altered;
      report.detail = next.error().message();
      report.damage = reader->position();
      break;
    }
    if (!*next) {
      report.verdict =
          reader->ending().complete ? format::Verdict::ok : format::Verdict::incomplete;
      report.detail = reader->ending().incomplete_reason;
      break;
    }
    format::Event event = **next;
    if (transcript) {
      transcript->event(event, out);
      if (out.size() >= k_write_batch) {
        if (auto written = destination->write(out); !written) {
          return fail_with(written.error());
        }
      }
      continue;
    }
    std::string_view* bytes = format::payload_bytes(event.data);
    if (filter && bytes != nullptr && !std::holds_alternative<format::Input>(event.data)) {
      safe.clear();
      filter->feed(*bytes, safe);
      *bytes = safe;
    }
    writer.event(event, out);
    if (out.size() >= k_write_batch) {
      if (auto written = destination->write(out); !written) {
        return fail_with(written.error());
      }
    }
  }
  if (filter) {
    safe.clear();
    filter->finish(safe);
    if (!safe.empty()) {
      writer.event({reader->stats().last_time, format::Output{safe}}, out);
    }
  }
  if (transcript) {
    transcript->finish(out);
  } else {
    writer.finish(out);
  }
  if (auto written = destination->write(out); !written) {
    return fail_with(written.error());
  }
  if (auto committed = destination->commit(); !committed) {
    return fail_with(committed.error());
  }
  if (filter && filter->counts().dropped() != 0) {
    print_warning(fmt::format("dropped {} escape sequences that could act on a terminal ({}); "
                              "--raw keeps them",
                              filter->counts().dropped(),
                              filter->counts().describe()));
  }
  report.stats = reader->stats();
  return report_verdict(*file, report);
}

} // namespace

Run add_export(CLI::App& app)
{
  auto options = std::make_shared<ExportOptions>();
  CLI::App* cmd = app.add_subcommand(
      "export",
      "Write a recording in another format: asciicast v2 or v3 (asciinema), text or html");
  cmd->add_option(
         "SESSION", options->session, "A session id (or a unique prefix) or a recording file")
      ->required();
  add_spool_options(cmd, options->spool);
  cmd->add_option("-f,--format",
                  options->format,
                  "asciicast (v2: asciinema 2, the asciinema player and server), asciicast-v3 "
                  "(asciinema 3), text (the lines as they scrolled, then the last screen) or html "
                  "(the same in a self-contained page)")
      ->required()
      ->check(CLI::IsMember(k_formats));
  cmd->add_option(
      "-o,--output", options->output, "Write into this new file (default: standard output)");
  cmd->add_flag("--raw",
                options->raw,
                "Export output bytes unfiltered (by default escape sequences that could act on a "
                "terminal, such as clipboard writes, title changes and queries, are dropped)");
  cmd->add_flag("--no-input", options->no_input, "Leave out typed input (\"i\" events)");
  cmd->add_flag("--timestamps",
                options->timestamps,
                "text, html: the time (UTC) each line left the screen, before it");
  cmd->footer("Redacted input (passwords) is never exported. asciicast v3 ends with the exit "
              "status (\"x\"). Exit status: 0, or 1/2 when the recording is incomplete/altered "
              "(what precedes is exported), 3 when it cannot be read, 64 for a bad command line.");
  return [options] { return run_export(*options); };
}

} // namespace shelltrail::cli
