// shelltrail timeline / report: every command of every operator in a time window, merged in time
// order — who (login and key), where (jump box and target host), the clock-quality note of
// recordings whose clock was not synchronised, and the `play --at` line for each moment. The
// timeline is text or JSON; the report is the same as a Markdown or HTML postmortem document.

#include "cli/command.hpp"
#include "cli/index_access.hpp"
#include "util/text.hpp"
#include "util/time.hpp"
#include "util/time_spec.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <map>

namespace shelltrail::cli {
namespace {

struct TimelineOptions
{
  IndexChoice choice;
  std::string since;
  std::string until;
  std::string user;
  std::string host;
  bool json = false;
  std::string format = "markdown"; // report only
};

std::string utc_ms(std::int64_t ns)
{
  return util::to_rfc3339(ns).substr(0, 23) + "Z";
}

std::string short_key(const std::string& fingerprint)
{
  return fingerprint.size() > 19 ? fingerprint.substr(0, 19) + "…" : fingerprint;
}

std::string play_line(const index::CommandRow& row)
{
  return fmt::format("shelltrail play {} --at {}", row.session_id, at_offset(row.offset));
}

std::string what(const index::CommandRow& row)
{
  return row.activity
             ? fmt::format("[full screen until {}] {}", utc_ms(row.end_ns).substr(11), row.command)
             : row.command;
}

util::Result<std::vector<index::CommandRow>> load(const TimelineOptions& options,
                                                  std::optional<std::int64_t>& since,
                                                  std::optional<std::int64_t>& until)
{
  const std::int64_t now = util::wall_clock_ns();
  for (const auto& [text, bound] :
       {std::pair{&options.since, &since}, std::pair{&options.until, &until}}) {
    if (!text->empty()) {
      ST_TRY_ASSIGN(*bound, util::parse_time_spec(*text, now));
    }
  }
  ST_TRY_ASSIGN(auto store, open_index(options.choice, index::OpenMode::read));
  index::CommandQuery query;
  query.since_ns = since;
  query.until_ns = until;
  query.user = options.user;
  query.host = options.host;
  return store->commands(query);
}

std::string markdown_cell(std::string_view text)
{
  std::string out;
  for (const char c : util::without_controls(text)) {
    if (c == '|' || c == '`' || c == '*' || c == '_' || c == '<' || c == '>' || c == '[' ||
        c == ']' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

// Recorded text in the HTML report.
std::string html_text(std::string_view text)
{
  return util::html_escaped(util::without_controls(text));
}

int run_timeline(const TimelineOptions& options, bool report)
{
  std::optional<std::int64_t> since;
  std::optional<std::int64_t> until;
  auto rows = load(options, since, until);
  if (!rows) {
    print_error(rows.error());
    return exit_code_for(rows.error());
  }
  if (!report && options.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& row : *rows) {
      nlohmann::json item = {{"time", util::to_rfc3339(row.time_ns)},
                             {"user", row.user},
                             {"key_fingerprint", row.key_fingerprint},
                             {"host", row.host},
                             {"target_user", row.place.user},
                             {"target_host", row.place.host},
                             {"cwd", row.place.cwd},
                             {"command", row.command},
                             {"session", row.session_id},
                             {"offset", at_offset(row.offset)},
                             {"play", play_line(row)}};
      if (row.activity) {
        item["activity"] = true;
        item["end"] = util::to_rfc3339(row.end_ns);
      }
      if (!row.clock_note.empty()) {
        item["clock_note"] = row.clock_note;
      }
      out.push_back(std::move(item));
    }
    fmt::print("{}\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return k_exit_ok;
  }
  if (!report) {
    for (const auto& row : *rows) {
      fmt::print("{}  {} ({})  {} -> {}@{}:{}  {}\n    {}{}\n",
                 utc_ms(row.time_ns),
                 util::without_controls(row.user),
                 util::without_controls(
                     short_key(row.key_fingerprint.empty() ? "no key" : row.key_fingerprint)),
                 util::without_controls(row.host),
                 util::without_controls(row.place.user),
                 util::without_controls(row.place.host),
                 util::without_controls(row.place.cwd),
                 util::without_controls(what(row)),
                 play_line(row),
                 row.clock_note.empty() ? "" : "  (" + row.clock_note + ")");
    }
    return k_exit_ok;
  }

  // The report: a header, the people and sessions involved, then the timeline.
  const std::string window =
      fmt::format("{} to {}",
                  since ? utc_ms(*since) : std::string("the first recording"),
                  until ? utc_ms(*until) : std::string("now"));
  std::map<std::string, const index::CommandRow*> sessions;
  for (const auto& row : *rows) {
    sessions.emplace(row.session_id, &row);
  }
  const bool html = options.format == "html";
  std::string out;
  if (html) {
    out +=
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>shelltrail "
        "report</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:"
        "collapse}td,th{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}"
        "code{font-family:monospace}.note{color:#a60}</style>\n</head>\n<body>\n<h1>Commands "
        "from " +
        html_text(window) + "</h1>\n";
    out += fmt::format(
        "<p>{} commands in {} sessions{}{}.</p>\n<h2>Sessions</h2>\n<table>\n<tr><th>session"
        "</th><th>user</th><th>key</th><th>jump box</th><th>clock</th></tr>\n",
        rows->size(),
        sessions.size(),
        options.user.empty() ? "" : ", user " + html_text(options.user),
        options.host.empty() ? "" : ", host " + html_text(options.host));
    for (const auto& [id, row] : sessions) {
      out += fmt::format(
          "<tr><td><code>{}</code></td><td>{}</td><td><code>{}</code></td><td>{}</td><td "
          "class=\"note\">{}</td></tr>\n",
          html_text(id),
          html_text(row->user),
          html_text(row->key_fingerprint),
          html_text(row->host),
          html_text(row->clock_note.empty() ? "synchronised" : row->clock_note));
    }
    out += "</table>\n<h2>Timeline</h2>\n<table>\n<tr><th>time "
           "(UTC)</th><th>who</th><th>where</th><th>"
           "command</th><th>replay</th></tr>\n";
    for (const auto& row : *rows) {
      out += fmt::format(
          "<tr><td>{}</td><td>{}</td><td>{} &rarr; {}@{}:{}</td><td><code>{}</code></td>"
          "<td><code>{}</code></td></tr>\n",
          html_text(utc_ms(row.time_ns)),
          html_text(row.user),
          html_text(row.host),
          html_text(row.place.user),
          html_text(row.place.host),
          html_text(row.place.cwd),
          html_text(what(row)),
          html_text(play_line(row)));
    }
    out += "</table>\n</body>\n</html>\n";
  } else {
    out += "# Commands from " + markdown_cell(window) + "\n\n";
    out += fmt::format(
        "{} commands in {} sessions{}{}.\n\n## Sessions\n\n| session | user | key | jump box | "
        "clock |\n|---|---|---|---|---|\n",
        rows->size(),
        sessions.size(),
        options.user.empty() ? "" : ", user " + markdown_cell(options.user),
        options.host.empty() ? "" : ", host " + markdown_cell(options.host));
    for (const auto& [id, row] : sessions) {
      out += fmt::format("| {} | {} | {} | {} | {} |\n",
                         markdown_cell(id),
                         markdown_cell(row->user),
                         markdown_cell(row->key_fingerprint),
                         markdown_cell(row->host),
                         markdown_cell(row->clock_note.empty() ? "synchronised" : row->clock_note));
    }
    out +=
        "\n## Timeline\n\n| time (UTC) | who | where | command | replay |\n|---|---|---|---|---|\n";
    for (const auto& row : *rows) {
      out += fmt::format("| {} | {} | {} → {}@{}:{} | {} | {} |\n",
                         markdown_cell(utc_ms(row.time_ns)),
                         markdown_cell(row.user),
                         markdown_cell(row.host),
                         markdown_cell(row.place.user),
                         markdown_cell(row.place.host),
                         markdown_cell(row.place.cwd),
                         markdown_cell(what(row)),
                         markdown_cell(play_line(row)));
    }
  }
  fmt::print("{}", out);
  return k_exit_ok;
}

void add_window_options(CLI::App* cmd, TimelineOptions& options)
{
  add_index_options(cmd, options.choice);
  cmd->add_option("--since", options.since, "From this time");
  cmd->add_option("--until", options.until, "To this time");
  cmd->add_option("--user", options.user, "Only this jump box login or target user");
  cmd->add_option("--host", options.host, "Only this jump box or target host");
}

constexpr const char* k_times_help =
    "Times: 2026-11-26T14:02:30Z, '2026-11-26 14:02' (local), 14:02, today, "
    "yesterday, or an age (90s, 30m, 2h, 3d).";

} // namespace

Run add_timeline(CLI::App& app)
{
  auto options = std::make_shared<TimelineOptions>();
  CLI::App* cmd =
      app.add_subcommand("timeline", "Every command of every operator in a time window");
  add_window_options(cmd, *options);
  cmd->add_flag("--json", options->json, "Print JSON (times in RFC 3339 UTC)");
  cmd->footer(std::string(k_times_help) +
              "\nExit status: 0, 3 if the index cannot be read, 64 for a bad option.");
  return [options] { return run_timeline(*options, false); };
}

Run add_report(CLI::App& app)
{
  auto options = std::make_shared<TimelineOptions>();
  CLI::App* cmd =
      app.add_subcommand("report", "A postmortem timeline as a Markdown or HTML document");
  add_window_options(cmd, *options);
  cmd->add_option("--format", options->format, "markdown (default) or html")
      ->check(CLI::IsMember({"markdown", "html"}));
  cmd->footer(std::string(k_times_help) +
              "\nExit status: 0, 3 if the index cannot be read, 64 for a bad option.");
  return [options] { return run_timeline(*options, true); };
}

} // namespace shelltrail::cli
