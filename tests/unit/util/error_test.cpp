#include "util/error.hpp"

#include <gtest/gtest.h>

#include <cerrno>

namespace shelltrail::util {
namespace {

Result<int> inner()
{
  return fail(ErrorKind::io, "write: No space left on device");
}

Result<int> outer()
{
  ST_TRY_CONTEXT(inner(), "spool {}", "2026/11/26/x.strec");
  return 1;
}

TEST(Error, ContextReadsFromTheActionDownToTheCause)
{
  auto result = outer();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind(), ErrorKind::io);
  EXPECT_EQ(result.error().message(), "spool 2026/11/26/x.strec: write: No space left on device");
}

TEST(Error, ErrnoMapsToKinds)
{
  EXPECT_EQ(Error::from_errno(ENOENT, "a").kind(), ErrorKind::not_found);
  EXPECT_EQ(Error::from_errno(EACCES, "a").kind(), ErrorKind::permission);
  EXPECT_EQ(Error::from_errno(ENOSPC, "a").kind(), ErrorKind::io);
  EXPECT_EQ(Error::from_errno(ENOENT, "/x").message(), "/x: No such file or directory");
}

Result<int> assign_twice()
{
  ST_TRY_ASSIGN(int a, Result<int>(20));
  ST_TRY_ASSIGN(const int b, Result<int>(22));
  return a + b;
}

TEST(Error, TryAssignUnwrapsValues)
{
  EXPECT_EQ(assign_twice(), 42);
}

} // namespace
} // namespace shelltrail::util
