// shelltrail audit-logins --since T: every SSH login on this box (from wtmp) that has no
// recording in the spool — the sessions that got around the recorder. Looks in the system spool
// unless told otherwise.

#include "cli/command.hpp"
#include "cli/spool_lookup.hpp"
#include "format/summary.hpp"
#include "sys/login_records.hpp"
#include "util/time.hpp"
#include "util/time_spec.hpp"

#include "trust/login_audit.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <csignal>
#include <memory>

namespace shelltrail::cli {
namespace {

struct AuditOptions
{
  std::string since;
  std::string wtmp = "/var/log/wtmp";
  std::string spool;
  std::string user;
  bool personal = false;
  bool all = false;
  bool json = false;
};

std::string seconds_text(std::int64_t unix_ns)
{
  const std::string full = util::to_rfc3339(unix_ns);
  return full.substr(0, 19) + "Z";
}

int run_audit(const AuditOptions& options)
{
  auto since = util::parse_time_spec(options.since, util::wall_clock_ns());
  if (!since) {
    print_error(since.error());
    return k_exit_usage;
  }
  auto logins = sys::read_login_records(options.wtmp);
  if (!logins) {
    print_error(logins.error().with_context("reading the login records"));
    return k_exit_unreadable;
  }
  SpoolChoice choice{options.spool, !options.personal};
  auto spool = spool_directory(choice);
  if (!spool) {
    print_error(spool.error());
    return exit_code_for(spool.error());
  }
  std::vector<trust::RecordedSession> recordings;
  for (const std::string& path : find_recordings(*spool)) {
    auto summary = format::summarize_recording(path);
    if (!summary) {
      print_warning(summary.error().message()); // counts as no recording for its login
      continue;
    }
    const format::Metadata& m = summary->metadata;
    recordings.push_back(
        {m.session_id, m.user, m.tty, m.ssh ? m.ssh->client_addr : std::string(), m.start_unix_ns});
  }
  // Logins that began before the window count when they reach into it: ended inside it, or
  // still going (their sshd process is alive; wtmp keeps logins whose end was never written,
  // e.g. when sshd was killed, and those are not still going).
  std::vector<sys::LoginRecord> window;
  for (const sys::LoginRecord& login : *logins) {
    const bool reaches = login.logout_unix_ns
                             ? *login.logout_unix_ns >= *since
                             : login.pid > 0 && (::kill(login.pid, 0) == 0 || errno == EPERM);
    if ((login.login_unix_ns >= *since || reaches) &&
        (options.user.empty() || login.user == options.user)) {
      window.push_back(login);
    }
  }
  const auto audited = trust::match_logins(window, recordings);
  std::size_t unrecorded = 0;
  nlohmann::json out = nlohmann::json::array();
  if (!options.json) {
    fmt::print("{:<21} {:<14} {:<20} {:<8} {:<21} {}\n",
               "LOGIN (UTC)",
               "USER",
               "FROM",
               "TTY",
               "LOGOUT (UTC)",
               "RECORDING");
  }
  for (const trust::AuditedLogin& entry : audited) {
    const sys::LoginRecord& login = entry.login;
    unrecorded += entry.session_id ? 0U : 1U;
    if (entry.session_id && !options.all) {
      continue;
    }
    if (options.json) {
      nlohmann::json item{{"login", util::to_rfc3339(login.login_unix_ns)},
                          {"user", login.user},
                          {"from", login.host},
                          {"tty", login.line},
                          {"pid", login.pid},
                          {"recorded", entry.session_id.has_value()}};
      item["logout"] = login.logout_unix_ns
                           ? nlohmann::json(util::to_rfc3339(*login.logout_unix_ns))
                           : nlohmann::json(nullptr);
      item["session_id"] =
          entry.session_id ? nlohmann::json(*entry.session_id) : nlohmann::json(nullptr);
      out.push_back(std::move(item));
    } else {
      fmt::print("{:<21} {:<14} {:<20} {:<8} {:<21} {}\n",
                 seconds_text(login.login_unix_ns),
                 util::escape_bytes(login.user),
                 util::escape_bytes(login.host),
                 util::escape_bytes(login.line),
                 login.logout_unix_ns ? seconds_text(*login.logout_unix_ns) : "-",
                 entry.session_id ? *entry.session_id : "NONE (not recorded)");
    }
  }
  if (options.json) {
    fmt::print("{}\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  fmt::print(stderr,
             "shelltrail: {} SSH logins since {} in {}: {} recorded, {} without a recording "
             "(recordings in {})\n",
             audited.size(),
             seconds_text(*since),
             options.wtmp,
             audited.size() - unrecorded,
             unrecorded,
             *spool);
  return unrecorded == 0 ? k_exit_ok : 1;
}

} // namespace

Run add_audit_logins(CLI::App& app)
{
  auto options = std::make_shared<AuditOptions>();
  CLI::App* cmd = app.add_subcommand(
      "audit-logins",
      "SSH logins (from wtmp) that have no recording: the ways around the recorder");
  cmd->add_option("--since", options->since, "Logins at or after this time (2h, yesterday, ...)")
      ->required();
  cmd->add_option("--wtmp", options->wtmp, "The login records (default /var/log/wtmp)");
  cmd->add_option("--user", options->user, "Only this user's logins");
  cmd->add_option("--spool", options->spool, "The recordings (default: the system spool)");
  cmd->add_flag("--personal", options->personal, "Look in the personal spool instead");
  cmd->add_flag("--all", options->all, "List recorded logins too, with their session id");
  cmd->add_flag("--json", options->json, "A JSON array");
  cmd->footer("Only logins with a terminal are in wtmp (sshd writes none for `ssh host cmd`).\n"
              "Exit status: 0 every login was recorded, 1 some were not, 3 wtmp unreadable, "
              "64 bad command line.");
  return [options] { return run_audit(*options); };
}

} // namespace shelltrail::cli
