// shelltrail index: brings the index up to date with the spool's recordings (new, changed and
// live ones indexed, those gone removed), or indexes the files named; --rebuild starts anew.

#include "cli/command.hpp"
#include "cli/index_access.hpp"
#include "index/indexer.hpp"
#include "util/time.hpp"

#include <fmt/core.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>

namespace shelltrail::cli {
namespace {

struct IndexOptions
{
  IndexChoice choice;
  std::vector<std::string> sessions;
  bool rebuild = false;
  bool quiet = false;
};

int run_index(const IndexOptions& options)
{
  const auto started = std::chrono::steady_clock::now();
  auto spool = spool_directory(options.choice.spool);
  if (!spool) {
    print_error(spool.error());
    return exit_code_for(spool.error());
  }
  std::vector<std::string> files;
  const bool whole_spool = options.sessions.empty();
  if (whole_spool) {
    if (::access(spool->c_str(), R_OK | X_OK) != 0) {
      const util::Error error = util::Error::from_errno(errno, "spool " + *spool);
      print_error(error);
      return exit_code_for(error);
    }
    files = find_recordings(*spool);
    // Oldest first (the path is <yyyy>/<mm>/<dd>/<time-sortable id>): the index's order.
    std::sort(files.begin(), files.end());
  } else {
    for (const std::string& session : options.sessions) {
      auto file = resolve_recording(session, options.choice.spool);
      if (!file) {
        print_error(file.error());
        return exit_code_for(file.error());
      }
      files.push_back(*file);
    }
  }
  auto store = open_index(options.choice,
                          options.rebuild ? index::OpenMode::rebuild : index::OpenMode::read_write);
  if (!store) {
    print_error(store.error());
    return exit_code_for(store.error());
  }
  auto prompts = index::PromptParser::make();
  if (!prompts) {
    print_error(prompts.error());
    return exit_code_for(prompts.error());
  }

  std::size_t indexed = 0;
  std::size_t unchanged = 0;
  std::size_t failed = 0;
  std::size_t commands = 0;
  std::uint64_t bytes = 0;
  std::vector<std::string> kept;
  for (const std::string& file : files) {
    auto result = index::index_recording(**store, *prompts, file, options.rebuild);
    if (!result) { // the index cannot be written: nothing more can be done
      print_error(result.error());
      return k_exit_unreadable;
    }
    if (result->unreadable) { // said, and the run goes on
      print_warning(fmt::format("not indexed: {}", result->unreadable->message()));
      ++failed;
      continue;
    }
    kept.push_back(result->session_id);
    if (result->skipped) {
      ++unchanged;
      continue;
    }
    ++indexed;
    commands += result->commands;
    bytes += result->output_bytes;
    if (result->state == "damaged" || result->state == "incomplete") {
      print_warning(fmt::format(
          "{}: {}, indexed up to where it stops: {}", file, result->state, result->problem));
    }
  }
  std::size_t removed = 0;
  if (whole_spool) {
    auto gone = (*store)->remove_sessions_except(kept);
    if (!gone) {
      print_error(gone.error());
      return exit_code_for(gone.error());
    }
    removed = *gone;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!options.quiet) {
    fmt::print(
        "indexed {} session{} ({:.1f} MB of output, {} commands) in {:.1f} s; {} unchanged, {} "
        "removed{}\n",
        indexed,
        indexed == 1 ? "" : "s",
        static_cast<double>(bytes) / 1e6,
        commands,
        seconds,
        unchanged,
        removed,
        failed > 0 ? fmt::format(", {} not readable", failed) : std::string());
  }
  return failed > 0 ? k_exit_altered : k_exit_ok;
}

} // namespace

Run add_index(CLI::App& app)
{
  auto options = std::make_shared<IndexOptions>();
  CLI::App* cmd =
      app.add_subcommand("index", "Bring the search index up to date with the recordings");
  add_index_options(cmd, options->choice);
  cmd->add_option("SESSION", options->sessions, "Only these sessions (ids, prefixes or files)");
  cmd->add_flag(
      "--rebuild", options->rebuild, "Start from an empty index and index every recording");
  cmd->add_flag("-q,--quiet", options->quiet, "No summary line");
  cmd->footer("The recordings are the truth: the index is a cache, rebuilt from them at any time.\n"
              "Exit status: 0, 2 if a file could not be indexed (named on stderr), 3 if the spool "
              "or the index cannot be used, 64 for a bad option.");
  return [options] { return run_index(*options); };
}

} // namespace shelltrail::cli
