#pragma once
// Player: replays a recording on a terminal with its timing, under the reviewer's keys.
//
// Recorded output goes to the terminal through the OutputSanitizer (unless raw), byte for byte
// otherwise, and into a TerminalModel that knows what the screen shows; seeks rebuild the
// screen from that model (from the nearest keyframe, see keyframes.hpp) and repaint it, so the
// result of a seek is what playing up to that point shows. Live follow reads a recording while
// the recorder still writes it.
//
// Keys: space pause/resume, '.' one event while paused, '+'/'-' speed x2 / /2, left/right
// seek -/+10 s, shift+left/right and PgUp/PgDn -/+60 s, 'q' (or Ctrl-C) quit.

#include "util/error.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace shelltrail::player {

struct PlayOptions
{
  double speed = 1.0;
  std::optional<std::chrono::microseconds> idle_limit; // longer pauses are shortened to this
  std::optional<std::chrono::microseconds> start_at;
  std::optional<std::chrono::microseconds> until;
  bool status_line = false; // the wall-clock time on the bottom row (it covers that row)
  bool raw = false;         // no OutputSanitizer: the recording's bytes as they are
  bool follow = false;      // a live recording: start at its current screen, keep up with it
  bool use_keyframe_cache = true;
  // A terminal is reset (RIS) before the first output; off when writing to a pipe.
  bool reset_terminal = true;
};

struct PlayResult
{
  bool complete = false;             // the recording ended with its trailer
  bool quit = false;                 // the reviewer quit before the end
  std::string incomplete;            // why it ends early (recorder stopped), when not complete
  std::optional<util::Error> damage; // played up to here, then this
  std::optional<util::Error> output_error; // the terminal or pipe stopped taking output
  std::uint64_t dropped_sequences = 0;
  std::string dropped_kinds; // "2 title, 1 clipboard"
  std::string size_note;     // "the recording is 200x50, the terminal 80x24" when it was smaller
};

// Plays `path` on `output_fd` (keys from `input_fd`, -1 for none). Fails only when the
// recording cannot be opened; damage part way is in PlayResult.
util::Result<PlayResult>
play(const std::string& path, const PlayOptions& options, int input_fd, int output_fd);

} // namespace shelltrail::player
