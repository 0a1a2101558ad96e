#pragma once
// Metadata: who, where and when of a session — the body of chunk 0, a UTF-8 JSON object
// (docs/format.md, "Metadata"). Fields this version does not know are kept and written back
// unchanged, so older tools never strip what newer recorders add.

#include "format/event.hpp"
#include "util/error.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shelltrail::format {

struct SshOrigin
{
  std::string client_addr;
  std::optional<std::uint16_t> client_port;
  std::string server_addr;
  std::optional<std::uint16_t> server_port;
  std::string auth_method;     // "publickey", "password", ... from sshd's ExposeAuthInfo
  std::string key_type;        // "ssh-ed25519", ...
  std::string key_fingerprint; // "SHA256:..." as ssh-keygen -l prints it
};

struct Metadata
{
  std::string session_id; // UUIDv7, time-sortable (format/session_id.hpp)
  std::string user;
  std::optional<std::uint32_t> uid;
  std::optional<std::uint32_t> login_uid;        // /proc/self/loginuid
  std::optional<std::uint32_t> audit_session_id; // /proc/self/sessionid
  std::string host;
  std::string tty;
  std::optional<SshOrigin> ssh;
  std::string command; // what was requested (SSH_ORIGINAL_COMMAND or argv), empty for a shell
  std::string shell;
  std::string term; // TERM
  std::uint16_t cols = 0;
  std::uint16_t rows = 0;
  std::int64_t start_unix_ns = 0; // wall clock at the start, UTC
  std::optional<ClockState> clock;
  std::string recorder_name = "shelltrail";
  std::string recorder_version;
  std::string origin; // "recorded" or "imported:<format>"

  // The document this was parsed from: fields unknown to this version live on here.
  nlohmann::json document = nlohmann::json::object();
};

// Parses the metadata body. Fails with ErrorKind::corrupt naming the key on invalid JSON, a
// non-object, nesting deeper than 32, or a known key of the wrong type or range.
util::Result<Metadata> parse_metadata(std::string_view text);

// The JSON text for `metadata`: its document with every known field set from the struct.
std::string to_json_text(const Metadata& metadata);

} // namespace shelltrail::format
