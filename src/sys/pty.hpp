#pragma once
// Pty: a new pseudo-terminal. The master stays with the recorder (O_CLOEXEC, never inherited);
// the follower becomes the child's controlling terminal (tlog tap.c, mosh inpty.cc).

#include "sys/terminal.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"

#include <termios.h>

#include <optional>
#include <string>

namespace shelltrail::sys {

class Pty
{
public:
  // Opens a pty pair; gives the follower `modes` (the user's own terminal settings) when
  // known, and `size` when known.
  static util::Result<Pty> open(const std::optional<termios>& modes,
                                const std::optional<Winsize>& size);

  const util::Fd& master() const;
  const std::string& follower_path() const;
  // Hands the follower over (to the child's spawn); the recorder must not keep it open, or the
  // master never sees EOF when the child exits.
  util::Fd take_follower();

private:
  Pty(util::Fd master, util::Fd follower, std::string path);
  util::Fd m_master;
  util::Fd m_follower;
  std::string m_follower_path;
};

} // namespace shelltrail::sys
