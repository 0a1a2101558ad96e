// shelltrail key: the jump box's signing key. Shows where it is and its id, makes one
// (--generate), or prints the public key (--public) to keep off the box and give to
// `shelltrail verify --key`.

#include "cli/command.hpp"
#include "cli/record_settings.hpp"
#include "config/config.hpp"
#include "util/bytes.hpp"

#include "trust/key_files.hpp"

#include <fmt/core.h>

#include <filesystem>
#include <memory>

namespace shelltrail::cli {

util::Result<std::string> configured_signing_key(bool system)
{
  config::LoadOptions options;
  options.mode = system ? config::Mode::system : config::Mode::personal;
  if (const auto path = system_config_override()) {
    options.system_file = *path;
  }
  ST_TRY_ASSIGN(const config::Config config, config::load_config(options));
  return config.signing_key;
}

namespace {

struct KeyOptions
{
  bool system = false;
  std::string path;
  bool generate = false;
  bool print_public = false;
};

// The public key of a private key file: its .pub file, or derived from the private key.
util::Result<trust::PublicKey> public_key_of(const std::string& path)
{
  auto from_file = trust::load_public_key(trust::public_key_path(path));
  if (from_file || from_file.error().kind() != util::ErrorKind::not_found) {
    return from_file;
  }
  ST_TRY_ASSIGN(const trust::SigningKey key, trust::load_signing_key(path));
  return key.public_key;
}

int run_key(const KeyOptions& options)
{
  std::string path = options.path;
  if (path.empty()) {
    auto configured = configured_signing_key(options.system);
    if (!configured) {
      print_error(configured.error());
      return k_exit_usage;
    }
    path = *configured;
  }
  if (options.generate) {
    std::error_code ignored;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ignored);
    auto key = trust::generate_signing_key(path);
    if (!key) {
      print_error(key.error());
      return k_exit_unreadable;
    }
    fmt::print("made signing key {}\n  public key {}\n  key id     {}\n",
               path,
               trust::public_key_path(path),
               trust::short_key_id(key->public_key.id));
    return k_exit_ok;
  }
  auto key = public_key_of(path);
  if (!key) {
    print_error(key.error().kind() == util::ErrorKind::not_found
                    ? util::Error(util::ErrorKind::not_found,
                                  fmt::format("no signing key at {}; `shelltrail key --generate{}` "
                                              "makes one",
                                              path,
                                              options.system ? " --system" : ""))
                    : key.error());
    return k_exit_unreadable;
  }
  if (options.print_public) {
    fmt::print("{}", trust::public_key_pem(*key));
    return k_exit_ok;
  }
  fmt::print("signing key {}\n  public key {}\n  key id     {}\n  full id    {}\n",
             path,
             trust::public_key_path(path),
             trust::short_key_id(key->id),
             util::to_hex(key->id));
  return k_exit_ok;
}

} // namespace

Run add_key(CLI::App& app)
{
  auto options = std::make_shared<KeyOptions>();
  CLI::App* cmd = app.add_subcommand(
      "key", "The Ed25519 key recordings are signed with: where it is, --generate, --public");
  cmd->add_flag("--generate", options->generate, "Make a new key pair (never replaces one)");
  cmd->add_flag("--public", options->print_public, "Print the public key (PEM)");
  cmd->add_flag("--system", options->system, "The system key (/var/lib/shelltrail/signing.key)");
  cmd->add_option("--path", options->path, "A key file instead of the configured one");
  cmd->footer("The key file is set by the signing_key option (docs/config.md). Keep a copy of the "
              "public key off this machine: `shelltrail verify --key FILE` checks recordings "
              "against it.");
  return [options] { return run_key(*options); };
}

} // namespace shelltrail::cli
