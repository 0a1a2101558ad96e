#include "format/event.hpp"

#include <gtest/gtest.h>

namespace shelltrail::format {
namespace {

using namespace std::string_view_literals;

std::vector<EventData> one_of_each()
{
  StreamSummary summary{Stream::error_output, 5'000'000'000ULL, 1'048'576, {}, "scp -t /tmp"};
  summary.sha256[0] = std::byte{0xab};
  summary.sha256[31] = std::byte{0xcd};
  return {Output{"hello\r\n\x1b[1mbold\x1b[0m\0zero"sv},
          ErrorOutput{"warning: x\n"},
          Input{"ls -l\r"},
          RedactedInput{12},
          Resize{200, 50},
          Marker{"deploy started — café"},
          ClockState{false, 5, 0x41, 16'000'000, 16'000'000},
          ClockStep{-3'000'000'000},
          End{Termination::signaled, 9, true, 1'795'849'350'123'456'789, "killed"},
          summary,
          UnknownEvent{200, "future\x01"}};
}

TEST(Event, EveryTypeRoundTrips)
{
  for (const EventData& data : one_of_each()) {
    SCOPED_TRACE(type_name(data));
    util::Bytes bytes;
    encode_event(1234, data, bytes);
    EXPECT_EQ(bytes.size(), encoded_size(1234, data));
    util::ByteReader in(bytes);
    auto event = decode_event(in, 1000);
    ASSERT_TRUE(event) << event.error().message();
    EXPECT_EQ(event->time.count(), 2234);
    EXPECT_EQ(in.remaining(), 0U);
    EXPECT_EQ(type_byte(event->data), type_byte(data));
    util::Bytes again;
    encode_event(1234, event->data, again);
    EXPECT_EQ(again, bytes);
  }
}

TEST(Event, FieldsSurviveDecoding)
{
  util::Bytes bytes;
  encode_event(0, End{Termination::exited, -2, false, 42, "hangup"}, bytes);
  util::ByteReader in(bytes);
  const auto event = decode_event(in, 0);
  ASSERT_TRUE(event);
  const auto& end = std::get<End>(event->data);
  EXPECT_EQ(end.termination, Termination::exited);
  EXPECT_EQ(end.value, -2);
  EXPECT_EQ(end.end_unix_ns, 42);
  EXPECT_EQ(end.reason, "hangup");
}

TEST(Event, KnownEventsIgnoreFieldsAddedLater)
{
  // A later minor version may append fields; this version reads what it knows.
  util::Bytes bytes;
  util::ByteWriter w(bytes);
  w.u8(static_cast<std::uint8_t>(EventType::resize));
  w.varint(0);
  w.varint(4);
  w.varint(80);
  w.varint(24);
  w.u8(7);
  w.u8(7);
  util::ByteReader in(bytes);
  const auto event = decode_event(in, 0);
  ASSERT_TRUE(event);
  EXPECT_EQ(std::get<Resize>(event->data).cols, 80);
}

TEST(Event, MalformedEventsAreErrors)
{
  const std::vector<std::pair<const char*, util::Bytes>> cases = {
      {"type zero", {std::byte{0}, std::byte{0}, std::byte{0}}},
      {"length past end", {std::byte{1}, std::byte{0}, std::byte{5}, std::byte{'a'}}},
      {"truncated header", {std::byte{1}}},
      {"resize without rows", {std::byte{4}, std::byte{0}, std::byte{1}, std::byte{80}}},
      {"resize too wide",
       {std::byte{4},
        std::byte{0},
        std::byte{4},
        std::byte{0xff},
        std::byte{0xff},
        std::byte{0x07},
        std::byte{1}}},
      {"end with bad termination",
       {std::byte{7},
        std::byte{0},
        std::byte{4},
        std::byte{9},
        std::byte{0},
        std::byte{0},
        std::byte{0}}},
  };
  for (const auto& [name, bytes] : cases) {
    SCOPED_TRACE(name);
    util::ByteReader in(bytes);
    const auto event = decode_event(in, 0);
    ASSERT_FALSE(event);
    EXPECT_EQ(event.error().kind(), util::ErrorKind::corrupt);
  }
}

} // namespace
} // namespace shelltrail::format
