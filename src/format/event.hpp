#pragma once
// Event: one thing that happened in a session, at a monotonic offset from its start.
// Encoding inside an events chunk body (docs/format.md, "Events"):
//
//   event := type:u8  delta_us:varint  len:varint  data[len]
//
// delta_us is the time since the previous event of the chunk (the first event: since the chunk's
// base_time_us). Readers skip event types they do not know, and ignore bytes after the fields
// they know inside `data`, so later minor versions can add both.
//
// Byte views (std::string_view) in an Event point into the reader's or caller's buffer and are
// valid only until the next read.

#include "format/layout.hpp"
#include "util/bytes.hpp"
#include "util/error.hpp"

#include <chrono>
#include <cstdint>
#include <string_view>
#include <variant>

namespace shelltrail::format {

enum class EventType : std::uint8_t {
  output = 1,         // bytes: what the terminal (pty) or the command's stdout showed
  input = 2,          // bytes: what the user typed (or stdin of a command)
  redacted_input = 3, // length:varint: input withheld (a password), only its size kept
  resize = 4,         // cols:varint rows:varint
  marker = 5,         // text: a UTF-8 annotation
  clock_state = 6,    // synchronized:u8 kernel_state:varint kernel_status:varint
                      // max_error_us:varint est_error_us:varint
  end = 7,            // termination:u8 value:svarint core_dumped:u8 end_unix_ns:svarint reason
  error_output = 8,   // bytes: a command's stderr (pipe mode)
  clock_step = 9,     // step_ns:svarint: the wall clock jumped against the monotonic one
  stream_summary = 10 // stream:u8 total_bytes:varint recorded_bytes:varint sha256[32] command
};

struct Output
{
  std::string_view bytes;
};
struct ErrorOutput
{
  std::string_view bytes;
};
struct Input
{
  std::string_view bytes;
};
struct RedactedInput
{
  std::uint64_t length = 0;
};
struct Resize
{
  std::uint16_t cols = 0;
  std::uint16_t rows = 0;
};
struct Marker
{
  std::string_view text;
};
struct ClockState
{
  bool synchronized = false;
  std::uint32_t kernel_state = 0;  // adjtimex return value (TIME_OK, TIME_ERROR, ...)
  std::uint32_t kernel_status = 0; // adjtimex status bits (STA_UNSYNC, ...)
  std::uint64_t max_error_us = 0;
  std::uint64_t est_error_us = 0;
};
struct ClockStep
{
  std::int64_t step_ns = 0;
};

enum class Termination : std::uint8_t {
  exited = 0,   // value = exit code
  signaled = 1, // value = signal number
  other = 2     // value unused; reason says what happened
};
struct End
{
  Termination termination = Termination::exited;
  std::int32_t value = 0;
  bool core_dumped = false;
  std::int64_t end_unix_ns = 0;
  std::string_view reason;
};

enum class Stream : std::uint8_t { output = 1, error_output = 2, input = 3 };
struct StreamSummary
{
  Stream stream = Stream::output;
  std::uint64_t total_bytes = 0;    // bytes the stream carried in all
  std::uint64_t recorded_bytes = 0; // bytes of it kept as events before the cut
  Hash sha256{};                    // SHA-256 of all total_bytes
  std::string_view command;
};

struct UnknownEvent
{
  std::uint8_t type = 0;
  std::string_view data;
};

using EventData = std::variant<Output,
                               ErrorOutput,
                               Input,
                               RedactedInput,
                               Resize,
                               Marker,
                               ClockState,
                               ClockStep,
                               End,
                               StreamSummary,
                               UnknownEvent>;

struct Event
{
  std::chrono::microseconds time{0};
  EventData data;
};

// The bytes of an output, error_output or input event; nullptr for every other type.
const std::string_view* payload_bytes(const EventData& data);
std::string_view* payload_bytes(EventData& data);

// The type byte of an event's data.
std::uint8_t type_byte(const EventData& data);
// A short lowercase name ("output", "redacted_input", "unknown(42)").
std::string_view type_name(const EventData& data);

// Appends the encoding of `data` with the given delta to `out`.
void encode_event(std::uint64_t delta_us, const EventData& data, util::Bytes& out);
// The exact number of bytes encode_event appends.
std::size_t encoded_size(std::uint64_t delta_us, const EventData& data);

// Decodes one event from `in` (advancing it). `previous_us` is the time of the previous event
// (or the chunk's base time). Fails with ErrorKind::corrupt on a malformed event.
util::Result<Event> decode_event(util::ByteReader& in, std::uint64_t previous_us);

} // namespace shelltrail::format
