#include "format/session_id.hpp"

#include <gtest/gtest.h>

#include <set>

namespace shelltrail::format {
namespace {

TEST(SessionId, IsAVersion7UuidThatSortsByTime)
{
  const std::string early = new_session_id(1'700'000'000'000'000'000);
  const std::string late = new_session_id(1'700'000'001'000'000'000);
  EXPECT_TRUE(is_session_id(early));
  EXPECT_EQ(early[14], '7');
  EXPECT_TRUE(early[19] == '8' || early[19] == '9' || early[19] == 'a' || early[19] == 'b');
  EXPECT_LT(early, late);
}

TEST(SessionId, IsUnique)
{
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    ids.insert(new_session_id(1'700'000'000'000'000'000));
  }
  EXPECT_EQ(ids.size(), 1000U);
}

TEST(SessionId, RecognisesOnlyCanonicalForm)
{
  EXPECT_TRUE(is_session_id("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"));
  EXPECT_FALSE(is_session_id("0193A1B2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"));
  EXPECT_FALSE(is_session_id("0193a1b2c3d47e5f8a9b0c1d2e3f4a5b"));
  EXPECT_FALSE(is_session_id("../../etc/passwd"));
}

} // namespace
} // namespace shelltrail::format
