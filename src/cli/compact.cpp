// shelltrail compact FILE...: re-packs finished recordings into large, better-compressed frames
// (the hash chain is unchanged). The recorder starts it by itself after each session when
// `compact` is on, with --index-into when `index` is on too.

#include "cli/command.hpp"
#include "format/compactor.hpp"
#include "index/indexer.hpp"
#include "index/sqlite_store.hpp"
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
  std::string index_into; // then add the recordings to this index
};

// Adds the compacted recordings to the index (a failure is said, the recordings are fine).
int index_files(const std::vector<std::string>& files, const std::string& index_path)
{
  auto store = index::open_sqlite_store(index_path, index::OpenMode::read_write);
  auto prompts = index::PromptParser::make();
  if (!store || !prompts) {
    print_error(!store ? store.error() : prompts.error());
    return k_exit_unreadable;
  }
  int worst = k_exit_ok;
  for (const std::string& file : files) {
    auto result = index::index_recording(**store, *prompts, file, false);
    if (!result || result->unreadable) {
      print_error(!result ? result.error() : *result->unreadable);
      worst = k_exit_unreadable;
    }
  }
  return worst;
}

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
  if (!options.index_into.empty()) {
    worst = std::max(worst, index_files(options.files, options.index_into));
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
  cmd->add_option("--index-into", options->index_into, "Then add the recordings to this index");
  return [options] { return run_compact(*options); };
}

} // namespace shelltrail::cli
