// shelltrail audit-logins --since T: every SSH login on this box (from wtmp and, where there is
// one, sshd's entries in the journal) that has no recording in the spool — the sessions that got
// around the recorder. Looks in the system spool unless told otherwise.

#include "cli/command.hpp"
#include "cli/jump_box.hpp"
#include "cli/spool_lookup.hpp"
#include "format/summary.hpp"
#include "sys/login_records.hpp"
#include "util/file.hpp"
#include "util/time.hpp"
#include "util/time_spec.hpp"

#include "trust/login_audit.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <memory>
#include <sstream>

namespace shelltrail::cli {
namespace {

struct AuditOptions
{
  std::string since;
  std::string wtmp = "/var/log/wtmp";
  std::string spool;
  std::string user;
  std::string journal_json; // journalctl -o json output to read instead of asking journalctl
  bool no_journal = false;
  bool personal = false;
  bool all = false;
  bool json = false;
};

int run_audit(const AuditOptions& options)
{
  auto since = util::parse_time_spec(options.since, util::wall_clock_ns());
  if (!since) {
    print_error(since.error());
    return k_exit_usage;
  }
  auto wtmp = sys::read_login_records(options.wtmp);
  if (!wtmp) {
    print_error(wtmp.error().with_context("reading the login records"));
    return k_exit_unreadable;
  }
  // sshd's "Accepted ... for USER from ADDR port PORT" lines: every login, with or without a
  // terminal (wtmp has only the ones with one), where there is a journal to ask.
  std::string journal_text;
  if (!options.journal_json.empty()) {
    auto text = util::read_file(options.journal_json);
    if (!text) {
      print_error(text.error());
      return k_exit_unreadable;
    }
    journal_text = std::move(*text);
  } else if (!options.no_journal && ::access("/usr/bin/journalctl", X_OK) == 0) {
    auto text = run_tool({"/usr/bin/journalctl",
                          "--no-pager",
                          "-o",
                          "json",
                          "--since",
                          fmt::format("@{}", *since / 1000000000),
                          "_COMM=sshd"});
    if (text) {
      journal_text = std::move(*text);
    } else {
      print_warning("the journal could not be read, so wtmp only: " + text.error().message());
    }
  }
  std::vector<sys::LoginRecord> journal;
  std::istringstream lines(journal_text);
  for (std::string line; std::getline(lines, line);) {
    if (auto login = trust::parse_journal_login(line)) {
      journal.push_back(std::move(*login));
    }
  }
  const std::size_t from_journal = journal.size();
  const std::vector<sys::LoginRecord> logins = trust::merge_logins(std::move(journal), *wtmp);
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
    trust::RecordedSession recorded;
    recorded.session_id = m.session_id;
    recorded.user = m.user;
    recorded.tty = m.tty;
    if (m.ssh) {
      recorded.client_addr = m.ssh->client_addr;
      recorded.client_port = m.ssh->client_port.value_or(0);
    }
    recorded.start_unix_ns = m.start_unix_ns;
    recordings.push_back(std::move(recorded));
  }
  // Logins that began before the window count when they reach into it: ended inside it, or
  // still going (their sshd process is alive; wtmp keeps logins whose end was never written,
  // e.g. when sshd was killed, and those are not still going).
  std::vector<sys::LoginRecord> window;
  for (const sys::LoginRecord& login : logins) {
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
      nlohmann::json item{
          {"login", util::to_rfc3339(login.login_unix_ns)},
          {"user", login.user},
          {"from", login.host},
          {"port", login.port != 0 ? nlohmann::json(login.port) : nlohmann::json()},
          {"tty", login.line.empty() ? nlohmann::json() : nlohmann::json(login.line)},
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
                 util::to_rfc3339_seconds(login.login_unix_ns),
                 util::escape_bytes(login.user),
                 util::escape_bytes(login.port != 0 ? fmt::format("{}:{}", login.host, login.port)
                                                    : login.host),
                 login.line.empty() ? std::string("-") : util::escape_bytes(login.line),
                 login.logout_unix_ns ? util::to_rfc3339_seconds(*login.logout_unix_ns) : "-",
                 entry.session_id ? *entry.session_id : "NONE (not recorded)");
    }
  }
  if (options.json) {
    fmt::print("{}\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  fmt::print(stderr,
             "shelltrail: {} SSH logins since {} in {}{}: {} recorded, {} without a recording "
             "(recordings in {})\n",
             audited.size(),
             util::to_rfc3339_seconds(*since),
             options.wtmp,
             from_journal > 0 ? fmt::format(" and the journal ({} sshd logins)", from_journal)
                              : std::string(),
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
  cmd->add_option("--journal-json",
                  options->journal_json,
                  "Read sshd's log from this `journalctl -o json` output instead of the journal");
  cmd->add_flag("--no-journal", options->no_journal, "wtmp only");
  cmd->add_option("--spool", options->spool, "The recordings (default: the system spool)");
  cmd->add_flag("--personal", options->personal, "Look in the personal spool instead");
  cmd->add_flag("--all", options->all, "List recorded logins too, with their session id");
  cmd->add_flag("--json", options->json, "A JSON array");
  cmd->footer("wtmp has the logins with a terminal; the journal (journalctl _COMM=sshd), where "
              "there is one, has all of them, with the client's port.\n"
              "Exit status: 0 every login was recorded, 1 some were not, 3 wtmp unreadable, "
              "64 bad command line.");
  return [options] { return run_audit(*options); };
}

} // namespace shelltrail::cli
