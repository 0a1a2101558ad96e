// shelltrail index: brings the index up to date with the spool's recordings (new, changed and
// live ones indexed, those gone removed), or indexes the files named; --rebuild starts anew;
// --follow keeps it up to date, live sessions as they grow.

#include "cli/command.hpp"
#include "cli/index_access.hpp"
#include "index/indexer.hpp"
#include "sys/signal_fd.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"
#include "util/time.hpp"

#include <fmt/core.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>

namespace shelltrail::cli {
namespace {

struct IndexOptions
{
  IndexChoice choice;
  std::vector<std::string> sessions;
  bool rebuild = false;
  bool quiet = false;
  bool follow = false;
  double interval_s = 2.0;
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

// The version of a file last looked at: unchanged files are not opened again.
struct FileVersion
{
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  bool operator==(const FileVersion&) const = default;
};

std::optional<FileVersion> file_version(const std::string& path)
{
  struct stat st
  {};
  if (::stat(path.c_str(), &st) != 0) {
    return std::nullopt;
  }
  return FileVersion{static_cast<std::uint64_t>(st.st_size),
                     static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 +
                         st.st_mtim.tv_nsec};
}

bool being_recorded(const std::string& path)
{
  auto fd = util::open_file(path, O_RDONLY);
  return fd && util::is_locked_exclusively(fd->get());
}

// index --follow: every interval, new and changed recordings are indexed and live ones
// followed (each read on from where it stopped), until SIGINT or SIGTERM.
int run_follow(const IndexOptions& options)
{
  auto spool = spool_directory(options.choice.spool);
  if (!spool) {
    print_error(spool.error());
    return exit_code_for(spool.error());
  }
  if (!options.sessions.empty() || options.rebuild) {
    print_error(util::Error(util::ErrorKind::usage,
                            "index --follow follows the whole spool: no SESSION, no --rebuild"));
    return k_exit_usage;
  }
  if (!(options.interval_s >= 0.05 && options.interval_s <= 3600)) {
    print_error(util::Error(util::ErrorKind::usage, "--interval takes 0.05 to 3600 seconds"));
    return k_exit_usage;
  }
  auto store = open_index(options.choice, index::OpenMode::read_write);
  if (!store) {
    print_error(store.error());
    return exit_code_for(store.error());
  }
  auto prompts = index::PromptParser::make();
  if (!prompts) {
    print_error(prompts.error());
    return exit_code_for(prompts.error());
  }
  auto signals = sys::SignalFd::create({SIGINT, SIGTERM, SIGHUP});
  if (!signals) {
    print_error(signals.error());
    return k_exit_unreadable;
  }
  const auto say = [&options](const std::string& line) {
    if (!options.quiet) {
      fmt::print("{}\n", line);
      std::fflush(stdout);
    }
  };
  std::map<std::string, std::unique_ptr<index::LiveIndexer>> live;
  // Files looked at: their version then, and the session they hold (empty: not readable).
  struct Seen
  {
    FileVersion version;
    std::string session_id;
  };
  std::map<std::string, Seen> seen;
  const auto interval_ms = static_cast<int>(options.interval_s * 1000);
  for (;;) {
    pollfd wait{signals->fd(), POLLIN, 0};
    // A spool that is not there yet is waited for (the first session makes it).
    if (::access(spool->c_str(), R_OK | X_OK) != 0) {
      if (errno != ENOENT) {
        const util::Error error = util::Error::from_errno(errno, "spool " + *spool);
        print_error(error);
        return exit_code_for(error);
      }
      if (::poll(&wait, 1, interval_ms) > 0 && signals->read()) {
        return k_exit_ok;
      }
      continue;
    }
    std::vector<std::string> files = find_recordings(*spool);
    std::sort(files.begin(), files.end());
    std::vector<std::string> kept;
    for (const std::string& file : files) {
      if (auto it = live.find(file); it != live.end()) {
        kept.push_back(it->second->record().session_id);
        continue;
      }
      const std::optional<FileVersion> version = file_version(file);
      if (!version) {
        continue;
      }
      if (const auto it = seen.find(file); it != seen.end() && it->second.version == *version) {
        if (!it->second.session_id.empty()) {
          kept.push_back(it->second.session_id);
        }
        continue;
      }
      if (being_recorded(file)) {
        auto follower = index::LiveIndexer::start(*prompts, file);
        if (follower) { // (not yet: its header is still being written)
          kept.push_back((*follower)->record().session_id);
          say(fmt::format("following {}", (*follower)->record().session_id));
          live.emplace(file, std::move(*follower));
          seen.erase(file);
        }
        continue;
      }
      auto result = index::index_recording(**store, *prompts, file, false);
      if (!result) {
        print_error(result.error());
        return k_exit_unreadable;
      }
      seen[file] = Seen{*version, result->unreadable ? std::string() : result->session_id};
      if (result->unreadable) {
        print_warning(fmt::format("not indexed: {}", result->unreadable->message()));
        continue;
      }
      kept.push_back(result->session_id);
      if (!result->skipped) {
        say(fmt::format("indexed {} ({})", result->session_id, result->state));
      }
    }
    for (auto it = live.begin(); it != live.end();) {
      auto ended = it->second->update(**store);
      if (!ended) { // said once; followed again when the file changes
        print_warning(fmt::format("{}: {}", it->first, ended.error().message()));
        if (const auto version = file_version(it->first)) {
          seen[it->first] = Seen{*version, it->second->record().session_id};
        }
        it = live.erase(it);
        continue;
      }
      if (*ended) {
        say(fmt::format(
            "indexed {} ({})", it->second->record().session_id, it->second->record().state));
        it = live.erase(it); // (compaction changes the file next: indexed again from it)
      } else {
        ++it;
      }
    }
    if (auto gone = (*store)->remove_sessions_except(kept); !gone) {
      print_error(gone.error());
      return exit_code_for(gone.error());
    }
    if (::poll(&wait, 1, interval_ms) > 0 && signals->read()) {
      return k_exit_ok;
    }
  }
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
  cmd->add_flag("-f,--follow",
                options->follow,
                "Keep the index up to date until interrupted: new recordings indexed, live "
                "sessions as they grow");
  cmd->add_option("--interval", options->interval_s, "With --follow: seconds between looks (2)");
  cmd->footer("The recordings are the truth: the index is a cache, rebuilt from them at any time.\n"
              "Exit status: 0, 2 if a file could not be indexed (named on stderr), 3 if the spool "
              "or the index cannot be used, 64 for a bad option.");
  return [options] { return options->follow ? run_follow(*options) : run_index(*options); };
}

} // namespace shelltrail::cli
