#pragma once
// Relay: the recorder's event loop. Data moves through channels — terminal to pty and pty to
// terminal for an interactive session; stdin, stdout and stderr pipes for a command run without
// a terminal — with signals and timers as descriptors in the same Poller. run() only waits and
// dispatches to named handlers; setup happens before it (session.cpp).
//
// Each channel has one pending buffer; while it is not empty its source is not read
// (backpressure), so a slow reader slows the writer down instead of growing memory, and input
// still reaches the program while output waits. Output reaches its destination before it is
// recorded; input is checked for passwords (Redactor) before the program gets it.

#include "format/sha256.hpp"
#include "recorder/background_writer.hpp"
#include "recorder/clock_watch.hpp"
#include "recorder/redactor.hpp"
#include "sys/child_process.hpp"
#include "sys/signal_fd.hpp"
#include "util/fd.hpp"
#include "util/poller.hpp"
#include "util/timer_fd.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace shelltrail::recorder {

enum class FailurePolicy { fail_closed, fail_open };

struct RelayOptions
{
  bool record_input = true;
  FailurePolicy failure_policy = FailurePolicy::fail_closed;
  std::chrono::milliseconds clock_check_interval{1000};
  // After the child exits, output still in flight is read until its source ends, or until it
  // has been quiet this long (a background job may keep it open), but no longer than the limit.
  std::chrono::milliseconds drain_quiet{150};
  std::chrono::milliseconds drain_limit{2000};
  // After a hang-up, how long the child gets to exit after SIGHUP before SIGKILL.
  std::chrono::milliseconds hangup_grace{3000};
  // Pipe mode: each stream is recorded in full up to this size, then only counted and hashed.
  std::uint64_t stream_limit_bytes = UINT64_MAX;
  std::string command; // for stream summaries
};

struct SessionOutcome
{
  sys::ExitStatus status;
  std::string reason; // "exit", "hangup (...)", "terminated by signal 15 (from pid 1, uid 0)"
  std::optional<util::Error> recording_error; // why the recording may be incomplete
};

// The two shapes of session.
struct PtyEndpoints
{
  int terminal_in = 0;
  int terminal_out = 1;
  int master = -1; // the pty master (not owned)
};
struct PipeEndpoints
{
  int stdin_source = 0; // ours
  int stdout_sink = 1;
  int stderr_sink = 2;
  util::Fd child_stdin;  // write end of the child's stdin pipe
  util::Fd child_stdout; // read ends of the child's output pipes
  util::Fd child_stderr;
};

struct RelayContext
{
  sys::ChildProcess* child = nullptr;
  BackgroundWriter* writer = nullptr;
  Redactor* redactor = nullptr; // pty mode only
  ClockWatch* clock = nullptr;
  std::chrono::nanoseconds start{0}; // monotonic time of the session start
  // Loud log line for the fail-open policy (syslog in system mode).
  std::function<void(const std::string&)> log_warning;
};

class Relay
{
public:
  static util::Result<Relay> for_pty(RelayContext context, RelayOptions options, PtyEndpoints ends);
  static util::Result<Relay>
  for_pipes(RelayContext context, RelayOptions options, PipeEndpoints ends);
  Relay(Relay&&) = default;
  Relay& operator=(Relay&&) = delete;
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;
  ~Relay() = default;

  // Relays until the child has exited and its output is drained; records the end event.
  util::Result<SessionOutcome> run();

private:
  enum class Role {
    input,        // the user's terminal or stdin -> the program
    output,       // the program -> the user's terminal or stdout
    error_output, // the program's stderr -> our stderr (pipe mode)
  };
  struct Channel
  {
    Role role = Role::output;
    int source = -1;
    int sink = -1;
    std::uint32_t source_tag = 0;
    std::uint32_t sink_tag = 0;
    // Read buffer, left uninitialised: its pages are only touched as far as reads fill them.
    std::unique_ptr<char[]> buffer;
    std::string_view pending;
    bool source_eof = false;
    bool sink_closed = false;
    // Stream limit (pipe mode): what was recorded, what passed, and the hash of all of it.
    std::uint64_t recorded = 0;
    std::uint64_t total = 0;
    bool cut = false;
    std::optional<format::Sha256> hash;
  };

  Relay(RelayContext context,
        RelayOptions options,
        util::Poller poller,
        sys::SignalFd signals,
        util::TimerFd timer);
  static util::Result<Relay> create(RelayContext context, RelayOptions options);
  void add_channel(Role role, int source, int sink);

  void on_readable(Channel& channel);
  void on_writable(Channel& channel);
  void on_signal();
  void on_timer();
  void on_writer_failure();

  void flush(Channel& channel);
  void record_data(Channel& channel, std::string_view bytes, bool secret_mode);
  void summarise_cut_streams();
  void hang_up(std::string reason);
  void end_child(std::string reason);
  void record(const format::EventData& data);
  util::Result<void> update_interest();
  util::Result<void> arm_timer();
  std::chrono::microseconds now() const;
  bool finished() const;

  RelayContext m_context;
  RelayOptions m_options;
  util::Poller m_poller;
  sys::SignalFd m_signals;
  util::TimerFd m_timer;
  // The deadline the timer is armed for: a syscall per loop would delay every relayed read.
  std::optional<std::chrono::microseconds> m_armed;
  bool m_pty_mode = false;
  int m_master = -1; // pty mode: where window sizes and terminal modes are read from
  int m_terminal = -1;
  PipeEndpoints m_pipes;
  std::vector<Channel> m_channels;
  std::vector<Redactor::Piece> m_pieces;
  std::vector<format::EventData> m_clock_events;

  bool m_terminal_gone = false;
  std::optional<sys::ExitStatus> m_exit;
  std::chrono::microseconds m_last_output{0};
  std::chrono::microseconds m_exit_time{0};
  std::chrono::microseconds m_next_clock_check{0};
  std::optional<std::chrono::microseconds> m_kill_at; // SIGKILL deadline after a hang-up
  std::string m_reason;
  std::optional<util::Error> m_recording_error;
  bool m_writer_failed = false;
  // Events registered per descriptor, so that epoll_ctl runs only on change.
  std::vector<std::pair<int, std::uint32_t>> m_registered;
  std::vector<std::pair<int, std::uint32_t>> m_wanted; // update_interest's, kept for its capacity
  // Descriptors epoll refuses (regular files, /dev/null): always ready, with the events wanted.
  std::vector<std::pair<int, std::uint32_t>> m_unpollable;
};

} // namespace shelltrail::recorder
