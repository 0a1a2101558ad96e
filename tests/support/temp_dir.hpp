#pragma once
// TempDirTest: gives each test a fresh directory; deleted when the test passes, kept and printed
// when it fails, so the evidence stays on disk (ccache's unittest/main.cpp).

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace shelltrail::test {

class TempDirTest : public ::testing::Test
{
protected:
  void SetUp() override;
  void TearDown() override;

  // `name` inside the test's directory.
  std::string path(std::string_view name) const;
  const std::string& dir() const;

private:
  std::string m_dir;
};

// Peak resident set size of this process since the last reset_peak_rss(), in bytes.
std::uint64_t peak_rss_bytes();
// Resets the kernel's high-water mark (VmHWM) of this process.
void reset_peak_rss();

} // namespace shelltrail::test
