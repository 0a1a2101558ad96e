#include "format/event.hpp"

#include "util/overloaded.hpp"

#include <fmt/core.h>

namespace shelltrail::format {
namespace {

// The encoded `data` field of an event (without type, delta and length).
void encode_fields(const EventData& data, util::Bytes& out)
{
  util::ByteWriter w(out);
  std::visit(util::Overloaded{
                 [&](const Output& e) { w.raw(e.bytes); },
                 [&](const ErrorOutput& e) { w.raw(e.bytes); },
                 [&](const Input& e) { w.raw(e.bytes); },
                 [&](const RedactedInput& e) { w.varint(e.length); },
                 [&](const Resize& e) {
                   w.varint(e.cols);
                   w.varint(e.rows);
                 },
                 [&](const Marker& e) { w.raw(e.text); },
                 [&](const ClockState& e) {
                   w.u8(e.synchronized ? 1 : 0);
                   w.varint(e.kernel_state);
                   w.varint(e.kernel_status);
                   w.varint(e.max_error_us);
                   w.varint(e.est_error_us);
                 },
                 [&](const ClockStep& e) { w.svarint(e.step_ns); },
                 [&](const End& e) {
                   w.u8(static_cast<std::uint8_t>(e.termination));
                   w.svarint(e.value);
                   w.u8(e.core_dumped ? 1 : 0);
                   w.svarint(e.end_unix_ns);
                   w.raw(e.reason);
                 },
                 [&](const StreamSummary& e) {
                   w.u8(static_cast<std::uint8_t>(e.stream));
                   w.varint(e.total_bytes);
                   w.varint(e.recorded_bytes);
                   w.raw(e.sha256);
                   w.raw(e.command);
                 },
                 [&](const UnknownEvent& e) { w.raw(e.data); },
             },
             data);
}

util::Result<EventData> decode_fields(std::uint8_t type, std::span<const std::byte> data)
{
  const auto text = util::as_text(data);
  util::ByteReader r(data);
  const auto bad = [&](std::string_view what) {
    return util::fail(util::ErrorKind::corrupt, "malformed {} event", what);
  };
  switch (static_cast<EventType>(type)) {
  case EventType::output:
    return Output{text};
  case EventType::error_output:
    return ErrorOutput{text};
  case EventType::input:
    return Input{text};
  case EventType::marker:
    return Marker{text};
  case EventType::redacted_input: {
    const auto length = r.varint();
    if (!length) {
      return bad("redacted_input");
    }
    return RedactedInput{*length};
  }
  case EventType::resize: {
    const auto cols = r.varint();
    const auto rows = r.varint();
    if (!cols || !rows || *cols > 0xffff || *rows > 0xffff) {
      return bad("resize");
    }
    return Resize{static_cast<std::uint16_t>(*cols), static_cast<std::uint16_t>(*rows)};
  }
  case EventType::clock_state: {
    const auto synced = r.u8();
    const auto state = r.varint();
    const auto status = r.varint();
    const auto max_error = r.varint();
    const auto est_error = r.varint();
    if (!synced || !state || !status || !max_error || !est_error || *synced > 1 ||
        *state > 0xffffffffU || *status > 0xffffffffU) {
      return bad("clock_state");
    }
    return ClockState{*synced == 1,
                      static_cast<std::uint32_t>(*state),
                      static_cast<std::uint32_t>(*status),
                      *max_error,
                      *est_error};
  }
  case EventType::clock_step: {
    const auto step = r.svarint();
    if (!step) {
      return bad("clock_step");
    }
    return ClockStep{*step};
  }
  case EventType::end: {
    const auto termination = r.u8();
    const auto value = r.svarint();
    const auto core = r.u8();
    const auto end_ns = r.svarint();
    if (!termination || !value || !core || !end_ns || *termination > 2 || *core > 1 ||
        *value < INT32_MIN || *value > INT32_MAX) {
      return bad("end");
    }
    return End{static_cast<Termination>(*termination),
               static_cast<std::int32_t>(*value),
               *core == 1,
               *end_ns,
               util::as_text(r.rest())};
  }
  case EventType::stream_summary: {
    const auto stream = r.u8();
    const auto total = r.varint();
    const auto recorded = r.varint();
    const auto digest = r.raw(k_hash_size);
    if (!stream || !total || !recorded || !digest || *stream < 1 || *stream > 3) {
      return bad("stream_summary");
    }
    StreamSummary summary{static_cast<Stream>(*stream), *total, *recorded, {}, {}};
    std::copy(digest->begin(), digest->end(), summary.sha256.begin());
    summary.command = util::as_text(r.rest());
    return summary;
  }
  }
  return UnknownEvent{type, text};
}

} // namespace

std::string_view* payload_bytes(EventData& data)
{
  return std::visit(util::Overloaded{
                        [](Output& e) -> std::string_view* { return &e.bytes; },
                        [](ErrorOutput& e) -> std::string_view* { return &e.bytes; },
                        [](Input& e) -> std::string_view* { return &e.bytes; },
                        [](auto&) -> std::string_view* { return nullptr; },
                    },
                    data);
}

const std::string_view* payload_bytes(const EventData& data)
{
  return payload_bytes(const_cast<EventData&>(data));
}

std::uint8_t type_byte(const EventData& data)
{
  const EventType type =
      std::visit(util::Overloaded{
                     [](const Output&) { return EventType::output; },
                     [](const ErrorOutput&) { return EventType::error_output; },
                     [](const Input&) { return EventType::input; },
                     [](const RedactedInput&) { return EventType::redacted_input; },
                     [](const Resize&) { return EventType::resize; },
                     [](const Marker&) { return EventType::marker; },
                     [](const ClockState&) { return EventType::clock_state; },
                     [](const ClockStep&) { return EventType::clock_step; },
                     [](const End&) { return EventType::end; },
                     [](const StreamSummary&) { return EventType::stream_summary; },
                     [](const UnknownEvent& e) { return static_cast<EventType>(e.type); },
                 },
                 data);
  return static_cast<std::uint8_t>(type);
}

std::string_view type_name(const EventData& data)
{
  switch (static_cast<EventType>(type_byte(data))) {
  case EventType::output:
    return "output";
  case EventType::input:
    return "input";
  case EventType::redacted_input:
    return "redacted_input";
  case EventType::resize:
    return "resize";
  case EventType::marker:
    return "marker";
  case EventType::clock_state:
    return "clock_state";
  case EventType::end:
    return "end";
  case EventType::error_output:
    return "error_output";
  case EventType::clock_step:
    return "clock_step";
  case EventType::stream_summary:
    return "stream_summary";
  }
  return "unknown";
}

std::size_t encoded_size(std::uint64_t delta_us, const EventData& data)
{
  std::size_t fields = 0;
  if (const auto* bytes = payload_bytes(data)) {
    fields = bytes->size();
  } else {
    util::Bytes scratch;
    encode_fields(data, scratch);
    fields = scratch.size();
  }
  return 1 + util::varint_size(delta_us) + util::varint_size(fields) + fields;
}

void encode_event(std::uint64_t delta_us, const EventData& data, util::Bytes& out)
{
  util::ByteWriter w(out);
  w.u8(type_byte(data));
  w.varint(delta_us);
  if (const auto* bytes = payload_bytes(data)) {
    // The hot path (terminal output): no scratch buffer.
    w.varint(bytes->size());
    w.raw(*bytes);
    return;
  }
  util::Bytes fields;
  encode_fields(data, fields);
  w.varint(fields.size());
  w.raw(fields);
}

util::Result<Event> decode_event(util::ByteReader& in, std::uint64_t previous_us)
{
  const auto type = in.u8();
  const auto delta = in.varint();
  const auto length = in.varint();
  if (!type || !delta || !length) {
    return util::fail(util::ErrorKind::corrupt, "event header runs past the end of the chunk");
  }
  if (*type == 0) {
    return util::fail(util::ErrorKind::corrupt, "event type 0 is not valid");
  }
  if (*delta > UINT64_MAX / 2 - previous_us) {
    return util::fail(util::ErrorKind::corrupt, "event time overflows");
  }
  const auto data = in.raw(*length);
  if (!data) {
    return util::fail(util::ErrorKind::corrupt,
                      "event of {} bytes runs past the end of the chunk ({} left)",
                      *length,
                      in.remaining());
  }
  ST_TRY_ASSIGN(EventData fields, decode_fields(*type, *data));
  return Event{std::chrono::microseconds(static_cast<std::int64_t>(previous_us + *delta)),
               std::move(fields)};
}

} // namespace shelltrail::format
