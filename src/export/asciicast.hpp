#pragma once
// asciicast, asciinema's recording format (https://docs.asciinema.org/manual/asciicast/v2/ and
// .../v3/): newline-delimited JSON, a header object on the first line and one event per line,
// [time, code, data]. v2 times are seconds since the start; v3 times are intervals since the
// previous event, its header puts the size in "term": {"cols", "rows", "type"}, it may have
// "#" comment lines and an "x" (exit status) event.
//
// Export: AsciicastWriter turns a recording's metadata and events into lines; what the CLI
// writes where (and whether output goes through the player's OutputSanitizer first) is its
// business. Import: import_asciicast() streams a cast line by line into a RecordingWriter the
// caller creates, so that where the recording goes (a file, the spool) stays in cli/.
//
// The namespace is export_ because `export` is a C++ keyword.

#include "format/event.hpp"
#include "format/metadata.hpp"
#include "format/recording_writer.hpp"
#include "util/error.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace shelltrail::export_ {

enum class AsciicastVersion : std::uint8_t { v2 = 2, v3 = 3 };

// "asciicast v2", "asciicast v3".
std::string_view to_string(AsciicastVersion version);

// --- Export -------------------------------------------------------------------------------------

struct AsciicastWriterOptions
{
  AsciicastVersion version = AsciicastVersion::v2;
  bool input = true; // "i" events for recorded (never for redacted) input
};

// Turns one recording into asciicast lines, event by event. Output and input are bytes, asciicast
// data is UTF-8 text: a character cut between two events is joined to the second, and bytes that
// are not UTF-8 become U+FFFD.
class AsciicastWriter
{
public:
  explicit AsciicastWriter(AsciicastWriterOptions options);

  // The header line. Size, start time, TERM, SHELL and the command come from `metadata`; the
  // title, idle time limit and theme of a recording imported from asciicast come back out.
  void header(const format::Metadata& metadata, std::string& out);
  // The line for `event`, when it has one: output and error output ("o"), input ("i"), resize
  // ("r"), marker ("m"), and in v3 the exit status ("x"). Other events have no asciicast form.
  void event(const format::Event& event, std::string& out);
  // Ends the cast: a character cut at the very end becomes U+FFFD.
  void finish(std::string& out);

  std::uint64_t events_written() const;

private:
  void line(std::chrono::microseconds time, char code, std::string_view text, std::string& out);
  void bytes_line(std::chrono::microseconds time,
                  char code,
                  std::string_view bytes,
                  std::string& carry,
                  std::string& out);

  AsciicastWriterOptions m_options;
  std::chrono::microseconds m_last_time{0};  // of the last line written (v3 intervals)
  std::chrono::microseconds m_event_time{0}; // of the last event seen
  std::string m_output_carry; // the start of a UTF-8 character cut at the end of an event
  std::string m_input_carry;
  std::uint64_t m_events_written = 0;
};

// --- Import -------------------------------------------------------------------------------------

// A line longer than this is refused before it is read whole.
inline constexpr std::size_t k_max_asciicast_line_bytes = std::size_t{64} << 20;

struct AsciicastHeader
{
  AsciicastVersion version = AsciicastVersion::v2;
  std::uint16_t cols = 0;
  std::uint16_t rows = 0;
  std::optional<std::int64_t> start_unix_ns; // from "timestamp"
  std::string term;                          // v2 env.TERM; v3 term.type (or env.TERM)
  std::string shell;                         // env.SHELL
  std::string command;
  std::string title;
  nlohmann::json document; // the header as it was
};

// One event line. `time` is since the start, for v3 too (its intervals added up).
struct AsciicastEvent
{
  std::chrono::microseconds time{0};
  std::string code;
  std::string data; // a string's UTF-8; other JSON values as JSON text
  bool data_is_string = true;
};

// Parses the first line. Errors: unsupported (not a JSON object with "version", or a version
// other than 2 and 3) and corrupt (a known field of the wrong type or range).
util::Result<AsciicastHeader> parse_asciicast_header(std::string_view line);

// Parses the event lines after the header, in order.
class AsciicastEventParser
{
public:
  explicit AsciicastEventParser(AsciicastVersion version);
  // nullopt for a blank or "#" comment line. Errors (corrupt) say what is wrong with the line;
  // a v2 time before the previous one is moved up to it (times never go back in a recording).
  util::Result<std::optional<AsciicastEvent>> parse(std::string_view line);

private:
  AsciicastVersion m_version;
  std::chrono::microseconds m_time{0};
};

// What an asciicast event becomes in a recording; nullopt for codes it has no form for (which
// the spec says readers skip). Errors (corrupt) for a known code with malformed data. The
// result views `event.data`: it is valid while `event` lives.
util::Result<std::optional<format::EventData>> to_event_data(const AsciicastEvent& event);

// The metadata of a recording imported from a cast with `header`: what maps, a new session id,
// and origin "imported:asciicast-v2" with an "imported" object (docs/format.md).
format::Metadata imported_metadata(const AsciicastHeader& header,
                                   const std::string& source_path,
                                   const std::string& source_sha256,
                                   std::int64_t now_unix_ns);

struct ImportResult
{
  format::Metadata metadata;
  std::uint64_t events = 0;         // events written
  std::uint64_t skipped_events = 0; // events of codes without a recording form
  std::chrono::microseconds duration{0};
};

// Creates the recording once the metadata is known (a file, or a place in the spool).
using CreateRecording =
    std::function<util::Result<format::RecordingWriter>(const format::Metadata&)>;

// Reads the cast at `path` line by line and writes it as a recording through `create`. Errors
// name the file and, for a bad line, its number: "demo.cast:7: ...". The writer is finished
// (trailer) on success; on error what was written is left for the caller to remove.
util::Result<ImportResult> import_asciicast(const std::string& path, const CreateRecording& create);

} // namespace shelltrail::export_
