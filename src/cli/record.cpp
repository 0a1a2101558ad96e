// shelltrail record [-- COMMAND...]: records a shell or a command of one's own (personal mode),
// like script(1) but tamper-evident and searchable. Also the shelltrail-session entry point:
// sshd's ForceCommand, or a login shell, in system mode.

#include "cli/command.hpp"
#include "cli/record_settings.hpp"
#include "recorder/session.hpp"
#include "sys/child_process.hpp"
#include "util/fd.hpp"

#include <fmt/core.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <memory>

namespace shelltrail::cli {
namespace {

struct RecordOptions
{
  std::string command;
  std::vector<std::string> argv;
  std::vector<std::string> set;
  bool quiet = false;
};

// Exit codes of record when the recorder itself cannot do its job (the convention of env,
// timeout and docker run: the command's own codes stay recognisable).
constexpr int k_exit_recorder_failed = 125;
constexpr int k_exit_cannot_execute = 126;
constexpr int k_exit_not_found = 127;

constexpr const char* k_sftp_server = "/usr/lib/openssh/sftp-server"; // Debian's openssh-server

// Ends the recorder the way the child ended: the same exit code, or the same signal.
[[noreturn]] void exit_like(const sys::ExitStatus& status)
{
  if (status.kind == sys::ExitStatus::Kind::signaled) {
    std::signal(status.value, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, status.value);
    sigprocmask(SIG_UNBLOCK, &set, nullptr);
    ::raise(status.value);
  }
  std::exit(status.to_shell_status());
}

// Compaction and indexing run after the session, detached, so that the operator's ssh returns
// at once and the recorder's own memory stays small. Indexing comes after compaction, which
// replaces the file.
void start_after_session(const std::string& path, const RecordSetup& setup)
{
  sys::SpawnSpec spec;
  spec.program = "/proc/self/exe";
  const std::string index = setup.recorder.spool + "/index.sqlite";
  if (setup.compact) {
    spec.argv = {"shelltrail", "compact", "-q", "--level", std::to_string(setup.compact_level)};
    if (setup.index) {
      spec.argv.insert(spec.argv.end(), {"--index-into", index});
    }
  } else {
    spec.argv = {"shelltrail", "index", "-q", "--index", index};
  }
  spec.argv.push_back(path);
  spec.env = {"PATH=/usr/bin:/bin"};
  const util::Fd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  spec.stdio = {null.get(), null.get(), null.get()};
  (void)sys::spawn_detached(spec); // an uncompacted recording is still complete
}

int failure_code(const util::Error& error)
{
  if (error.message().find("cannot run ") != std::string::npos) {
    return error.kind() == util::ErrorKind::not_found ? k_exit_not_found : k_exit_cannot_execute;
  }
  return k_exit_recorder_failed;
}

int run_recorded(config::Mode mode,
                 const recorder::SessionRequest& request,
                 const std::vector<std::string>& set,
                 bool quiet)
{
  auto setup = load_recorder_settings(mode, set);
  if (!setup) {
    print_error(setup.error());
    return k_exit_recorder_failed;
  }
  auto result = recorder::run_session(request, setup->recorder);
  if (!result) {
    print_error(result.error());
    return failure_code(result.error());
  }
  if (result->recording_path.empty()) {
    // Fail-open without a recording: the warning was given when the session started.
  } else if (result->recording_error) {
    print_warning(fmt::format("the recording of session {} is incomplete ({}): {}",
                              result->session_id,
                              result->recording_path,
                              result->recording_error->message()));
  } else {
    if (result->dropped_chunks > 0) {
      print_warning(fmt::format(
          "session {} was recorded with a gap: {} chunks ({} bytes) could not be written ({}); "
          "a marker in the recording says where",
          result->session_id,
          result->dropped_chunks,
          result->dropped_bytes,
          result->write_failure ? result->write_failure->message() : "write failed"));
    }
    if (!quiet && mode == config::Mode::personal) {
      fmt::print(stderr, "shelltrail: session recorded in {}\n", result->recording_path);
    }
    // The index of a system spool belongs to its owner: a recorded user must not create or write
    // it (they could forge what search answers), so only a recorder running as the spool's owner
    // indexes there; otherwise `shelltrail index --system`, run by the owner, does.
    struct stat spool_stat
    {};
    if (setup->index && ::stat(setup->recorder.spool.c_str(), &spool_stat) == 0 &&
        spool_stat.st_uid != ::geteuid()) {
      setup->index = false;
    }
    if (setup->compact || setup->index) {
      start_after_session(result->recording_path, *setup);
    }
  }
  if (result->ended_by_recorder) {
    // Fail-closed: the recorder ended the session, whatever the child's status says.
    return k_exit_recorder_failed;
  }
  exit_like(result->status);
}

} // namespace

Run add_record(CLI::App& app, const std::vector<std::string>& after_dashes)
{
  auto options = std::make_shared<RecordOptions>();
  CLI::App* cmd = app.add_subcommand(
      "record", "Record a shell, or COMMAND, in your own spool (personal mode), like script(1)");
  cmd->add_option("-c,--command", options->command, "Run this command line with your shell's -c");
  cmd->add_option("--set", options->set, "Set a configuration key for this run (key=value)");
  cmd->add_flag("-q,--quiet", options->quiet, "Do not say where the recording went");
  // Everything from the first positional argument (or after --) belongs to COMMAND, options
  // like its own -c included.
  cmd->prefix_command();
  cmd->footer("Usage: shelltrail record [OPTIONS] [--] [COMMAND [ARGS...]]\n"
              "Exit status: the recorded command's (128+N if a signal ended it; the recorder "
              "then ends by the same signal), or 125 if the session could not be recorded "
              "(or, under failure_policy = fail-closed, was ended because recording failed), "
              "126/127 if COMMAND cannot be executed / is not found.\n"
              "Recordings: <spool>/<yyyy>/<mm>/<dd>/<session-id>.strec; see `shelltrail config "
              "show`.");
  return [options, cmd, &after_dashes]() -> int {
    recorder::SessionRequest request;
    request.command = options->command;
    request.argv = cmd->remaining();
    request.argv.insert(request.argv.end(), after_dashes.begin(), after_dashes.end());
    if (!request.command.empty() && !request.argv.empty()) {
      print_error(
          util::Error(util::ErrorKind::usage, "give either -c COMMAND or a COMMAND, not both"));
      return k_exit_usage;
    }
    return run_recorded(config::Mode::personal, request, options->set, options->quiet);
  };
}

int run_session_entry(int argc, char** argv)
{
  // sshd runs `shell -c FORCECOMMAND`, or, with this as the login shell, `-shelltrail-session`
  // for a shell and `shelltrail-session -c CMD` for a command.
  recorder::SessionRequest request;
  if (const char* original = std::getenv("SSH_ORIGINAL_COMMAND")) {
    request.command = original;
  } else if (argc >= 3 && std::string_view(argv[1]) == "-c") {
    request.command = argv[2];
  }
  // sftp (and scp, which speaks sftp since OpenSSH 9) arrives as the subsystem's command. It
  // runs recorded like any command without a terminal (the transfer limit applies), through
  // the sftp server program: `internal-sftp` exists only inside sshd.
  if (request.command == "internal-sftp") {
    request.command = k_sftp_server;
  }
  request.login_shell = request.command.empty();
  return run_recorded(config::Mode::system, request, {}, true);
}

} // namespace shelltrail::cli
