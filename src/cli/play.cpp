// shelltrail play SESSION: replay a recording on the terminal (see player/player.hpp).

#include "cli/command.hpp"
#include "cli/spool_lookup.hpp"
#include "format/recording_reader.hpp"
#include "player/play_time.hpp"
#include "player/player.hpp"

#include <fmt/core.h>

#include <unistd.h>

#include <memory>

namespace shelltrail::cli {
namespace {

struct PlayArguments
{
  std::string session;
  SpoolChoice spool;
  double speed = 1.0;
  double idle_limit = 0;
  std::string at;
  std::string until;
  bool status = false;
  bool raw = false;
  bool follow = false;
  bool no_cache = false;
};

int run_play(const PlayArguments& args)
{
  auto path = resolve_recording(args.session, args.spool);
  if (!path) {
    print_error(path.error());
    return exit_code_for(path.error());
  }
  player::PlayOptions options;
  options.speed = args.speed;
  options.status_line = args.status;
  options.raw = args.raw;
  options.follow = args.follow;
  options.use_keyframe_cache = !args.no_cache;
  options.reset_terminal = isatty(STDOUT_FILENO) != 0;
  if (args.idle_limit > 0) {
    options.idle_limit =
        std::chrono::microseconds(static_cast<std::int64_t>(args.idle_limit * 1e6));
  }
  if (!args.at.empty() || !args.until.empty()) {
    // Wall-clock forms need the recording's start.
    auto reader = format::RecordingReader::open(*path);
    if (!reader) {
      print_error(reader.error());
      return exit_code_for(reader.error());
    }
    const std::int64_t start = reader->metadata().start_unix_ns;
    for (const auto& [text, target] :
         {std::pair{&args.at, &options.start_at}, std::pair{&args.until, &options.until}}) {
      if (text->empty()) {
        continue;
      }
      auto offset = player::parse_play_time(*text, start);
      if (!offset) {
        print_error(offset.error());
        return k_exit_usage;
      }
      *target = *offset;
    }
  }
  if (args.raw && isatty(STDOUT_FILENO) != 0) {
    print_warning("--raw: the recording's escape sequences reach this terminal unfiltered (a "
                  "hostile recording can set the clipboard or the title, or answer queries)");
  }
  auto result = player::play(*path, options, STDIN_FILENO, STDOUT_FILENO);
  if (!result) {
    print_error(result.error());
    return exit_code_for(result.error());
  }
  if (result->output_error) {
    print_error(*result->output_error);
    return exit_code_for(*result->output_error);
  }
  if (!result->size_note.empty()) {
    print_warning(result->size_note);
  }
  // On a terminal the player said so on its bottom row while playing; a line here would
  // scroll the screen it leaves behind.
  if (result->dropped_sequences > 0 && isatty(STDOUT_FILENO) == 0) {
    fmt::print(stderr,
               "shelltrail: {} escape sequences that could act on your terminal were not passed "
               "on ({}; see `shelltrail play --help`, --raw)\n",
               result->dropped_sequences,
               result->dropped_kinds);
  }
  if (result->damage) {
    print_error(util::Error(*result->damage).with_context("playback stopped"));
    return exit_code_for(*result->damage);
  }
  if (result->quit) {
    return k_exit_ok;
  }
  if (!result->complete && !options.until) {
    print_warning(
        fmt::format("{}: incomplete recording, played to its end: {}", *path, result->incomplete));
    return k_exit_incomplete;
  }
  return k_exit_ok;
}

} // namespace

Run add_play(CLI::App& app)
{
  auto args = std::make_shared<PlayArguments>();
  CLI::App* cmd =
      app.add_subcommand("play", "Replay a recording in this terminal, with its timing");
  cmd->add_option("SESSION", args->session, "A session id (or a unique prefix) or a recording file")
      ->required();
  add_spool_options(cmd, args->spool);
  cmd->add_option("-s,--speed", args->speed, "Play this many times faster (0.25, 2, 10 ...)")
      ->check(CLI::Range(1.0 / 64, 4096.0));
  cmd->add_option("-i,--idle-limit", args->idle_limit, "Shorten pauses longer than SECONDS")
      ->check(CLI::Range(0.0, 1e6));
  cmd->add_option("--at", args->at, "Start at an offset (5m, 90s) or a time (14:02:30)");
  cmd->add_option("--until", args->until, "Stop at an offset or a time");
  cmd->add_flag("--status", args->status, "Show the wall-clock time on the bottom row");
  cmd->add_flag("--follow", args->follow, "Follow a live recording from its current screen");
  cmd->add_flag("--raw", args->raw, "Do not filter escape sequences (unsafe; see below)");
  cmd->add_flag("--no-keyframe-cache", args->no_cache, "Do not read or write the keyframe cache");
  cmd->footer(
      "Keys: space pause/resume, . one event while paused, +/- speed, left/right -/+10 s, "
      "shift+left/right or PgUp/PgDn -/+60 s, q quit.\n"
      "Output is filtered: clipboard (OSC 52), title, palette and font changes, terminal "
      "queries and device control strings are dropped (docs/player.md, \"Safe output\").\n"
      "Exit status: 0 played (or quit), 1 incomplete recording played to its end, 2 damaged "
      "(played up to the damage), 3 unreadable or the output could not be written (disk full, "
      "pipe closed), 64 usage.");
  return [args] { return run_play(*args); };
}

} // namespace shelltrail::cli
