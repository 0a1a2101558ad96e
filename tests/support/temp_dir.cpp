#include "support/temp_dir.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace shelltrail::test {

void TempDirTest::SetUp()
{
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/shelltrail-test-XXXXXX";
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  m_dir = pattern;
}

void TempDirTest::TearDown()
{
  if (HasFailure()) {
    std::fprintf(stderr, "test files kept in %s\n", m_dir.c_str());
    return;
  }
  std::error_code ignored;
  std::filesystem::remove_all(m_dir, ignored);
}

std::string TempDirTest::path(std::string_view name) const
{
  return m_dir + "/" + std::string(name);
}

const std::string& TempDirTest::dir() const
{
  return m_dir;
}

std::uint64_t peak_rss_bytes()
{
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      return std::stoull(line.substr(6)) * 1024;
    }
  }
  return 0;
}

void reset_peak_rss()
{
  std::ofstream("/proc/self/clear_refs") << "5";
}

} // namespace shelltrail::test
