// shelltrail doctor: checks the live jump box and prints one row per check — PASS, WARN or FAIL,
// with the fix. Exit status 1 if anything FAILs (a way around the recorder, or a recorder that
// cannot do its job), else 0.

#include "cli/command.hpp"
#include "cli/jump_box.hpp"
#include "cli/spool_lookup.hpp"
#include "config/config.hpp"
#include "sys/clock_state.hpp"
#include "util/file.hpp"

#include "trust/key_files.hpp"

#include <fmt/core.h>

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>

namespace shelltrail::cli {
namespace {

struct DoctorOptions
{
  JumpBox box;
  std::string user;        // a member of the group whose effective sshd settings are checked
  std::string sshd_config; // default <root>/etc/ssh/sshd_config
  std::uint64_t min_free_mib = 1024;
};

enum class Level { pass, warn, fail };

class Report
{
public:
  void row(Level level, std::string_view check, std::string_view detail, std::string_view fix = {})
  {
    const char* word = level == Level::pass ? "PASS" : level == Level::warn ? "WARN" : "FAIL";
    fmt::print("{:<5} {:<30} {}\n", word, check, detail);
    if (!fix.empty() && level != Level::pass) {
      fmt::print("{:<36} fix: {}\n", "", fix);
    }
    m_failed = m_failed || level == Level::fail;
  }
  bool failed() const
  {
    return m_failed;
  }

private:
  bool m_failed = false;
};

constexpr std::string_view k_setup_fix = "sudo shelltrail setup";

std::string mode_text(mode_t mode)
{
  return fmt::format("{:04o}", mode & 07777);
}

void check_owned(Report& report,
                 std::string_view check,
                 const std::string& path,
                 uid_t account,
                 mode_t expected_mode,
                 bool directory)
{
  struct stat st
  {};
  if (::lstat(path.c_str(), &st) != 0) {
    report.row(Level::fail, check, path + " is missing", k_setup_fix);
    return;
  }
  if ((directory && !S_ISDIR(st.st_mode)) || (!directory && !S_ISREG(st.st_mode))) {
    report.row(Level::fail,
               check,
               path + " is not a " + (directory ? "directory" : "file"),
               "move it away, then " + std::string(k_setup_fix));
    return;
  }
  if (st.st_uid != account || (st.st_mode & 022) != 0) {
    report.row(Level::fail,
               check,
               fmt::format("{} is owned by uid {}, mode {}: others could change it",
                           path,
                           st.st_uid,
                           mode_text(st.st_mode)),
               k_setup_fix);
    return;
  }
  if ((st.st_mode & 07777) != expected_mode) {
    report.row(
        Level::warn,
        check,
        fmt::format(
            "{} has mode {}, expected {}", path, mode_text(st.st_mode), mode_text(expected_mode)),
        k_setup_fix);
    return;
  }
  report.row(Level::pass, check, fmt::format("{} ({})", path, mode_text(st.st_mode)));
}

std::vector<std::string> group_members(const std::string& name)
{
  std::vector<std::string> members;
  const struct group* entry = ::getgrnam(name.c_str());
  if (entry == nullptr) {
    return members;
  }
  for (char** member = entry->gr_mem; member != nullptr && *member != nullptr; ++member) {
    members.emplace_back(*member);
  }
  ::setpwent();
  while (const passwd* user = ::getpwent()) {
    if (user->pw_gid == entry->gr_gid &&
        std::find(members.begin(), members.end(), user->pw_name) == members.end()) {
      members.emplace_back(user->pw_name);
    }
  }
  ::endpwent();
  return members;
}

// `sshd -T` for a member of the group, as "keyword value" pairs (keywords lowercase).
util::Result<std::multimap<std::string, std::string>> effective_sshd(const std::string& config,
                                                                     const std::string& user)
{
  ST_TRY_ASSIGN(const std::string text,
                run_tool({"/usr/sbin/sshd",
                          "-T",
                          "-f",
                          config,
                          "-C",
                          "user=" + user + ",host=doctor.invalid,addr=192.0.2.1"}));
  std::multimap<std::string, std::string> settings;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const std::size_t space = line.find(' ');
    if (space != std::string::npos) {
      settings.emplace(line.substr(0, space), line.substr(space + 1));
    }
  }
  return settings;
}

std::string lowercase(std::string text)
{
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return text;
}

void check_sshd(Report& report, const DoctorOptions& options)
{
  const JumpBox& box = options.box;
  std::string user = options.user;
  if (user.empty()) {
    const auto members = group_members(box.group);
    if (members.empty()) {
      report.row(
          Level::warn,
          "sshd",
          fmt::format("group {} has no members: nobody's logins are recorded yet", box.group),
          fmt::format("usermod -aG {} USER", box.group));
      return;
    }
    user = members.front();
  }
  const std::string config =
      options.sshd_config.empty() ? box.path("/etc/ssh/sshd_config") : options.sshd_config;
  auto settings = effective_sshd(config, user);
  if (!settings) {
    report.row(Level::fail, "sshd", settings.error().message(), "fix the sshd configuration");
    return;
  }
  for (const auto& [keyword, value] : box.expected_sshd_settings()) {
    const auto found = settings->find(lowercase(keyword));
    const std::string got = found == settings->end() ? "(unset)" : found->second;
    const std::string check = "sshd " + keyword;
    if (got == value) {
      report.row(Level::pass, check, fmt::format("{} for {}", got, user));
    } else {
      // Agent forwarding is a choice (--agent-forwarding); the rest is a way around.
      report.row(keyword == "AllowAgentForwarding" ? Level::warn : Level::fail,
                 check,
                 fmt::format("{} for {}, expected {}", got, user, value),
                 "sudo shelltrail setup --write, then systemctl reload ssh");
    }
  }
  // Only sftp is known to run through the recorder (as sftp-server, recorded); any other
  // subsystem is a program sshd starts on request that nobody here has looked at.
  bool extra_subsystem = false;
  const auto subsystems = settings->equal_range("subsystem");
  for (auto it = subsystems.first; it != subsystems.second; ++it) {
    const std::string name = it->second.substr(0, it->second.find(' '));
    if (name != "sftp") {
      extra_subsystem = true;
      report.row(Level::fail,
                 "sshd Subsystem",
                 fmt::format("an extra subsystem: {}", it->second),
                 "remove `Subsystem " + name + "` from the sshd configuration");
    }
  }
  if (!extra_subsystem) {
    report.row(Level::pass, "sshd Subsystem", "sftp only (run through the recorder)");
  }
  // A command= key option is overridden by ForceCommand, but says someone meant a way around.
  const auto files = settings->equal_range("authorizedkeysfile");
  for (const std::string& member : group_members(box.group)) {
    const passwd* entry = ::getpwnam(member.c_str());
    if (entry == nullptr) {
      continue;
    }
    for (auto it = files.first; it != files.second; ++it) {
      std::istringstream patterns(it->second);
      for (std::string pattern; patterns >> pattern;) {
        std::string path;
        for (std::size_t i = 0; i < pattern.size(); ++i) {
          if (pattern[i] == '%' && i + 1 < pattern.size()) {
            const char token = pattern[++i];
            path += token == 'h'   ? std::string(entry->pw_dir)
                    : token == 'u' ? member
                    : token == '%' ? "%"
                                   : "";
          } else {
            path += pattern[i];
          }
        }
        if (!path.empty() && path.front() != '/') {
          path = std::string(entry->pw_dir) + "/" + path;
        }
        auto text = util::read_file(path);
        if (text && text->find("command=") != std::string::npos) {
          report.row(Level::warn,
                     "authorized_keys",
                     fmt::format("{} has a key with command= (ForceCommand overrides it)", path),
                     "remove the command= option");
        }
      }
    }
  }
}

int run_doctor(const DoctorOptions& options)
{
  const JumpBox& box = options.box;
  Report report;
  if (::geteuid() != 0) {
    report.row(Level::warn,
               "privileges",
               "not root: some checks cannot see everything",
               "sudo shelltrail doctor");
  }
  const passwd* account = ::getpwnam(box.account.c_str());
  if (account == nullptr) {
    report.row(Level::fail, "account", "no account " + box.account, k_setup_fix);
    fmt::print("(the other checks need the account)\n");
    return 1;
  }
  report.row(Level::pass, "account", fmt::format("{} (uid {})", box.account, account->pw_uid));
  const uid_t uid = account->pw_uid;

  struct stat st
  {};
  const std::string recorder = box.recorder();
  if (::lstat(recorder.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    report.row(Level::fail, "recorder", recorder + " is missing", k_setup_fix);
  } else if (st.st_uid != uid || (st.st_mode & 07777) != 04755) {
    report.row(Level::fail,
               "recorder",
               fmt::format("{}: uid {}, mode {} (expected setuid {}, 4755): the recorder would "
                           "run with the operator's rights",
                           recorder,
                           st.st_uid,
                           mode_text(st.st_mode),
                           box.account),
               k_setup_fix);
  } else {
    report.row(Level::pass, "recorder", recorder + " (setuid " + box.account + ", 4755)");
  }

  const std::string config_file = box.config_file();
  if (::lstat(config_file.c_str(), &st) != 0) {
    report.row(Level::fail, "configuration", config_file + " is missing", k_setup_fix);
  } else if (st.st_uid != 0 || (st.st_mode & 022) != 0) {
    report.row(Level::fail,
               "configuration",
               fmt::format("{}: uid {}, mode {}; only root may change it",
                           config_file,
                           st.st_uid,
                           mode_text(st.st_mode)),
               "chown root " + config_file + "; chmod 644 " + config_file);
  } else {
    report.row(Level::pass, "configuration", config_file);
  }
  config::LoadOptions load;
  load.mode = config::Mode::system;
  load.system_file = config_file;
  load.getenv = [](const char*) { return std::optional<std::string>(); };
  auto config = config::load_config(load);
  if (!config) {
    report.row(Level::fail, "configuration", config.error().message(), "fix " + config_file);
    return 1;
  }

  check_owned(report, "spool", config->spool, uid, 0700, true);
  struct statvfs fs
  {};
  if (::statvfs(config->spool.c_str(), &fs) == 0) {
    const std::uint64_t free_mib = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize >> 20;
    const std::uint64_t total_mib = static_cast<std::uint64_t>(fs.f_blocks) * fs.f_frsize >> 20;
    const bool low = free_mib < options.min_free_mib || free_mib * 20 < total_mib;
    const bool closed = config->failure_policy == config::FailurePolicy::fail_closed;
    report.row(!low     ? Level::pass
               : closed ? Level::fail
                        : Level::warn,
               "spool free space",
               fmt::format("{} MiB free of {} MiB{}",
                           free_mib,
                           total_mib,
                           !low     ? ""
                           : closed ? ": under fail-closed, logins are refused when it runs out"
                                    : ": under fail-open, sessions go unrecorded when it runs out"),
               "free space on the spool's file system, or move the spool");
  }

  if (config->signing_key.empty()) {
    report.row(Level::fail,
               "signing key",
               "signing_key is empty: recordings are not signed",
               "set signing_key in " + config_file + ", then " + std::string(k_setup_fix));
  } else {
    check_owned(report, "signing key", config->signing_key, uid, 0600, false);
    auto key = trust::load_public_key(trust::public_key_path(config->signing_key));
    if (!key) {
      report.row(Level::fail, "public key", key.error().message(), k_setup_fix);
    } else {
      report.row(Level::pass,
                 "public key",
                 fmt::format("{} ({})",
                             trust::public_key_path(config->signing_key),
                             trust::short_key_id(key->id)));
    }
  }

  check_sshd(report, options);

  const sys::ClockReading clock = sys::read_clock_state();
  report.row(clock.synchronized ? Level::pass : Level::warn,
             "clock",
             clock.synchronized
                 ? fmt::format("synchronised (estimated error {} us)", clock.est_error_us)
                 : std::string("not synchronised: recordings say so, and their times may be off"),
             "run an NTP client (systemd-timesyncd, chrony)");

  // Index freshness: the newest recording should be in the index.
  std::filesystem::file_time_type newest{};
  std::size_t recordings = 0;
  for (const std::string& path : find_recordings(config->spool)) {
    std::error_code error;
    newest = std::max(newest, std::filesystem::last_write_time(path, error));
    ++recordings;
  }
  const std::string index = config->spool + "/index.sqlite";
  std::error_code error;
  const auto indexed = std::filesystem::last_write_time(index, error);
  if (recordings == 0) {
    report.row(Level::pass, "index", "no recordings yet");
  } else if (error) {
    report.row(Level::warn,
               "index",
               index + " is missing: search and timeline see nothing",
               "sudo -u " + box.account + " shelltrail index --system");
  } else if (newest - indexed > std::chrono::hours(1)) {
    report.row(Level::warn,
               "index",
               "recordings newer than the index by over an hour",
               "sudo -u " + box.account + " shelltrail index --system");
  } else {
    report.row(Level::pass, "index", fmt::format("{} ({} recordings)", index, recordings));
  }
  return report.failed() ? 1 : 0;
}

} // namespace

Run add_doctor(CLI::App& app)
{
  auto options = std::make_shared<DoctorOptions>();
  CLI::App* cmd = app.add_subcommand(
      "doctor", "Check this jump box: PASS, WARN or FAIL per check, with the fix");
  add_jump_box_options(cmd, options->box);
  cmd->add_option("--user",
                  options->user,
                  "The operator whose effective sshd settings are checked (default: the group's "
                  "first member)");
  cmd->add_option("--sshd-config", options->sshd_config, "sshd's configuration file");
  cmd->add_option("--min-free-mib",
                  options->min_free_mib,
                  "Free space on the spool below which it warns or fails (1024)");
  cmd->footer("Exit status: 0 nothing failed (warnings allowed), 1 something failed.");
  return [options] { return run_doctor(*options); };
}

} // namespace shelltrail::cli
