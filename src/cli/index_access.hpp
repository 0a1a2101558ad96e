#pragma once
// The index a command reads or writes: `<spool>/index.sqlite` of the chosen spool, or --index.

#include "cli/spool_lookup.hpp"
#include "index/index_store.hpp"
#include "index/sqlite_store.hpp"

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

namespace shelltrail::cli {

struct IndexChoice
{
  SpoolChoice spool;
  std::string index; // --index FILE
};

// Adds --spool, --system and --index to `command`.
void add_index_options(CLI::App* command, IndexChoice& choice);

util::Result<std::string> index_path(const IndexChoice& choice);

util::Result<std::unique_ptr<index::IndexStore>> open_index(const IndexChoice& choice,
                                                            index::OpenMode mode);

// "1h2m3.456s": an offset as `play --at` takes it.
std::string at_offset(std::chrono::microseconds offset);

} // namespace shelltrail::cli
