#include "config/option_table.hpp"

#include "util/assert.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <numeric>

namespace shelltrail::config {
namespace {

constexpr std::int64_t k_kib = 1024;
constexpr std::int64_t k_mib = 1024 * k_kib;
constexpr std::int64_t k_tib = k_mib * 1024 * 1024;

constexpr std::string_view k_xdg_data_prefix = "$XDG_DATA_HOME/";

constexpr std::array<std::string_view, 2> k_failure_policies = {"fail-closed", "fail-open"};

constexpr std::array<std::string_view, 12> k_syslog_facilities = {"auth",
                                                                  "authpriv",
                                                                  "daemon",
                                                                  "user",
                                                                  "local0",
                                                                  "local1",
                                                                  "local2",
                                                                  "local3",
                                                                  "local4",
                                                                  "local5",
                                                                  "local6",
                                                                  "local7"};

// Three patterns rather than one, so that an administrator who replaces the list can see which
// family of prompt each one catches. Long words may appear anywhere on the line ("[sudo]
// password for alice: ", "alice@db-1's password: "); short ones (pin, otp, token) must stand as
// words, so that "Shipping: " or "Pinned: " are not prompts. Everything after the word up to the
// final colon may be anything but a colon ("Enter PIN for 'PIV Card Holder pin': "), and the
// line must end in ": " (trailing blanks allowed), which ordinary output rarely does.
constexpr std::string_view k_default_prompt_patterns =
    "['(password|passphrase|passcode|passwort|mot de passe)[^:]*: *$', "
    "'(^|[^[:alnum:]])(pin|otp|totp|token)([^[:alnum:]][^:]*)?: *$', "
    "'(verification|one-time|security|authentication|2fa|mfa) code[^:]*: *$']";

std::chrono::milliseconds as_milliseconds(const Value& value)
{
  return std::chrono::milliseconds(as_integer(value));
}

constexpr std::array<OptionSpec, 22> k_options = {{
    {
        .key = "spool",
        .type = ValueType::path,
        .default_text = "$XDG_DATA_HOME/shelltrail/spool",
        .system_default_text = "/var/lib/shelltrail/spool",
        .doc = "Directory that holds the recordings "
               "(`<spool>/<yyyy>/<mm>/<dd>/<session-id>.strec`) and the index.",
        .environment_variable = "SHELLTRAIL_SPOOL",
        .guard = Guard::weakens_recording,
        .store = [](Config& c, const Value& v) { c.spool = as_text(v); },
    },
    {
        .key = "shell",
        .type = ValueType::path,
        .default_text = "",
        .doc = "Shell to run for interactive sessions and for commands (with `-c`); empty for the "
               "user's login shell from the passwd entry.",
        .environment_variable = "SHELLTRAIL_SHELL",
        .guard = Guard::weakens_recording,
        .empty = Empty::allowed,
        .store = [](Config& c, const Value& v) { c.shell = as_text(v); },
    },
    {
        .key = "notice",
        .type = ValueType::text,
        .default_text = "This session is recorded by shelltrail (session {session_id}).",
        .doc = "Line printed to the operator's terminal when an interactive recorded session "
               "starts; empty for none. `{session_id}`, `{user}` and `{host}` are replaced.",
        .environment_variable = "SHELLTRAIL_NOTICE",
        .store = [](Config& c, const Value& v) { c.notice = as_text(v); },
    },
    {
        .key = "record_input",
        .type = ValueType::boolean,
        .default_text = "true",
        .doc = "Record what the user types (input events). `false` records output only.",
        .environment_variable = "SHELLTRAIL_RECORD_INPUT",
        .guard = Guard::weakens_recording,
        .store = [](Config& c, const Value& v) { c.record_input = as_bool(v); },
    },
    {
        .key = "redact_passwords",
        .type = ValueType::boolean,
        .default_text = "true",
        .doc = "Replace input typed at password prompts (see `prompt_patterns`) by its length.",
        .environment_variable = "SHELLTRAIL_REDACT_PASSWORDS",
        .guard = Guard::weakens_recording,
        .store = [](Config& c, const Value& v) { c.redact_passwords = as_bool(v); },
    },
    {
        .key = "prompt_patterns",
        .type = ValueType::pattern_list,
        .default_text = k_default_prompt_patterns,
        .doc = "Password prompts: POSIX extended regular expressions, matched case-insensitively "
               "against the text of the cursor line; input typed at a match is redacted (see "
               "`redact_passwords`). Anchor each at the end of the line (`: *$`).",
        .environment_variable = "SHELLTRAIL_PROMPT_PATTERNS",
        .guard = Guard::weakens_recording,
        .store = [](Config& c, const Value& v) { c.prompt_patterns = as_list(v); },
    },
    {
        .key = "chunk_bytes",
        .type = ValueType::size,
        .default_text = "64KiB",
        .doc = "Close a chunk before its events pass this size.",
        .environment_variable = "SHELLTRAIL_CHUNK_BYTES",
        .min = k_kib,
        .max = 8 * k_mib,
        .store = [](Config& c,
                    const Value& v) { c.chunk_bytes = static_cast<std::size_t>(as_integer(v)); },
    },
    {
        .key = "chunk_interval_ms",
        .type = ValueType::integer,
        .default_text = "250",
        .doc = "Close a chunk at most this long after its first event: what a live follower "
               "waits for and what a crashed recorder can lose.",
        .environment_variable = "SHELLTRAIL_CHUNK_INTERVAL_MS",
        .min = 10,
        .max = 5000,
        .store = [](Config& c, const Value& v) { c.chunk_interval = as_milliseconds(v); },
    },
    {
        .key = "fsync_interval_ms",
        .type = ValueType::integer,
        .default_text = "1000",
        .doc = "`fdatasync` the recording at most this often; 0 never does on a timer.",
        .environment_variable = "SHELLTRAIL_FSYNC_INTERVAL_MS",
        .min = 0,
        .max = 60000,
        .store = [](Config& c, const Value& v) { c.fsync_interval = as_milliseconds(v); },
    },
    {
        .key = "failure_policy",
        .type = ValueType::choice,
        .default_text = "fail-closed",
        .doc = "What to do when the recording cannot be written: refuse or end the session "
               "(fail-closed), or let the session go on unrecorded and log loudly to syslog "
               "(fail-open).",
        .environment_variable = "SHELLTRAIL_FAILURE_POLICY",
        .guard = Guard::weakens_recording,
        .choices = k_failure_policies,
        .store =
            [](Config& c, const Value& v) {
              c.failure_policy = as_text(v) == to_string(FailurePolicy::fail_open)
                                     ? FailurePolicy::fail_open
                                     : FailurePolicy::fail_closed;
            },
    },
    {
        .key = "stream_limit_bytes",
        .type = ValueType::size,
        .default_text = "64MiB",
        .doc = "Non-interactive sessions (no pty): record each stream in full up to this size, "
               "then only its size and SHA-256.",
        .environment_variable = "SHELLTRAIL_STREAM_LIMIT_BYTES",
        .guard = Guard::weakens_recording,
        .min = 0,
        .max = k_tib,
        .store =
            [](Config& c, const Value& v) {
              c.stream_limit_bytes = static_cast<std::uint64_t>(as_integer(v));
            },
    },
    {
        .key = "transfer_limit_bytes",
        .type = ValueType::size,
        .default_text = "1MiB",
        .doc = "The same limit for recognised file transfers (scp, rsync, sftp run as a command).",
        .environment_variable = "SHELLTRAIL_TRANSFER_LIMIT_BYTES",
        .guard = Guard::weakens_recording,
        .min = 0,
        .max = k_tib,
        .store =
            [](Config& c, const Value& v) {
              c.transfer_limit_bytes = static_cast<std::uint64_t>(as_integer(v));
            },
    },
    {
        .key = "live_compression_level",
        .type = ValueType::integer,
        .default_text = "1",
        .doc = "zstd level while recording (negative levels are faster and larger).",
        .environment_variable = "SHELLTRAIL_LIVE_COMPRESSION_LEVEL",
        .min = -7,
        .max = 9,
        .store = [](Config& c,
                    const Value& v) { c.live_compression_level = static_cast<int>(as_integer(v)); },
    },
    {
        .key = "compact",
        .type = ValueType::boolean,
        .default_text = "true",
        .doc = "When a session ends, recompress its recording in larger frames (smaller on "
               "disk; the hash chain is unchanged).",
        .environment_variable = "SHELLTRAIL_COMPACT",
        .store = [](Config& c, const Value& v) { c.compact = as_bool(v); },
    },
    {
        .key = "compact_level",
        .type = ValueType::integer,
        .default_text = "9",
        .doc = "zstd level for compaction.",
        .environment_variable = "SHELLTRAIL_COMPACT_LEVEL",
        .min = 1,
        .max = 19,
        .store = [](Config& c,
                    const Value& v) { c.compact_level = static_cast<int>(as_integer(v)); },
    },
    {
        .key = "index",
        .type = ValueType::boolean,
        .default_text = "true",
        .doc = "When a session ends, add it to the search index (`<spool>/index.sqlite`, in the "
               "same detached process as compaction), so that `search`, `commands` and "
               "`timeline` know it at once.",
        .environment_variable = "SHELLTRAIL_INDEX",
        .store = [](Config& c, const Value& v) { c.index_after_session = as_bool(v); },
    },
    {
        .key = "clock_check_interval_ms",
        .type = ValueType::integer,
        .default_text = "1000",
        .doc = "How often the kernel clock's synchronisation state is read.",
        .environment_variable = "SHELLTRAIL_CLOCK_CHECK_INTERVAL_MS",
        .min = 100,
        .max = 60000,
        .store = [](Config& c, const Value& v) { c.clock_check_interval = as_milliseconds(v); },
    },
    {
        .key = "clock_step_threshold_ms",
        .type = ValueType::integer,
        .default_text = "1000",
        .doc = "A wall-clock jump larger than this against the monotonic clock is recorded as a "
               "clock step.",
        .environment_variable = "SHELLTRAIL_CLOCK_STEP_THRESHOLD_MS",
        .min = 1,
        .max = 60000,
        .store = [](Config& c, const Value& v) { c.clock_step_threshold = as_milliseconds(v); },
    },
    {
        .key = "signing_key",
        .type = ValueType::path,
        .default_text = "$XDG_DATA_HOME/shelltrail/signing.key",
        .system_default_text = "/var/lib/shelltrail/signing.key",
        .doc = "The Ed25519 key (PEM, PKCS#8) the recorder signs chain heads with; its public half "
               "is the `.pub` file beside it. Recordings are unsigned while it does not exist "
               "(`shelltrail key --generate` makes one) or when it is empty.",
        .environment_variable = "SHELLTRAIL_SIGNING_KEY",
        .guard = Guard::weakens_recording,
        .empty = Empty::allowed,
        .store = [](Config& c, const Value& v) { c.signing_key = as_text(v); },
    },
    {
        .key = "checkpoint_interval_ms",
        .type = ValueType::integer,
        .default_text = "30000",
        .doc = "Sign the chain head (and, in system mode, send it to syslog) at most this long "
               "after the first chunk it does not cover yet: what a recording cut short can "
               "have unsigned at its end.",
        .environment_variable = "SHELLTRAIL_CHECKPOINT_INTERVAL_MS",
        .guard = Guard::weakens_recording,
        .min = 100,
        .max = 3600000,
        .store = [](Config& c, const Value& v) { c.checkpoint_interval = as_milliseconds(v); },
    },
    {
        .key = "checkpoint_chunks",
        .type = ValueType::integer,
        .default_text = "256",
        .doc = "Also sign the chain head after this many new chunks (a busy session).",
        .environment_variable = "SHELLTRAIL_CHECKPOINT_CHUNKS",
        .guard = Guard::weakens_recording,
        .min = 1,
        .max = 1000000,
        .store =
            [](Config& c, const Value& v) {
              c.checkpoint_chunks = static_cast<std::uint64_t>(as_integer(v));
            },
    },
    {
        // Guarded although it changes no recording: a recorded user who could send fail-open
        // warnings to another facility could hide them from the administrator.
        .key = "syslog_facility",
        .type = ValueType::choice,
        .default_text = "authpriv",
        .doc = "Where fail-open warnings and, in system mode, chain heads at checkpoints go.",
        .environment_variable = "SHELLTRAIL_SYSLOG_FACILITY",
        .guard = Guard::weakens_recording,
        .choices = k_syslog_facilities,
        .store = [](Config& c, const Value& v) { c.syslog_facility = as_text(v); },
    },
}};

// A row left out of the count above would be value-initialised: catch it here, not at run time.
static_assert(std::all_of(k_options.begin(), k_options.end(), [](const OptionSpec& option) {
  return !option.key.empty() && option.store != nullptr;
}));

// Levenshtein distance, for suggesting the key a typo meant.
std::size_t edit_distance(std::string_view a, std::string_view b)
{
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({above + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string to_lower_with_underscores(std::string_view text)
{
  std::string out(text);
  for (char& c : out) {
    if (c == '-' || c == '.') {
      c = '_';
    } else if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

} // namespace

std::span<const OptionSpec> option_table()
{
  return k_options;
}

const OptionSpec* find_option(std::string_view key)
{
  const auto* it = std::find_if(k_options.begin(), k_options.end(), [&](const OptionSpec& option) {
    return option.key == key;
  });
  return it == k_options.end() ? nullptr : it;
}

std::optional<std::string_view> nearest_key(std::string_view unknown)
{
  // "Chunk-Bytes" and "chunk.bytes" mean chunk_bytes; beyond that, allow about one typo in three
  // letters, so that a suggestion is a likely intent rather than any key.
  const std::string normalised = to_lower_with_underscores(unknown);
  std::optional<std::string_view> best;
  std::size_t best_distance = std::max<std::size_t>(2, normalised.size() / 3) + 1;
  for (const OptionSpec& option : k_options) {
    const std::size_t distance = edit_distance(normalised, option.key);
    if (distance < best_distance) {
      best = option.key;
      best_distance = distance;
    }
  }
  return best;
}

std::string describe_unknown_key(std::string_view key)
{
  std::string message = "unknown key '" + std::string(key) + "'";
  if (const auto suggestion = nearest_key(key)) {
    message += " (did you mean '" + std::string(*suggestion) + "'?)";
  }
  return message + "; `shelltrail config --help` lists the keys";
}

std::optional<std::string>
default_value_text(const OptionSpec& option, Mode mode, const Getenv& getenv)
{
  const std::string_view text = mode == Mode::system && option.system_default_text
                                    ? *option.system_default_text
                                    : option.default_text;
  if (!text.starts_with(k_xdg_data_prefix)) {
    return std::string(text);
  }
  const std::string_view rest = text.substr(k_xdg_data_prefix.size());
  // The XDG Base Directory spec: a relative XDG_DATA_HOME is invalid and must be ignored.
  if (const auto data_home = getenv("XDG_DATA_HOME"); data_home && data_home->starts_with('/')) {
    return *data_home + "/" + std::string(rest);
  }
  if (const auto home = getenv("HOME"); home && home->starts_with('/')) {
    return *home + "/.local/share/" + std::string(rest);
  }
  return std::nullopt;
}

bool as_bool(const Value& value)
{
  const auto* alternative = std::get_if<bool>(&value);
  ST_ASSERT(alternative != nullptr);
  return *alternative;
}

std::int64_t as_integer(const Value& value)
{
  const auto* alternative = std::get_if<std::int64_t>(&value);
  ST_ASSERT(alternative != nullptr);
  return *alternative;
}

const std::string& as_text(const Value& value)
{
  const auto* alternative = std::get_if<std::string>(&value);
  ST_ASSERT(alternative != nullptr);
  return *alternative;
}

const std::vector<std::string>& as_list(const Value& value)
{
  const auto* alternative = std::get_if<std::vector<std::string>>(&value);
  ST_ASSERT(alternative != nullptr);
  return *alternative;
}

} // namespace shelltrail::config
