#include "sys/login_records.hpp"

#include "util/file.hpp"

#include <fcntl.h>
#include <utmp.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <string_view>

namespace shelltrail::sys {
namespace {

template <std::size_t N>
std::string field(const char (&text)[N])
{
  return std::string(text, ::strnlen(text, N));
}

// sshd writes the client's address (or, with UseDNS, its name); local programs that add utmp
// records write other things there.
bool is_remote_host(std::string_view host)
{
  return !host.empty() && host.front() != ':' && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == ':' || c == '-' ||
           c == '_';
  });
}

} // namespace

util::Result<std::vector<LoginRecord>> read_login_records(const std::string& path)
{
  ST_TRY_ASSIGN(util::Fd fd, util::open_file(path, O_RDONLY | O_NOCTTY));
  std::vector<LoginRecord> logins;
  std::map<std::string, std::size_t> open_on_line; // line -> index of its open login
  struct utmp record
  {};
  std::uint64_t offset = 0;
  for (;;) {
    ST_TRY_ASSIGN(const std::size_t n,
                  util::read_at(fd, offset, std::as_writable_bytes(std::span(&record, 1))));
    if (n < sizeof record) {
      break;
    }
    offset += sizeof record;
    const std::string line = field(record.ut_line);
    const std::int64_t when = static_cast<std::int64_t>(record.ut_tv.tv_sec) * 1000000000 +
                              static_cast<std::int64_t>(record.ut_tv.tv_usec) * 1000;
    if (record.ut_type == USER_PROCESS) {
      LoginRecord login;
      login.user = field(record.ut_user);
      login.line = line;
      login.host = field(record.ut_host);
      login.pid = record.ut_pid;
      login.login_unix_ns = when;
      if (!is_remote_host(login.host)) {
        continue; // a console, an X display (":0"), a terminal multiplexer ("tmux(123).%4")
      }
      open_on_line[line] = logins.size();
      logins.push_back(std::move(login));
    } else if (record.ut_type == BOOT_TIME) {
      open_on_line.clear(); // a reboot ended every session; when each did is unknown
    } else if (record.ut_type == DEAD_PROCESS) {
      if (const auto open = open_on_line.find(line); open != open_on_line.end()) {
        logins[open->second].logout_unix_ns = when;
        open_on_line.erase(open);
      }
    }
  }
  return logins;
}

} // namespace shelltrail::sys
