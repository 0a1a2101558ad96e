#pragma once
// SyntheticOutput: deterministic, realistic terminal output for tests and benchmarks — coloured
// `ls`, compiler and log lines, prompts, progress bars with \r, cursor movement and UTF-8 —
// so that sizes and compression ratios resemble a real session's.

#include <cstdint>
#include <string>

namespace shelltrail::test {

class SyntheticOutput
{
public:
  explicit SyntheticOutput(std::uint64_t seed = 1);
  // Appends about `bytes` bytes (whole lines) to `out`.
  void append(std::string& out, std::size_t bytes);

private:
  std::uint64_t next();
  std::uint64_t below(std::uint64_t bound);
  void line(std::string& out);

  std::uint64_t m_state;
  std::uint64_t m_counter = 0;
};

} // namespace shelltrail::test
