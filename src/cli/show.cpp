// shelltrail show FILE: who, where, when, and a summary of one recording (--json for scripts).

#include "cli/command.hpp"
#include "cli/spool_lookup.hpp"
#include "cli/verdict.hpp"
#include "format/verify.hpp"
#include "util/bytes.hpp"
#include "util/text.hpp"
#include "util/time.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <map>
#include <memory>

namespace shelltrail::cli {
namespace {

struct ShowOptions
{
  std::string file;
  SpoolChoice spool;
  bool json = false;
};

struct SessionEnd
{
  format::Termination termination = format::Termination::other;
  std::int32_t value = 0;
  bool core_dumped = false;
  std::int64_t end_unix_ns = 0;
  std::string reason;
};

std::string describe_end(const SessionEnd& end)
{
  std::string text;
  switch (end.termination) {
  case format::Termination::exited:
    text = fmt::format("exited with status {}", end.value);
    break;
  case format::Termination::signaled:
    text = fmt::format("killed by signal {}{}", end.value, end.core_dumped ? " (core dumped)" : "");
    break;
  case format::Termination::other:
    text = "ended";
    break;
  }
  if (!end.reason.empty()) {
    text += fmt::format(" ({})", util::escape_bytes(end.reason));
  }
  return text;
}

std::string_view termination_name(format::Termination termination)
{
  switch (termination) {
  case format::Termination::exited:
    return "exited";
  case format::Termination::signaled:
    return "signaled";
  case format::Termination::other:
    return "other";
  }
  return "other";
}

std::string describe_clock(const format::ClockState& clock)
{
  return fmt::format("{} (max error {} us, estimated error {} us)",
                     clock.synchronized ? "synchronised" : "NOT synchronised",
                     clock.max_error_us,
                     clock.est_error_us);
}

std::string describe_state(const format::VerifyReport& report)
{
  switch (report.verdict) {
  case format::Verdict::ok:
    return "complete, chain verified";
  case format::Verdict::incomplete:
    return "incomplete: " + report.detail;
  case format::Verdict::altered:
    return fmt::format("ALTERED at chunk {}: {}", report.damage.chunk, report.detail);
  }
  return "";
}

void print_text(const ShowOptions& options,
                const format::VerifyReport& report,
                const std::map<std::string, std::uint64_t>& counts,
                const std::optional<SessionEnd>& end,
                std::uint64_t file_bytes)
{
  const auto row = [](std::string_view name, const std::string& value) {
    if (!value.empty()) {
      fmt::print("{:<12}{}\n", name, util::escape_bytes(value));
    }
  };
  row("file", options.file);
  if (report.metadata) {
    const format::Metadata& m = *report.metadata;
    row("session", m.session_id);
    std::string user = m.user;
    if (m.uid) {
      user += fmt::format(" (uid {}", *m.uid);
      if (m.login_uid) {
        user += fmt::format(", login uid {}", *m.login_uid);
      }
      if (m.audit_session_id) {
        user += fmt::format(", audit session {}", *m.audit_session_id);
      }
      user += ")";
    }
    row("user", user);
    row("host", m.host);
    row("tty", m.tty);
    if (m.ssh) {
      std::string ssh = m.ssh->client_addr;
      if (m.ssh->client_port) {
        ssh += fmt::format(" port {}", *m.ssh->client_port);
      }
      if (!m.ssh->server_addr.empty()) {
        ssh += fmt::format(" -> {}", m.ssh->server_addr);
        if (m.ssh->server_port) {
          ssh += fmt::format(" port {}", *m.ssh->server_port);
        }
      }
      row("ssh from", ssh);
      std::string auth = m.ssh->auth_method;
      for (const std::string* part : {&m.ssh->key_type, &m.ssh->key_fingerprint}) {
        if (!part->empty()) {
          auth += (auth.empty() ? "" : " ") + *part;
        }
      }
      row("ssh auth", auth);
    }
    row("command", m.command.empty() ? std::string("(interactive shell)") : m.command);
    row("shell", m.shell);
    row("terminal", fmt::format("{} {}x{}", m.term.empty() ? "?" : m.term, m.cols, m.rows));
    row("started", util::to_rfc3339(m.start_unix_ns));
    if (m.clock) {
      row("clock", describe_clock(*m.clock));
    }
    row("recorder", m.recorder_name + " " + m.recorder_version);
    row("origin", m.origin);
  }
  row("duration", util::to_human_duration(report.stats.last_time));
  if (end) {
    row("ended", describe_end(*end));
  }
  std::string events = fmt::format("{}", report.stats.event_count);
  if (!counts.empty()) {
    std::string parts;
    for (const auto& [name, count] : counts) {
      parts += fmt::format("{}{} {}", parts.empty() ? "" : ", ", count, name);
    }
    events += " (" + parts + ")";
  }
  row("events", events);
  row("output",
      fmt::format("{} ({} bytes)",
                  util::to_human_bytes(report.stats.output_bytes),
                  report.stats.output_bytes));
  row("input",
      fmt::format("{} ({} bytes), {} bytes redacted",
                  util::to_human_bytes(report.stats.input_bytes),
                  report.stats.input_bytes,
                  report.stats.redacted_bytes));
  row("stored",
      fmt::format("{} in {} chunks, {} frames",
                  util::to_human_bytes(file_bytes),
                  report.stats.chunk_count,
                  report.stats.frame_count));
  row("state", describe_state(report));
}

void print_json(const ShowOptions& options,
                const format::VerifyReport& report,
                const std::map<std::string, std::uint64_t>& counts,
                const std::optional<SessionEnd>& end,
                std::uint64_t file_bytes)
{
  nlohmann::json out;
  out["file"] = options.file;
  if (report.metadata) {
    out["metadata"] = nlohmann::json::parse(format::to_json_text(*report.metadata));
  }
  out["state"] = format::to_string(report.verdict);
  if (!report.detail.empty()) {
    out["detail"] = report.detail;
  }
  if (report.verdict == format::Verdict::altered) {
    out["damage"] = {{"chunk", report.damage.chunk}, {"offset", report.damage.offset}};
  }
  nlohmann::json summary;
  summary["duration_us"] = report.stats.last_time.count();
  summary["events"] = report.stats.event_count;
  summary["events_by_type"] = counts;
  summary["output_bytes"] = report.stats.output_bytes;
  summary["input_bytes"] = report.stats.input_bytes;
  summary["redacted_bytes"] = report.stats.redacted_bytes;
  summary["chunks"] = report.stats.chunk_count;
  summary["frames"] = report.stats.frame_count;
  summary["file_bytes"] = file_bytes;
  if (report.metadata) {
    summary["end"] =
        util::to_rfc3339(report.metadata->start_unix_ns + report.stats.last_time.count() * 1000);
  }
  out["summary"] = summary;
  if (end) {
    out["exit"] = {{"termination", termination_name(end->termination)},
                   {"value", end->value},
                   {"core_dumped", end->core_dumped},
                   {"time", util::to_rfc3339(end->end_unix_ns)},
                   {"reason", end->reason}};
  }
  fmt::print("{}\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
}

int run_show(const ShowOptions& given)
{
  auto file = resolve_recording(given.file, given.spool);
  if (!file) {
    print_error(file.error());
    return exit_code_for(file.error());
  }
  auto options = given;
  options.file = *file;
  std::map<std::string, std::uint64_t> counts;
  std::optional<SessionEnd> end;
  const auto on_event = [&](const format::Event& event) {
    ++counts[std::string(format::type_name(event.data))];
    if (const auto* e = std::get_if<format::End>(&event.data)) {
      end = SessionEnd{
          e->termination, e->value, e->core_dumped, e->end_unix_ns, std::string(e->reason)};
    }
  };
  auto report = format::verify_recording(options.file, on_event);
  if (!report) {
    print_error(report.error());
    return exit_code_for(report.error());
  }
  struct stat st
  {};
  const std::uint64_t file_bytes =
      ::stat(options.file.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
  if (options.json) {
    print_json(options, *report, counts, end, file_bytes);
  } else {
    print_text(options, *report, counts, end, file_bytes);
  }
  return report_verdict(options.file, *report);
}

} // namespace

Run add_show(CLI::App& app)
{
  auto options = std::make_shared<ShowOptions>();
  CLI::App* cmd = app.add_subcommand(
      "show", "Show who, where and when of a recording, with a summary and its integrity state");
  cmd->add_option("SESSION", options->file, "A session id (or a unique prefix) or a recording file")
      ->required();
  add_spool_options(cmd, options->spool);
  cmd->add_flag("--json", options->json, "Print JSON (times in RFC 3339 UTC)");
  return [options] { return run_show(*options); };
}

} // namespace shelltrail::cli
