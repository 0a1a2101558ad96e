#include "export/transcript.hpp"

#include <gtest/gtest.h>

namespace shelltrail::export_ {
namespace {

using std::chrono::microseconds;

format::Metadata small_screen()
{
  format::Metadata metadata;
  metadata.session_id = "01a21779-42fd-7dea-961c-c28305d7a03d";
  metadata.user = "alice";
  metadata.host = "jump<1>";
  metadata.cols = 10;
  metadata.rows = 3;
  metadata.start_unix_ns = 1'795'000'000'000'000'000; // 11:06:40 UTC
  return metadata;
}

std::string transcript_of(const std::vector<format::Event>& events, TranscriptOptions options)
{
  TranscriptWriter writer(small_screen(), options);
  std::string out;
  writer.header(out);
  for (const auto& event : events) {
    writer.event(event, out);
  }
  writer.finish(out);
  return out;
}

TEST(Transcript, LinesAsTheyScrolledThenTheLastScreen)
{
  const std::string text = transcript_of(
      {{microseconds(0), format::Output{"\x1b[1;31mone\x1b[0m\r\ntwo\r\n"}},
       {microseconds(2'000'000), format::Output{"a long line that wraps\r\nthree\r\nfour"}}},
      {});
  EXPECT_EQ(text, "one\ntwo\na long line that wraps\nthree\nfour\n");
}

TEST(Transcript, FullScreenProgramsAreLeftOutAndControlsReplaced)
{
  const std::string text = transcript_of(
      {{microseconds(0), format::Output{"before\r\n\x1b[?1049h\x1b[Hin vim\x1b[?1049lafter\x7f!"}}},
      {});
  EXPECT_EQ(text, "before\nafter!\n");
  // A C1 control drawn as a character (U+0085) is not passed on.
  const std::string c1 = transcript_of({{microseconds(0), format::Output{"x\xc2\x85y"}}}, {});
  EXPECT_EQ(c1.find("\xc2\x85"), std::string::npos) << c1;
}

TEST(Transcript, TimestampsAndHtml)
{
  const std::string text =
      transcript_of({{microseconds(0), format::Output{"1\r\n2\r\n3\r\n"}},
                     {microseconds(61'000'000), format::Output{"<b>&</b>\r\n"}}},
                    {.timestamps = true, .html = true});
  EXPECT_NE(text.find("<!DOCTYPE html>"), std::string::npos);
  EXPECT_NE(text.find("alice@jump&lt;1&gt;"), std::string::npos) << text;
  EXPECT_NE(text.find("<span class=\"t\">[11:06:40] </span>1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("[11:07:41] </span>&lt;b&gt;&amp;&lt;/b&gt;\n"), std::string::npos) << text;
  EXPECT_NE(text.find("</pre>\n</body>\n</html>\n"), std::string::npos);
}

} // namespace
} // namespace shelltrail::export_
