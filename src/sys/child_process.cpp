#include "sys/child_process.hpp"

#include "util/fd.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

namespace shelltrail::sys {
namespace {

// Reports `error` to the parent through the pipe and ends the child.
[[noreturn]] void exit_with_errno(int error_pipe, int error)
{
  (void)!::write(error_pipe, &error, sizeof error);
  _exit(127);
}

// Runs in the child between fork and exec: async-signal-safe calls only, no allocation.
[[noreturn]] void
exec_child(const SpawnSpec& spec, char* const* argv, char* const* envp, int error_pipe)
{
  const auto die = [error_pipe](int error) { exit_with_errno(error_pipe, error); };
  struct sigaction default_action
  {};
  default_action.sa_handler = SIG_DFL;
  sigemptyset(&default_action.sa_mask);
  for (int signal = 1; signal < NSIG; ++signal) {
    if (signal != SIGKILL && signal != SIGSTOP) {
      (void)sigaction(signal, &default_action, nullptr);
    }
  }
  if (setsid() < 0) {
    die(errno);
  }
  if (spec.terminal >= 0) {
    if (ioctl(spec.terminal, TIOCSCTTY, 0) != 0) {
      die(errno);
    }
    for (int target = 0; target < 3; ++target) {
      if (dup2(spec.terminal, target) < 0) {
        die(errno);
      }
    }
  } else {
    // Move the descriptors above 2 first, so that dup2 cannot clobber one with another.
    int moved[3];
    for (int i = 0; i < 3; ++i) {
      moved[i] = fcntl(spec.stdio[static_cast<std::size_t>(i)], F_DUPFD_CLOEXEC, 3);
      if (moved[i] < 0) {
        die(errno);
      }
    }
    for (int i = 0; i < 3; ++i) {
      if (dup2(moved[i], i) < 0) {
        die(errno);
      }
    }
  }
  // Everything else is closed at exec; the error pipe too, which tells the parent exec worked.
  if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
    for (int fd = 3; fd < 65536; ++fd) {
      if (fd != error_pipe) {
        (void)::close(fd);
      }
    }
  }
  // The raw system call: glibc's setresuid would also change the other threads of the process
  // whose memory a vfork child borrows. Before chdir, so that the directory is checked as them.
  if (spec.uid && syscall(SYS_setresuid, *spec.uid, *spec.uid, *spec.uid) != 0) {
    die(errno);
  }
  if (!spec.cwd.empty() && chdir(spec.cwd.c_str()) != 0) {
    die(errno);
  }
  sigset_t none;
  sigemptyset(&none);
  (void)sigprocmask(SIG_SETMASK, &none, nullptr);
  execve(spec.program.c_str(), argv, envp);
  exit_with_errno(error_pipe, errno);
}

std::vector<char*> to_pointers(const std::vector<std::string>& strings)
{
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (const std::string& s : strings) {
    pointers.push_back(const_cast<char*>(s.c_str()));
  }
  pointers.push_back(nullptr);
  return pointers;
}

} // namespace

ExitStatus ExitStatus::from_wait_status(int status)
{
  if (WIFSIGNALED(status)) {
    return {Kind::signaled, WTERMSIG(status), WCOREDUMP(status) != 0};
  }
  return {Kind::exited, WEXITSTATUS(status), false};
}

int ExitStatus::to_shell_status() const
{
  return kind == Kind::exited ? value : 128 + value;
}

ChildProcess::ChildProcess(pid_t pid) : m_pid(pid) {}

util::Result<void> spawn_detached(const SpawnSpec& spec)
{
  const std::vector<char*> argv = to_pointers(spec.argv);
  const std::vector<char*> envp = to_pointers(spec.env);
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return util::fail(util::Error::from_errno(errno, "pipe"));
  }
  const util::Fd error_read(pipe_fds[0]);
  util::Fd error_write(pipe_fds[1]);
  sigset_t all;
  sigset_t old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  const pid_t pid = fork();
  if (pid == 0) {
    if (fork() == 0) {
      exec_child(spec, argv.data(), envp.data(), error_write.get());
    }
    _exit(0);
  }
  const int fork_error = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0) {
    return util::fail(util::Error::from_errno(fork_error, "fork"));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return {};
}

util::Result<ChildProcess> ChildProcess::spawn(const SpawnSpec& spec)
{
  // Everything that allocates happens before fork.
  const std::vector<char*> argv = to_pointers(spec.argv);
  const std::vector<char*> envp = to_pointers(spec.env);
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return util::fail(util::Error::from_errno(errno, "pipe"));
  }
  util::Fd error_read(pipe_fds[0]);
  util::Fd error_write(pipe_fds[1]);

  // No signal handler of ours may run in the child before it resets them.
  sigset_t all;
  sigset_t old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  // vfork: the child borrows our memory until it execs instead of copying the page tables, which
  // cut milliseconds from every session's start. exec_child only makes system calls on its own
  // stack frame, changes nothing of ours, and ends in execve or _exit, as vfork requires.
  const pid_t pid = vfork();
  if (pid == 0) {
    exec_child(spec, argv.data(), envp.data(), error_write.get());
  }
  const int fork_error = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0) {
    return util::fail(util::Error::from_errno(fork_error, "fork"));
  }
  ChildProcess child(pid);
  (void)error_write.close();
  int exec_error = 0;
  ssize_t n = 0;
  do {
    n = ::read(error_read.get(), &exec_error, sizeof exec_error);
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof exec_error)) {
    (void)child.wait();
    return util::fail(util::Error::from_errno(exec_error, "cannot run " + spec.program));
  }
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : m_pid(std::exchange(other.m_pid, -1)), m_status(other.m_status)
{}

ChildProcess::~ChildProcess()
{
  if (m_pid > 0 && !m_status) {
    ::kill(m_pid, SIGKILL);
    (void)wait();
  }
}

pid_t ChildProcess::pid() const
{
  return m_pid;
}

std::optional<ExitStatus> ChildProcess::try_wait()
{
  if (m_status || m_pid <= 0) {
    return m_status;
  }
  int status = 0;
  pid_t result = 0;
  do {
    result = waitpid(m_pid, &status, WNOHANG);
  } while (result < 0 && errno == EINTR);
  if (result == m_pid) {
    m_status = ExitStatus::from_wait_status(status);
  }
  return m_status;
}

ExitStatus ChildProcess::wait()
{
  if (m_status || m_pid <= 0) {
    return m_status.value_or(ExitStatus{});
  }
  int status = 0;
  pid_t result = 0;
  do {
    result = waitpid(m_pid, &status, 0);
  } while (result < 0 && errno == EINTR);
  m_status = result == m_pid ? ExitStatus::from_wait_status(status) : ExitStatus{};
  return *m_status;
}

void ChildProcess::signal_group(int signal) const
{
  if (m_pid > 0 && !m_status) {
    // The child leads its own session and process group; its pid is the group id.
    if (::kill(-m_pid, signal) != 0) {
      ::kill(m_pid, signal);
    }
  }
}

} // namespace shelltrail::sys
