#pragma once
// The indexer: plays recordings through the extractor into an IndexStore. A recording whose
// file has not changed since it was indexed is skipped; a damaged one is indexed up to the
// damage and reported, never the end of the run.

#include "index/index_store.hpp"
#include "index/prompt_parser.hpp"

#include <optional>
#include <string>
#include <vector>

namespace shelltrail::index {

struct IndexedFile
{
  std::string path;
  std::string session_id;
  bool skipped = false;           // unchanged since it was last indexed
  std::string state;              // complete, incomplete, damaged, live
  std::string problem;            // why incomplete or damaged
  std::uint64_t output_bytes = 0; // recorded output fed to the terminal model
  std::size_t commands = 0;
  std::size_t lines = 0;
  std::uint64_t text_bytes = 0;          // of the screen lines
  std::optional<util::Error> unreadable; // not a readable recording: nothing indexed
};

// Indexes one recording (again when `force`, or when the file changed). A file that is not a
// readable recording is reported in `unreadable`; fails only when the index cannot be used.
util::Result<IndexedFile> index_recording(IndexStore& store,
                                          const PromptParser& prompts,
                                          const std::string& path,
                                          bool force);

} // namespace shelltrail::index
