#pragma once
// read_login_records: the SSH logins in a wtmp file (utmp(5) records, as sshd writes them for
// sessions with a terminal): who, from where, on which terminal, from when to when.

#include "util/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace shelltrail::sys {

struct LoginRecord
{
  std::string user;
  std::string line;       // "pts/3"
  std::string host;       // the client, as sshd wrote it (an address, or a name with UseDNS)
  std::uint16_t port = 0; // the client's port when known (from the journal), else 0
  std::int32_t pid = 0;
  std::int64_t login_unix_ns = 0;
  std::optional<std::int64_t> logout_unix_ns; // absent: still logged in, or the box went down
};

// Remote logins (the host is an address or a host name) from `path`, oldest first. A partial record
// at the end (a file being written) is ignored. Errors: the file cannot be read.
util::Result<std::vector<LoginRecord>> read_login_records(const std::string& path);

} // namespace shelltrail::sys
