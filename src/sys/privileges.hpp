#pragma once
// Privilege separation for the setuid recorder (docs/trust.md). The session entry point is
// installed setuid to the `shelltrail` account: it starts with the operator's real uid and the
// account's effective and saved uid. It opens the spool and the signing key as the account, the
// pty as the operator (so that the terminal is theirs), starts the shell with every uid set to
// the operator's, then sets every uid of its own to the account's: from then on the operator can
// neither signal, trace nor read the recorder, and cannot open what it writes.

#include "util/error.hpp"

#include <sys/types.h>

#include <optional>

namespace shelltrail::sys {

struct SetuidIds
{
  uid_t user = 0;    // the real uid: the operator
  uid_t account = 0; // the effective uid: the account the program is setuid to
};

// The ids when running setuid (real and effective uid differ), else nullopt.
std::optional<SetuidIds> setuid_ids();

// Sets real, effective and saved uid (and gid) to the real ones, for good: every command of a
// setuid binary but the recorder runs with the caller's own rights only.
util::Result<void> drop_to_real_ids();

// Sets real, effective and saved uid to the account's, for good, and marks the process not
// dumpable (no core file, no ptrace, /proc/PID/mem closed to others).
util::Result<void> become_account(const SetuidIds& ids);

// While it lives, the effective uid is the operator's (files and ptys created are theirs).
class EffectiveUser
{
public:
  static util::Result<EffectiveUser> assume(const SetuidIds& ids);
  EffectiveUser(EffectiveUser&& other) noexcept;
  EffectiveUser(const EffectiveUser&) = delete;
  EffectiveUser& operator=(const EffectiveUser&) = delete;
  EffectiveUser& operator=(EffectiveUser&&) = delete;
  ~EffectiveUser();

private:
  explicit EffectiveUser(uid_t restore);
  std::optional<uid_t> m_restore;
};

} // namespace shelltrail::sys
