#include "cli/index_access.hpp"

#include <fmt/core.h>

namespace shelltrail::cli {

void add_index_options(CLI::App* command, IndexChoice& choice)
{
  add_spool_options(command, choice.spool);
  command->add_option(
      "--index", choice.index, "The index database (default: <spool>/index.sqlite)");
}

util::Result<std::string> index_path(const IndexChoice& choice)
{
  if (!choice.index.empty()) {
    return choice.index;
  }
  ST_TRY_ASSIGN(const std::string spool, spool_directory(choice.spool));
  return spool + "/index.sqlite";
}

util::Result<std::unique_ptr<index::IndexStore>> open_index(const IndexChoice& choice,
                                                            index::OpenMode mode)
{
  ST_TRY_ASSIGN(const std::string path, index_path(choice));
  return index::open_sqlite_store(path, mode);
}

std::string at_offset(std::chrono::microseconds offset)
{
  const std::int64_t ms = offset.count() / 1000;
  const std::int64_t hours = ms / 3'600'000;
  const std::int64_t minutes = ms / 60'000 % 60;
  const std::int64_t seconds = ms / 1000 % 60;
  const std::int64_t millis = ms % 1000;
  std::string text;
  if (hours > 0) {
    text += fmt::format("{}h", hours);
  }
  if (hours > 0 || minutes > 0) {
    text += fmt::format("{}m", minutes);
  }
  text += millis > 0 ? fmt::format("{}.{:03}s", seconds, millis) : fmt::format("{}s", seconds);
  return text;
}

} // namespace shelltrail::cli
