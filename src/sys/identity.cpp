#include "sys/identity.hpp"

#include "util/file.hpp"

#include <pwd.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <vector>

namespace shelltrail::sys {

std::optional<std::uint32_t> read_audit_id(const char* name)
{
  auto text = util::read_file(std::string("/proc/self/") + name);
  if (!text) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc() || value >= 0xffffffffULL) {
    return std::nullopt; // 4294967295: not set for this process
  }
  return static_cast<std::uint32_t>(value);
}

util::Result<Identity> current_identity()
{
  Identity identity;
  identity.uid = getuid();
  passwd entry{};
  passwd* found = nullptr;
  std::vector<char> buffer(16384);
  const int error = getpwuid_r(identity.uid, &entry, buffer.data(), buffer.size(), &found);
  if (error != 0 || found == nullptr) {
    return util::fail(
        util::ErrorKind::not_found, "uid {} has no entry in the passwd database", identity.uid);
  }
  identity.user = entry.pw_name;
  identity.gid = entry.pw_gid;
  identity.home = entry.pw_dir != nullptr ? entry.pw_dir : "/";
  identity.login_shell = entry.pw_shell != nullptr ? entry.pw_shell : "";
  identity.login_uid = read_audit_id("loginuid");
  identity.audit_session_id = read_audit_id("sessionid");
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) == 0) {
    identity.host = host.data();
  }
  std::array<char, 256> tty{};
  if (ttyname_r(STDIN_FILENO, tty.data(), tty.size()) == 0) {
    identity.tty = tty.data();
  }
  return identity;
}

} // namespace shelltrail::sys
