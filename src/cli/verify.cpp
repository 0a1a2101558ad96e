// shelltrail verify FILE...: checks every checksum and every link of the hash chain and says
// "ok", "incomplete (...)" or "altered at chunk N (...)".

#include "format/verify.hpp"

#include "cli/command.hpp"
#include "cli/spool_lookup.hpp"
#include "cli/verdict.hpp"
#include "util/bytes.hpp"
#include "util/time.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include <vector>

namespace shelltrail::cli {
namespace {

struct VerifyOptions
{
  std::vector<std::string> files;
  SpoolChoice spool;
  bool json = false;
};

// "recorder stopped at 2026-11-26T05:02:31.5Z (00:00:01.500000 into the session)"
std::string stopped_at(const format::VerifyReport& report)
{
  if (!report.metadata) {
    return "";
  }
  const std::int64_t wall = report.metadata->start_unix_ns + report.stats.last_time.count() * 1000;
  return fmt::format("recorder stopped at {} ({} into the session)",
                     util::to_rfc3339(wall),
                     util::to_offset_string(report.stats.last_time));
}

std::string describe(const format::VerifyReport& report)
{
  switch (report.verdict) {
  case format::Verdict::ok:
    return fmt::format("ok ({} chunks, {} events, chain head {})",
                       report.stats.chunk_count,
                       report.stats.event_count,
                       util::to_hex(report.chain_head));
  case format::Verdict::incomplete:
    return fmt::format("incomplete ({}; {} events recoverable; {})",
                       stopped_at(report),
                       report.stats.event_count,
                       report.detail);
  case format::Verdict::altered:
    return fmt::format("altered at chunk {} (offset {}): {}",
                       report.damage.chunk,
                       report.damage.offset,
                       report.detail);
  }
  return "";
}

int run_verify(const VerifyOptions& options)
{
  int worst = k_exit_ok;
  for (const std::string& session : options.files) {
    const auto resolved = resolve_recording(session, options.spool);
    const std::string file = resolved ? *resolved : session;
    auto report = resolved ? format::verify_recording(file)
                           : util::Result<format::VerifyReport>(util::fail(resolved.error()));
    int code = 0;
    if (!report) {
      print_error(report.error());
      code = exit_code_for(report.error());
      if (options.json) {
        fmt::print("{}\n",
                   nlohmann::json{{"file", file},
                                  {"state", "unreadable"},
                                  {"detail", report.error().message()}}
                       .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      }
    } else if (options.json) {
      code = exit_code_for(report->verdict);
      nlohmann::json line{{"file", file},
                          {"state", format::to_string(report->verdict)},
                          {"chunks", report->stats.chunk_count},
                          {"events", report->stats.event_count},
                          {"chain_head", util::to_hex(report->chain_head)}};
      if (!report->detail.empty()) {
        line["detail"] = report->detail;
      }
      if (report->verdict == format::Verdict::altered) {
        line["damage"] = {{"chunk", report->damage.chunk}, {"offset", report->damage.offset}};
      }
      fmt::print("{}\n", line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
      code = exit_code_for(report->verdict);
      fmt::print("{}: {}\n", util::escape_bytes(file), describe(*report));
    }
    // Like sha256sum -c: the verdicts on stdout, and each problem once on stderr.
    if (report) {
      report_verdict(file, *report);
    }
    worst = std::max(worst, code);
  }
  return worst;
}

} // namespace

Run add_verify(CLI::App& app)
{
  auto options = std::make_shared<VerifyOptions>();
  CLI::App* cmd = app.add_subcommand(
      "verify", "Check a recording's checksums and hash chain: ok, incomplete or altered");
  cmd->add_option("SESSION", options->files, "Session ids (or unique prefixes) or recording files")
      ->required();
  add_spool_options(cmd, options->spool);
  cmd->add_flag("--json", options->json, "One JSON object per file");
  cmd->footer("Exit status: 0 ok, 1 incomplete, 2 altered, 3 unreadable (the worst over all "
              "files), 64 bad command line.");
  return [options] { return run_verify(*options); };
}

} // namespace shelltrail::cli
