#pragma once
// Session: everything between "a session starts" and "its recording is finished" — identity and
// attribution, the spool file, the writer thread, the child under a new pty (or pipes), the
// relay, the end event and the trailer. Each step returns an error naming what failed; the
// failure policy decides whether a session that cannot be recorded may run anyway.

#include "recorder/relay.hpp"
#include "recorder/spool.hpp"
#include "sys/child_process.hpp"
#include "sys/privileges.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace shelltrail::recorder {

// What to run.
struct SessionRequest
{
  // An interactive shell (empty command and argv), a command string for the shell's -c (SSH's
  // requested command), or an argv to execute directly (`shelltrail record -- ssh host`).
  std::string command;
  std::vector<std::string> argv;
  bool login_shell = false; // run the shell as a login shell ("-bash"), as sshd does
};

// The recorder's settings, mapped from the configuration by the caller.
struct RecorderSettings
{
  std::string spool;
  SpoolSharing sharing = SpoolSharing::personal;
  std::string shell; // empty: the passwd entry's shell, else /bin/sh
  std::string notice;
  bool record_input = true;
  bool redact_passwords = true;
  std::vector<std::string> prompt_patterns;
  std::size_t chunk_bytes = 64 * 1024;
  std::chrono::milliseconds chunk_interval{250};
  std::chrono::milliseconds fsync_interval{1000};
  FailurePolicy failure_policy = FailurePolicy::fail_closed;
  std::uint64_t stream_limit_bytes = 64ULL << 20;
  std::uint64_t transfer_limit_bytes = 1ULL << 20;
  int live_compression_level = 1;
  std::chrono::milliseconds clock_check_interval{1000};
  std::chrono::milliseconds clock_step_threshold{1000};
  // Set when the recorder runs setuid to its account (privilege separation, system mode).
  std::optional<sys::SetuidIds> setuid;
  // Tamper evidence: the key (empty: none) and how often the chain head is signed.
  std::string signing_key;
  std::chrono::milliseconds checkpoint_interval{30000};
  std::uint64_t checkpoint_chunks = 256;
  // Loud log line (syslog in system mode) for failures the operator must not see or that
  // happen when nobody is at the terminal.
  std::function<void(const std::string&)> log_warning;
  // Told of every checkpoint, on the writer thread (system mode: a syslog line per checkpoint,
  // out of the reach of whoever later rewrites the file on this box).
  std::function<void(const std::string& session_id, const Checkpoint&)> log_chain_head;
};

struct SessionResult
{
  sys::ExitStatus status;     // the child's, to pass on
  std::string recording_path; // empty when the session ran unrecorded (fail-open)
  std::string session_id;
  // The recording has no trailer (it is incomplete) because of this.
  std::optional<util::Error> recording_error;
  // A write failed during the session (the first such error): under fail-closed the recorder
  // ended the session (ended_by_recorder); under fail-open the chunks lost until writing worked
  // again are counted here, and a marker in the recording stands for them.
  std::optional<util::Error> write_failure;
  bool ended_by_recorder = false;
  std::uint64_t dropped_chunks = 0;
  std::uint64_t dropped_bytes = 0;
};

// Runs one recorded session on standard input and output. Fails only when the session could
// not run at all (nothing to execute, or it cannot be recorded and the policy is fail-closed);
// the message says why.
util::Result<SessionResult> run_session(const SessionRequest& request,
                                        const RecorderSettings& settings);

} // namespace shelltrail::recorder
