#include "trust/login_audit.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <limits>
#include <regex>

namespace shelltrail::trust {

std::vector<AuditedLogin> match_logins(const std::vector<sys::LoginRecord>& logins,
                                       const std::vector<RecordedSession>& recordings,
                                       std::chrono::seconds slack)
{
  const std::int64_t slack_ns = std::chrono::nanoseconds(slack).count();
  std::vector<const RecordedSession*> by_start;
  for (const RecordedSession& recording : recordings) {
    by_start.push_back(&recording);
  }
  std::sort(by_start.begin(), by_start.end(), [](const auto* a, const auto* b) {
    return a->start_unix_ns < b->start_unix_ns;
  });
  std::vector<bool> used(by_start.size(), false);
  std::vector<AuditedLogin> audited;
  for (const sys::LoginRecord& login : logins) {
    AuditedLogin entry{login, std::nullopt};
    const std::int64_t from = login.login_unix_ns - slack_ns;
    const std::int64_t to = login.logout_unix_ns ? *login.logout_unix_ns + slack_ns
                                                 : std::numeric_limits<std::int64_t>::max();
    for (std::size_t i = 0; i < by_start.size(); ++i) {
      const RecordedSession& r = *by_start[i];
      if (used[i] || r.start_unix_ns < from || r.start_unix_ns > to || r.user != login.user) {
        continue;
      }
      const bool same = login.port != 0 ? r.client_addr == login.host && r.client_port == login.port
                                        : r.tty == "/dev/" + login.line &&
                                              (r.client_addr.empty() || login.host.empty() ||
                                               r.client_addr == login.host);
      if (!same) {
        continue;
      }
      used[i] = true;
      entry.session_id = r.session_id;
      break;
    }
    audited.push_back(std::move(entry));
  }
  return audited;
}

std::optional<sys::LoginRecord> parse_journal_login(std::string_view json_line)
{
  const auto entry = nlohmann::json::parse(json_line, nullptr, false);
  if (!entry.is_object()) {
    return std::nullopt;
  }
  const auto text = [&](const char* key) -> std::string {
    const auto it = entry.find(key);
    return it != entry.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  static const std::regex accepted(
      R"(^Accepted [a-z0-9-]+ for (\S+) from (\S+) port ([0-9]{1,5}) )");
  const std::string message = text("MESSAGE");
  std::smatch m;
  if (!std::regex_search(message, m, accepted)) {
    return std::nullopt;
  }
  std::int64_t realtime_us = 0;
  const std::string realtime = text("__REALTIME_TIMESTAMP");
  unsigned port = 0;
  const std::string port_text = m[3].str();
  if (std::from_chars(realtime.data(), realtime.data() + realtime.size(), realtime_us).ec !=
          std::errc() ||
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port).ec !=
          std::errc() ||
      port == 0 || port > 65535) {
    return std::nullopt;
  }
  sys::LoginRecord login;
  login.user = m[1].str();
  login.host = m[2].str();
  login.port = static_cast<std::uint16_t>(port);
  login.login_unix_ns = realtime_us * 1000;
  const std::string pid = text("_PID");
  (void)std::from_chars(pid.data(), pid.data() + pid.size(), login.pid);
  return login;
}

std::vector<sys::LoginRecord> merge_logins(std::vector<sys::LoginRecord> journal,
                                           const std::vector<sys::LoginRecord>& wtmp,
                                           std::chrono::seconds slack)
{
  const std::int64_t slack_ns = std::chrono::nanoseconds(slack).count();
  std::vector<bool> taken(journal.size(), false);
  std::vector<sys::LoginRecord> merged;
  for (const sys::LoginRecord& login : wtmp) {
    // sshd logs "Accepted" first and writes wtmp when the session starts: the nearest such
    // entry before the wtmp record, within the slack, is the same connection.
    std::optional<std::size_t> best;
    for (std::size_t i = 0; i < journal.size(); ++i) {
      const sys::LoginRecord& j = journal[i];
      const std::int64_t after = login.login_unix_ns - j.login_unix_ns;
      if (!taken[i] && j.user == login.user && j.host == login.host && after >= 0 &&
          after <= slack_ns && (!best || j.login_unix_ns > journal[*best].login_unix_ns)) {
        best = i;
      }
    }
    if (best) {
      taken[*best] = true;
      journal[*best].line = login.line; // the terminal, and when it ended, come from wtmp
      journal[*best].logout_unix_ns = login.logout_unix_ns;
    } else {
      merged.push_back(login);
    }
  }
  merged.insert(merged.end(), journal.begin(), journal.end());
  std::sort(merged.begin(), merged.end(), [](const auto& a, const auto& b) {
    return a.login_unix_ns < b.login_unix_ns;
  });
  return merged;
}

} // namespace shelltrail::trust
