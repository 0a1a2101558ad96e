// shelltrail dump FILE: every event, one per line, for debugging. Bytes are escaped, so a
// hostile recording cannot act on the terminal that reads the dump. --bytes STREAM writes one
// stream's bytes: exact into a file or pipe (forensics, hashing, other tools), through the
// OutputSanitizer onto a terminal or with --sanitize (docs/player.md, "Safe output").

#include "cli/command.hpp"
#include "cli/spool_lookup.hpp"
#include "cli/verdict.hpp"
#include "format/verify.hpp"
#include "player/output_sanitizer.hpp"
#include "util/bytes.hpp"
#include "util/overloaded.hpp"
#include "util/time.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <optional>

namespace shelltrail::cli {
namespace {

struct DumpOptions
{
  std::string file;
  SpoolChoice spool;
  bool json = false;
  std::string bytes;     // "output", "error_output" or "input": raw bytes of that stream instead
  bool sanitize = false; // filter --bytes even into a file or pipe (e.g. for `less -R`)
};

std::string quoted(std::string_view bytes)
{
  return "\"" + util::escape_bytes(bytes) + "\"";
}

// The event's fields as text: `"ls\r"`, `8 bytes`, `120x40`, ...
std::string describe(const format::EventData& data)
{
  using namespace format;
  return std::visit(
      util::Overloaded{
          [](const Output& e) { return quoted(e.bytes); },
          [](const ErrorOutput& e) { return quoted(e.bytes); },
          [](const Input& e) { return quoted(e.bytes); },
          [](const RedactedInput& e) { return fmt::format("{} bytes withheld", e.length); },
          [](const Resize& e) { return fmt::format("{}x{}", e.cols, e.rows); },
          [](const Marker& e) { return quoted(e.text); },
          [](const ClockState& e) {
            return fmt::format("{} max_error={}us est_error={}us state={} status={:#x}",
                               e.synchronized ? "synchronised" : "unsynchronised",
                               e.max_error_us,
                               e.est_error_us,
                               e.kernel_state,
                               e.kernel_status);
          },
          [](const ClockStep& e) { return fmt::format("wall clock stepped {} ns", e.step_ns); },
          [](const End& e) {
            const char* how = e.termination == Termination::exited     ? "exited"
                              : e.termination == Termination::signaled ? "signaled"
                                                                       : "other";
            return fmt::format("{} {}{} at {} reason {}",
                               how,
                               e.value,
                               e.core_dumped ? " (core dumped)" : "",
                               util::to_rfc3339(e.end_unix_ns),
                               quoted(e.reason));
          },
          [](const StreamSummary& e) {
            const char* stream = e.stream == Stream::output         ? "output"
                                 : e.stream == Stream::error_output ? "error_output"
                                                                    : "input";
            return fmt::format("{} cut after {} of {} bytes, sha256 {}, command {}",
                               stream,
                               e.recorded_bytes,
                               e.total_bytes,
                               util::to_hex(e.sha256),
                               quoted(e.command));
          },
          [](const UnknownEvent& e) {
            return fmt::format(
                "type {} ({} bytes, from a newer format version)", e.type, e.data.size());
          },
      },
      data);
}

void print_event(const format::Event& event, bool json)
{
  if (json) {
    nlohmann::json line{{"time_us", event.time.count()},
                        {"type", format::type_name(event.data)},
                        {"text", describe(event.data)}};
    if (const std::string_view* bytes = format::payload_bytes(event.data)) {
      line["bytes"] = std::string(*bytes);
    }
    fmt::print("{}\n", line.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace));
    return;
  }
  fmt::print("{} {} {}\n",
             util::to_offset_string(event.time),
             format::type_name(event.data),
             describe(event.data));
}

// The bytes of one stream, concatenated: exactly what the terminal or pipe carried, or, with a
// filter, only what draws.
void print_bytes(const format::Event& event,
                 std::string_view stream,
                 std::optional<player::OutputSanitizer>& filter)
{
  const std::string_view* bytes = format::payload_bytes(event.data);
  if (bytes == nullptr || format::type_name(event.data) != stream) {
    return;
  }
  if (!filter) {
    std::fwrite(bytes->data(), 1, bytes->size(), stdout);
    return;
  }
  std::string safe;
  filter->feed(*bytes, safe);
  std::fwrite(safe.data(), 1, safe.size(), stdout);
}

void finish_bytes(std::optional<player::OutputSanitizer>& filter, bool to_terminal)
{
  if (!filter) {
    return;
  }
  std::string safe;
  filter->finish(safe);
  std::fwrite(safe.data(), 1, safe.size(), stdout);
  std::fflush(stdout);
  const player::DropCounts& counts = filter->counts();
  if (counts.dropped() != 0) {
    print_warning(fmt::format("dropped {} escape sequences that could act on a terminal ({}); {}",
                              counts.dropped(),
                              counts.describe(),
                              to_terminal ? "redirect to a file or pipe for the exact bytes"
                                          : "leave out --sanitize for the exact bytes"));
  }
}

int run_dump(const DumpOptions& given)
{
  auto file = resolve_recording(given.file, given.spool);
  if (!file) {
    print_error(file.error());
    return exit_code_for(file.error());
  }
  auto options = given;
  options.file = *file;
  // Raw recorded bytes never reach a terminal from here: they could set its clipboard or title
  // or make it answer. `play --raw` is the deliberate way to do that.
  const bool to_terminal = isatty(STDOUT_FILENO) != 0;
  std::optional<player::OutputSanitizer> filter;
  if (!options.bytes.empty() && (to_terminal || options.sanitize)) {
    filter.emplace();
  }
  auto report = format::verify_recording(options.file, [&](const format::Event& event) {
    if (options.bytes.empty()) {
      print_event(event, options.json);
    } else {
      print_bytes(event, options.bytes, filter);
    }
  });
  finish_bytes(filter, to_terminal);
  std::fflush(stdout);
  if (!report) {
    print_error(report.error());
    return exit_code_for(report.error());
  }
  return report_verdict(options.file, *report);
}

} // namespace

Run add_dump(CLI::App& app)
{
  auto options = std::make_shared<DumpOptions>();
  CLI::App* cmd = app.add_subcommand("dump", "Print every event of a recording, one per line");
  cmd->add_option("SESSION", options->file, "A session id (or a unique prefix) or a recording file")
      ->required();
  add_spool_options(cmd, options->spool);
  cmd->add_flag("--json", options->json, "One JSON object per line (ASCII-escaped)");
  cmd->add_option("--bytes",
                  options->bytes,
                  "Write only the bytes of one stream: exact into a file or pipe, filtered "
                  "for safety onto a terminal")
      ->check(CLI::IsMember({"output", "error_output", "input"}));
  cmd->add_flag("--sanitize",
                options->sanitize,
                "With --bytes: drop escape sequences that could act on a terminal even into a "
                "file or pipe (for `less -R`)");
  return [options] { return run_dump(*options); };
}

} // namespace shelltrail::cli
