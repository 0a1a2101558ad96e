#include "cli/verdict.hpp"

#include "cli/command.hpp"

#include <fmt/core.h>

namespace shelltrail::cli {

int exit_code_for(format::Verdict verdict)
{
  switch (verdict) {
  case format::Verdict::ok:
    return k_exit_ok;
  case format::Verdict::incomplete:
    return k_exit_incomplete;
  case format::Verdict::altered:
    return k_exit_altered;
  }
  return k_exit_altered;
}

int report_verdict(const std::string& file, const format::VerifyReport& report)
{
  switch (report.verdict) {
  case format::Verdict::ok:
    break;
  case format::Verdict::incomplete:
    print_warning(fmt::format("{}: incomplete recording: {}", file, report.detail));
    break;
  case format::Verdict::altered:
    // The detail already names the file, the chunk and the offset.
    print_error(util::Error(util::ErrorKind::corrupt, report.detail));
    break;
  }
  return exit_code_for(report.verdict);
}

} // namespace shelltrail::cli
