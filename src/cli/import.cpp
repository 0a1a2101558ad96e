// shelltrail import FILE.cast [-o OUT.strec | --spool DIR | --system]: turns an asciicast v2 or v3
// file into a recording, in the spool (personal by default) or a new file, so that casts recorded
// elsewhere can be played, searched and verified here. The recording says it was imported
// (origin "imported:asciicast-v2", an "imported" object with the source's SHA-256): its hash chain
// starts at the import and vouches for nothing before it (docs/format.md, "Metadata").

#include "cli/command.hpp"
#include "cli/spool_lookup.hpp"
#include "export/asciicast.hpp"
#include "recorder/spool.hpp"
#include "util/time.hpp"

#include <fmt/core.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

namespace shelltrail::cli {
namespace {

struct ImportOptions
{
  std::string file;
  std::string output; // -o: a new recording file instead of the spool
  SpoolChoice spool;
  bool quiet = false;
};

int run_import(const ImportOptions& options)
{
  std::string created; // the recording file, removed again if the import fails
  const export_::CreateRecording create =
      [&](const format::Metadata& metadata) -> util::Result<format::RecordingWriter> {
    if (!options.output.empty()) {
      struct stat st
      {};
      if (::lstat(options.output.c_str(), &st) == 0) {
        return util::fail(util::ErrorKind::usage,
                          "{} already exists; remove it or choose another name with -o",
                          options.output);
      }
      auto writer = format::RecordingWriter::create(options.output, metadata, {});
      if (writer) {
        created = options.output; // only now is it ours to remove
      }
      return writer;
    }
    ST_TRY_ASSIGN(std::string spool, spool_directory(options.spool));
    std::error_code error;
    if (const auto absolute = std::filesystem::absolute(spool, error); !error) {
      spool = absolute.lexically_normal().string();
    }
    ST_TRY_ASSIGN(recorder::RecordingFile file,
                  recorder::create_recording_file(spool,
                                                  metadata.start_unix_ns,
                                                  metadata.session_id,
                                                  options.spool.system
                                                      ? recorder::SpoolSharing::system
                                                      : recorder::SpoolSharing::personal));
    created = file.path;
    return format::RecordingWriter::create(std::move(file.fd), metadata, {});
  };
  auto result = export_::import_asciicast(options.file, create);
  if (!result) {
    if (!created.empty()) {
      ::unlink(created.c_str()); // half an import is not a recording
    }
    print_error(result.error());
    return exit_code_for(result.error());
  }
  if (!options.quiet) {
    std::string skipped;
    if (result->skipped_events != 0) {
      skipped = fmt::format(", {} events of unknown codes skipped", result->skipped_events);
    }
    fmt::print("{}: imported as session {} ({} events, {}{}): {}\n",
               options.file,
               result->metadata.session_id,
               result->events,
               util::to_human_duration(result->duration),
               skipped,
               created);
  }
  return k_exit_ok;
}

} // namespace

Run add_import(CLI::App& app)
{
  auto options = std::make_shared<ImportOptions>();
  CLI::App* cmd =
      app.add_subcommand("import", "Turn an asciicast v2 or v3 file (asciinema) into a recording");
  cmd->add_option("FILE", options->file, "An asciicast file (.cast)")->required();
  CLI::Option* output = cmd->add_option(
      "-o,--output", options->output, "Write the recording into this new file, not the spool");
  cmd->add_option("--spool", options->spool.spool, "Import into this spool directory")
      ->excludes(output);
  cmd->add_flag("--system", options->spool.system, "Import into the system spool")
      ->excludes(output);
  cmd->add_flag("-q,--quiet", options->quiet, "Print nothing on success");
  cmd->footer("The recording is marked as imported (origin imported:asciicast-v2 or -v3) with "
              "the source file's SHA-256; `verify` checks it from the import on. Exit status: 0, "
              "2 when the file is malformed (the message names the line), 3 when it cannot be "
              "read or is not asciicast v2/v3, 64 for a bad command line.");
  return [options] { return run_import(*options); };
}

} // namespace shelltrail::cli
