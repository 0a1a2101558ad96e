#pragma once
// Keyframes: the terminal state at points of a recording, so that a seek replays a few MB from
// the nearest one instead of everything from the start (issue: under 0.2 s anywhere in 1 GB).
//
// A keyframe is taken at a frame boundary (where RecordingReader::open_at can start) once at
// least `interval_bytes` of output have passed since the previous one. It holds the
// TerminalModel's repaint (the whole state: both screens, modes, pen) and the reader's resume
// point. They are computed from the recording and kept in a cache file of the reviewer's
// (`$XDG_CACHE_HOME/shelltrail/keyframes/<session-id>.keys`), valid for one version of the file
// (device, inode, size, modification time): compaction or a growing live recording makes a new
// one. The recording stays the truth: a resume point that does not link into the file's hash
// chain is an error of the reader, never followed.

#include "format/recording_reader.hpp"
#include "term/terminal_model.hpp"
#include "util/error.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace shelltrail::player {

struct Keyframe
{
  // The state after every event up to `time` (the last event before the boundary).
  std::chrono::microseconds time{0};
  std::uint64_t output_bytes = 0; // output before the boundary
  format::ResumePoint point;
  term::Size size;
  std::uint64_t repaint_at = 0; // in the cache file
  std::uint64_t repaint_len = 0;
};

// Which version of a recording file keyframes belong to.
struct FileIdentity
{
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  bool operator==(const FileIdentity&) const = default;
};

util::Result<FileIdentity> identify_file(const std::string& path);

// The terminal size a recording starts with (80x24 when the metadata has none).
term::Size initial_size(const format::Metadata& metadata);

class Keyframes
{
public:
  struct Options
  {
    // At ~40 MB/s through the model, a seek replays at most ~0.05 s of output from a keyframe.
    std::uint64_t interval_bytes = 2U << 20;
    // Called now and then while building, with the file offset reached and the file size.
    std::function<void(std::uint64_t done, std::uint64_t total)> progress;
  };

  // Reads the whole recording through a TerminalModel and keeps a keyframe per interval. The
  // repaints are held in memory until save(). Fails like RecordingReader (a recording damaged
  // part way gives the keyframes before the damage: `damaged` says so).
  static util::Result<Keyframes> build(const std::string& path, const Options& options);
  // Loads a cache file; nullopt when it is missing, unreadable, or for another version of the
  // recording (then build again).
  static std::optional<Keyframes> load(const std::string& cache_path, const FileIdentity& file);
  // Writes the cache file (atomically: a temporary file renamed into place).
  util::Result<void> save(const std::string& cache_path) const;

  // The last keyframe at or before `time`; nullptr when none (start from the beginning).
  const Keyframe* at_or_before(std::chrono::microseconds time) const;
  util::Result<std::string> repaint(const Keyframe& keyframe) const;
  const std::vector<Keyframe>& all() const;
  const FileIdentity& file() const;

private:
  FileIdentity m_file;
  std::vector<Keyframe> m_keyframes;
  std::string m_cache_path;            // where repaints are read from once loaded
  std::vector<std::string> m_repaints; // built, not yet saved
};

// What the screen shows at `target`: from the last keyframe at or before it (or from the start
// without one), the model fed every event up to `target`. The seek path of the player, and
// what the tests and the seek benchmark check against playing from the start.
util::Result<term::TerminalModel>
model_at(const std::string& path, const Keyframes* keyframes, std::chrono::microseconds target);

// Feeds one event to `model` when it changes the screen (output, error output, resize).
void feed_event(term::TerminalModel& model, const format::Event& event);

// `$XDG_CACHE_HOME/shelltrail/keyframes/<session_id>.keys` (~/.cache when unset).
std::string keyframe_cache_path(const std::string& session_id);

} // namespace shelltrail::player
