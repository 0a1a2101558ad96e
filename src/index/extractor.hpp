#pragma once
// Extractor: what the indexer takes from one recording, by playing it through the terminal
// model (the player's, src/term): the commands submitted at a shell prompt, the full-screen
// programs run (activity spans), and the screen text as it scrolled off or was left on screen.
//
// A command is the line as the shell shows it when it takes Enter: the indexer counts the Enters
// in the input and, at the next line feed in the output (the shell moving to the next line), reads
// the cursor's line — after the shell's own redraw, so that tab completion, history recall, Ctrl-R
// and line editing give the command actually run, not the keystrokes. A line without a prompt is
// not a command (input to a program); Enter on the alternate screen (vim, less, top) is not one
// either; a redacted Enter (a password) is never looked at.
//
// Two ways of entering commands do not fit "one Enter, one line feed, one prompt line":
// - a bracketed paste of several lines: its line breaks are not Enters (the shell inserts them
//   into the line), and the Enter that follows submits every pasted line, the first after the
//   prompt;
// - a line typed ahead while a command runs: the terminal echoes it with no prompt before it
//   (the Enter's line feed finds no prompt), and the shell takes it when its prompt comes back,
//   with no Enter then. Such a line is remembered as the terminal showed it, and a later prompt
//   line showing the same command is that command (at the time of its Enter).

#include "format/event.hpp"
#include "format/metadata.hpp"
#include "index/prompt_parser.hpp"
#include "term/terminal_model.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace shelltrail::index {

// Where the session was at a moment: the target host, user and directory the prompt showed
// (the jump box's host and the recorded user until a prompt says otherwise).
struct Place
{
  std::string user;
  std::string host;
  std::string cwd;
};

struct CommandRecord
{
  std::chrono::microseconds offset{0}; // when Enter was pressed, from the session's start
  Place place;
  std::string prompt;
  std::string command;
};

struct ActivityRecord
{
  std::chrono::microseconds start{0};
  std::chrono::microseconds end{0};
  std::string program; // the command that started it ("vim notes.txt"), or empty
  Place place;
};

struct OutputLine
{
  std::chrono::microseconds offset{0}; // when its last character was written
  std::string text;                    // wrapped rows joined, trailing blanks removed
  std::string host;                    // the target host at that time
  std::string user;                    // the target user at that time
};

class ExtractorSink
{
public:
  virtual ~ExtractorSink() = default;
  virtual void command(const CommandRecord& record) = 0;
  virtual void activity(const ActivityRecord& record) = 0;
  virtual void output_line(const OutputLine& line) = 0;
};

class Extractor
{
public:
  Extractor(const format::Metadata& metadata, const PromptParser& prompts, ExtractorSink& sink);
  ~Extractor();
  Extractor(const Extractor&) = delete;
  Extractor& operator=(const Extractor&) = delete;

  void event(const format::Event& event);
  // The end of what is recorded: the lines still on screen, an open activity.
  void finish();
  // What finish() would give now, to `sink`, leaving everything as it is: a live session's
  // screen and open activity, indexed until the session goes on.
  void snapshot(ExtractorSink& sink) const;

private:
  void output(std::string_view bytes);
  void typed_keys(std::string_view bytes);
  std::string logical_line(int row, int& first, int& last) const;
  void submitted_line();
  bool typed_ahead_line();
  void burst_line();
  // A command line known whole (no continuation), recorded at `offset`.
  void whole_command(PromptMatch& match, std::chrono::microseconds offset);
  std::optional<PromptMatch> parse_prompt(std::string_view line) const;
  void take_place(const PromptMatch& match);
  void scrolled(std::string_view text, bool continues, std::int64_t stamp);
  void line_done();
  void flush_lines();
  const Place& place_at(std::chrono::microseconds offset) const;
  std::vector<OutputLine> remaining_lines() const;
  void check_alternate();

  const PromptParser& m_prompts;
  ExtractorSink& m_sink;
  std::unique_ptr<term::TerminalModel> m_model;
  std::chrono::microseconds m_time{0};
  Place m_place;
  // Where the session was from when: the jump box from the start, then each change of host or
  // user a prompt showed. Screen lines get the place of the time they were written.
  std::vector<std::pair<std::chrono::microseconds, Place>> m_places;
  std::vector<OutputLine> m_pending_lines;
  Place m_jump_box;
  int m_pending_enters = 0;
  std::chrono::microseconds m_enter_time{0};
  bool m_in_paste = false; // inside a bracketed paste (ESC [200~ ... ESC [201~) in the input
  int m_pasted_breaks = 0; // line breaks pasted since the last Enter: lines of the next command
  // Lines typed ahead while a command ran, as the terminal echoed them (no prompt before them),
  // and when their Enter was pressed: the shell takes them when its prompt comes back.
  struct TypedAhead
  {
    std::string text;
    std::chrono::microseconds enter_time{0};
  };
  std::deque<TypedAhead> m_typed_ahead;
  // The last input had several Enters (a paste without bracketed paste mode), when it came, and
  // how many of its Enters went to line feeds of lines with no prompt (maybe the output of an
  // earlier line of it): a prompt line's line feed with no Enter waiting takes one back.
  bool m_burst = false;
  std::chrono::microseconds m_burst_time{0};
  int m_burst_lent = 0;
  std::string m_joined;            // a wrapped line's beginning, while it scrolls off
  std::int64_t m_joined_stamp = 0; // when its last character was written (microseconds)
  std::optional<CommandRecord> m_last_command;
  bool m_continuing = false; // the last command ended with a backslash: "> " lines continue it
  std::optional<ActivityRecord> m_activity;
  bool m_alternate = false;
};

} // namespace shelltrail::index
