#include "format/metadata.hpp"

#include "util/time.hpp"

#include <limits>

namespace shelltrail::format {
namespace {

using nlohmann::json;

constexpr int k_max_depth = 32;

util::Result<std::string> get_string(const json& object, const char* key)
{
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return std::string();
  }
  if (!it->is_string()) {
    return util::fail(util::ErrorKind::corrupt, "metadata field '{}' is not a string", key);
  }
  return it->get<std::string>();
}

template <typename T>
util::Result<std::optional<T>> get_integer(const json& object, const char* key)
{
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return std::optional<T>();
  }
  if (it->is_number_unsigned()) {
    const auto value = it->get<std::uint64_t>();
    if (value <= static_cast<std::uint64_t>(std::numeric_limits<T>::max())) {
      return std::optional<T>(static_cast<T>(value));
    }
  } else if (it->is_number_integer()) {
    const auto value = it->get<std::int64_t>();
    if (value >= static_cast<std::int64_t>(std::numeric_limits<T>::min()) &&
        (value < 0 || static_cast<std::uint64_t>(value) <=
                          static_cast<std::uint64_t>(std::numeric_limits<T>::max()))) {
      return std::optional<T>(static_cast<T>(value));
    }
  }
  return util::fail(
      util::ErrorKind::corrupt, "metadata field '{}' is not an integer in range", key);
}

util::Result<const json*> get_object(const json& object, const char* key)
{
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return nullptr;
  }
  if (!it->is_object()) {
    return util::fail(util::ErrorKind::corrupt, "metadata field '{}' is not an object", key);
  }
  return &*it;
}

util::Result<bool> get_bool(const json& object, const char* key)
{
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return false;
  }
  if (!it->is_boolean()) {
    return util::fail(util::ErrorKind::corrupt, "metadata field '{}' is not a boolean", key);
  }
  return it->get<bool>();
}

util::Result<SshOrigin> parse_ssh(const json& ssh)
{
  SshOrigin origin;
  ST_TRY_ASSIGN(origin.client_addr, get_string(ssh, "client_addr"));
  ST_TRY_ASSIGN(origin.client_port, get_integer<std::uint16_t>(ssh, "client_port"));
  ST_TRY_ASSIGN(origin.server_addr, get_string(ssh, "server_addr"));
  ST_TRY_ASSIGN(origin.server_port, get_integer<std::uint16_t>(ssh, "server_port"));
  ST_TRY_ASSIGN(origin.auth_method, get_string(ssh, "auth_method"));
  ST_TRY_ASSIGN(origin.key_type, get_string(ssh, "key_type"));
  ST_TRY_ASSIGN(origin.key_fingerprint, get_string(ssh, "key_fingerprint"));
  return origin;
}

util::Result<ClockState> parse_clock(const json& clock)
{
  ClockState state;
  ST_TRY_ASSIGN(state.synchronized, get_bool(clock, "synchronized"));
  ST_TRY_ASSIGN(const auto kernel_state, get_integer<std::uint32_t>(clock, "kernel_state"));
  ST_TRY_ASSIGN(const auto kernel_status, get_integer<std::uint32_t>(clock, "kernel_status"));
  ST_TRY_ASSIGN(const auto max_error, get_integer<std::uint64_t>(clock, "max_error_us"));
  ST_TRY_ASSIGN(const auto est_error, get_integer<std::uint64_t>(clock, "est_error_us"));
  state.kernel_state = kernel_state.value_or(0);
  state.kernel_status = kernel_status.value_or(0);
  state.max_error_us = max_error.value_or(0);
  state.est_error_us = est_error.value_or(0);
  return state;
}

// Sets `key` to `value`, or removes it when the value is empty, so that rewriting a
// document never invents empty fields.
void set_or_erase(json& object, const char* key, const std::string& value)
{
  if (value.empty()) {
    object.erase(key);
  } else {
    object[key] = value;
  }
}

template <typename T>
void set_or_erase(json& object, const char* key, const std::optional<T>& value)
{
  if (value) {
    object[key] = *value;
  } else {
    object.erase(key);
  }
}

} // namespace

util::Result<Metadata> parse_metadata(std::string_view text)
{
  if (text.size() > k_max_metadata_bytes) {
    return util::fail(util::ErrorKind::corrupt,
                      "metadata is {} bytes (limit {})",
                      text.size(),
                      k_max_metadata_bytes);
  }
  bool too_deep = false;
  const json::parser_callback_t limit_depth = [&](int depth, json::parse_event_t, json&) {
    if (depth > k_max_depth) {
      too_deep = true;
      return false;
    }
    return true;
  };
  json document = json::parse(text.begin(), text.end(), limit_depth, /*allow_exceptions=*/false);
  if (too_deep) {
    return util::fail(
        util::ErrorKind::corrupt, "metadata nests deeper than {} levels", k_max_depth);
  }
  if (document.is_discarded()) {
    return util::fail(util::ErrorKind::corrupt, "metadata is not valid JSON");
  }
  if (!document.is_object()) {
    return util::fail(util::ErrorKind::corrupt, "metadata is not a JSON object");
  }

  Metadata m;
  ST_TRY_ASSIGN(m.session_id, get_string(document, "session_id"));
  ST_TRY_ASSIGN(m.user, get_string(document, "user"));
  ST_TRY_ASSIGN(m.uid, get_integer<std::uint32_t>(document, "uid"));
  ST_TRY_ASSIGN(m.login_uid, get_integer<std::uint32_t>(document, "login_uid"));
  ST_TRY_ASSIGN(m.audit_session_id, get_integer<std::uint32_t>(document, "audit_session_id"));
  ST_TRY_ASSIGN(m.host, get_string(document, "host"));
  ST_TRY_ASSIGN(m.tty, get_string(document, "tty"));
  ST_TRY_ASSIGN(const json* ssh, get_object(document, "ssh"));
  if (ssh != nullptr) {
    ST_TRY_ASSIGN(m.ssh, parse_ssh(*ssh));
  }
  ST_TRY_ASSIGN(m.command, get_string(document, "command"));
  ST_TRY_ASSIGN(m.shell, get_string(document, "shell"));
  ST_TRY_ASSIGN(const json* terminal, get_object(document, "terminal"));
  if (terminal != nullptr) {
    ST_TRY_ASSIGN(m.term, get_string(*terminal, "type"));
    ST_TRY_ASSIGN(const auto cols, get_integer<std::uint16_t>(*terminal, "cols"));
    ST_TRY_ASSIGN(const auto rows, get_integer<std::uint16_t>(*terminal, "rows"));
    m.cols = cols.value_or(0);
    m.rows = rows.value_or(0);
  }
  ST_TRY_ASSIGN(const json* start, get_object(document, "start"));
  if (start != nullptr) {
    ST_TRY_ASSIGN(const auto unix_ns, get_integer<std::int64_t>(*start, "unix_ns"));
    m.start_unix_ns = unix_ns.value_or(0);
  }
  ST_TRY_ASSIGN(const json* clock, get_object(document, "clock"));
  if (clock != nullptr) {
    ST_TRY_ASSIGN(m.clock, parse_clock(*clock));
  }
  ST_TRY_ASSIGN(const json* recorder, get_object(document, "recorder"));
  if (recorder != nullptr) {
    ST_TRY_ASSIGN(m.recorder_name, get_string(*recorder, "name"));
    ST_TRY_ASSIGN(m.recorder_version, get_string(*recorder, "version"));
  }
  ST_TRY_ASSIGN(m.origin, get_string(document, "origin"));
  m.document = std::move(document);
  return m;
}

std::string to_json_text(const Metadata& m)
{
  json d = m.document.is_object() ? m.document : json::object();
  set_or_erase(d, "session_id", m.session_id);
  set_or_erase(d, "user", m.user);
  set_or_erase(d, "uid", m.uid);
  set_or_erase(d, "login_uid", m.login_uid);
  set_or_erase(d, "audit_session_id", m.audit_session_id);
  set_or_erase(d, "host", m.host);
  set_or_erase(d, "tty", m.tty);
  if (m.ssh) {
    json& ssh = d["ssh"];
    if (!ssh.is_object()) {
      ssh = json::object();
    }
    set_or_erase(ssh, "client_addr", m.ssh->client_addr);
    set_or_erase(ssh, "client_port", m.ssh->client_port);
    set_or_erase(ssh, "server_addr", m.ssh->server_addr);
    set_or_erase(ssh, "server_port", m.ssh->server_port);
    set_or_erase(ssh, "auth_method", m.ssh->auth_method);
    set_or_erase(ssh, "key_type", m.ssh->key_type);
    set_or_erase(ssh, "key_fingerprint", m.ssh->key_fingerprint);
  } else {
    d.erase("ssh");
  }
  set_or_erase(d, "command", m.command);
  set_or_erase(d, "shell", m.shell);
  json& terminal = d["terminal"];
  if (!terminal.is_object()) {
    terminal = json::object();
  }
  set_or_erase(terminal, "type", m.term);
  terminal["cols"] = m.cols;
  terminal["rows"] = m.rows;
  json& start = d["start"];
  if (!start.is_object()) {
    start = json::object();
  }
  start["utc"] = util::to_rfc3339(m.start_unix_ns);
  start["unix_ns"] = m.start_unix_ns;
  if (m.clock) {
    json& clock = d["clock"];
    if (!clock.is_object()) {
      clock = json::object();
    }
    clock["synchronized"] = m.clock->synchronized;
    clock["kernel_state"] = m.clock->kernel_state;
    clock["kernel_status"] = m.clock->kernel_status;
    clock["max_error_us"] = m.clock->max_error_us;
    clock["est_error_us"] = m.clock->est_error_us;
  } else {
    d.erase("clock");
  }
  json& recorder = d["recorder"];
  if (!recorder.is_object()) {
    recorder = json::object();
  }
  set_or_erase(recorder, "name", m.recorder_name);
  set_or_erase(recorder, "version", m.recorder_version);
  set_or_erase(d, "origin", m.origin);
  // Invalid UTF-8 from a hostile environment is replaced, never thrown.
  return d.dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace shelltrail::format
