#pragma once
// Attribution: who, from where, through which key, on which host and terminal, when, and how
// good the clock was — gathered at session start into the recording's metadata. Reads sshd's
// environment (SSH_CONNECTION) and ExposeAuthInfo file (SSH_USER_AUTH).

#include "format/metadata.hpp"
#include "sys/clock_state.hpp"
#include "sys/identity.hpp"
#include "sys/terminal.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace shelltrail::recorder {

struct SshAuth
{
  std::string methods;         // "publickey", "publickey,keyboard-interactive", ...
  std::string key_type;        // of the first public key, e.g. "ssh-ed25519"
  std::string key_fingerprint; // "SHA256:..." as ssh-keygen -l prints it
};

// Parses the text of sshd's ExposeAuthInfo file: one line per method that succeeded,
// "publickey ssh-ed25519 AAAA..." for keys.
SshAuth parse_ssh_auth_info(std::string_view text);

// The OpenSSH SHA-256 fingerprint of a base64 public key blob, or "" if it is not base64.
std::string ssh_key_fingerprint(std::string_view base64_blob);

using Getenv = std::function<const char*(const char*)>;

// The SSH origin from SSH_CONNECTION and SSH_USER_AUTH, or nullopt outside an SSH session.
std::optional<format::SshOrigin> ssh_origin(const Getenv& getenv);

format::ClockState to_clock_state(const sys::ClockReading& reading);

struct SessionFacts
{
  std::string session_id;
  std::int64_t start_unix_ns = 0;
  std::string command; // requested command, empty for an interactive shell
  std::string shell;
  std::string term;
  std::optional<sys::Winsize> size;
  sys::ClockReading clock;
};

format::Metadata
build_metadata(const sys::Identity& identity, const SessionFacts& facts, const Getenv& getenv);

} // namespace shelltrail::recorder
