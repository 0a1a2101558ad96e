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
  std::string tty;               // "/dev/pts/3"
  std::string client_addr;       // from SSH_CONNECTION, may be empty
  std::uint16_t client_port = 0; // from SSH_CONNECTION, 0 if unknown
  std::int64_t start_unix_ns = 0;
};

struct AuditedLogin
{
  sys::LoginRecord login;
  std::optional<std::string> session_id; // absent: no recording of this login
};

// A login is recorded when a recording of the same user started between `slack` before the
// login and `slack` after the logout, and either comes from the same client address and port
// (when the login knows its port: the journal's), or is on the same terminal and, when both know
// it, from the same address (wtmp's). Each recording accounts for one login at most.
std::vector<AuditedLogin> match_logins(const std::vector<sys::LoginRecord>& logins,
                                       const std::vector<RecordedSession>& recordings,
                                       std::chrono::seconds slack = std::chrono::seconds(5));

// One line of `journalctl -o json` output for sshd: a login when it is sshd's "Accepted <method>
// for <user> from <address> port <port>" message (time from __REALTIME_TIMESTAMP), else nullopt.
std::optional<sys::LoginRecord> parse_journal_login(std::string_view json_line);

// Logins from the journal and from wtmp describe the same connection twice when it had a
// terminal: keeps the journal's (it knows the port) and drops wtmp's of the same user and client
// written within `slack` after it.
std::vector<sys::LoginRecord> merge_logins(std::vector<sys::LoginRecord> journal,
                                           const std::vector<sys::LoginRecord>& wtmp,
                                           std::chrono::seconds slack = std::chrono::seconds(5));

} // namespace shelltrail::trust
