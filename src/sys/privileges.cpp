#include "sys/privileges.hpp"

#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace shelltrail::sys {

std::optional<SetuidIds> setuid_ids()
{
  const uid_t real = ::getuid();
  const uid_t effective = ::geteuid();
  if (real == effective) {
    return std::nullopt;
  }
  return SetuidIds{real, effective};
}

util::Result<void> drop_to_real_ids()
{
  const gid_t gid = ::getgid();
  const uid_t uid = ::getuid();
  if (::setresgid(gid, gid, gid) != 0 || ::setresuid(uid, uid, uid) != 0) {
    return util::fail(util::Error::from_errno(errno, "dropping the setuid privileges"));
  }
  return {};
}

util::Result<void> become_account(const SetuidIds& ids)
{
  if (::setresuid(ids.account, ids.account, ids.account) != 0) {
    return util::fail(util::Error::from_errno(errno, "becoming the recorder's account"));
  }
  uid_t real = 0;
  uid_t effective = 0;
  uid_t saved = 0;
  if (::getresuid(&real, &effective, &saved) != 0 || real != ids.account ||
      effective != ids.account || saved != ids.account) {
    return util::fail(util::Error(util::ErrorKind::permission,
                                  "the operator's uid is still set on the recorder"));
  }
  (void)::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  return {};
}

util::Result<EffectiveUser> EffectiveUser::assume(const SetuidIds& ids)
{
  if (::setresuid(static_cast<uid_t>(-1), ids.user, static_cast<uid_t>(-1)) != 0) {
    return util::fail(util::Error::from_errno(errno, "taking the operator's uid"));
  }
  return EffectiveUser(ids.account);
}

EffectiveUser::EffectiveUser(uid_t restore) : m_restore(restore) {}

EffectiveUser::EffectiveUser(EffectiveUser&& other) noexcept
    : m_restore(std::exchange(other.m_restore, std::nullopt))
{}

EffectiveUser::~EffectiveUser()
{
  if (m_restore) {
    // The saved uid is the account's, so this cannot fail; if it did, become_account() would.
    (void)::setresuid(static_cast<uid_t>(-1), *m_restore, static_cast<uid_t>(-1));
  }
}

} // namespace shelltrail::sys
