// shelltrail: records, replays and searches terminal sessions on SSH jump boxes.
// main() registers the subcommands, parses once and runs the chosen one; errors are printed
// once, here or by the subcommand, as "shelltrail: error: ...".

#include "cli/command.hpp"
#include "cli/record_settings.hpp"
#include "sys/privileges.hpp"

#include <fmt/core.h>

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <functional>
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
  4   (verify) signed by a key that is not trusted (--key, `shelltrail key`)
  64  bad command line

Recording format: docs/format.md. Signatures and keys: docs/trust.md.)";

// Started as shelltrail-session (a link to this program): sshd's ForceCommand or a login shell.
bool is_session_entry(const char* argv0)
{
  std::string_view name(argv0 != nullptr ? argv0 : "");
  const std::size_t slash = name.rfind('/');
  if (slash != std::string_view::npos) {
    name.remove_prefix(slash + 1);
  }
  if (!name.empty() && name.front() == '-') {
    name.remove_prefix(1); // a login shell's argv[0]
  }
  return name == "shelltrail-session";
}

int run_main(int argc, char** argv)
{
  if (argc > 0 && is_session_entry(argv[0])) {
    if (sys::setuid_ids()) {
      // Started setuid by the operator, who chose our descriptors: a closed 0, 1 or 2 would make
      // the next file we open (the recording) stand in for it.
      for (int fd = 0; fd <= 2; ++fd) {
        if (::fcntl(fd, F_GETFD) < 0 && ::open("/dev/null", O_RDWR) != fd) {
          return k_exit_unreadable;
        }
      }
    }
    return run_session_entry(argc, argv);
  }
  // Installed setuid for the recorder's sake: nothing else may run with the account's rights
  // (an operator could otherwise play or delete anyone's recordings).
  if (sys::setuid_ids()) {
    if (auto dropped = sys::drop_to_real_ids(); !dropped) {
      print_error(dropped.error());
      return k_exit_unreadable;
    }
  }
  CLI::App app("shelltrail: records every terminal session on an SSH jump box, attributed and "
               "tamper-evident, and replays and searches them.",
               "shelltrail");
  app.set_version_flag("-V,--version", "shelltrail " ST_VERSION);
  app.require_subcommand(0, 1);
  app.footer(k_footer);

  // For record, everything after the first "--" is a command to run, kept away from CLI11; for
  // the others "--" keeps its usual meaning (`search -- -rf`).
  std::vector<std::string> after_dashes;
  bool recording = false;
  for (int i = 1; i < argc; ++i) {
    recording = recording || std::string_view(argv[i]) == "record";
    if (recording && std::string_view(argv[i]) == "--") {
      after_dashes.assign(argv + i + 1, argv + argc);
      argc = i;
      break;
    }
  }

  // Only the chosen subcommand is built when the first word names one: building all of them
  // costs milliseconds that every recorded login would wait for. Anything else (no subcommand,
  // a typo, top-level --help) builds them all, for the help text and CLI11's messages.
  using Registrar = std::function<Run(CLI::App&)>;
  const std::vector<std::pair<std::string_view, Registrar>> registrars = {
      {"record", [&after_dashes](CLI::App& a) { return add_record(a, after_dashes); }},
      {"list", add_list},
      {"play", add_play},
      {"show", add_show},
      {"dump", add_dump},
      {"verify", add_verify},
      {"compact", add_compact},
      {"config", add_config},
      {"export", add_export},
      {"import", add_import},
      {"index", add_index},
      {"search", add_search},
      {"commands", add_commands},
      {"timeline", add_timeline},
      {"report", add_report},
      {"key", add_key},
      {"audit-logins", add_audit_logins},
      {"setup", add_setup},
      {"doctor", add_doctor},
  };
  const std::string_view first = argc > 1 ? std::string_view(argv[1]) : std::string_view();
  const bool named = std::any_of(
      registrars.begin(), registrars.end(), [&](const auto& r) { return r.first == first; });
  std::vector<std::pair<CLI::App*, Run>> commands;
  for (const auto& [name, registrar] : registrars) {
    if (named && name != first) {
      continue;
    }
    const std::size_t before = app.get_subcommands({}).size();
    Run run = registrar(app);
    commands.emplace_back(app.get_subcommands({}).at(before), std::move(run));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? k_exit_ok : k_exit_usage;
  }
  for (auto& [subcommand, run] : commands) {
    if (subcommand->parsed()) {
      const int code = run();
      // What went through stdio (show, list, verify ...) is only known to be written here.
      if (std::fflush(stdout) != 0 || std::ferror(stdout) != 0) {
        print_error(util::Error::from_errno(errno, "writing standard output"));
        return code == k_exit_ok ? k_exit_unreadable : code;
      }
      return code;
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
