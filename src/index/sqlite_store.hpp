#pragma once
// The embedded index: one SQLite database in the spool (`<spool>/index.sqlite`), in WAL mode with
// a busy timeout so that indexers and readers can run at the same time.
//
// Commands are stored with their text and a trigram FTS5 index (any substring of three or more
// characters: `passwd`, `-rf`). Screen text is not stored again as such: lines are kept in
// zstd-compressed blocks of up to 64 KiB, and a contentless FTS5 word index (detail=none) has
// one row per block; a search takes the blocks that have all the words and checks the whole
// query on each of their lines. See docs/search.md.

#include "index/index_store.hpp"

#include <memory>
#include <string>

namespace shelltrail::index {

// The schema version this build writes; an index of another version is refused with a message
// that says to rebuild it.
inline constexpr int k_index_schema_version = 3;

enum class OpenMode {
  read,       // the index must exist
  read_write, // created when missing
  rebuild     // removed and created anew
};

util::Result<std::unique_ptr<IndexStore>> open_sqlite_store(const std::string& path, OpenMode mode);

} // namespace shelltrail::index
