#pragma once
// Who and where we are: the account (from the passwd database), the audit identity the kernel
// keeps for the login (loginuid and session id, for correlation with auditd), the host and the
// terminal.

#include "util/error.hpp"

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace shelltrail::sys {

struct Identity
{
  std::string user;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string home;
  std::string login_shell;                       // the passwd entry's shell
  std::optional<std::uint32_t> login_uid;        // absent when unset (4294967295)
  std::optional<std::uint32_t> audit_session_id; // absent when unset
  std::string host;
  std::string tty; // the terminal on standard input, or empty
};

// The identity of the real uid. Fails (not_found) when the uid has no passwd entry.
util::Result<Identity> current_identity();

// The value of /proc/self/<name> as an audit id, or nullopt when absent or unset.
std::optional<std::uint32_t> read_audit_id(const char* name);

} // namespace shelltrail::sys
