#pragma once
// match_logins: pairs the SSH logins the system recorded (wtmp) with the recordings in the spool,
// to find the sessions that got around the recorder (a user outside the ForceCommand group, a
// second sshd, a login shell that is not the recorder).

#include "sys/login_records.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace shelltrail::trust {

// What a recording says about the session it recorded.
struct RecordedSession
{
  std::string session_id;
  std::string user;
  std::string tty;         // "/dev/pts/3"
  std::string client_addr; // from SSH_CONNECTION, may be empty
  std::int64_t start_unix_ns = 0;
};

struct AuditedLogin
{
  sys::LoginRecord login;
  std::optional<std::string> session_id; // absent: no recording of this login
};

// A login is recorded when a recording of the same user on the same terminal (and, when both
// know it, from the same client address) started between `slack` before the login and `slack`
// after the logout. Each recording accounts for one login at most.
std::vector<AuditedLogin> match_logins(const std::vector<sys::LoginRecord>& logins,
                                       const std::vector<RecordedSession>& recordings,
                                       std::chrono::seconds slack = std::chrono::seconds(5));

} // namespace shelltrail::trust
