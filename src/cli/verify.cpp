// shelltrail verify SESSION...|--all: checks every checksum and every link of the hash chain and
// every signature chunk, and says "ok (signed ...)", "incomplete (signed up to chunk N, ...)",
// "altered at chunk N (...)", "signature invalid ..." or "signed by an unknown key ...".

#include "format/verify.hpp"

#include "cli/command.hpp"
#include "cli/spool_lookup.hpp"
#include "cli/verdict.hpp"
#include "util/bytes.hpp"
#include "util/time.hpp"

#include "trust/signature_check.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include <vector>

namespace shelltrail::cli {
namespace {

struct VerifyOptions
{
  std::vector<std::string> files;
  SpoolChoice spool;
  bool all = false;
  std::vector<std::string> keys; // --key PUB
  bool json = false;
};

// The keys a signature may be by: --key files, else the public halves of the configured
// personal and system keys that exist here.
util::Result<std::vector<trust::PublicKey>> trusted_keys(const VerifyOptions& options)
{
  std::vector<trust::PublicKey> keys;
  for (const std::string& file : options.keys) {
    ST_TRY_ASSIGN(trust::PublicKey key, trust::load_public_key(file));
    keys.push_back(key);
  }
  if (!options.keys.empty()) {
    return keys;
  }
  for (const bool system : {false, true}) {
    const auto path = configured_signing_key(system);
    if (!path) {
      continue;
    }
    if (auto key = trust::load_public_key(trust::public_key_path(*path))) {
      keys.push_back(*key);
    }
  }
  return keys;
}

std::string_view state_name(const trust::SignatureVerdict& signatures)
{
  switch (signatures.state) {
  case trust::SignatureState::not_signed:
    return "unsigned";
  case trust::SignatureState::signed_whole:
    return "signed";
  case trust::SignatureState::signed_prefix:
    return "signed-prefix";
  case trust::SignatureState::invalid:
    return "signature-invalid";
  case trust::SignatureState::unknown_key:
    return "unknown-key";
  }
  return "";
}

// "recorder stopped at 2026-11-26T05:02:31.5Z (00:00:01.500000 into the session)"
std::string stopped_at(const format::VerifyReport& report)
{
  if (!report.metadata) {
    return "";
  }
  const std::int64_t wall = report.metadata->start_unix_ns + report.stats.last_time.count() * 1000;
  return fmt::format("recorder stopped at {} ({} into the session)",
                     util::to_rfc3339(wall),
                     util::to_offset_string(report.stats.last_time));
}

std::string signed_by(const trust::SignatureVerdict& signatures)
{
  return signatures.key ? " by key " + trust::short_key_id(*signatures.key) : "";
}

std::string describe(const format::VerifyReport& report, const trust::SignatureVerdict& signatures)
{
  using trust::SignatureState;
  if (signatures.state == SignatureState::invalid) {
    return fmt::format("signature invalid at chunk {}: the recording was changed and re-chained "
                       "after it was signed, or the signature is forged",
                       signatures.chunk);
  }
  if (signatures.state == SignatureState::unknown_key) {
    return fmt::format("signed by an unknown key {} at chunk {} (give its public key with --key; "
                       "`shelltrail key --public` prints this box's)",
                       trust::short_key_id(*signatures.key),
                       signatures.chunk);
  }
  switch (report.verdict) {
  case format::Verdict::ok:
    if (signatures.state == SignatureState::signed_prefix) {
      return fmt::format("altered after chunk {}: the recording is complete but its end is not "
                         "signed{} (chunks {} to {} were added or rewritten)",
                         *signatures.signed_through,
                         signed_by(signatures),
                         *signatures.signed_through + 1,
                         report.stats.chunk_count - 1);
    }
    return fmt::format("ok ({}{}; {} chunks, {} events, chain head {})",
                       signatures.state == SignatureState::signed_whole ? "signed" : "not signed",
                       signed_by(signatures),
                       report.stats.chunk_count,
                       report.stats.event_count,
                       util::to_hex(report.chain_head));
  case format::Verdict::incomplete:
    return fmt::format(
        "incomplete ({}{}; {} events recoverable; {})",
        signatures.signed_through
            ? fmt::format(
                  "signed up to chunk {}{}, ", *signatures.signed_through, signed_by(signatures))
            : std::string(signatures.state == SignatureState::not_signed ? "not signed, " : ""),
        stopped_at(report),
        report.stats.event_count,
        report.detail);
  case format::Verdict::altered:
    return fmt::format("altered at chunk {} (offset {}): {}{}",
                       report.damage.chunk,
                       report.damage.offset,
                       report.detail,
                       signatures.signed_through ? fmt::format("; signed up to chunk {}{}",
                                                               *signatures.signed_through,
                                                               signed_by(signatures))
                                                 : std::string());
  }
  return "";
}

int verify_exit_code(const format::VerifyReport& report, const trust::SignatureVerdict& signatures)
{
  switch (signatures.state) {
  case trust::SignatureState::invalid:
    return k_exit_altered;
  case trust::SignatureState::unknown_key:
    return std::max<int>(exit_code_for(report.verdict), k_exit_unknown_key);
  case trust::SignatureState::signed_prefix:
    return report.verdict == format::Verdict::ok ? k_exit_altered : exit_code_for(report.verdict);
  default:
    return exit_code_for(report.verdict);
  }
}

int run_verify(VerifyOptions options)
{
  const auto keys = trusted_keys(options);
  if (!keys) {
    print_error(keys.error());
    return k_exit_usage;
  }
  if (options.all) {
    const auto spool = spool_directory(options.spool);
    if (!spool) {
      print_error(spool.error());
      return k_exit_usage;
    }
    options.files = find_recordings(*spool);
    std::sort(options.files.begin(), options.files.end());
  }
  int worst = k_exit_ok;
  for (const std::string& session : options.files) {
    const auto resolved = resolve_recording(session, options.spool);
    const std::string file = resolved ? *resolved : session;
    auto report = resolved ? format::verify_recording(file)
                           : util::Result<format::VerifyReport>(util::fail(resolved.error()));
    int code = 0;
    if (!report) {
      print_error(report.error());
      code = exit_code_for(report.error());
      if (options.json) {
        fmt::print("{}\n",
                   nlohmann::json{{"file", file},
                                  {"state", "unreadable"},
                                  {"detail", report.error().message()}}
                       .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      }
    } else if (options.json) {
      const trust::SignatureVerdict signatures = trust::check_signatures(*report, *keys);
      code = verify_exit_code(*report, signatures);
      nlohmann::json line{{"file", file},
                          {"state", format::to_string(report->verdict)},
                          {"chunks", report->stats.chunk_count},
                          {"events", report->stats.event_count},
                          {"chain_head", util::to_hex(report->chain_head)}};
      if (!report->detail.empty()) {
        line["detail"] = report->detail;
      }
      if (report->verdict == format::Verdict::altered) {
        line["damage"] = {{"chunk", report->damage.chunk}, {"offset", report->damage.offset}};
      }
      line["signature"] = {{"state", state_name(signatures)},
                           {"valid_signatures", signatures.valid_signatures}};
      if (signatures.signed_through) {
        line["signature"]["signed_through_chunk"] = *signatures.signed_through;
        line["signature"]["signed_head"] = util::to_hex(*signatures.signed_head);
      }
      if (signatures.key) {
        line["signature"]["key_id"] = util::to_hex(*signatures.key);
      }
      if (signatures.state == trust::SignatureState::invalid ||
          signatures.state == trust::SignatureState::unknown_key) {
        line["signature"]["chunk"] = signatures.chunk;
      }
      fmt::print("{}\n", line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
      const trust::SignatureVerdict signatures = trust::check_signatures(*report, *keys);
      code = verify_exit_code(*report, signatures);
      fmt::print("{}: {}\n", util::escape_bytes(file), describe(*report, signatures));
    }
    // Like sha256sum -c: the verdicts on stdout, and each problem once on stderr.
    if (report) {
      report_verdict(file, *report);
    }
    worst = std::max(worst, code);
  }
  return worst;
}

} // namespace

Run add_verify(CLI::App& app)
{
  auto options = std::make_shared<VerifyOptions>();
  CLI::App* cmd = app.add_subcommand(
      "verify", "Check a recording's hash chain and signatures: ok, incomplete or altered");
  CLI::Option* sessions = cmd->add_option(
      "SESSION", options->files, "Session ids (or unique prefixes) or recording files");
  CLI::Option* all = cmd->add_flag("--all", options->all, "Every recording in the spool");
  sessions->excludes(all);
  cmd->add_option("--key", options->keys, "A trusted public key (PEM); repeatable")
      ->allow_extra_args(false) // one file per --key: what follows is a session
      ->check(CLI::ExistingFile);
  add_spool_options(cmd, options->spool);
  cmd->add_flag("--json", options->json, "One JSON object per file");
  cmd->footer("Signatures are checked against --key, else against the public keys of the "
              "configured personal and system signing keys (shelltrail key).\n"
              "Exit status (the worst over all files): 0 ok, 1 incomplete, 2 altered or a "
              "signature invalid, 3 unreadable, 4 signed by an unknown key, 64 bad command line.");
  return [options] {
    if (options->files.empty() && !options->all) {
      print_error(util::Error(util::ErrorKind::usage, "verify: name sessions or give --all"));
      return static_cast<int>(k_exit_usage);
    }
    return run_verify(*options);
  };
}

} // namespace shelltrail::cli
