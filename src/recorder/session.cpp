#include "recorder/session.hpp"

#include "format/chain_writer.hpp"
#include "format/metadata.hpp"
#include "format/session_id.hpp"
#include "recorder/attribution.hpp"
#include "recorder/background_writer.hpp"
#include "recorder/clock_watch.hpp"
#include "recorder/redactor.hpp"
#include "sys/clock_state.hpp"
#include "sys/identity.hpp"
#include "sys/privileges.hpp"
#include "sys/pty.hpp"
#include "sys/terminal.hpp"
#include "util/time.hpp"

#include "trust/key_files.hpp"
#include "trust/signer.hpp"

#include <fmt/core.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace shelltrail::recorder {
namespace {

std::string replace_all(std::string text, std::string_view from, std::string_view to)
{
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// Finds `name` on PATH unless it contains a slash.
std::string find_program(const std::string& name)
{
  if (name.find('/') != std::string::npos) {
    return name;
  }
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!dirs.empty()) {
    const std::size_t colon = dirs.find(':');
    const std::string dir(dirs.substr(0, colon));
    dirs.remove_prefix(colon == std::string_view::npos ? dirs.size() : colon + 1);
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return name;
}

// The recorder's own names, or (through links) its own executable.
bool is_this_program(const std::string& path)
{
  const std::string_view name = std::string_view(path).substr(path.rfind('/') + 1);
  if (name == "shelltrail" || name == "shelltrail-session") {
    return true;
  }
  char* resolved = ::realpath(path.c_str(), nullptr);
  char* self = ::realpath("/proc/self/exe", nullptr);
  const bool same = resolved != nullptr && self != nullptr && std::strcmp(resolved, self) == 0;
  std::free(resolved);
  std::free(self);
  return same;
}

std::string shell_for(const RecorderSettings& settings, const sys::Identity& identity)
{
  if (!settings.shell.empty()) {
    return settings.shell;
  }
  // A login shell that is the recorder itself would only start another recording.
  if (!identity.login_shell.empty() && !is_this_program(identity.login_shell)) {
    return identity.login_shell;
  }
  return "/bin/sh";
}

std::string base_name(const std::string& path)
{
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

sys::SpawnSpec
spawn_spec(const SessionRequest& request, const std::string& shell, const std::string& session_id)
{
  sys::SpawnSpec spec;
  if (!request.argv.empty()) {
    spec.program = find_program(request.argv.front());
    spec.argv = request.argv;
  } else if (!request.command.empty()) {
    spec.program = shell;
    spec.argv = {base_name(shell), "-c", request.command};
  } else {
    spec.program = shell;
    spec.argv = {(request.login_shell ? "-" : "") + base_name(shell)};
  }
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (std::string_view(*entry).rfind("SHELLTRAIL_SESSION=", 0) != 0) {
      spec.env.emplace_back(*entry);
    }
  }
  // Programs in the session (and a nested recorder) can tell they are being recorded.
  spec.env.push_back("SHELLTRAIL_SESSION=" + session_id);
  return spec;
}

struct Pipes
{
  util::Fd read;
  util::Fd write;
};

util::Result<Pipes> make_pipe()
{
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return util::fail(util::Error::from_errno(errno, "pipe"));
  }
  return Pipes{util::Fd(fds[0]), util::Fd(fds[1])};
}

// scp, rsync and sftp run as commands carry files, not a person's session: their streams are
// cut at the (smaller) transfer limit.
bool is_file_transfer(std::string_view command)
{
  const std::size_t start = command.find_first_not_of(" \t");
  if (start == std::string_view::npos) {
    return false;
  }
  const std::string_view first = command.substr(start, command.find_first_of(" \t", start) - start);
  const std::string_view name = first.substr(first.rfind('/') + 1);
  return name == "scp" || name == "rsync" || name == "sftp-server" || name == "internal-sftp" ||
         name == "sftp";
}

std::string command_text(const SessionRequest& request)
{
  if (!request.command.empty()) {
    return request.command;
  }
  std::string text;
  for (const std::string& arg : request.argv) {
    text += (text.empty() ? "" : " ") + arg;
  }
  return text;
}

} // namespace

util::Result<SessionResult> run_session(const SessionRequest& request,
                                        const RecorderSettings& settings)
{
  const std::int64_t start_unix_ns = util::wall_clock_ns();
  const std::chrono::nanoseconds start = util::monotonic_now();
  ST_TRY_ASSIGN(const sys::Identity identity, sys::current_identity());
  const std::string session_id = format::new_session_id(start_unix_ns);
  const std::string shell = shell_for(settings, identity);
  // A terminal means an interactive session under a new pty; without one (ssh host cmd,
  // scp, rsync), the command runs with pipes and each stream is recorded on its own.
  const bool interactive = isatty(STDIN_FILENO) != 0;
  ST_TRY_ASSIGN(Redactor redactor,
                Redactor::create(settings.prompt_patterns, settings.redact_passwords));

  SessionFacts facts;
  facts.session_id = session_id;
  facts.start_unix_ns = start_unix_ns;
  facts.command = command_text(request);
  facts.shell = shell;
  const char* term = std::getenv("TERM");
  facts.term = term != nullptr ? term : "";
  facts.size = sys::window_size(STDIN_FILENO);
  facts.clock = sys::read_clock_state();
  const format::Metadata metadata =
      build_metadata(identity, facts, [](const char* name) { return std::getenv(name); });

  // The signing key: sessions are signed when it exists. A missing key is news only where one
  // is expected (system mode); one that cannot be used always is. Neither stops the session:
  // the recording is still complete, only not signed.
  std::unique_ptr<trust::Signer> signer;
  if (!settings.signing_key.empty()) {
    auto key = trust::load_signing_key(settings.signing_key);
    if (key) {
      signer = std::make_unique<trust::Signer>(*key);
    } else if ((key.error().kind() != util::ErrorKind::not_found ||
                settings.sharing == SpoolSharing::system) &&
               settings.log_warning) {
      settings.log_warning(
          fmt::format("session {} is recorded unsigned: {}", session_id, key.error().message()));
    }
  }

  // The recording first: a session that cannot be recorded must not start (fail-closed).
  auto recording =
      [&]() -> util::Result<std::pair<std::string, std::unique_ptr<BackgroundWriter>>> {
    ST_TRY_ASSIGN(
        RecordingFile file,
        create_recording_file(settings.spool, start_unix_ns, session_id, settings.sharing));
    auto started = [&]() -> util::Result<std::unique_ptr<BackgroundWriter>> {
      ST_TRY_ASSIGN(
          format::ChainWriter chain,
          format::ChainWriter::start(std::move(file.fd),
                                     {format::Codec::zstd, settings.live_compression_level}));
      const std::string json = format::to_json_text(metadata);
      ST_TRY(chain.write_chunk(format::ChunkType::metadata, 0, util::as_bytes(json)));
      BackgroundWriterOptions options;
      options.chunk_bytes = settings.chunk_bytes;
      options.chunk_interval = settings.chunk_interval;
      options.fsync_interval = settings.fsync_interval;
      options.signer = signer.get();
      options.checkpoint_chunks = settings.checkpoint_chunks;
      options.checkpoint_interval = settings.checkpoint_interval;
      if (settings.log_chain_head) {
        options.on_checkpoint = [log = settings.log_chain_head,
                                 session_id](const Checkpoint& point) { log(session_id, point); };
      }
      return BackgroundWriter::start(std::move(chain), options);
    }();
    if (!started) {
      // A file without its header would be "not a recording" in the spool for ever (disk
      // full at the start): the session never started, so nothing is lost by removing it.
      (void)::unlink(file.path.c_str());
      return util::fail(std::move(started).error().with_context(file.path));
    }
    return std::pair{file.path, std::move(started).value()};
  }();
  if (!recording) {
    util::Error error = std::move(recording).error();
    error.with_context("cannot record this session");
    if (settings.failure_policy == FailurePolicy::fail_closed) {
      return util::fail(std::move(error));
    }
    if (settings.log_warning) {
      settings.log_warning(error.message() +
                           "; the session runs UNRECORDED (failure_policy = fail-open)");
    }
    // Fail-open: the session runs as if the recorder were not there.
    sys::SpawnSpec spec = spawn_spec(request, shell, session_id);
    spec.stdio = {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO};
    if (settings.setuid) {
      spec.uid = settings.setuid->user;
    }
    ST_TRY_ASSIGN(sys::ChildProcess child, sys::ChildProcess::spawn(spec));
    SessionResult unrecorded;
    unrecorded.status = child.wait();
    unrecorded.session_id = session_id;
    return unrecorded;
  }
  // Not a structured binding: clang 14 cannot capture one in the lambdas below.
  const std::string& path = recording->first;
  std::unique_ptr<BackgroundWriter>& writer = recording->second;

  ClockWatch clock(facts.clock, settings.clock_step_threshold);
  RelayContext context;
  context.writer = writer.get();
  context.redactor = &redactor;
  context.clock = &clock;
  context.start = start;
  context.log_warning = settings.log_warning;
  RelayOptions relay_options;
  relay_options.record_input = settings.record_input;
  relay_options.failure_policy = settings.failure_policy;
  relay_options.clock_check_interval = settings.clock_check_interval;
  relay_options.command = facts.command;
  relay_options.stream_limit_bytes =
      is_file_transfer(facts.command) ? settings.transfer_limit_bytes : settings.stream_limit_bytes;
  const auto elapsed = [&] {
    return std::chrono::duration_cast<std::chrono::microseconds>(util::monotonic_now() - start);
  };
  const auto spawn_failed = [&](util::Error error) -> util::Result<SessionResult> {
    // Leave a finished recording that says what happened.
    writer->append(elapsed(), format::Marker{error.message()});
    (void)writer->finish(elapsed());
    return util::fail(std::move(error));
  };

  // The setuid recorder: the shell runs as the operator, and once it has started the recorder
  // keeps no trace of the operator's uid (sys/privileges.hpp).
  const auto drop_operator = [&]() -> util::Result<void> {
    return settings.setuid ? sys::become_account(*settings.setuid) : util::Result<void>();
  };
  SessionOutcome outcome;
  sys::SpawnSpec spec = spawn_spec(request, shell, session_id);
  if (settings.setuid) {
    spec.uid = settings.setuid->user;
  }
  if (interactive) {
    // The child's terminal gets the user's modes and size, and belongs to the user.
    ST_TRY_ASSIGN(sys::TerminalModeGuard raw, sys::TerminalModeGuard::make_raw(STDIN_FILENO));
    ST_TRY_ASSIGN(sys::Pty pty, [&]() -> util::Result<sys::Pty> {
      std::optional<sys::EffectiveUser> as_operator;
      if (settings.setuid) {
        ST_TRY_ASSIGN(sys::EffectiveUser user, sys::EffectiveUser::assume(*settings.setuid));
        as_operator.emplace(std::move(user));
      }
      return sys::Pty::open(raw.saved(), facts.size);
    }());
    util::Fd follower = pty.take_follower();
    spec.terminal = follower.get();
    if (!settings.notice.empty()) {
      std::string notice = replace_all(settings.notice, "{session_id}", session_id);
      notice = replace_all(notice, "{user}", identity.user);
      notice = replace_all(notice, "{host}", identity.host);
      notice += "\r\n";
      (void)!::write(STDOUT_FILENO, notice.data(), notice.size());
      // What the screen showed belongs to the recording, so that a replay shows the same.
      writer->append(std::chrono::microseconds(0), format::Output{notice});
    }
    auto child = sys::ChildProcess::spawn(spec);
    (void)follower.close(); // only the child holds the follower: its exit ends the output
    if (!child) {
      raw.restore();
      return spawn_failed(std::move(child).error());
    }
    if (auto dropped = drop_operator(); !dropped) {
      raw.restore();
      return spawn_failed(std::move(dropped).error()); // the child is killed on the way out
    }
    context.child = &*child;
    ST_TRY_ASSIGN(Relay relay,
                  Relay::for_pty(std::move(context),
                                 relay_options,
                                 {STDIN_FILENO, STDOUT_FILENO, pty.master().get()}));
    ST_TRY_ASSIGN(outcome, relay.run());
  } else {
    ST_TRY_ASSIGN(Pipes stdin_pipe, make_pipe());
    ST_TRY_ASSIGN(Pipes stdout_pipe, make_pipe());
    ST_TRY_ASSIGN(Pipes stderr_pipe, make_pipe());
    spec.stdio = {stdin_pipe.read.get(), stdout_pipe.write.get(), stderr_pipe.write.get()};
    auto child = sys::ChildProcess::spawn(spec);
    // Only the child holds its ends: their closing tells the relay the streams ended.
    (void)stdin_pipe.read.close();
    (void)stdout_pipe.write.close();
    (void)stderr_pipe.write.close();
    if (!child) {
      return spawn_failed(std::move(child).error());
    }
    if (auto dropped = drop_operator(); !dropped) {
      return spawn_failed(std::move(dropped).error());
    }
    context.child = &*child;
    PipeEndpoints ends;
    ends.child_stdin = std::move(stdin_pipe.write);
    ends.child_stdout = std::move(stdout_pipe.read);
    ends.child_stderr = std::move(stderr_pipe.read);
    ST_TRY_ASSIGN(Relay relay,
                  Relay::for_pipes(std::move(context), relay_options, std::move(ends)));
    ST_TRY_ASSIGN(outcome, relay.run());
  }

  SessionResult result;
  result.status = outcome.status;
  result.recording_path = path;
  result.session_id = session_id;
  result.write_failure = outcome.recording_error;
  result.ended_by_recorder =
      outcome.recording_error && settings.failure_policy == FailurePolicy::fail_closed;
  auto finished = writer->finish(elapsed());
  if (finished) {
    result.dropped_chunks = finished->dropped_chunks;
    result.dropped_bytes = finished->dropped_bytes;
  } else {
    result.recording_error = std::move(finished).error();
  }
  return result;
}

} // namespace shelltrail::recorder
