#include "index/text_match.hpp"

#include <gtest/gtest.h>

namespace shelltrail::index {
namespace {

TEST(TextMatch, WordQueryQuotesEachWordAndMakesAnOpenLastWordAPrefix)
{
  EXPECT_EQ(word_query("rm -f /etc/passwd"), R"("rm" AND "f" AND "etc" AND "passwd"*)");
  EXPECT_EQ(word_query("No such file "), R"("No" AND "such" AND "file")");
  EXPECT_EQ(word_query("\"quoted\" AND (x"), R"("quoted" AND "AND" AND "x"*)");
  EXPECT_EQ(word_query("café ✓"), "\"café\" AND \"✓\"*");
  EXPECT_EQ(word_query("--"), "");
  EXPECT_EQ(word_query(""), "");
}

TEST(TextMatch, FindsIgnoringAsciiCase)
{
  EXPECT_EQ(find_ignoring_case("Connection REFUSED", "refused"), 11U);
  EXPECT_TRUE(contains_ignoring_case("rm -rf /", "-RF"));
  EXPECT_FALSE(contains_ignoring_case("rm -r -f /", "-rf"));
  EXPECT_EQ(find_ignoring_case("abc", "abcd"), std::string_view::npos);
}

} // namespace
} // namespace shelltrail::index
