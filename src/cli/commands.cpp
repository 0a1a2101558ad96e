// shelltrail commands SESSION: the commands of one session as the index has them — time, target
// host, directory, command — with the full-screen programs it ran.

#include "cli/command.hpp"
#include "cli/index_access.hpp"
#include "format/recording_reader.hpp"
#include "util/text.hpp"
#include "util/time.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

namespace shelltrail::cli {
namespace {

struct CommandsOptions
{
  IndexChoice choice;
  std::string session;
  bool json = false;
};

int run_commands(const CommandsOptions& options)
{
  const auto fail_with = [](const util::Error& error) {
    print_error(error);
    return exit_code_for(error);
  };
  auto file = resolve_recording(options.session, options.choice.spool);
  if (!file) {
    return fail_with(file.error());
  }
  auto reader = format::RecordingReader::open(*file);
  if (!reader) {
    return fail_with(reader.error());
  }
  const std::string id = reader->metadata().session_id;
  auto store = open_index(options.choice, index::OpenMode::read);
  if (!store) {
    return fail_with(store.error());
  }
  auto session = (*store)->session(id);
  if (!session) {
    return fail_with(session.error());
  }
  if (!*session) {
    return fail_with(
        util::Error(util::ErrorKind::not_found,
                    fmt::format("session {} is not in the index yet: run `shelltrail index`", id)));
  }
  index::CommandQuery query;
  query.session_id = id;
  auto rows = (*store)->commands(query);
  if (!rows) {
    return fail_with(rows.error());
  }
  if (options.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& row : *rows) {
      nlohmann::json item = {{"time", util::to_rfc3339(row.time_ns)},
                             {"offset", at_offset(row.offset)},
                             {"user", row.place.user},
                             {"host", row.place.host},
                             {"cwd", row.place.cwd},
                             {"command", row.command}};
      if (row.activity) {
        item["activity"] = true;
        item["end"] = util::to_rfc3339(row.end_ns);
      }
      out.push_back(std::move(item));
    }
    fmt::print("{}\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return k_exit_ok;
  }
  for (const auto& row : *rows) {
    fmt::print("{}  {:<9}  {}@{}:{}  {}{}\n",
               util::to_rfc3339(row.time_ns).substr(0, 23) + "Z",
               at_offset(row.offset),
               util::without_controls(row.place.user),
               util::without_controls(row.place.host),
               util::without_controls(row.place.cwd),
               row.activity ? "[full screen] " : "",
               util::without_controls(row.command));
  }
  return k_exit_ok;
}

} // namespace

Run add_commands(CLI::App& app)
{
  auto options = std::make_shared<CommandsOptions>();
  CLI::App* cmd =
      app.add_subcommand("commands", "The commands typed in one session (from the index)");
  add_index_options(cmd, options->choice);
  cmd->add_option("SESSION", options->session, "Session id, unique prefix, or file")->required();
  cmd->add_flag("--json", options->json, "Print JSON (times in RFC 3339 UTC)");
  cmd->footer("Each line: time (UTC), offset for `play --at`, user@host:directory as the prompt "
              "showed them, command.\nExit status: 0, 3 if the session or the index cannot be "
              "read, 64 for a bad option.");
  return [options] { return run_commands(*options); };
}

} // namespace shelltrail::cli
