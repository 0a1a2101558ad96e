#include "cli/record_settings.hpp"

#include "sys/privileges.hpp"

#include <fmt/core.h>

#include <syslog.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace shelltrail::cli {
namespace {

int facility_code(std::string_view name)
{
  static constexpr std::pair<std::string_view, int> k_facilities[] = {{"auth", LOG_AUTH},
                                                                      {"authpriv", LOG_AUTHPRIV},
                                                                      {"daemon", LOG_DAEMON},
                                                                      {"user", LOG_USER},
                                                                      {"local0", LOG_LOCAL0},
                                                                      {"local1", LOG_LOCAL1},
                                                                      {"local2", LOG_LOCAL2},
                                                                      {"local3", LOG_LOCAL3},
                                                                      {"local4", LOG_LOCAL4},
                                                                      {"local5", LOG_LOCAL5},
                                                                      {"local6", LOG_LOCAL6},
                                                                      {"local7", LOG_LOCAL7}};
  for (const auto& [text, code] : k_facilities) {
    if (text == name) {
      return code;
    }
  }
  return LOG_AUTHPRIV;
}

} // namespace

std::optional<std::string> system_config_override()
{
  // A packaging and testing aid (sshd's SetEnv can point test sessions at a test file). A
  // privileged recorder ignores it: no environment variable may change its policy.
  const char* path = std::getenv("SHELLTRAIL_SYSTEM_CONFIG");
  if (path == nullptr || *path == '\0' || getuid() != geteuid() || getgid() != getegid()) {
    return std::nullopt;
  }
  return std::string(path);
}

util::Result<RecordSetup> load_recorder_settings(config::Mode mode,
                                                 const std::vector<std::string>& set)
{
  config::LoadOptions options;
  options.mode = mode;
  options.command_line = set;
  if (const auto path = system_config_override()) {
    options.system_file = *path;
  }
  const auto setuid = mode == config::Mode::system ? sys::setuid_ids() : std::nullopt;
  if (setuid) {
    // A setuid recorder takes its policy from the root-owned file alone: the operator sets the
    // environment, so no SHELLTRAIL_* variable counts, not even the harmless ones.
    options.getenv = [](const char*) { return std::optional<std::string>(); };
  }
  ST_TRY_ASSIGN(const config::Config config, config::load_config(options));
  RecordSetup setup;
  setup.compact = config.compact;
  setup.compact_level = config.compact_level;
  setup.index = config.index_after_session;
  recorder::RecorderSettings& s = setup.recorder;
  s.spool = config.spool;
  s.sharing = mode == config::Mode::system ? recorder::SpoolSharing::system
                                           : recorder::SpoolSharing::personal;
  s.setuid = setuid;
  if (setuid) {
    s.sharing = recorder::SpoolSharing::owned; // the account's spool, the account's files
  }
  s.shell = config.shell;
  s.notice = config.notice;
  s.record_input = config.record_input;
  s.redact_passwords = config.redact_passwords;
  s.prompt_patterns = config.prompt_patterns;
  s.chunk_bytes = config.chunk_bytes;
  s.chunk_interval = config.chunk_interval;
  s.fsync_interval = config.fsync_interval;
  s.failure_policy = config.failure_policy == config::FailurePolicy::fail_open
                         ? recorder::FailurePolicy::fail_open
                         : recorder::FailurePolicy::fail_closed;
  s.stream_limit_bytes = config.stream_limit_bytes;
  s.transfer_limit_bytes = config.transfer_limit_bytes;
  s.live_compression_level = config.live_compression_level;
  s.clock_check_interval = config.clock_check_interval;
  s.clock_step_threshold = config.clock_step_threshold;
  s.signing_key = config.signing_key;
  s.checkpoint_interval = config.checkpoint_interval;
  s.checkpoint_chunks = config.checkpoint_chunks;
  const int facility = facility_code(config.syslog_facility);
  if (mode == config::Mode::system) {
    // One short line per checkpoint, in a fixed key=value form that log shippers can parse.
    s.log_chain_head = [facility](const std::string& session_id,
                                  const recorder::Checkpoint& point) {
      openlog("shelltrail", LOG_PID, facility);
      syslog(LOG_NOTICE,
             "chain head session=%s chunks=%llu head=%s signed=%s",
             session_id.c_str(),
             static_cast<unsigned long long>(point.chunks),
             util::to_hex(point.head).c_str(),
             point.is_signed ? "yes" : "no");
      closelog();
    };
  }
  const bool personal = mode == config::Mode::personal;
  s.log_warning = [facility, personal](const std::string& message) {
    // The operator's terminal is not the place for this in system mode: syslog is.
    openlog("shelltrail", LOG_PID, facility);
    syslog(LOG_WARNING, "%s", message.c_str());
    closelog();
    if (personal) {
      // The terminal may be in raw mode (no CR added to LF); a pipe or file gets plain lines.
      if (isatty(STDERR_FILENO) != 0) {
        fmt::print(stderr, "\r\nshelltrail: warning: {}\r\n", message);
      } else {
        fmt::print(stderr, "shelltrail: warning: {}\n", message);
      }
    }
  };
  return setup;
}

} // namespace shelltrail::cli
