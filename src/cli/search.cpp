// shelltrail search QUERY: commands and screen text across every indexed session, newest first,
// one line per hit (time, user, target host, session, offset for `play --at`, the text with the
// match highlighted), or JSON.

#include "cli/command.hpp"
#include "cli/index_access.hpp"
#include "index/text_match.hpp"
#include "util/text.hpp"
#include "util/time.hpp"
#include "util/time_spec.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

namespace shelltrail::cli {
namespace {

struct SearchOptions
{
  IndexChoice choice;
  std::string query;
  bool commands = false;
  bool output = false;
  std::string user;
  std::string host;
  std::string since;
  std::string until;
  std::size_t limit = 100;
  bool fts = false;
  bool json = false;
};

std::string highlighted(std::string_view text, std::string_view query, bool colour)
{
  const std::size_t at = colour ? index::find_ignoring_case(text, query) : std::string_view::npos;
  if (at == std::string_view::npos || query.empty()) {
    return util::without_controls(text);
  }
  return util::without_controls(text.substr(0, at)) + "\x1b[1;31m" +
         util::without_controls(text.substr(at, query.size())) + "\x1b[0m" +
         util::without_controls(text.substr(at + query.size()));
}

int run_search(const SearchOptions& options)
{
  const auto fail_with = [](const util::Error& error) {
    print_error(error);
    return exit_code_for(error);
  };
  if (options.query.empty()) {
    return fail_with(util::Error(util::ErrorKind::usage, "search: the query is empty"));
  }
  index::SearchQuery query;
  query.text = options.query;
  query.fts_syntax = options.fts;
  query.commands = options.commands || !options.output;
  query.output = options.output || !options.commands;
  query.user = options.user;
  query.host = options.host;
  query.limit = options.limit;
  const std::int64_t now = util::wall_clock_ns();
  for (const auto& [text, bound] :
       {std::pair{&options.since, &query.since_ns}, std::pair{&options.until, &query.until_ns}}) {
    if (!text->empty()) {
      auto parsed = util::parse_time_spec(*text, now);
      if (!parsed) {
        return fail_with(parsed.error());
      }
      *bound = *parsed;
    }
  }
  auto store = open_index(options.choice, index::OpenMode::read);
  if (!store) {
    return fail_with(store.error());
  }
  auto hits = (*store)->search(query);
  if (!hits) {
    return fail_with(hits.error());
  }
  if (options.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& hit : *hits) {
      out.push_back(
          {{"kind", hit.kind == index::SearchHit::Kind::command ? "command" : "output"},
           {"time", util::to_rfc3339(hit.time_ns)},
           {"session", hit.session_id},
           {"offset", at_offset(hit.offset)},
           {"user", hit.user},
           {"host", hit.host},
           {"target_user", hit.target_user},
           {"target_host", hit.target_host},
           {"cwd", hit.cwd},
           {"text", hit.text},
           {"play",
            fmt::format("shelltrail play {} --at {}", hit.session_id, at_offset(hit.offset))}});
    }
    fmt::print("{}\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return k_exit_ok;
  }
  const bool colour = isatty(STDOUT_FILENO) != 0;
  for (const auto& hit : *hits) {
    fmt::print("{}  {:<10} {:<16} {}  --at {:<10} {} {}\n",
               util::to_rfc3339(hit.time_ns).substr(0, 23) + "Z",
               util::without_controls(hit.user),
               util::without_controls(hit.target_host.empty() ? hit.host : hit.target_host),
               hit.session_id,
               at_offset(hit.offset),
               hit.kind == index::SearchHit::Kind::command ? "$" : "|",
               highlighted(hit.text, options.fts ? std::string_view() : options.query, colour));
  }
  if (hits->size() == options.limit) {
    fmt::print(stderr,
               "shelltrail: the first {} hits (newest first); --limit N for more\n",
               options.limit);
  }
  return k_exit_ok;
}

} // namespace

Run add_search(CLI::App& app)
{
  auto options = std::make_shared<SearchOptions>();
  CLI::App* cmd =
      app.add_subcommand("search", "Search typed commands and screen text of all sessions");
  add_index_options(cmd, options->choice);
  cmd->add_option(
         "QUERY", options->query, "Text to find (a substring of a command; words of screen text)")
      ->required();
  cmd->add_flag("--commands", options->commands, "Only commands");
  cmd->add_flag("--output", options->output, "Only screen text");
  cmd->add_option("--user", options->user, "The jump box login or the user a prompt showed");
  cmd->add_option("--host", options->host, "The jump box or a target host");
  cmd->add_option("--since", options->since, "Only hits at or after this time");
  cmd->add_option("--until", options->until, "Only hits at or before this time");
  cmd->add_option("--limit", options->limit, "At most this many hits (default 100)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag(
      "--fts", options->fts, "QUERY is in SQLite FTS5 syntax (AND, OR, NOT, \"phrases\", prefix*)");
  cmd->add_flag("--json", options->json, "Print JSON (times in RFC 3339 UTC)");
  cmd->footer("Each hit: time (UTC), user, target host, session, the offset to give `play --at`, "
              "$ for a command or | for screen text, and the text.\nTimes: "
              "2026-11-26T14:02:30Z, '2026-11-26 14:02' (local), 14:02, today, yesterday, or an "
              "age (90s, 30m, 2h, 3d).\nExit status: 0 (also with no hits), 3 if the index "
              "cannot be read, 64 for a bad query or option.");
  return [options] { return run_search(*options); };
}

} // namespace shelltrail::cli
