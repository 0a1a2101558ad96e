#include "recorder/relay.hpp"

#include "sys/clock_state.hpp"
#include "sys/terminal.hpp"
#include "util/time.hpp"

#include <fmt/core.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <memory>

namespace shelltrail::recorder {
namespace {

using std::chrono::microseconds;

enum Tag : std::uint32_t {
  k_tag_signal = 1,
  k_tag_timer,
  k_tag_writer_failure,
  k_tag_fd_base = 1000
};

// Large enough for a pty's or a pipe's bursts; the writer splits events at the chunk size.
constexpr std::size_t k_buffer_bytes = 64 * 1024;

bool is_would_block(int error)
{
  return error == EAGAIN || error == EWOULDBLOCK;
}

} // namespace

Relay::Relay(RelayContext context,
             RelayOptions options,
             util::Poller poller,
             sys::SignalFd signals,
             util::TimerFd timer)
    : m_context(std::move(context)), m_options(std::move(options)), m_poller(std::move(poller)),
      m_signals(std::move(signals)), m_timer(std::move(timer))
{}

util::Result<Relay> Relay::create(RelayContext context, RelayOptions options)
{
  ST_TRY_ASSIGN(util::Poller poller, util::Poller::create());
  ST_TRY_ASSIGN(sys::SignalFd signals,
                sys::SignalFd::create({SIGCHLD, SIGWINCH, SIGHUP, SIGTERM, SIGINT, SIGQUIT}));
  ST_TRY_ASSIGN(util::TimerFd timer, util::TimerFd::create());
  ST_TRY(poller.add(signals.fd(), EPOLLIN, k_tag_signal));
  ST_TRY(poller.add(timer.fd(), EPOLLIN, k_tag_timer));
  ST_TRY(poller.add(context.writer->failure_fd(), EPOLLIN, k_tag_writer_failure));
  return Relay(std::move(context),
               std::move(options),
               std::move(poller),
               std::move(signals),
               std::move(timer));
}

util::Result<Relay> Relay::for_pty(RelayContext context, RelayOptions options, PtyEndpoints ends)
{
  ST_TRY_ASSIGN(Relay relay, create(std::move(context), std::move(options)));
  relay.m_pty_mode = true;
  relay.m_master = ends.master;
  relay.m_terminal = ends.terminal_in;
  relay.add_channel(Role::input, ends.terminal_in, ends.master);
  relay.add_channel(Role::output, ends.master, ends.terminal_out);
  return relay;
}

util::Result<Relay> Relay::for_pipes(RelayContext context, RelayOptions options, PipeEndpoints ends)
{
  ST_TRY_ASSIGN(Relay relay, create(std::move(context), std::move(options)));
  relay.m_pipes = std::move(ends);
  relay.add_channel(Role::input, relay.m_pipes.stdin_source, relay.m_pipes.child_stdin.get());
  relay.add_channel(Role::output, relay.m_pipes.child_stdout.get(), relay.m_pipes.stdout_sink);
  relay.add_channel(
      Role::error_output, relay.m_pipes.child_stderr.get(), relay.m_pipes.stderr_sink);
  for (Channel& channel : relay.m_channels) {
    channel.hash.emplace(); // every stream's SHA-256, for the summary if it gets cut
  }
  return relay;
}

void Relay::add_channel(Role role, int source, int sink)
{
  Channel channel;
  channel.role = role;
  channel.source = source;
  channel.sink = sink;
  channel.buffer = std::make_unique_for_overwrite<char[]>(k_buffer_bytes);
  m_channels.push_back(std::move(channel));
}

microseconds Relay::now() const
{
  return std::chrono::duration_cast<microseconds>(util::monotonic_now() - m_context.start);
}

void Relay::record(const format::EventData& data)
{
  if (!m_writer_failed || m_options.failure_policy == FailurePolicy::fail_open) {
    m_context.writer->append(now(), data);
  }
}

bool Relay::finished() const
{
  if (!m_exit) {
    return false;
  }
  // Every output stream has ended and been delivered (or its destination is gone) ...
  const bool drained = std::all_of(m_channels.begin(), m_channels.end(), [](const Channel& c) {
    return c.role == Role::input || (c.source_eof && (c.pending.empty() || c.sink_closed));
  });
  if (drained) {
    return true;
  }
  // ... or a background job keeps it open: stop once it has been quiet for a while.
  const microseconds t = now();
  return t - std::max(m_last_output, m_exit_time) >= m_options.drain_quiet ||
         t - m_exit_time >= m_options.drain_limit;
}

util::Result<SessionOutcome> Relay::run()
{
  // Writing to a terminal or pipe that went away must be an error value, not a signal.
  std::signal(SIGPIPE, SIG_IGN);
  // Our own stdio may be shared with the shell that started us: its flags are put back after,
  // in reverse order, since standard input and output may share one open file.
  std::vector<std::unique_ptr<sys::NonBlockingGuard>> nonblocking;
  std::vector<int> seen;
  for (const Channel& channel : m_channels) {
    for (const int fd : {channel.source, channel.sink}) {
      if (std::find(seen.begin(), seen.end(), fd) == seen.end()) {
        seen.push_back(fd);
        nonblocking.push_back(std::make_unique<sys::NonBlockingGuard>(fd));
      }
    }
  }
  const auto restore_flags = [&] {
    while (!nonblocking.empty()) {
      nonblocking.pop_back();
    }
  };
  m_next_clock_check = now() + m_options.clock_check_interval;
  // A child that ended before the signalfd existed sent its SIGCHLD to the default action, which
  // discards it: look once now, when any later exit is sure to reach the signalfd.
  m_exit = m_context.child->try_wait();
  if (m_exit) {
    m_exit_time = now();
  }
  std::array<util::Poller::Ready, 16> ready{};
  while (!finished()) {
    ST_TRY(update_interest());
    ST_TRY(arm_timer());
    // Regular files and /dev/null cannot be polled; they are always ready, so do not sleep.
    const bool busy = std::any_of(
        m_unpollable.begin(), m_unpollable.end(), [](const auto& u) { return u.second != 0; });
    ST_TRY_ASSIGN(std::size_t n, m_poller.wait(ready, std::chrono::milliseconds(busy ? 0 : -1)));
    for (const auto& [fd, events] : m_unpollable) {
      if (events != 0 && n < ready.size()) {
        ready[n++] = {static_cast<std::uint32_t>(k_tag_fd_base + static_cast<std::uint32_t>(fd)),
                      events};
      }
    }
    for (std::size_t i = 0; i < n; ++i) {
      const auto [tag, events] = ready[i];
      if (tag == k_tag_signal) {
        on_signal();
      } else if (tag == k_tag_timer) {
        on_timer();
      } else if (tag == k_tag_writer_failure) {
        on_writer_failure();
      } else {
        const int fd = static_cast<int>(tag - k_tag_fd_base);
        for (Channel& channel : m_channels) {
          if (channel.sink == fd && (events & (EPOLLOUT | EPOLLERR)) != 0) {
            on_writable(channel);
          }
          if (channel.source == fd && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) {
            on_readable(channel);
          }
        }
      }
    }
  }
  restore_flags();
  summarise_cut_streams();
  const std::string reason = m_reason.empty() ? "exit" : m_reason;
  format::End end;
  end.termination = m_exit->kind == sys::ExitStatus::Kind::exited ? format::Termination::exited
                                                                  : format::Termination::signaled;
  end.value = m_exit->value;
  end.core_dumped = m_exit->core_dumped;
  end.end_unix_ns = util::wall_clock_ns();
  end.reason = reason;
  record(end);
  return SessionOutcome{*m_exit, reason, m_recording_error};
}

void Relay::on_readable(Channel& channel)
{
  if (!channel.pending.empty() || channel.source_eof) {
    return;
  }
  const ssize_t n = ::read(channel.source, channel.buffer.get(), k_buffer_bytes);
  if (n < 0 && (errno == EINTR || is_would_block(errno))) {
    return;
  }
  if (n <= 0) {
    // EOF, or EIO from a pty master once every writer of the pty has closed it.
    channel.source_eof = true;
    if (channel.role == Role::input) {
      if (m_pty_mode) {
        hang_up("hangup (end of input)");
      } else {
        (void)m_pipes.child_stdin.close(); // the program sees the end of its input too
        channel.sink_closed = true;
      }
    }
    return;
  }
  const std::string_view bytes(channel.buffer.get(), static_cast<std::size_t>(n));
  // The pty's mode now is the mode the program will read this input in.
  const bool secret_mode =
      m_pty_mode && channel.role == Role::input && sys::is_canonical_without_echo(m_master);
  channel.pending = bytes;
  flush(channel); // the destination first, the recording second
  record_data(channel, bytes, secret_mode);
  if (channel.role != Role::input) {
    m_last_output = now();
  }
}

void Relay::record_data(Channel& channel, std::string_view bytes, bool secret_mode)
{
  if (channel.role == Role::input) {
    if (!m_options.record_input) {
      return;
    }
    if (m_pty_mode) {
      m_context.redactor->classify(bytes, secret_mode, m_pieces);
      for (const Redactor::Piece& piece : m_pieces) {
        if (piece.redacted) {
          record(format::RedactedInput{piece.bytes.size()});
        } else {
          record(format::Input{piece.bytes});
        }
      }
      return;
    }
  } else if (m_pty_mode) {
    m_context.redactor->on_output(bytes);
  }
  if (channel.hash) {
    channel.hash->update(util::as_bytes(bytes));
  }
  channel.total += bytes.size();
  // Interactive sessions are always recorded in full; a stream of a command without a
  // terminal is recorded up to the limit, then only counted and hashed.
  std::string_view kept = bytes;
  if (!m_pty_mode && channel.recorded + kept.size() > m_options.stream_limit_bytes) {
    kept = kept.substr(0, m_options.stream_limit_bytes - channel.recorded);
    if (!channel.cut) {
      channel.cut = true;
      const char* name = channel.role == Role::input    ? "input"
                         : channel.role == Role::output ? "output"
                                                        : "error output";
      if (!kept.empty()) {
        record(channel.role == Role::input    ? format::EventData(format::Input{kept})
               : channel.role == Role::output ? format::EventData(format::Output{kept})
                                              : format::EventData(format::ErrorOutput{kept}));
        channel.recorded += kept.size();
        kept = {};
      }
      record(format::Marker{fmt::format("shelltrail: {} cut after {} bytes (stream limit); the "
                                        "rest is counted and hashed, see the stream summary",
                                        name,
                                        channel.recorded)});
    }
  }
  if (kept.empty()) {
    return;
  }
  channel.recorded += kept.size();
  switch (channel.role) {
  case Role::input:
    record(format::Input{kept});
    break;
  case Role::output:
    record(format::Output{kept});
    break;
  case Role::error_output:
    record(format::ErrorOutput{kept});
    break;
  }
}

void Relay::summarise_cut_streams()
{
  for (Channel& channel : m_channels) {
    if (!channel.cut || !channel.hash) {
      continue;
    }
    format::StreamSummary summary;
    summary.stream = channel.role == Role::input    ? format::Stream::input
                     : channel.role == Role::output ? format::Stream::output
                                                    : format::Stream::error_output;
    summary.total_bytes = channel.total;
    summary.recorded_bytes = channel.recorded;
    summary.sha256 = channel.hash->finish();
    summary.command = m_options.command;
    record(summary);
  }
}

void Relay::flush(Channel& channel)
{
  while (!channel.pending.empty()) {
    if (channel.sink_closed) {
      channel.pending = {};
      return;
    }
    const ssize_t n = ::write(channel.sink, channel.pending.data(), channel.pending.size());
    if (n > 0) {
      channel.pending.remove_prefix(static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && is_would_block(errno)) {
      return; // the rest goes when the sink is writable
    } else {
      channel.sink_closed = true;
      channel.pending = {};
      if (channel.role != Role::input) {
        // Our terminal or the SSH client is gone; keep recording what the program does.
        hang_up("hangup (the terminal went away)");
      }
    }
  }
}

void Relay::on_writable(Channel& channel)
{
  flush(channel);
}

void Relay::on_signal()
{
  while (const auto info = m_signals.read()) {
    switch (info->ssi_signo) {
    case SIGCHLD:
      if (!m_exit) {
        m_exit = m_context.child->try_wait();
        if (m_exit) {
          m_exit_time = now();
        }
      }
      break;
    case SIGWINCH:
      if (m_pty_mode) {
        if (const auto size = sys::window_size(m_terminal)) {
          (void)sys::set_window_size(m_master, *size);
          record(format::Resize{size->cols, size->rows});
        }
      }
      break;
    default:
      // SIGHUP, SIGTERM, SIGINT, SIGQUIT sent to the recorder: end the session, saying who.
      end_child(fmt::format("terminated by signal {} (from pid {}, uid {})",
                            info->ssi_signo,
                            info->ssi_pid,
                            info->ssi_uid));
      break;
    }
  }
}

void Relay::hang_up(std::string reason)
{
  m_terminal_gone = true;
  for (Channel& channel : m_channels) {
    if (channel.role == Role::input) {
      channel.source_eof = true;
    } else {
      channel.sink_closed = true;
      channel.pending = {};
    }
  }
  end_child(std::move(reason));
}

void Relay::end_child(std::string reason)
{
  if (m_reason.empty()) {
    m_reason = std::move(reason);
  }
  if (!m_exit && !m_kill_at) {
    m_context.child->signal_group(SIGHUP);
    m_context.child->signal_group(SIGCONT);
    m_kill_at = now() + m_options.hangup_grace;
  }
}

void Relay::on_timer()
{
  m_timer.acknowledge();
  m_armed.reset(); // expired: arm again even for the same deadline
  const microseconds t = now();
  m_context.writer->close_chunk_if_due(t);
  if (t >= m_next_clock_check) {
    m_clock_events.clear();
    m_context.clock->check(
        sys::read_clock_state(), util::wall_clock_ns(), util::monotonic_now(), m_clock_events);
    for (const auto& event : m_clock_events) {
      record(event);
    }
    m_next_clock_check = t + m_options.clock_check_interval;
  }
  if (m_kill_at && !m_exit && t >= *m_kill_at) {
    m_context.child->signal_group(SIGKILL);
    m_kill_at.reset();
  }
}

void Relay::on_writer_failure()
{
  const auto failure = m_context.writer->take_failure();
  if (!failure || m_writer_failed) {
    return;
  }
  m_writer_failed = true;
  m_recording_error = failure;
  if (m_options.failure_policy == FailurePolicy::fail_open) {
    if (m_context.log_warning) {
      m_context.log_warning(fmt::format(
          "recording failed, the session goes on UNRECORDED (failure_policy = fail-open): {}",
          failure->message()));
    }
    return;
  }
  // Fail-closed: say so where the operator sees it, and end the session.
  const std::string message = fmt::format(
      "\r\nshelltrail: the session cannot be recorded ({}); ending it (failure_policy = "
      "fail-closed)\r\n",
      failure->message());
  const int sink = m_pty_mode ? m_channels[1].sink : m_pipes.stderr_sink;
  if (!m_terminal_gone) {
    (void)!::write(sink, message.data(), message.size());
  }
  end_child("recording failed: " + failure->message());
}

util::Result<void> Relay::update_interest()
{
  auto& wanted = m_wanted;
  wanted.clear();
  const auto want = [&](int fd, std::uint32_t events) {
    for (auto& [f, e] : wanted) {
      if (f == fd) {
        e |= events;
        return;
      }
    }
    wanted.emplace_back(fd, events);
  };
  for (const Channel& channel : m_channels) {
    const bool reading_allowed = channel.role != Role::input || !m_exit;
    want(channel.source,
         channel.pending.empty() && !channel.source_eof && reading_allowed ? EPOLLIN : 0U);
    if (!channel.sink_closed) {
      want(channel.sink, channel.pending.empty() ? 0U : EPOLLOUT);
    }
  }
  for (const auto& [fd, events] : wanted) {
    auto unpollable = std::find_if(m_unpollable.begin(),
                                   m_unpollable.end(),
                                   [fd = fd](const auto& u) { return u.first == fd; });
    if (unpollable != m_unpollable.end()) {
      unpollable->second = events;
      continue;
    }
    auto it = std::find_if(m_registered.begin(), m_registered.end(), [fd = fd](const auto& r) {
      return r.first == fd;
    });
    const std::uint32_t current = it == m_registered.end() ? 0U : it->second;
    if (events == current) {
      continue;
    }
    const auto tag = static_cast<std::uint32_t>(k_tag_fd_base + static_cast<std::uint32_t>(fd));
    if (events == 0) {
      m_poller.remove(fd); // EPOLLHUP is reported even when not asked for: unregister
    } else if (current == 0) {
      if (auto added = m_poller.add(fd, events, tag); !added) {
        if (added.error().kind() != util::ErrorKind::permission) {
          return added;
        }
        m_unpollable.emplace_back(fd, events); // a regular file: never blocks
        continue;
      }
    } else {
      ST_TRY(m_poller.modify(fd, events, tag));
    }
    if (it == m_registered.end()) {
      m_registered.emplace_back(fd, events);
    } else {
      it->second = events;
    }
  }
  return {};
}

util::Result<void> Relay::arm_timer()
{
  microseconds deadline = m_next_clock_check;
  if (const auto chunk = m_context.writer->chunk_deadline()) {
    deadline = std::min(deadline, *chunk);
  }
  if (m_kill_at) {
    deadline = std::min(deadline, *m_kill_at);
  }
  if (m_exit) {
    deadline = std::min(deadline, std::max(m_last_output, m_exit_time) + m_options.drain_quiet);
    deadline = std::min(deadline, m_exit_time + m_options.drain_limit);
  }
  if (m_armed == deadline) {
    return {};
  }
  m_armed = deadline;
  return m_timer.arm_at(m_context.start + deadline);
}

} // namespace shelltrail::recorder
