#include "index/extractor.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <map>

namespace shelltrail::index {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

class Collect final : public ExtractorSink
{
public:
  void command(const CommandRecord& record) override
  {
    commands.push_back(record);
  }
  void activity(const ActivityRecord& record) override
  {
    activities.push_back(record);
  }
  void output_line(const OutputLine& line) override
  {
    lines.push_back(line);
  }
  std::vector<CommandRecord> commands;
  std::vector<ActivityRecord> activities;
  std::vector<OutputLine> lines;
};

class ExtractorTest : public ::testing::Test
{
protected:
  ExtractorTest()
  {
    metadata.user = "alice";
    metadata.host = "jump-1";
    metadata.cols = 40;
    metadata.rows = 5;
  }

  void out(std::string_view bytes)
  {
    events.push_back({next(), format::Output{store(bytes)}});
  }
  void in(std::string_view bytes)
  {
    events.push_back({next(), format::Input{store(bytes)}});
  }
  // Typed and echoed one character at a time, as a shell in raw mode does.
  void type(std::string_view text)
  {
    for (const char c : text) {
      in(std::string(1, c));
      out(std::string(1, c));
    }
  }
  void enter(std::string_view shell_output)
  {
    in("\r");
    out(shell_output);
  }

  Collect run()
  {
    Collect sink;
    auto prompts = PromptParser::make();
    EXPECT_TRUE(prompts);
    Extractor extractor(metadata, *prompts, sink);
    for (const auto& event : events) {
      extractor.event(event);
    }
    extractor.finish();
    return sink;
  }

  static std::vector<std::string> commands_of(const Collect& sink)
  {
    std::vector<std::string> out;
    for (const auto& c : sink.commands) {
      out.push_back(c.place.user + "@" + c.place.host + ":" + c.place.cwd + " " + c.command);
    }
    return out;
  }

  format::Metadata metadata;
  std::vector<format::Event> events;

private:
  microseconds next()
  {
    m_time += milliseconds(100);
    return m_time;
  }
  std::string_view store(std::string_view bytes)
  {
    return m_storage.emplace_back(bytes);
  }
  microseconds m_time{0};
  std::deque<std::string> m_storage;
};

TEST_F(ExtractorTest, TheLineAsTheShellShowsItWhenEnterIsTaken)
{
  out("alice@db-1:~$ ");
  type("ls -l");
  const microseconds enter_time = events.back().time + milliseconds(100);
  enter("\r\nfile\r\nalice@db-1:~$ ");
  // History recall: the shell redraws the line before the line feed.
  in("\x1b[A");
  out("ls -l");
  enter("\r\nfile\r\nalice@db-1:~$ ");
  // Ctrl-R: the search prompt is on screen while typing; the shell puts the line back on Enter.
  in("\x12");
  out("\r(reverse-i-search)`': ");
  type("ls");
  enter("\r\x1b[Kalice@db-1:~$ ls -l\r\nfile\r\nalice@db-1:~$ ");
  Collect sink = run();
  EXPECT_EQ(
      commands_of(sink),
      (std::vector<std::string>{"alice@db-1:~ ls -l", "alice@db-1:~ ls -l", "alice@db-1:~ ls -l"}));
  EXPECT_EQ(sink.commands[0].offset, enter_time);
  EXPECT_EQ(sink.commands[0].prompt, "alice@db-1:~$ ");
}

TEST_F(ExtractorTest, PromptsGiveTheTargetUserHostAndDirectory)
{
  out("alice@jump-1:~$ ");
  type("ssh db-1");
  enter("\r\n[root@db-1 /var/log]# ");
  type("tail messages");
  enter("\r\nsome log\r\n[root@db-1 /var/log]# ");
  type("exit");
  enter("\r\nlogout\r\nalice@jump-1:~$ ");
  type("uptime");
  enter("\r\nup 3 days\r\nalice@jump-1:~$ ");
  Collect sink = run();
  EXPECT_EQ(commands_of(sink),
            (std::vector<std::string>{"alice@jump-1:~ ssh db-1",
                                      "root@db-1:/var/log tail messages",
                                      "root@db-1:/var/log exit",
                                      "alice@jump-1:~ uptime"}));
}

TEST_F(ExtractorTest, ScreenLinesCountForThePlaceTheyWereWrittenIn)
{
  out("alice@jump-1:~$ ");
  type("ssh db-1");
  enter("\r\nWelcome to db-1\r\n[root@db-1 /]# "); // the banner comes before db-1's prompt
  type("ls /x");
  enter("\r\nls: cannot access '/x'\r\n[root@db-1 /]# ");
  type("exit");
  enter("\r\nlogout\r\nalice@jump-1:~$ ");
  type("uptime");
  enter("\r\nup 3 days\r\nalice@jump-1:~$ ");
  Collect sink = run(); // nothing scrolled: every line leaves the screen at the end, on jump-1
  std::map<std::string, std::string> place_of;
  for (const auto& line : sink.lines) {
    place_of[line.text] = line.user + "@" + line.host;
  }
  EXPECT_EQ(place_of["Welcome to db-1"], "root@db-1");
  EXPECT_EQ(place_of["ls: cannot access '/x'"], "root@db-1");
  EXPECT_EQ(place_of["up 3 days"], "alice@jump-1");
}

TEST_F(ExtractorTest, ContinuationLinesAreJoinedAsTheShellJoinsThem)
{
  out("alice@db-1:~$ ");
  type("echo one \\");
  enter("\r\n> ");
  type("two");
  enter("\r\none two\r\nalice@db-1:~$ ");
  EXPECT_EQ(commands_of(run()), std::vector<std::string>{"alice@db-1:~ echo one two"});
}

TEST_F(ExtractorTest, AWrappedLineIsOneCommand)
{
  out("alice@db-1:~$ ");
  const std::string long_command = "echo " + std::string(50, 'x') + " end";
  type(long_command);
  enter("\r\nxx\r\nalice@db-1:~$ ");
  EXPECT_EQ(commands_of(run()), std::vector<std::string>{"alice@db-1:~ " + long_command});
}

TEST_F(ExtractorTest, FullScreenProgramsAreActivitiesNotCommands)
{
  out("alice@db-1:~$ ");
  type("vim notes");
  enter("\r\n\x1b[?1049h\x1b[H\x1b[2J~\r\n~");
  in("ihello\r");
  out("hello\r\n");
  in("\x1b:wq\r");
  out("\x1b[?1049l");
  out("alice@db-1:~$ ");
  Collect sink = run();
  EXPECT_EQ(commands_of(sink), std::vector<std::string>{"alice@db-1:~ vim notes"});
  ASSERT_EQ(sink.activities.size(), 1U);
  EXPECT_EQ(sink.activities[0].program, "vim notes");
  EXPECT_LT(sink.activities[0].start, sink.activities[0].end);
  for (const auto& line : sink.lines) {
    EXPECT_EQ(line.text.find("hello"), std::string::npos)
        << "the alternate screen is not screen text";
  }
}

TEST_F(ExtractorTest, RedactedInputIsNeverLookedAt)
{
  out("root@db-1:/# ");
  events.push_back({microseconds(50'000'000), format::RedactedInput{9}});
  out("\r\n");
  out("root@db-1:/# ");
  EXPECT_TRUE(run().commands.empty());
}

TEST_F(ExtractorTest, LinesWithNoPromptAreNotCommands)
{
  out("Continue? [y/N] ");
  type("y");
  enter("\r\nok\r\n");
  EXPECT_TRUE(run().commands.empty());
}

TEST_F(ExtractorTest, ScreenLinesCarryTheTimeTheyWereWritten)
{
  out("first line\r\n");
  const microseconds first = events.back().time;
  for (int i = 0; i < 8; ++i) { // scrolls it off the 5-row screen much later
    out("more\r\n");
  }
  Collect sink = run();
  ASSERT_FALSE(sink.lines.empty());
  EXPECT_EQ(sink.lines[0].text, "first line");
  EXPECT_EQ(sink.lines[0].offset, first);
  EXPECT_EQ(sink.lines[0].host, "jump-1");
}

} // namespace
} // namespace shelltrail::index

namespace shelltrail::index {
namespace {

TEST_F(ExtractorTest, APasteOfSeveralLinesWithoutBracketedPasteIsEachCommand)
{
  // The terminal sends the lines with their line breaks at once; the shell runs them one by
  // one, echoing each after its prompt; the first one's output takes a line feed before the
  // second is echoed.
  out("alice@db-1:~$ ");
  in("echo one\recho two\recho three\r");
  const microseconds pasted = events.back().time;
  out("echo one\r\none\r\nalice@db-1:~$ echo two\r\ntwo\r\nalice@db-1:~$ echo three\r\nthree\r\n"
      "alice@db-1:~$ ");
  // Answers pasted into a program are not commands, and lend nothing to later lines.
  type("cat");
  enter("\r\n");
  in("y\ry\r");
  out("y\r\ny\r\ny\r\ny\r\n");
  in("\x04");
  out("alice@db-1:~$ ");
  in("\x03");
  out("^C\r\nalice@db-1:~$ ");
  type("ls");
  enter("\r\nfile\r\nalice@db-1:~$ ");
  Collect sink = run();
  EXPECT_EQ(commands_of(sink),
            (std::vector<std::string>{"alice@db-1:~ echo one",
                                      "alice@db-1:~ echo two",
                                      "alice@db-1:~ echo three",
                                      "alice@db-1:~ cat",
                                      "alice@db-1:~ ls"}));
  EXPECT_EQ(sink.commands[1].offset, pasted);
}

} // namespace
} // namespace shelltrail::index

namespace shelltrail::index {
namespace {

TEST_F(ExtractorTest, OutputWithoutALineFeedBeforeThePromptIsNotPartOfTheUser)
{
  out("alice@db-1:~$ ");
  type("printf done");
  enter("\r\ndonealice@db-1:~$ ");
  type("uptime");
  enter("\r\n up 3 days\r\nalice@db-1:~$ ");
  Collect sink = run();
  EXPECT_EQ(commands_of(sink),
            (std::vector<std::string>{"alice@db-1:~ printf done", "alice@db-1:~ uptime"}));
  EXPECT_EQ(sink.commands[1].prompt, "alice@db-1:~$ ");
}

} // namespace
} // namespace shelltrail::index
