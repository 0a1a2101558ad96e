#include "config/option_value.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace shelltrail::config {
namespace {

const OptionSpec& option(std::string_view key)
{
  const OptionSpec* found = find_option(key);
  EXPECT_NE(found, nullptr) << key;
  return *found;
}

TEST(ParseSize, AcceptsBytesAndBinaryUnits)
{
  const std::vector<std::pair<std::string_view, std::int64_t>> cases = {
      {"0", 0},
      {"65536", 65536},
      {"512B", 512},
      {"64KiB", 64 * 1024},
      {"64 KiB", 64 * 1024},
      {"1MiB", 1024 * 1024},
      {"2GiB", 2LL * 1024 * 1024 * 1024},
      {"1TiB", 1LL << 40},
  };
  for (const auto& [text, bytes] : cases) {
    SCOPED_TRACE(text);
    const auto size = parse_size(text);
    ASSERT_TRUE(size) << size.error().message();
    EXPECT_EQ(*size, bytes);
  }
}

TEST(ParseSize, RefusesDecimalUnitsFractionsAndJunk)
{
  const std::vector<std::pair<std::string_view, std::string_view>> cases = {
      {"10 MB", "binary units"},
      {"10MB", "binary units"},
      {"64k", "binary units"},
      {"64K", "binary units"},
      {"1kB", "binary units"},
      {"1G", "binary units"},
      {"1.5MiB", "expected a size"},
      {"", "expected a size"},
      {"MiB", "expected a size"},
      {"-1", "expected a size"},
      {" 64", "expected a size"},
      {"64 ", "expected a size"},
      {"64  KiB", "unknown size unit ' KiB'"},
      {"64kib", "unknown size unit 'kib'"},
      {"0x40", "unknown size unit 'x40'"},
      {"99999999999999999999", "too large"},
      {"9999999999TiB", "too large"},
  };
  for (const auto& [text, says] : cases) {
    SCOPED_TRACE(text);
    const auto size = parse_size(text);
    ASSERT_FALSE(size) << *size;
    EXPECT_EQ(size.error().kind(), util::ErrorKind::config);
    EXPECT_NE(size.error().message().find(says), std::string::npos) << size.error().message();
  }
}

TEST(ToSizeText, UsesTheLargestExactBinaryUnit)
{
  EXPECT_EQ(to_size_text(0), "0");
  EXPECT_EQ(to_size_text(1000), "1000");
  EXPECT_EQ(to_size_text(1024), "1KiB");
  EXPECT_EQ(to_size_text(65536), "64KiB");
  EXPECT_EQ(to_size_text(1536 * 1024), "1536KiB");
  EXPECT_EQ(to_size_text(64 * 1024 * 1024), "64MiB");
  EXPECT_EQ(to_size_text(1LL << 40), "1TiB");
  for (const std::int64_t bytes : {0LL, 1LL, 1023LL, 4096LL, 3LL << 30, 5LL << 40}) {
    EXPECT_EQ(parse_size(to_size_text(bytes)).value(), bytes);
  }
}

TEST(ParseValueText, Booleans)
{
  for (const std::string_view yes : {"true", "yes", "on", "1"}) {
    EXPECT_EQ(parse_value_text(option("compact"), yes).value(), Value(true)) << yes;
  }
  for (const std::string_view no : {"false", "no", "off", "0"}) {
    EXPECT_EQ(parse_value_text(option("compact"), no).value(), Value(false)) << no;
  }
  for (const std::string_view bad : {"", "TRUE", "y", "2", "true "}) {
    const auto value = parse_value_text(option("compact"), bad);
    ASSERT_FALSE(value) << bad;
    EXPECT_EQ(value.error().message(), fmt::format("expected true or false, got '{}'", bad));
  }
}

TEST(ParseValueText, IntegersWithinTheirRange)
{
  const OptionSpec& level = option("live_compression_level");
  EXPECT_EQ(parse_value_text(level, "-7").value(), Value(std::int64_t{-7}));
  EXPECT_EQ(parse_value_text(level, "9").value(), Value(std::int64_t{9}));
  EXPECT_EQ(parse_value_text(level, "-8").error().message(),
            "-8 is out of range: use a value from -7 to 9");
  EXPECT_EQ(parse_value_text(level, "10").error().message(),
            "10 is out of range: use a value from -7 to 9");
  EXPECT_EQ(parse_value_text(level, "1.0").error().message(), "expected a whole number, got '1.0'");
  EXPECT_EQ(parse_value_text(level, "").error().message(), "expected a whole number, got ''");
  EXPECT_EQ(parse_value_text(level, "+1").error().message(), "expected a whole number, got '+1'");
  EXPECT_EQ(parse_value_text(level, "99999999999999999999").error().message(),
            "'99999999999999999999' is too large");
}

TEST(ParseValueText, SizesWithinTheirRange)
{
  const OptionSpec& chunk = option("chunk_bytes");
  EXPECT_EQ(parse_value_text(chunk, "1KiB").value(), Value(std::int64_t{1024}));
  EXPECT_EQ(parse_value_text(chunk, "8MiB").value(), Value(std::int64_t{8 << 20}));
  EXPECT_EQ(parse_value_text(chunk, "1023").error().message(),
            "1023 is out of range: use a value from 1KiB to 8MiB");
  EXPECT_EQ(parse_value_text(chunk, "8193KiB").error().message(),
            "8193KiB is out of range: use a value from 1KiB to 8MiB");
}

TEST(ParseValueText, PathsAndText)
{
  EXPECT_EQ(parse_value_text(option("spool"), "/srv/x").value(), Value(std::string("/srv/x")));
  EXPECT_FALSE(parse_value_text(option("spool"), ""));
  EXPECT_FALSE(parse_value_text(option("spool"), "~/x"));
  EXPECT_EQ(parse_value_text(option("shell"), "").value(), Value(std::string()));
  EXPECT_FALSE(parse_value_text(option("shell"), "bash"));
  EXPECT_EQ(parse_value_text(option("notice"), "{user} is recorded").value(),
            Value(std::string("{user} is recorded")));
  EXPECT_FALSE(parse_value_text(option("notice"), std::string_view("a\0b", 3)));
}

TEST(ParseValueText, Choices)
{
  for (const std::string_view facility :
       {"auth", "authpriv", "daemon", "user", "local0", "local7"}) {
    EXPECT_TRUE(parse_value_text(option("syslog_facility"), facility)) << facility;
  }
  for (const std::string_view facility : {"local8", "kern", "AUTH", ""}) {
    EXPECT_FALSE(parse_value_text(option("syslog_facility"), facility)) << facility;
  }
}

TEST(ParseValueText, PatternListsAreTomlArrays)
{
  const OptionSpec& patterns = option("prompt_patterns");
  EXPECT_EQ(parse_value_text(patterns, "[]").value(), Value(std::vector<std::string>{}));
  // Without brackets a pattern like "[sudo] password" would be ambiguous: refused, with the
  // syntax to use.
  const auto bare = parse_value_text(patterns, "password: *$");
  ASSERT_FALSE(bare);
  EXPECT_NE(bare.error().message().find("expected a TOML array of strings"), std::string::npos);
  EXPECT_FALSE(parse_value_text(patterns, "['(']"));
}

TEST(ToValueText, RoundTripsThroughParseValueText)
{
  const std::vector<std::pair<std::string_view, Value>> cases = {
      {"compact", false},
      {"compact_level", std::int64_t{3}},
      {"live_compression_level", std::int64_t{-2}},
      {"chunk_bytes", std::int64_t{3 * 1024 + 1}},
      {"stream_limit_bytes", std::int64_t{64} << 20},
      {"spool", std::string("/srv/a b")},
      {"notice", std::string("line with 'quotes' and \"more\"")},
      {"failure_policy", std::string("fail-open")},
      {"prompt_patterns",
       std::vector<std::string>{R"(it's: *$)", R"(back\slash: *$)", "tab\there: *$", "plain: *$"}},
  };
  for (const auto& [key, value] : cases) {
    SCOPED_TRACE(key);
    const std::string text = to_value_text(option(key), value);
    const auto back = parse_value_text(option(key), text);
    ASSERT_TRUE(back) << text << ": " << back.error().message();
    EXPECT_EQ(*back, value) << text;
  }
}

TEST(ToTomlString, LiteralWhenItCanBe)
{
  EXPECT_EQ(to_toml_string(R"(a\b)"), R"('a\b')");
  EXPECT_EQ(to_toml_string("it's"), R"("it's")");
  EXPECT_EQ(to_toml_string("a\"\\\n\x01"), R"("a\"\\\n\u0001")");
}

} // namespace
} // namespace shelltrail::config
