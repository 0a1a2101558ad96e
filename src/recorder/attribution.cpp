#include "recorder/attribution.hpp"

#include "format/sha256.hpp"
#include "util/file.hpp"

#include <openssl/evp.h>

#include <charconv>
#include <sstream>
#include <vector>

namespace shelltrail::recorder {
namespace {

std::optional<std::uint16_t> parse_port(std::string_view text)
{
  unsigned value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

std::vector<std::string_view> split_words(std::string_view text)
{
  std::vector<std::string_view> words;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t start = text.find_first_not_of(" \t", at);
    if (start == std::string_view::npos) {
      break;
    }
    const std::size_t end = text.find_first_of(" \t", start);
    words.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    at = end == std::string_view::npos ? text.size() : end;
  }
  return words;
}

} // namespace

std::string ssh_key_fingerprint(std::string_view base64_blob)
{
  if (base64_blob.empty() || base64_blob.size() % 4 != 0 || base64_blob.size() > 65536) {
    return "";
  }
  std::vector<unsigned char> blob(base64_blob.size() / 4 * 3);
  const int decoded = EVP_DecodeBlock(blob.data(),
                                      reinterpret_cast<const unsigned char*>(base64_blob.data()),
                                      static_cast<int>(base64_blob.size()));
  if (decoded < 0) {
    return "";
  }
  std::size_t size = static_cast<std::size_t>(decoded);
  // EVP_DecodeBlock counts the padding as data.
  for (std::size_t i = base64_blob.size(); i > 0 && base64_blob[i - 1] == '=' && size > 0; --i) {
    --size;
  }
  const format::Hash digest =
      format::Sha256::of(std::span(reinterpret_cast<const std::byte*>(blob.data()), size));
  unsigned char encoded[64];
  const int length = EVP_EncodeBlock(encoded,
                                     reinterpret_cast<const unsigned char*>(digest.data()),
                                     static_cast<int>(digest.size()));
  std::string text(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(length));
  while (!text.empty() && text.back() == '=') {
    text.pop_back(); // ssh-keygen prints it unpadded
  }
  return "SHA256:" + text;
}

SshAuth parse_ssh_auth_info(std::string_view text)
{
  SshAuth auth;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    const auto words = split_words(text.substr(at, end - at));
    at = end + 1;
    if (words.empty()) {
      continue;
    }
    if (auth.methods.find(words[0]) == std::string::npos) {
      auth.methods += (auth.methods.empty() ? "" : ",") + std::string(words[0]);
    }
    if (words[0] == "publickey" && words.size() >= 3 && auth.key_type.empty()) {
      auth.key_type = words[1];
      auth.key_fingerprint = ssh_key_fingerprint(words[2]);
    }
  }
  return auth;
}

std::optional<format::SshOrigin> ssh_origin(const Getenv& getenv)
{
  const char* connection = getenv("SSH_CONNECTION");
  if (connection == nullptr) {
    return std::nullopt;
  }
  format::SshOrigin origin;
  const auto words = split_words(connection);
  if (words.size() == 4) {
    origin.client_addr = words[0];
    origin.client_port = parse_port(words[1]);
    origin.server_addr = words[2];
    origin.server_port = parse_port(words[3]);
  }
  if (const char* auth_file = getenv("SSH_USER_AUTH")) {
    if (auto text = util::read_file(auth_file)) {
      const SshAuth auth = parse_ssh_auth_info(*text);
      origin.auth_method = auth.methods;
      origin.key_type = auth.key_type;
      origin.key_fingerprint = auth.key_fingerprint;
    }
  }
  return origin;
}

format::ClockState to_clock_state(const sys::ClockReading& reading)
{
  return {reading.synchronized,
          reading.state,
          reading.status,
          reading.max_error_us,
          reading.est_error_us};
}

format::Metadata
build_metadata(const sys::Identity& identity, const SessionFacts& facts, const Getenv& getenv)
{
  format::Metadata m;
  m.session_id = facts.session_id;
  m.user = identity.user;
  m.uid = identity.uid;
  m.login_uid = identity.login_uid;
  m.audit_session_id = identity.audit_session_id;
  m.host = identity.host;
  m.tty = identity.tty;
  m.ssh = ssh_origin(getenv);
  m.command = facts.command;
  m.shell = facts.shell;
  m.term = facts.term;
  if (facts.size) {
    m.cols = facts.size->cols;
    m.rows = facts.size->rows;
  }
  m.start_unix_ns = facts.start_unix_ns;
  m.clock = to_clock_state(facts.clock);
  m.recorder_name = "shelltrail";
  m.recorder_version = ST_VERSION;
  m.origin = "recorded";
  return m;
}

} // namespace shelltrail::recorder
