// shelltrail: records, replays and searches terminal sessions on SSH jump boxes.
// main() registers the subcommands, parses once and runs the chosen one; errors are printed
// once, here or by the subcommand, as "shelltrail: error: ...".

#include "cli/command.hpp"

#include <fmt/core.h>

#include <cstdio>
#include <vector>

namespace shelltrail::cli {

void print_error(const util::Error& error)
{
  fmt::print(stderr, "shelltrail: error: {}\n", error.message());
}

void print_warning(std::string_view message)
{
  fmt::print(stderr, "shelltrail: warning: {}\n", message);
}

int exit_code_for(const util::Error& error)
{
  switch (error.kind()) {
  case util::ErrorKind::truncated:
    return k_exit_incomplete;
  case util::ErrorKind::corrupt:
    return k_exit_altered;
  case util::ErrorKind::usage:
  case util::ErrorKind::config:
    return k_exit_usage;
  default:
    return k_exit_unreadable;
  }
}

namespace {

constexpr const char* k_footer = R"(Exit status (show, dump, verify):
  0   the recording is complete and intact
  1   the recording is incomplete (the recorder stopped early); what was recoverable is shown
  2   the recording is damaged or altered; what precedes the damage is shown
  3   the file is missing, unreadable, not a recording, or of a newer format version
  64  bad command line

Recording format: docs/format.md.)";

int run_main(int argc, char** argv)
{
  CLI::App app("shelltrail: records every terminal session on an SSH jump box, attributed and "
               "tamper-evident, and replays and searches them.",
               "shelltrail");
  app.set_version_flag("-V,--version", "shelltrail " ST_VERSION);
  app.require_subcommand(0, 1);
  app.footer(k_footer);

  std::vector<std::pair<CLI::App*, Run>> commands;
  const auto add = [&](Run (*registrar)(CLI::App&)) {
    const std::size_t before = app.get_subcommands({}).size();
    Run run = registrar(app);
    commands.emplace_back(app.get_subcommands({}).at(before), std::move(run));
  };
  add(add_show);
  add(add_dump);
  add(add_verify);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? k_exit_ok : k_exit_usage;
  }
  for (auto& [subcommand, run] : commands) {
    if (subcommand->parsed()) {
      return run();
    }
  }
  fmt::print("{}", app.help());
  return k_exit_ok;
}

} // namespace
} // namespace shelltrail::cli

int main(int argc, char** argv)
{
  try {
    return shelltrail::cli::run_main(argc, argv);
  } catch (const std::exception& e) {
    // Only resource exhaustion (std::bad_alloc) and library bugs get here.
    std::fprintf(stderr, "shelltrail: error: %s\n", e.what());
    return 70; // EX_SOFTWARE
  }
}
