#pragma once
// ChildProcess: a program started the way tmux's spawn.c starts one — signals blocked around
// fork; in the child only async-signal-safe calls: default signal dispositions, a new session,
// the pty as controlling terminal on 0/1/2, every other descriptor closed, an empty signal mask,
// exec; exec failure reported as an errno through a CLOEXEC pipe (fish postfork.h). The
// destructor never leaves a zombie.

#include "util/error.hpp"

#include <sys/types.h>

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace shelltrail::sys {

struct ExitStatus
{
  enum class Kind { exited, signaled };
  Kind kind = Kind::exited;
  int value = 0; // exit code, or signal number
  bool core_dumped = false;

  static ExitStatus from_wait_status(int status);
  // What a shell would report in $?: the code, or 128 + the signal.
  int to_shell_status() const;
};

struct SpawnSpec
{
  std::string program;           // absolute path of what to execute
  std::vector<std::string> argv; // argv[0] may start with '-' (a login shell)
  std::vector<std::string> env;  // "NAME=value", the complete environment
  std::string cwd;               // directory to start in; empty: the current one
  // Either a terminal, which becomes the child's controlling terminal and its 0, 1 and 2, or
  // three descriptors for 0, 1 and 2 (pipes).
  int terminal = -1;
  std::array<int, 3> stdio = {-1, -1, -1};
  // Set as real, effective and saved uid before exec (the setuid recorder's operator).
  std::optional<uid_t> uid;
};

// Starts `spec` detached from us (double fork: reparented to init, never our zombie), for work
// that outlives the caller, such as compacting a recording after the session. Exec failures in
// the detached process are not reported.
util::Result<void> spawn_detached(const SpawnSpec& spec);

class ChildProcess
{
public:
  // Starts the child in a session of its own. Fails (not_found, permission, io) when the
  // program cannot be executed, naming it; the child has then already been reaped.
  static util::Result<ChildProcess> spawn(const SpawnSpec& spec);

  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ~ChildProcess();

  pid_t pid() const;
  // The exit status if the child has ended (reaps it), without blocking.
  std::optional<ExitStatus> try_wait();
  // Blocks until the child ends.
  ExitStatus wait();
  // Sends `signal` to the child's whole process group (its session leader's group).
  void signal_group(int signal) const;

private:
  explicit ChildProcess(pid_t pid);
  pid_t m_pid = -1;
  std::optional<ExitStatus> m_status;
};

} // namespace shelltrail::sys
