#include "config/option_table.hpp"
#include "config/option_value.hpp"

#include <gtest/gtest.h>

#include <set>

namespace shelltrail::config {
namespace {

std::optional<std::string> no_environment(const char* /*name*/)
{
  return std::nullopt;
}

TEST(OptionTable, KeysAreUniqueSnakeCaseAndDocumented)
{
  std::set<std::string_view> keys;
  for (const OptionSpec& option : option_table()) {
    SCOPED_TRACE(option.key);
    EXPECT_TRUE(keys.insert(option.key).second) << "duplicate key";
    EXPECT_EQ(option.key.find_first_not_of("abcdefghijklmnopqrstuvwxyz_"), std::string_view::npos);
    EXPECT_FALSE(option.doc.empty());
    EXPECT_TRUE(option.doc.ends_with('.')) << option.doc;
    EXPECT_EQ(option.doc.find('\n'), std::string_view::npos);
    EXPECT_NE(option.store, nullptr);
  }
  EXPECT_EQ(keys.size(), 22U);
}

TEST(OptionTable, EnvironmentVariableIsShelltrailAndTheKeyInUpperCase)
{
  for (const OptionSpec& option : option_table()) {
    std::string expected = "SHELLTRAIL_";
    for (const char c : option.key) {
      expected += c == '_' ? '_' : static_cast<char>(c - 'a' + 'A');
    }
    EXPECT_EQ(option.environment_variable, expected);
  }
}

TEST(OptionTable, EveryDefaultParsesInBothModes)
{
  const Getenv home = [](const char* name) -> std::optional<std::string> {
    return std::string_view(name) == "HOME" ? std::optional<std::string>("/home/a") : std::nullopt;
  };
  for (const Mode mode : {Mode::personal, Mode::system}) {
    for (const OptionSpec& option : option_table()) {
      SCOPED_TRACE(option.key);
      const auto text = default_value_text(option, mode, home);
      ASSERT_TRUE(text);
      const auto value = parse_value_text(option, *text);
      ASSERT_TRUE(value) << *text << ": " << value.error().message();
      // Defaults are written the way `config show` prints them.
      EXPECT_EQ(to_value_text(option, *value), *text);
    }
  }
}

TEST(OptionTable, RangesAreSane)
{
  for (const OptionSpec& option : option_table()) {
    SCOPED_TRACE(option.key);
    if (option.type == ValueType::integer || option.type == ValueType::size) {
      EXPECT_LT(option.min, option.max);
    } else {
      EXPECT_EQ(option.min, 0);
      EXPECT_EQ(option.max, 0);
    }
    EXPECT_EQ(option.type == ValueType::choice, !option.choices.empty());
  }
}

TEST(DefaultValueText, ExpandsXdgDataHome)
{
  const OptionSpec& spool = *find_option("spool");
  EXPECT_EQ(default_value_text(spool, Mode::personal, no_environment), std::nullopt);
  EXPECT_EQ(default_value_text(spool, Mode::system, no_environment), "/var/lib/shelltrail/spool");
  const Getenv both = [](const char* name) -> std::optional<std::string> {
    return std::string_view(name) == "HOME" ? "/home/a" : "/xdg";
  };
  EXPECT_EQ(default_value_text(spool, Mode::personal, both), "/xdg/shelltrail/spool");
}

TEST(FindOption, FindsKnownKeysOnly)
{
  ASSERT_NE(find_option("chunk_bytes"), nullptr);
  EXPECT_EQ(find_option("chunk_bytes")->key, "chunk_bytes");
  EXPECT_EQ(find_option("chunk"), nullptr);
  EXPECT_EQ(find_option("CHUNK_BYTES"), nullptr);
  EXPECT_EQ(find_option(""), nullptr);
}

TEST(NearestKey, SuggestsWhatATypoMeant)
{
  EXPECT_EQ(nearest_key("chunk_byte"), "chunk_bytes");
  EXPECT_EQ(nearest_key("chunk-bytes"), "chunk_bytes");
  EXPECT_EQ(nearest_key("CHUNK_BYTES"), "chunk_bytes");
  EXPECT_EQ(nearest_key("spol"), "spool");
  EXPECT_EQ(nearest_key("redact_password"), "redact_passwords");
  EXPECT_EQ(nearest_key("fsync_interval"), "fsync_interval_ms");
  EXPECT_EQ(nearest_key("colour"), std::nullopt);
  EXPECT_EQ(nearest_key("x"), std::nullopt);
}

} // namespace
} // namespace shelltrail::config
