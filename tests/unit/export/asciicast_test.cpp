#include "export/asciicast.hpp"
#include "format/sha256.hpp"
#include "util/bytes.hpp"
#include "util/file.hpp"

#include "support/event_text.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

namespace shelltrail::export_ {
namespace {

using namespace std::chrono_literals;
using format::Event;
using format::EventData;
using test::OwnedEvent;

std::string data_dir()
{
  const char* dir = std::getenv("ST_TEST_DATA");
  return std::string(dir != nullptr ? dir : "tests/data") + "/asciicast";
}

OwnedEvent owned(std::chrono::microseconds time, const EventData& data)
{
  return OwnedEvent::from({time, data});
}

void write_text(const std::string& path, const std::string& text)
{
  std::ofstream(path, std::ios::binary) << text;
}

// --- AsciicastWriter ---------------------------------------------------------------------------

format::Metadata sample_metadata()
{
  format::Metadata m;
  m.cols = 120;
  m.rows = 40;
  m.term = "xterm-256color";
  m.shell = "/bin/bash";
  m.command = "ssh db-1";
  m.start_unix_ns = 1'795'849'351'123'456'789;
  return m;
}

TEST(AsciicastWriter, V2HeaderHasSizeTimestampEnvAndCommand)
{
  AsciicastWriter writer({AsciicastVersion::v2, true});
  std::string out;
  writer.header(sample_metadata(), out);
  EXPECT_EQ(out,
            R"({"version":2,"width":120,"height":40,"timestamp":1795849351,"command":"ssh db-1",)"
            R"("env":{"SHELL":"/bin/bash","TERM":"xterm-256color"}})"
            "\n");
}

TEST(AsciicastWriter, V3HeaderHasTermObject)
{
  AsciicastWriter writer({AsciicastVersion::v3, true});
  std::string out;
  writer.header(sample_metadata(), out);
  EXPECT_EQ(out,
            R"({"version":3,"term":{"cols":120,"rows":40,"type":"xterm-256color"},)"
            R"("timestamp":1795849351,"command":"ssh db-1","env":{"SHELL":"/bin/bash"}})"
            "\n");
}

TEST(AsciicastWriter, UnknownSizeIs80x24AndEmptyFieldsAreLeftOut)
{
  AsciicastWriter writer({AsciicastVersion::v2, true});
  std::string out;
  writer.header(format::Metadata{}, out);
  EXPECT_EQ(out, "{\"version\":2,\"width\":80,\"height\":24}\n");
}

TEST(AsciicastWriter, ImportedCastGetsItsTitleThemeAndIdleLimitBack)
{
  auto header = parse_asciicast_header(
      R"({"version":2,"width":80,"height":24,"title":"Demo","idle_time_limit":2.5,)"
      R"("theme":{"fg":"#000000","bg":"#ffffff","palette":"#000000:#111111"}})");
  ASSERT_TRUE(header) << header.error().message();
  const format::Metadata m = imported_metadata(*header, "/tmp/demo.cast", "00", 1'000'000'000);
  AsciicastWriter v3({AsciicastVersion::v3, true});
  std::string out;
  v3.header(m, out);
  EXPECT_NE(out.find(R"("theme":{"bg":"#ffffff","fg":"#000000","palette":"#000000:#111111"})"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(R"("title":"Demo")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("idle_time_limit":2.5)"), std::string::npos) << out;
}

TEST(AsciicastWriter, V2EventsWithAbsoluteTimes)
{
  AsciicastWriter writer({AsciicastVersion::v2, true});
  std::string out;
  writer.event({250ms, format::Output{"\x1b[1mhi\r\n"}}, out);
  writer.event({1'000'001us, format::Input{"ls\r"}}, out);
  writer.event({2s, format::RedactedInput{8}}, out);
  writer.event({3s, format::Resize{100, 30}}, out);
  writer.event({4s, format::Marker{"step"}}, out);
  writer.event({5s, format::ErrorOutput{"err\n"}}, out);
  writer.event({6s, format::End{format::Termination::exited, 0, false, 0, ""}}, out);
  writer.finish(out);
  EXPECT_EQ(out,
            "[0.250000, \"o\", \"\\u001b[1mhi\\r\\n\"]\n"
            "[1.000001, \"i\", \"ls\\r\"]\n"
            "[3.000000, \"r\", \"100x30\"]\n"
            "[4.000000, \"m\", \"step\"]\n"
            "[5.000000, \"o\", \"err\\n\"]\n");
  EXPECT_EQ(writer.events_written(), 5U);
}

TEST(AsciicastWriter, V3EventsWithExactIntervalsAndExitStatus)
{
  AsciicastWriter writer({AsciicastVersion::v3, true});
  std::string out;
  writer.event({333'333us, format::Output{"a"}}, out);
  writer.event({666'666us, format::Output{"b"}}, out);
  writer.event({1s, format::Output{"c"}}, out);
  writer.event({1s, format::ClockStep{5}}, out); // no asciicast form: no interval consumed
  writer.event({2'500'000us, format::End{format::Termination::signaled, 9, false, 0, ""}}, out);
  EXPECT_EQ(out,
            "[0.333333, \"o\", \"a\"]\n"
            "[0.333333, \"o\", \"b\"]\n"
            "[0.333334, \"o\", \"c\"]\n"
            "[1.500000, \"x\", \"137\"]\n");
}

TEST(AsciicastWriter, NoInputWhenAskedAndNeverRedactedInput)
{
  AsciicastWriter writer({AsciicastVersion::v2, false});
  std::string out;
  writer.event({1s, format::Input{"secret-free"}}, out);
  writer.event({2s, format::RedactedInput{12}}, out);
  EXPECT_EQ(out, "");
}

TEST(AsciicastWriter, CharacterCutBetweenEventsIsJoinedAndBadBytesReplaced)
{
  AsciicastWriter writer({AsciicastVersion::v2, true});
  std::string out;
  writer.event({1s, format::Output{"a\xc5"}}, out);
  writer.event({2s,
                format::Output{"\xbc\xff"
                               "b\xe6\xbc"}},
               out);
  writer.finish(out);
  EXPECT_EQ(out,
            "[1.000000, \"o\", \"a\"]\n"
            "[2.000000, \"o\", \"\xc5\xbc\xef\xbf\xbd"
            "b\"]\n"
            "[2.000000, \"o\", \"\xef\xbf\xbd\"]\n");
}

// --- Parsing -------------------------------------------------------------------------------------

TEST(AsciicastHeader, ErrorsSayWhatIsWrong)
{
  struct BadHeader
  {
    const char* line;
    util::ErrorKind kind;
    const char* says;
  };
  const BadHeader cases[] = {
      {"hello", util::ErrorKind::unsupported, "its first line is not a JSON object"},
      {"[1, 2]", util::ErrorKind::unsupported, "its first line is not a JSON object"},
      {R"({"width": 80})", util::ErrorKind::unsupported, "has no \"version\""},
      {R"({"version": 1, "width": 80})",
       util::ErrorKind::unsupported,
       "version 1 is not supported"},
      {R"({"version": 4})", util::ErrorKind::unsupported, "version 4 is not supported"},
      {R"({"version": 2, "height": 24})", util::ErrorKind::corrupt, "\"width\" is missing"},
      {R"({"version": 2, "width": 0, "height": 24})", util::ErrorKind::corrupt, "\"width\""},
      {R"({"version": 2, "width": 80, "height": 70000})", util::ErrorKind::corrupt, "\"height\""},
      {R"({"version": 3, "width": 80, "height": 24})", util::ErrorKind::corrupt, "no \"term\""},
      {R"({"version": 3, "term": {"cols": 80}})", util::ErrorKind::corrupt, "\"term.rows\""},
  };
  for (const BadHeader& c : cases) {
    SCOPED_TRACE(c.line);
    const auto header = parse_asciicast_header(c.line);
    ASSERT_FALSE(header);
    EXPECT_EQ(header.error().kind(), c.kind);
    EXPECT_NE(header.error().message().find(c.says), std::string::npos) << header.error().message();
  }
}

TEST(AsciicastHeader, V2AndV3FieldsMap)
{
  auto v2 = parse_asciicast_header(
      "\xef\xbb\xbf{\"version\":2,\"width\":100,\"height\":50,\"timestamp\":1509091818.5,"
      "\"command\":\"/bin/bash\",\"title\":\"T\",\"env\":{\"TERM\":null,\"SHELL\":\"/bin/"
      "zsh\"}}\r");
  ASSERT_TRUE(v2) << v2.error().message();
  EXPECT_EQ(v2->version, AsciicastVersion::v2);
  EXPECT_EQ(v2->cols, 100);
  EXPECT_EQ(v2->rows, 50);
  EXPECT_EQ(v2->start_unix_ns, 1'509'091'818'500'000'000);
  EXPECT_EQ(v2->term, "");
  EXPECT_EQ(v2->shell, "/bin/zsh");
  EXPECT_EQ(v2->command, "/bin/bash");
  EXPECT_EQ(v2->title, "T");

  auto v3 = parse_asciicast_header(
      R"({"version":3,"term":{"cols":80,"rows":24,"type":"xterm"},"timestamp":1504467315})");
  ASSERT_TRUE(v3) << v3.error().message();
  EXPECT_EQ(v3->version, AsciicastVersion::v3);
  EXPECT_EQ(v3->term, "xterm");
  EXPECT_EQ(v3->start_unix_ns, 1'504'467'315'000'000'000);
}

TEST(AsciicastEventParser, V2TimesAreAbsoluteAndNeverGoBack)
{
  AsciicastEventParser parser(AsciicastVersion::v2);
  const auto a = parser.parse(R"([1.5, "o", "a"])");
  const auto b = parser.parse(R"([1.25, "o", "b"])");
  ASSERT_TRUE(a && *a && b && *b);
  EXPECT_EQ((*a)->time, 1'500'000us);
  EXPECT_EQ((*b)->time, 1'500'000us);
}

TEST(AsciicastEventParser, V3IntervalsAddUpAndCommentsAndBlankLinesAreSkipped)
{
  AsciicastEventParser parser(AsciicastVersion::v3);
  std::vector<std::chrono::microseconds> times;
  for (const char* line : {"[0.25, \"o\", \"a\"]",
                           "# a comment",
                           "",
                           "  ",
                           "[0.5, \"i\", \"b\"]\r",
                           "[0.000001, \"x\", \"0\"]"}) {
    const auto event = parser.parse(line);
    ASSERT_TRUE(event) << event.error().message();
    if (*event) {
      times.push_back((*event)->time);
    }
  }
  EXPECT_EQ(times, (std::vector<std::chrono::microseconds>{250'000us, 750'000us, 750'001us}));
}

TEST(AsciicastEventParser, MalformedLinesAreErrors)
{
  for (const char* line : {"{\"o\": 1}",
                           "[1, \"o\"]",
                           "[-1, \"o\", \"a\"]",
                           "[\"1\", \"o\", \"a\"]",
                           "[1e300, \"o\", \"a\"]",
                           "[1, 2, \"a\"]",
                           "[1, \"\", \"a\"]",
                           "[1, \"o\", \"a\"",
                           "[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]"}) {
    SCOPED_TRACE(line);
    AsciicastEventParser parser(AsciicastVersion::v2);
    const auto event = parser.parse(line);
    ASSERT_FALSE(event);
    EXPECT_EQ(event.error().kind(), util::ErrorKind::corrupt);
  }
}

TEST(AsciicastEvent, CodesMapToEvents)
{
  const auto map = [](const char* code, const char* data) -> std::optional<OwnedEvent> {
    const AsciicastEvent event{1s, code, data, true};
    auto mapped = to_event_data(event);
    EXPECT_TRUE(mapped) << code << " " << data;
    if (!mapped || !*mapped) {
      return std::nullopt;
    }
    return owned(1s, **mapped); // copied while `event` lives
  };
  EXPECT_EQ(map("r", "80x24"), owned(1s, format::Resize{80, 24}));
  EXPECT_EQ(map("o", "x"), owned(1s, format::Output{"x"}));
  EXPECT_EQ(map("i", "x"), owned(1s, format::Input{"x"}));
  EXPECT_EQ(map("m", "x"), owned(1s, format::Marker{"x"}));
  EXPECT_EQ(map("x", "-1"), owned(1s, format::End{format::Termination::exited, -1, false, 0, ""}));
  EXPECT_EQ(map("x", "killed"),
            owned(1s, format::End{format::Termination::other, 0, false, 0, "killed"}));
  EXPECT_EQ(map("q", "future"), std::nullopt); // unknown codes are skipped
  for (const char* bad : {"80", "x24", "0x24", "80x", "80x70000", "80 x 24", "-1x2"}) {
    const AsciicastEvent event{1s, "r", bad, true};
    EXPECT_FALSE(to_event_data(event)) << bad;
  }
  const AsciicastEvent not_string{1s, "o", "{}", false};
  EXPECT_FALSE(to_event_data(not_string));
}

// --- Import
// ---------------------------------------------------------------------------------------

class AsciicastImportTest : public test::TempDirTest
{
protected:
  util::Result<ImportResult> import(const std::string& cast, const std::string& recording)
  {
    return import_asciicast(cast, [&](const format::Metadata& metadata) {
      return format::RecordingWriter::create(path(recording), metadata, {});
    });
  }
};

TEST_F(AsciicastImportTest, FullV2ImportsEveryEventAndVerifies)
{
  const std::string cast = data_dir() + "/full-v2.cast";
  const auto result = import(cast, "r.strec");
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->events, 5U);
  const auto back = test::read_back(path("r.strec"));
  EXPECT_EQ(back.report.verdict, format::Verdict::ok);
  const std::vector<OwnedEvent> expected = {
      owned(1us, format::Output{"\xc5\xbc"}),
      owned(1s, format::Output{"\xc3\xb3\xc5\x82\xc4\x87"}),
      owned(2'300'000us, format::Input{"\n"}),
      owned(5'600'001us, format::Resize{80, 40}),
      owned(10'500'000us, format::Output{"\r\n"}),
  };
  EXPECT_EQ(back.events, expected);

  ASSERT_TRUE(back.report.metadata);
  const format::Metadata& m = *back.report.metadata;
  EXPECT_EQ(m.origin, "imported:asciicast-v2");
  EXPECT_EQ(m.cols, 100);
  EXPECT_EQ(m.rows, 50);
  EXPECT_EQ(m.term, "xterm-256color");
  EXPECT_EQ(m.shell, "/bin/bash");
  EXPECT_EQ(m.command, "/bin/bash");
  EXPECT_EQ(m.start_unix_ns, 1'509'091'818'000'000'000);
  const auto& imported = m.document.at("imported");
  EXPECT_EQ(imported.at("format"), "asciicast v2");
  EXPECT_EQ(imported.at("signed"), false);
  EXPECT_EQ(imported.at("start_known"), true);
  EXPECT_EQ(imported.at("header").at("theme").at("fg"), "#000000");
  const auto bytes = util::read_file(cast);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(imported.at("sha256"), util::to_hex(format::Sha256::of(util::as_bytes(*bytes))));
}

TEST_F(AsciicastImportTest, FramesV3HasMarkerInputResizeAndIntervals)
{
  const auto result = import(data_dir() + "/frames-v3.cast", "r.strec");
  ASSERT_TRUE(result) << result.error().message();
  const auto back = test::read_back(path("r.strec"));
  const std::vector<OwnedEvent> expected = {
      owned(500ms, format::Output{"\x1b[31mred\x1b[0m"}),
      owned(1s, format::Output{" text"}),
      owned(2s, format::Marker{"step 1"}),
      owned(2500ms, format::Input{"y"}),
      owned(3s, format::Resize{8, 3}),
      owned(4s, format::Output{"\r\nbye"}),
  };
  EXPECT_EQ(back.events, expected);
  ASSERT_TRUE(back.report.metadata);
  EXPECT_EQ(back.report.metadata->origin, "imported:asciicast-v3");
  EXPECT_EQ(back.report.metadata->document.at("imported").at("start_known"), false);
  // The import time it got instead is not exported as the cast's start.
  AsciicastWriter writer({AsciicastVersion::v2, true});
  std::string header;
  writer.header(*back.report.metadata, header);
  EXPECT_EQ(header, "{\"version\":2,\"width\":10,\"height\":4}\n");
}

// Every test file imports; exporting the recording and importing that again gives the same
// events (the README's round-trip rule).
TEST_F(AsciicastImportTest, EveryTestFileRoundTripsThroughBothVersions)
{
  for (const char* name :
       {"full-v2.cast", "full-v3.cast", "minimal-v3.cast", "nulls-v2.cast", "frames-v3.cast"}) {
    SCOPED_TRACE(name);
    const std::string stem = std::string(name) + ".strec";
    ASSERT_TRUE(import(data_dir() + "/" + name, stem));
    const auto first = test::read_back(path(stem));
    ASSERT_EQ(first.report.verdict, format::Verdict::ok);
    for (const AsciicastVersion version : {AsciicastVersion::v2, AsciicastVersion::v3}) {
      AsciicastWriter writer({version, true});
      std::string cast;
      writer.header(*first.report.metadata, cast);
      format::verify_recording(path(stem), [&](const Event& e) { writer.event(e, cast); });
      writer.finish(cast);
      const std::string again = std::string(name) + (version == AsciicastVersion::v2 ? ".2" : ".3");
      write_text(path(again + ".cast"), cast);
      const auto result = import(path(again + ".cast"), again + ".strec");
      ASSERT_TRUE(result) << result.error().message();
      EXPECT_EQ(test::read_back(path(again + ".strec")).events, first.events) << cast;
    }
  }
}

TEST_F(AsciicastImportTest, MalformedLineIsNamedByFileAndNumber)
{
  write_text(path("bad.cast"),
             "{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.1, \"o\", \"a\"]\n\n"
             "[0.2, \"r\", \"wide\"]\n");
  const auto result = import(path("bad.cast"), "r.strec");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind(), util::ErrorKind::corrupt);
  EXPECT_EQ(result.error().message(),
            path("bad.cast") + ":4: resize data \"wide\" is not COLSxROWS (each 1 to 65535)");
}

TEST_F(AsciicastImportTest, NotAsciicastIsOneClearError)
{
  write_text(path("notes.txt"), "shopping list\nmilk\n");
  write_text(path("empty.cast"), "");
  write_text(path("binary.bin"), std::string(300 << 10, '\x7f'));
  for (const char* name : {"notes.txt", "empty.cast", "binary.bin"}) {
    const auto result = import(path(name), "r.strec");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().kind(), util::ErrorKind::unsupported);
    EXPECT_EQ(result.error().message().rfind(path(name) + ": not an asciicast file", 0), 0U)
        << result.error().message();
  }
  EXPECT_FALSE(import(path("missing.cast"), "r.strec"));
}

TEST_F(AsciicastImportTest, OverlongLineIsRefusedBeforeItIsRead)
{
  {
    std::ofstream out(path("long.cast"), std::ios::binary);
    out << "{\"version\": 2, \"width\": 80, \"height\": 24}\n[1, \"o\", \"";
    const std::string block(1 << 20, 'a');
    for (std::size_t i = 0; i <= (k_max_asciicast_line_bytes >> 20); ++i) {
      out << block;
    }
    out << "\"]\n";
  }
  const auto result = import(path("long.cast"), "r.strec");
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message().find(":2: the line is longer than 64 MiB"), std::string::npos)
      << result.error().message();
}

} // namespace
} // namespace shelltrail::export_
