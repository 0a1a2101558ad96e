#include "trust/login_audit.hpp"

#include <algorithm>
#include <limits>

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
      if (used[i] || r.start_unix_ns < from || r.start_unix_ns > to || r.user != login.user ||
          r.tty != "/dev/" + login.line ||
          (!r.client_addr.empty() && !login.host.empty() && r.client_addr != login.host)) {
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

} // namespace shelltrail::trust
