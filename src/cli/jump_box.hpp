#pragma once
// The jump-box installation that `shelltrail setup` makes and `shelltrail doctor` checks: where
// things live, who owns them, the sshd block, and running the system's own tools.

#include "util/error.hpp"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace shelltrail::cli {

struct JumpBox
{
  // --root: everything below another directory (tests, images being built); empty: "/".
  std::string root;
  std::string account = "shelltrail";
  std::string group = "operators"; // whose logins are recorded
  bool agent_forwarding = false;

  std::string path(const std::string& absolute) const
  {
    return root + absolute;
  }
  std::string state_dir() const
  {
    return path("/var/lib/shelltrail");
  }
  std::string spool() const
  {
    return state_dir() + "/spool";
  }
  std::string signing_key() const
  {
    return state_dir() + "/signing.key";
  }
  std::string libexec_dir() const
  {
    return path("/usr/local/lib/shelltrail");
  }
  std::string recorder() const
  {
    return libexec_dir() + "/shelltrail-session";
  }
  std::string config_file() const
  {
    return path("/etc/shelltrail/shelltrail.toml");
  }
  std::string sshd_dropin() const
  {
    return path("/etc/ssh/sshd_config.d/shelltrail.conf");
  }

  std::string index_service_file() const
  {
    return path("/etc/systemd/system/shelltrail-index.service");
  }
  // The systemd unit that keeps the index up to date (`index --follow`) as the account.
  std::string index_service() const;

  // The sshd_config block for `group`: ForceCommand to the recorder, forwarding off.
  std::string sshd_block() const;
  // The sshd_config keywords and values the block sets (`sshd -T` prints the keywords in
  // lowercase): what doctor expects in the effective configuration.
  std::vector<std::pair<std::string, std::string>> expected_sshd_settings() const;
};

// --group, --agent-forwarding, --root (setup and doctor).
void add_jump_box_options(CLI::App* cmd, JumpBox& box);

// Runs argv (no shell) and returns its standard output and error together; fails when it
// cannot run or exits non-zero (the output is then in the error message).
util::Result<std::string> run_tool(const std::vector<std::string>& argv);

} // namespace shelltrail::cli
