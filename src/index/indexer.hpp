#pragma once
// The indexer: plays recordings through the extractor into an IndexStore. A recording whose
// file has not changed since it was indexed is skipped; a damaged one is indexed up to the
// damage and reported, never the end of the run.

#include "index/index_store.hpp"
#include "index/prompt_parser.hpp"

#include <memory>
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

// Indexes a recording that is still being written, as it grows (`shelltrail index --follow`):
// each update() reads what the recorder has written since the last one, from where reading
// stopped, through the same extractor, and adds its rows to the index, with the session's
// screen and running full-screen program as provisional rows that the next update replaces.
// When the recording ends (its trailer, or the recorder stopped), the session is finished in
// the index as index_recording() would have left it.
class LiveIndexer
{
public:
  // Fails while the recording's header is not written yet (try again later).
  static util::Result<std::unique_ptr<LiveIndexer>> start(const PromptParser& prompts,
                                                          const std::string& path);
  ~LiveIndexer();
  LiveIndexer(const LiveIndexer&) = delete;
  LiveIndexer& operator=(const LiveIndexer&) = delete;

  // Reads what is new and brings the index up to date; true once the session has ended (its
  // final state is in the index, nothing more to follow).
  util::Result<bool> update(IndexStore& store);

  const std::string& path() const
  {
    return m_path;
  }
  const SessionRecord& record() const
  {
    return m_record;
  }

private:
  struct State;
  LiveIndexer(std::string path, std::unique_ptr<State> state);

  std::string m_path;
  SessionRecord m_record;
  std::unique_ptr<State> m_state;
};

} // namespace shelltrail::index
