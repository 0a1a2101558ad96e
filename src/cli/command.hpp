#pragma once
// How subcommands plug into main: each cli/<name>.cpp defines one add_<name>() that registers
// its options on the CLI11 app and returns the function that runs it (tmux's cmd-*.c).

#include "util/error.hpp"

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace shelltrail::cli {

// Exit codes shared by every subcommand (documented in README.md and `shelltrail --help`).
enum ExitCode : int {
  k_exit_ok = 0,
  k_exit_incomplete = 1,  // the recording ends early; what was recoverable was shown
  k_exit_altered = 2,     // the recording is damaged or was changed
  k_exit_unreadable = 3,  // missing, unreadable, not a recording, or a newer format version
  k_exit_unknown_key = 4, // verify: signed by a key not among the trusted ones
  k_exit_usage = 64,      // bad command line
};

using Run = std::function<int()>;

Run add_show(CLI::App& app);
Run add_dump(CLI::App& app);
Run add_verify(CLI::App& app);
Run add_compact(CLI::App& app);
Run add_list(CLI::App& app);
Run add_config(CLI::App& app);
Run add_export(CLI::App& app);
Run add_import(CLI::App& app);
Run add_play(CLI::App& app);
Run add_index(CLI::App& app);
Run add_search(CLI::App& app);
Run add_commands(CLI::App& app);
Run add_timeline(CLI::App& app);
Run add_report(CLI::App& app);
Run add_key(CLI::App& app);
Run add_audit_logins(CLI::App& app);
Run add_setup(CLI::App& app);
Run add_doctor(CLI::App& app);

// The signing_key option of the system or the personal configuration.
util::Result<std::string> configured_signing_key(bool system);
// `after_dashes`: the arguments after the first "--" on the command line, which CLI11 never
// sees (it would parse a COMMAND's own options as ours).
Run add_record(CLI::App& app, const std::vector<std::string>& after_dashes);

// Prints "shelltrail: error: <message>" on stderr.
void print_error(const util::Error& error);
void print_warning(std::string_view message);
// The exit code for an error that stopped a command before it could judge a recording.
int exit_code_for(const util::Error& error);

} // namespace shelltrail::cli
