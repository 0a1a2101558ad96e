#include "cli/jump_box.hpp"

#include "sys/child_process.hpp"
#include "util/fd.hpp"

#include <fmt/core.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace shelltrail::cli {

std::string JumpBox::index_service() const
{
  // The installed recorder is the same program; `@` gives it the argv[0] of the command
  // (under its own name it would start a recorded session).
  return fmt::format(
      "# Written by `shelltrail setup`: keeps the search index up to date, live sessions as\n"
      "# they are recorded (docs/search.md).\n"
      "[Unit]\n"
      "Description=shelltrail search index (index --follow)\n"
      "After=local-fs.target\n"
      "\n"
      "[Service]\n"
      "User={0}\n"
      "ExecStart=@{1} shelltrail index --follow --system --quiet\n"
      "Restart=on-failure\n"
      "RestartSec=5s\n"
      "NoNewPrivileges=yes\n"
      "ProtectSystem=strict\n"
      "ProtectHome=yes\n"
      "PrivateTmp=yes\n"
      "ReadWritePaths={2}\n"
      "\n"
      "[Install]\n"
      "WantedBy=multi-user.target\n",
      account,
      recorder(),
      state_dir());
}

std::string JumpBox::sshd_block() const
{
  std::string block =
      fmt::format("# Written by `shelltrail setup`: every SSH login of group {} is recorded.\n"
                  "# sftp and scp run through the recorder too (recorded, as the operator).\n"
                  "Match Group {}\n",
                  group,
                  group);
  for (const auto& [keyword, value] : expected_sshd_settings()) {
    block += fmt::format("\t{} {}\n", keyword, value);
  }
  return block;
}

std::vector<std::pair<std::string, std::string>> JumpBox::expected_sshd_settings() const
{
  return {
      {"ForceCommand", recorder()},
      {"ExposeAuthInfo", "yes"},
      {"AllowTcpForwarding", "no"},
      {"AllowStreamLocalForwarding", "no"},
      {"X11Forwarding", "no"},
      {"PermitTunnel", "no"},
      {"AllowAgentForwarding", agent_forwarding ? "yes" : "no"},
      {"PermitUserRC", "no"},
  };
}

util::Result<std::string> run_tool(const std::vector<std::string>& argv)
{
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return util::fail(util::Error::from_errno(errno, "pipe"));
  }
  util::Fd read_end(fds[0]);
  util::Fd write_end(fds[1]);
  const util::Fd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  sys::SpawnSpec spec;
  spec.program = argv.at(0);
  spec.argv = argv;
  spec.env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"};
  spec.stdio = {null.get(), write_end.get(), write_end.get()};
  ST_TRY_ASSIGN(sys::ChildProcess child, sys::ChildProcess::spawn(spec));
  (void)write_end.close();
  std::string output;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(read_end.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    output.append(buffer, static_cast<std::size_t>(n));
  }
  const sys::ExitStatus status = child.wait();
  if (status.kind != sys::ExitStatus::Kind::exited || status.value != 0) {
    return util::fail(util::ErrorKind::io,
                      "{} failed (status {}): {}",
                      argv.at(0),
                      status.to_shell_status(),
                      output);
  }
  return output;
}

} // namespace shelltrail::cli
