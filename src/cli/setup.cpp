// shelltrail setup (as root): makes this machine a recording jump box, and can be run again at
// any time (each step says "ok", "created" or "fixed"). The account that owns the spool, the
// index and the signing key; their directories; the key; the setuid recorder; the system
// configuration; and the sshd block, printed, or installed with --write.

#include "cli/command.hpp"
#include "cli/jump_box.hpp"
#include "util/bytes.hpp"
#include "util/file.hpp"

#include "trust/key_files.hpp"

#include <fmt/core.h>

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

namespace shelltrail::cli {
namespace {

struct SetupOptions
{
  JumpBox box;
  bool write = false;
};

void step(std::string_view state, std::string_view what)
{
  fmt::print("{:<8} {}\n", state, what);
}

struct Owner
{
  uid_t uid = 0;
  gid_t gid = 0;
};

util::Result<Owner> ensure_account(const JumpBox& box)
{
  if (::getpwnam(box.account.c_str()) == nullptr) {
    ST_TRY(run_tool({"/usr/sbin/useradd",
                     "--system",
                     "--user-group",
                     "--home-dir",
                     "/var/lib/shelltrail",
                     "--no-create-home",
                     "--shell",
                     "/usr/sbin/nologin",
                     box.account})
               .transform([](auto&&) {}));
    step("created", "account " + box.account);
  } else {
    step("ok", "account " + box.account);
  }
  const passwd* entry = ::getpwnam(box.account.c_str());
  if (entry == nullptr) {
    return util::fail(util::ErrorKind::not_found, "no account {} after useradd", box.account);
  }
  return Owner{entry->pw_uid, entry->pw_gid};
}

// A directory with exactly this owner and mode; parents are created root's, 0755.
util::Result<void> ensure_directory(const std::string& dir, Owner owner, mode_t mode)
{
  struct stat st
  {};
  if (::lstat(dir.c_str(), &st) != 0) {
    ST_TRY(util::make_directories(std::filesystem::path(dir).parent_path().string(), 0755));
    if (::mkdir(dir.c_str(), mode) != 0) {
      return util::fail(util::Error::from_errno(errno, "creating " + dir));
    }
    if (::chown(dir.c_str(), owner.uid, owner.gid) != 0 || ::chmod(dir.c_str(), mode) != 0) {
      return util::fail(util::Error::from_errno(errno, dir));
    }
    step("created", fmt::format("{} (mode {:04o})", dir, mode));
    return {};
  }
  if (!S_ISDIR(st.st_mode)) {
    return util::fail(util::ErrorKind::config,
                      "{} exists and is not a directory (a symlink?); move it away",
                      dir);
  }
  if (st.st_uid != owner.uid || st.st_gid != owner.gid || (st.st_mode & 07777) != mode) {
    if (::chown(dir.c_str(), owner.uid, owner.gid) != 0 || ::chmod(dir.c_str(), mode) != 0) {
      return util::fail(util::Error::from_errno(errno, dir));
    }
    step("fixed", fmt::format("{} (owner and mode {:04o})", dir, mode));
    return {};
  }
  step("ok", dir);
  return {};
}

util::Result<void> ensure_key(const JumpBox& box, Owner owner)
{
  const std::string key = box.signing_key();
  const std::string pub = trust::public_key_path(key);
  struct stat st
  {};
  if (::lstat(key.c_str(), &st) != 0) {
    ST_TRY_ASSIGN(const trust::SigningKey made, trust::generate_signing_key(key));
    if (::chown(key.c_str(), owner.uid, owner.gid) != 0 ||
        ::chown(pub.c_str(), owner.uid, owner.gid) != 0) {
      return util::fail(util::Error::from_errno(errno, key));
    }
    step("created",
         fmt::format("signing key {} ({}); keep a copy of {} off this machine",
                     key,
                     trust::short_key_id(made.public_key.id),
                     pub));
    return {};
  }
  if (st.st_uid != owner.uid || (st.st_mode & 077) != 0) {
    if (::chown(key.c_str(), owner.uid, owner.gid) != 0 || ::chmod(key.c_str(), 0600) != 0) {
      return util::fail(util::Error::from_errno(errno, key));
    }
    step("fixed", "signing key " + key + " (owner, mode 0600)");
  }
  ST_TRY_ASSIGN(const trust::SigningKey loaded, trust::load_signing_key(key));
  auto public_key = trust::load_public_key(pub);
  if (!public_key || public_key->id != loaded.public_key.id) {
    (void)::unlink(pub.c_str());
    ST_TRY(trust::write_public_key(pub, loaded.public_key));
    step("fixed", "public key " + pub + " (written from the signing key)");
  }
  step("ok", fmt::format("signing key {} ({})", key, trust::short_key_id(loaded.public_key.id)));
  return {};
}

// The setuid copy of this program that sshd's ForceCommand runs.
util::Result<void> ensure_recorder(const JumpBox& box, Owner owner)
{
  const std::string target = box.recorder();
  ST_TRY(util::make_directories(box.libexec_dir(), 0755));
  ST_TRY_ASSIGN(const std::string self, util::read_file("/proc/self/exe"));
  struct stat st
  {};
  if (::lstat(target.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == owner.uid &&
      (st.st_mode & 07777) == 04755) {
    auto current = util::read_file(target);
    if (current && *current == self) {
      step("ok", "recorder " + target + " (setuid " + box.account + ")");
      return {};
    }
  }
  const std::string temporary = target + ".new";
  (void)::unlink(temporary.c_str());
  {
    ST_TRY_ASSIGN(util::Fd fd,
                  util::open_file(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0700));
    ST_TRY(util::write_all(fd, util::as_bytes(self)));
    // Owner first: chown clears the setuid bit.
    if (::fchown(fd.get(), owner.uid, 0) != 0 || ::fchmod(fd.get(), 04755) != 0) {
      return util::fail(util::Error::from_errno(errno, temporary));
    }
    ST_TRY(util::sync_data(fd));
  }
  if (::rename(temporary.c_str(), target.c_str()) != 0) {
    return util::fail(util::Error::from_errno(errno, "installing " + target));
  }
  step("created", "recorder " + target + " (setuid " + box.account + ", mode 4755)");
  return {};
}

util::Result<void> ensure_config(const JumpBox& box)
{
  const std::string file = box.config_file();
  struct stat st
  {};
  if (::lstat(file.c_str(), &st) == 0) {
    if (st.st_uid != 0 || (st.st_mode & 022) != 0) {
      return util::fail(util::ErrorKind::config,
                        "{0} must belong to root and be writable by root alone (chown root {0}; "
                        "chmod 644 {0})",
                        file);
    }
    step("ok", "configuration " + file);
    return {};
  }
  ST_TRY(util::make_directories(std::filesystem::path(file).parent_path().string(), 0755));
  const std::string text = fmt::format(
      "# shelltrail's system configuration: docs/config.md lists every key.\n"
      "# Written by `shelltrail setup`; it will not overwrite your changes.\n"
      "spool = \"{}\"\n"
      "signing_key = \"{}\"\n"
      "# shell = \"/bin/bash\"      # the shell to record (default: the passwd entry's)\n"
      "# failure_policy = \"fail-closed\"\n",
      box.spool(),
      box.signing_key());
  ST_TRY_ASSIGN(util::Fd fd, util::open_file(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644));
  ST_TRY(util::write_all(fd, util::as_bytes(text)));
  step("created", "configuration " + file);
  return {};
}

// Writes `text` as `file` (mode 0644) in one step: beside it first, then renamed over it.
util::Result<void> replace_file(const std::string& file, std::string_view text)
{
  const std::string temporary = file + ".new";
  (void)::unlink(temporary.c_str());
  {
    ST_TRY_ASSIGN(util::Fd fd,
                  util::open_file(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644));
    ST_TRY(util::write_all(fd, util::as_bytes(text)));
  }
  if (::rename(temporary.c_str(), file.c_str()) != 0) {
    return util::fail(util::Error::from_errno(errno, "installing " + file));
  }
  return {};
}

util::Result<void> install_sshd_block(const JumpBox& box)
{
  const std::string file = box.sshd_dropin();
  const std::string block = box.sshd_block();
  auto existing = util::read_file(file);
  if (existing && *existing == block) {
    step("ok", "sshd configuration " + file);
    return {};
  }
  ST_TRY(util::make_directories(std::filesystem::path(file).parent_path().string(), 0755));
  ST_TRY(replace_file(file, block));
  // Debian's sshd_config includes sshd_config.d/*.conf; a block sshd rejects must not stay.
  const std::string main_config = box.path("/etc/ssh/sshd_config");
  if (::access(main_config.c_str(), R_OK) == 0) {
    auto checked = run_tool({"/usr/sbin/sshd", "-t", "-f", main_config});
    if (!checked) {
      (void)::unlink(file.c_str());
      return util::fail(std::move(checked).error().with_context(
          "sshd rejects the configuration with the block; it was removed again"));
    }
  }
  step(existing ? "fixed" : "created",
       "sshd configuration " + file + " (reload sshd: systemctl reload ssh)");
  return {};
}

// The systemd unit that runs `index --follow` (where systemd is); enabling it is the admin's.
util::Result<void> ensure_index_service(const JumpBox& box)
{
  const std::string file = box.index_service_file();
  const std::string unit_dir = std::filesystem::path(file).parent_path().string();
  if (::access(unit_dir.c_str(), F_OK) != 0) {
    step("note",
         fmt::format("no {}: keep the index up to date with `shelltrail index --follow "
                     "--system` run as {}",
                     unit_dir,
                     box.account));
    return {};
  }
  const std::string unit = box.index_service();
  auto existing = util::read_file(file);
  if (existing && *existing == unit) {
    step("ok", "index service " + file);
    return {};
  }
  ST_TRY(replace_file(file, unit));
  step(existing ? "fixed" : "created",
       "index service " + file +
           " (start it: systemctl daemon-reload; systemctl enable --now shelltrail-index)");
  return {};
}

int run_setup(const SetupOptions& options)
{
  if (::geteuid() != 0) {
    print_error(
        util::Error(util::ErrorKind::permission, "setup needs root (sudo shelltrail setup)"));
    return k_exit_usage;
  }
  const JumpBox& box = options.box;
  const auto run = [&]() -> util::Result<void> {
    ST_TRY_ASSIGN(const Owner owner, ensure_account(box));
    ST_TRY(ensure_directory(box.state_dir(), owner, 0700));
    ST_TRY(ensure_directory(box.spool(), owner, 0700));
    ST_TRY(ensure_key(box, owner));
    ST_TRY(ensure_recorder(box, owner));
    ST_TRY(ensure_config(box));
    ST_TRY(ensure_index_service(box));
    if (::getgrnam(box.group.c_str()) == nullptr) {
      step("note",
           fmt::format("group {0} does not exist yet: groupadd {0}; usermod -aG {0} USER",
                       box.group));
    }
    if (options.write) {
      ST_TRY(install_sshd_block(box));
    } else {
      fmt::print("\nThe sshd block (install it with --write, into {}):\n\n{}",
                 box.sshd_dropin(),
                 box.sshd_block());
    }
    return {};
  };
  if (auto done = run(); !done) {
    print_error(done.error());
    return k_exit_unreadable;
  }
  return k_exit_ok;
}

} // namespace

void add_jump_box_options(CLI::App* cmd, JumpBox& box)
{
  cmd->add_option("--group", box.group, "The operators whose logins are recorded (operators)");
  cmd->add_flag("--agent-forwarding", box.agent_forwarding, "Allow ssh agent forwarding");
  cmd->add_option("--root", box.root, "Install below this directory instead of /");
}

Run add_setup(CLI::App& app)
{
  auto options = std::make_shared<SetupOptions>();
  CLI::App* cmd = app.add_subcommand(
      "setup", "Make this machine a recording jump box (as root; safe to run again)");
  add_jump_box_options(cmd, options->box);
  cmd->add_flag("--write", options->write, "Install the sshd block instead of printing it");
  cmd->footer("docs/trust.md describes what is installed and why.");
  return [options] { return run_setup(*options); };
}

} // namespace shelltrail::cli
