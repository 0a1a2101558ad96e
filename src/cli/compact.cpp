// shelltrail compact FILE...: re-packs finished recordings into large, better-compressed frames
// (the hash chain is unchanged). The recorder starts it by itself after each session when
// `compact` is on.

#include "cli/command.hpp"
#include "format/compactor.hpp"
#include "util/text.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <memory>

namespace shelltrail::cli {
namespace {

struct CompactCommandOptions
{
  std::vector<std::string> files;
  int level = 9;
  bool quiet = false;
};

int run_compact(const CompactCommandOptions& options)
{
  int worst = k_exit_ok;
  for (const std::string& file : options.files) {
    auto stats = format::compact_recording(file, {.zstd_level = options.level});
    if (!stats) {
      print_error(stats.error());
      worst = std::max(worst, exit_code_for(stats.error()));
      continue;
    }
    if (!options.quiet) {
      fmt::print("{}: {} -> {} ({:.3f}), {} frames -> {}\n",
                 file,
                 util::to_human_bytes(stats->bytes_before),
                 util::to_human_bytes(stats->bytes_after),
                 static_cast<double>(stats->bytes_after) /
                     static_cast<double>(std::max<std::uint64_t>(stats->bytes_before, 1)),
                 stats->frames_before,
                 stats->frames_after);
    }
  }
  return worst;
}

} // namespace

Run add_compact(CLI::App& app)
{
  auto options = std::make_shared<CompactCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "compact",
      "Re-pack finished recordings in larger, better-compressed frames (chain unchanged)");
  cmd->add_option("FILE", options->files, "Recording files")->required();
  cmd->add_option("--level", options->level, "zstd level")->check(CLI::Range(1, 19));
  cmd->add_flag("-q,--quiet", options->quiet, "Print nothing on success");
  return [options] { return run_compact(*options); };
}

} // namespace shelltrail::cli
