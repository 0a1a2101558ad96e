#include "config/config_file.hpp"

#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

namespace shelltrail::config {
namespace {

struct BadFile
{
  std::string name;
  std::string text;
  std::string message; // the whole error message after "f.toml:"
};

TEST(ParseConfigText, ReadsEveryTypeNatively)
{
  const auto settings = parse_config_text(R"(
spool = "/srv/spool"           # path
notice = ""                    # text, empty
record_input = false           # boolean
chunk_bytes = "256 KiB"        # size as a string
stream_limit_bytes = 1048576   # size as an integer
live_compression_level = -3    # integer
failure_policy = "fail-open"   # choice
prompt_patterns = ['pass\w*: *$', "pin: *$"]
)",
                                          "f.toml");
  ASSERT_TRUE(settings) << settings.error().message();
  ASSERT_EQ(settings->size(), 8U);
  const auto value_of = [&](std::string_view key) -> const Value& {
    for (const FileSetting& s : *settings) {
      if (s.option->key == key) {
        return s.value;
      }
    }
    ADD_FAILURE() << key;
    static const Value none;
    return none;
  };
  EXPECT_EQ(as_text(value_of("spool")), "/srv/spool");
  EXPECT_EQ(as_text(value_of("notice")), "");
  EXPECT_FALSE(as_bool(value_of("record_input")));
  EXPECT_EQ(as_integer(value_of("chunk_bytes")), 256 * 1024);
  EXPECT_EQ(as_integer(value_of("stream_limit_bytes")), 1048576);
  EXPECT_EQ(as_integer(value_of("live_compression_level")), -3);
  EXPECT_EQ(as_text(value_of("failure_policy")), "fail-open");
  EXPECT_EQ(as_list(value_of("prompt_patterns")),
            (std::vector<std::string>{R"(pass\w*: *$)", "pin: *$"}));
}

TEST(ParseConfigText, EmptyFileSetsNothing)
{
  const auto settings = parse_config_text("# nothing here\n", "f.toml");
  ASSERT_TRUE(settings) << settings.error().message();
  EXPECT_TRUE(settings->empty());
}

TEST(ParseConfigText, ErrorsNameFileLineKeyAndWhatToDo)
{
  const std::vector<BadFile> cases = {
      {"invalid TOML",
       "compact = true\nchunk_bytes = = 3\n",
       "2:15: not valid TOML: Error while parsing value: could not determine value type"},
      {"duplicate key",
       "compact = true\ncompact = false\n",
       "2:11: not valid TOML: Error while parsing key-value pair: cannot redefine existing "
       "boolean 'compact'"},
      {"unknown key with a suggestion",
       "compact = true\nchunk_interval = 100\n",
       "2:1: unknown key 'chunk_interval' (did you mean 'chunk_interval_ms'?); `shelltrail "
       "config --help` lists the keys"},
      {"unknown key, nothing close",
       "colour = \"blue\"\n",
       "1:1: unknown key 'colour'; `shelltrail config --help` lists the keys"},
      {"a table",
       "[recorder]\nspool = \"/x\"\n",
       "1:2: unknown key 'recorder'; `shelltrail "
       "config --help` lists the keys"},
      {"boolean in quotes",
       "record_input = \"false\"\n",
       "1:16: record_input: expected true or false (without quotes), got a string"},
      {"integer in quotes",
       "compact_level = \"9\"\n",
       "1:17: compact_level: expected a whole number (without quotes), got a string"},
      {"size as a float",
       "chunk_bytes = 1.5\n",
       "1:15: chunk_bytes: expected a size: a whole number of bytes, or a string like \"64KiB\" "
       "or \"1MiB\", got a floating-point number"},
      {"size out of range",
       "chunk_bytes = 512\n",
       "1:15: chunk_bytes: 512 is out of range: use a value from 1KiB to 8MiB"},
      {"size with a decimal unit",
       "chunk_bytes = \"10 MB\"\n",
       "1:15: chunk_bytes: '10 MB': write sizes in bytes or binary units (B, KiB, MiB, GiB, TiB; "
       "1 KiB = 1024 bytes)"},
      {"integer out of range",
       "compact_level = 20\n",
       "1:17: compact_level: 20 is out of range: use a value from 1 to 19"},
      {"bad enum value",
       "failure_policy = \"fail-soft\"\n",
       "1:18: failure_policy: expected one of fail-closed, fail-open, got 'fail-soft'"},
      {"enum of the wrong type",
       "syslog_facility = 4\n",
       "1:19: syslog_facility: expected one of \"auth\", \"authpriv\", \"daemon\", \"user\", "
       "\"local0\", \"local1\", \"local2\", \"local3\", \"local4\", \"local5\", \"local6\", "
       "\"local7\", got an integer"},
      {"relative path",
       "spool = \"spool\"\n",
       "1:9: spool: expected an absolute path, got 'spool'"},
      {"bad regex",
       "prompt_patterns = ['ok: *$', '[unclosed: *$']\n",
       "1:19: prompt_patterns: prompt pattern '[unclosed: *$' is not a valid POSIX extended "
       "regular expression: Unmatched [, [^, [:, [., or [="},
      {"empty pattern",
       "prompt_patterns = ['']\n",
       "1:19: prompt_patterns: an empty prompt pattern would match every line: remove it"},
      {"pattern list of the wrong type",
       "prompt_patterns = 'password: *$'\n",
       "1:19: prompt_patterns: expected an array of strings, like ['password[^:]*: *$'], got a "
       "string"},
      {"pattern that is not a string",
       "prompt_patterns = ['a: *$', 3]\n",
       "1:19: prompt_patterns: item 2 of the array is an integer: expected a string"},
  };
  for (const BadFile& c : cases) {
    SCOPED_TRACE(c.name);
    const auto settings = parse_config_text(c.text, "f.toml");
    ASSERT_FALSE(settings);
    EXPECT_EQ(settings.error().kind(), util::ErrorKind::config);
    EXPECT_EQ(settings.error().message(), "f.toml:" + c.message);
  }
}

TEST(ParseStringArray, ReadsTomlArraysOfStrings)
{
  auto list = parse_string_array(R"(['a\b', "c\"d", ])");
  ASSERT_TRUE(list) << list.error().message();
  EXPECT_EQ(*list, (std::vector<std::string>{R"(a\b)", R"(c"d)"}));

  list = parse_string_array("[]");
  ASSERT_TRUE(list) << list.error().message();
  EXPECT_TRUE(list->empty());
}

TEST(ParseStringArray, RefusesAnythingElse)
{
  for (const std::string_view text : {"'a'", "[1, 2]", "['a'", "['a']\nspool = '/x'", "[[]]"}) {
    SCOPED_TRACE(text);
    const auto list = parse_string_array(text);
    ASSERT_FALSE(list);
    EXPECT_EQ(list.error().kind(), util::ErrorKind::config);
  }
}

class ReadConfigFileTest : public test::TempDirTest
{};

TEST_F(ReadConfigFileTest, MissingFileIsNoSettings)
{
  const auto settings = read_config_file(path("missing.toml"), Owner::root);
  ASSERT_TRUE(settings) << settings.error().message();
  EXPECT_FALSE(settings->has_value());
  // A missing directory on the way too.
  const auto nowhere = read_config_file(path("nowhere/x.toml"), Owner::any);
  ASSERT_TRUE(nowhere) << nowhere.error().message();
  EXPECT_FALSE(nowhere->has_value());
}

TEST_F(ReadConfigFileTest, ReadsAFile)
{
  std::ofstream(path("f.toml")) << "compact = false\n";
  const auto settings = read_config_file(path("f.toml"), Owner::root);
  ASSERT_TRUE(settings) << settings.error().message();
  ASSERT_TRUE(settings->has_value());
  ASSERT_EQ((*settings)->size(), 1U);
  EXPECT_EQ((**settings)[0].option->key, "compact");
}

TEST_F(ReadConfigFileTest, ParseErrorsNameThePath)
{
  std::ofstream(path("f.toml")) << "compact = yes\n";
  const auto settings = read_config_file(path("f.toml"), Owner::any);
  ASSERT_FALSE(settings);
  EXPECT_TRUE(settings.error().message().starts_with(path("f.toml") + ":1:11: not valid TOML"))
      << settings.error().message();
}

TEST_F(ReadConfigFileTest, ADirectoryIsRefused)
{
  ASSERT_EQ(::mkdir(path("d.toml").c_str(), 0700), 0);
  const auto settings = read_config_file(path("d.toml"), Owner::any);
  ASSERT_FALSE(settings);
  EXPECT_EQ(settings.error().kind(), util::ErrorKind::config);
  EXPECT_EQ(settings.error().message(), "config file " + path("d.toml") + " is not a regular file");
}

TEST_F(ReadConfigFileTest, AFifoIsRefusedWithoutHanging)
{
  ASSERT_EQ(::mkfifo(path("f.toml").c_str(), 0600), 0);
  const auto settings = read_config_file(path("f.toml"), Owner::any);
  ASSERT_FALSE(settings);
  EXPECT_NE(settings.error().message().find("is not a regular file"), std::string::npos);
}

TEST_F(ReadConfigFileTest, AHugeFileIsRefusedBeforeReading)
{
  std::ofstream(path("f.toml")) << "# big\n";
  ASSERT_EQ(::truncate(path("f.toml").c_str(), 2 * 1024 * 1024), 0);
  const auto settings = read_config_file(path("f.toml"), Owner::any);
  ASSERT_FALSE(settings);
  EXPECT_EQ(settings.error().kind(), util::ErrorKind::config);
  EXPECT_NE(settings.error().message().find("more than the 1 MiB"), std::string::npos)
      << settings.error().message();
}

TEST_F(ReadConfigFileTest, AnUnreadableFileIsAConfigError)
{
  std::ofstream(path("f.toml")) << "compact = false\n";
  ASSERT_EQ(::chmod(path("f.toml").c_str(), 0), 0);
  if (::geteuid() == 0) {
    // Root reads anything; a file whose directory entry is a dangling symlink to a loop is
    // unreadable for root as well.
    ASSERT_EQ(::unlink(path("f.toml").c_str()), 0);
    ASSERT_EQ(::symlink("f.toml", path("f.toml").c_str()), 0);
  }
  const auto settings = read_config_file(path("f.toml"), Owner::any);
  ASSERT_FALSE(settings);
  EXPECT_EQ(settings.error().kind(), util::ErrorKind::config);
  EXPECT_TRUE(settings.error().message().starts_with("cannot read config file " + path("f.toml")))
      << settings.error().message();
}

} // namespace
} // namespace shelltrail::config
