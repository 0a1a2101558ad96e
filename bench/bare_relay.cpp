// bare_relay [--store FILE] COMMAND [ARGS...]: the baseline of bench/recorder_bench.py. Runs
// COMMAND under a new pty (forkpty) and relays with poll(2): the pty to standard output, standard
// input to the pty. It records nothing, so whatever a recorder costs on top of this is the
// recorder's. With --store it also writes every output byte to FILE as it is, after the terminal
// (no hashing, no framing, no compression): the least any recorder that keeps the output must do.
//
// Like every recorder it measures against, it copies the terminal's modes and window size to the
// new pty, puts its own terminal in raw mode while it runs, drains the pty until every writer
// has closed it (output still in the pty when the command exits is delivered too), and exits
// with the command's status (128+N for a signal).

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

namespace {

constexpr std::size_t k_buffer_bytes = 64 * 1024;

// Writes all of [data, data+size) to a blocking descriptor; false if it went away.
bool write_all(int fd, const char* data, std::size_t size)
{
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

} // namespace

int main(int argc, char** argv)
{
  int store = -1;
  if (argc >= 3 && std::strcmp(argv[1], "--store") == 0) {
    store = ::open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (store < 0) {
      std::fprintf(stderr, "bare_relay: cannot create %s: %s\n", argv[2], std::strerror(errno));
      return 125;
    }
    argc -= 2;
    argv += 2;
  }
  if (argc < 2) {
    std::fprintf(stderr, "usage: bare_relay [--store FILE] COMMAND [ARGS...]\n");
    return 2;
  }
  termios saved{};
  const bool is_tty = ::tcgetattr(STDIN_FILENO, &saved) == 0;
  winsize size{};
  const bool has_size = ::ioctl(STDIN_FILENO, TIOCGWINSZ, &size) == 0;

  int master = -1;
  const pid_t pid =
      ::forkpty(&master, nullptr, is_tty ? &saved : nullptr, has_size ? &size : nullptr);
  if (pid < 0) {
    std::perror("bare_relay: forkpty");
    return 125;
  }
  if (pid == 0) {
    ::execvp(argv[1], argv + 1);
    std::fprintf(stderr, "bare_relay: cannot run %s: %s\n", argv[1], std::strerror(errno));
    ::_exit(errno == ENOENT ? 127 : 126);
  }
  std::signal(SIGPIPE, SIG_IGN);
  if (is_tty) {
    termios raw = saved;
    ::cfmakeraw(&raw);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &raw);
  }

  std::array<char, k_buffer_bytes> buffer{};
  bool input_open = true;
  bool output_open = true;
  while (true) {
    std::array<pollfd, 2> fds{{{master, POLLIN, 0}, {input_open ? STDIN_FILENO : -1, POLLIN, 0}}};
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      std::perror("bare_relay: poll");
      break;
    }
    if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      const ssize_t n = ::read(master, buffer.data(), buffer.size());
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        continue;
      }
      if (n <= 0) {
        break; // EIO: every writer of the pty has closed it, and it is empty
      }
      if (output_open && !write_all(STDOUT_FILENO, buffer.data(), static_cast<std::size_t>(n))) {
        output_open = false; // keep draining, so that the command is not blocked
      }
      if (store >= 0 && !write_all(store, buffer.data(), static_cast<std::size_t>(n))) {
        std::perror("bare_relay: writing the stored copy");
        ::close(store);
        store = -1;
      }
    }
    if (input_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      const ssize_t n = ::read(STDIN_FILENO, buffer.data(), buffer.size());
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        continue;
      }
      if (n <= 0 || !write_all(master, buffer.data(), static_cast<std::size_t>(n))) {
        input_open = false;
      }
    }
  }

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (is_tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  }
  ::close(master);
  if (WIFSIGNALED(status)) {
    return 128 + WTERMSIG(status);
  }
  return WEXITSTATUS(status);
}
