// shelltrail list: the recorded sessions, newest first — when, how long, who, from where, on
// which host, what, how it ended and whether the recording is complete — with filters.

#include "cli/command.hpp"
#include "cli/spool_lookup.hpp"
#include "format/summary.hpp"
#include "util/bytes.hpp"
#include "util/time.hpp"
#include "util/time_spec.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>

namespace shelltrail::cli {
namespace {

struct ListOptions
{
  SpoolChoice spool;
  std::string user;
  std::string host;
  std::string since;
  std::string until;
  bool json = false;
};

struct Row
{
  std::string path;
  format::RecordingSummary summary;
  std::string state; // "complete", "incomplete", "live"
};

std::string exit_text(const format::RecordingSummary& s)
{
  if (!s.exit) {
    return "-";
  }
  return s.exit->termination == format::Termination::signaled ? fmt::format("sig {}", s.exit->value)
                                                              : fmt::format("{}", s.exit->value);
}

int run_list(const ListOptions& options)
{
  const std::int64_t now = util::wall_clock_ns();
  std::optional<std::int64_t> since;
  std::optional<std::int64_t> until;
  for (const auto& [text, bound] :
       {std::pair{&options.since, &since}, std::pair{&options.until, &until}}) {
    if (!text->empty()) {
      auto parsed = util::parse_time_spec(*text, now);
      if (!parsed) {
        print_error(parsed.error());
        return k_exit_usage;
      }
      *bound = *parsed;
    }
  }
  auto spool = spool_directory(options.spool);
  if (!spool) {
    print_error(spool.error());
    return exit_code_for(spool.error());
  }
  std::vector<Row> rows;
  int problems = 0;
  for (const std::string& path : find_recordings(*spool)) {
    auto summary = format::summarize_recording(path);
    if (!summary) {
      // One unreadable recording must not hide the others.
      print_warning(summary.error().message());
      ++problems;
      continue;
    }
    const format::Metadata& m = summary->metadata;
    const std::int64_t end = m.start_unix_ns + summary->duration.count() * 1000;
    if ((!options.user.empty() && m.user != options.user) ||
        (!options.host.empty() && m.host != options.host) || (since && end < *since) ||
        (until && m.start_unix_ns > *until)) {
      continue;
    }
    const std::string state =
        summary->trailer ? "complete" : (is_live(path) ? "live" : "incomplete");
    rows.push_back({path, std::move(*summary), state});
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return a.summary.metadata.start_unix_ns > b.summary.metadata.start_unix_ns;
  });

  if (options.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const Row& row : rows) {
      const format::Metadata& m = row.summary.metadata;
      nlohmann::json item{{"session_id", m.session_id},
                          {"file", row.path},
                          {"start", util::to_rfc3339(m.start_unix_ns)},
                          {"duration_us", row.summary.duration.count()},
                          {"user", m.user},
                          {"host", m.host},
                          {"command", m.command},
                          {"state", row.state},
                          {"file_bytes", row.summary.file_bytes}};
      item["end"] = util::to_rfc3339(m.start_unix_ns + row.summary.duration.count() * 1000);
      if (m.ssh) {
        item["client_addr"] = m.ssh->client_addr;
        item["key_fingerprint"] = m.ssh->key_fingerprint;
      }
      if (row.summary.exit) {
        item["exit"] = {{"termination",
                         row.summary.exit->termination == format::Termination::signaled ? "signaled"
                                                                                        : "exited"},
                        {"value", row.summary.exit->value},
                        {"reason", row.summary.exit->reason}};
      }
      out.push_back(std::move(item));
    }
    fmt::print("{}\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    fmt::print("{:<20}  {:>10}  {:<12}  {:<15}  {:<12}  {:<5}  {:<10}  {:<36}  {}\n",
               "START (UTC)",
               "DURATION",
               "USER",
               "FROM",
               "HOST",
               "EXIT",
               "STATE",
               "SESSION",
               "COMMAND");
    for (const Row& row : rows) {
      const format::Metadata& m = row.summary.metadata;
      fmt::print("{:<20}  {:>10}  {:<12}  {:<15}  {:<12}  {:<5}  {:<10}  {:<36}  {}\n",
                 util::to_rfc3339_seconds(m.start_unix_ns),
                 util::to_human_duration(row.summary.duration),
                 util::escape_bytes(m.user),
                 m.ssh ? util::escape_bytes(m.ssh->client_addr) : "-",
                 util::escape_bytes(m.host),
                 exit_text(row.summary),
                 row.state,
                 m.session_id,
                 m.command.empty() ? "(shell)" : util::escape_bytes(m.command));
    }
  }
  return problems > 0 ? k_exit_altered : k_exit_ok;
}

} // namespace

Run add_list(CLI::App& app)
{
  auto options = std::make_shared<ListOptions>();
  CLI::App* cmd = app.add_subcommand("list", "List recorded sessions, newest first");
  add_spool_options(cmd, options->spool);
  cmd->add_option("--user", options->user, "Only sessions of this user");
  cmd->add_option("--host", options->host, "Only sessions recorded on this host");
  cmd->add_option("--since", options->since, "Only sessions still running at or after this time");
  cmd->add_option("--until", options->until, "Only sessions started at or before this time");
  cmd->add_flag("--json", options->json, "Print JSON (times in RFC 3339 UTC)");
  cmd->footer("Times: 2026-11-26T14:02:30Z, '2026-11-26 14:02' (local), 14:02, today, yesterday, "
              "or an age (90s, 30m, 2h, 3d).\nExit status: 0, or 2 if a recording could not be "
              "read (named on stderr), 64 for a bad option.");
  return [options] { return run_list(*options); };
}

} // namespace shelltrail::cli
