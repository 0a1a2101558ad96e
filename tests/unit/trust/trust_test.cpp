// Tamper evidence end to end below the command line: key files (and their interop with
// OpenSSL), the recorder's signer, and what check_signatures makes of honest, cut-short,
// re-chained, foreign-key and unsigned-tail recordings.

#include "format/chain_writer.hpp"
#include "format/chunk_builder.hpp"
#include "format/metadata.hpp"
#include "format/verify.hpp"
#include "recorder/background_writer.hpp"
#include "util/file.hpp"

#include "support/sample_recording.hpp"
#include "support/temp_dir.hpp"
#include "trust/key_files.hpp"
#include "trust/login_audit.hpp"
#include "trust/signature_check.hpp"
#include "trust/signer.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <fstream>
#include <functional>

namespace shelltrail::trust {
namespace {

using namespace std::chrono_literals;

class TrustTest : public test::TempDirTest
{
protected:
  SigningKey make_key(const std::string& name)
  {
    auto key = generate_signing_key(path(name));
    EXPECT_TRUE(key) << key.error().message();
    return *key;
  }

  // A recording written chunk by chunk: `steps` call back with the chain writer to add chunks.
  void write_recording(const std::string& name,
                       const std::function<void(format::ChainWriter&)>& steps)
  {
    auto fd = util::open_file(path(name), O_WRONLY | O_CREAT | O_EXCL, 0600);
    ASSERT_TRUE(fd);
    auto chain = format::ChainWriter::start(std::move(*fd), {});
    ASSERT_TRUE(chain);
    const std::string json = format::to_json_text(test::sample_metadata());
    ASSERT_TRUE(chain->write_chunk(format::ChunkType::metadata, 0, util::as_bytes(json)));
    steps(*chain);
    ASSERT_TRUE(chain->close());
  }

  format::VerifyReport verify(const std::string& name)
  {
    auto report = format::verify_recording(path(name));
    EXPECT_TRUE(report);
    return *report;
  }
};

void add_events(format::ChainWriter& chain, std::uint64_t time_us, std::string_view text)
{
  format::ChunkBuilder chunk;
  chunk.append(time_us, format::Output{text});
  ASSERT_TRUE(chain.write_chunk(format::ChunkType::events, time_us, chunk.body()));
}

void add_end(format::ChainWriter& chain, std::uint64_t time_us)
{
  format::ChunkBuilder chunk;
  chunk.append(time_us, format::End{});
  ASSERT_TRUE(chain.write_chunk(format::ChunkType::events, time_us, chunk.body()));
}

format::SignatureChunk add_signature(format::ChainWriter& chain, const Signer& signer)
{
  const format::SignatureChunk signature = signer.sign(chain.next_seq(), chain.head());
  EXPECT_TRUE(
      chain.write_chunk(format::ChunkType::signature, 0, format::encode_signature(signature)));
  return signature;
}

void add_trailer(format::ChainWriter& chain, std::uint64_t events, std::uint64_t output_bytes)
{
  format::Trailer trailer;
  trailer.event_count = events;
  trailer.output_bytes = output_bytes;
  trailer.end_time_us = 1000;
  ASSERT_TRUE(chain.write_trailer(trailer));
}

TEST_F(TrustTest, AGeneratedKeyLoadsBackAndOpenSslAgreesOnItsPublicHalf)
{
  const SigningKey key = make_key("signing.key");
  struct stat st
  {};
  ASSERT_EQ(::stat(path("signing.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);
  auto loaded = load_signing_key(path("signing.key"));
  ASSERT_TRUE(loaded) << loaded.error().message();
  EXPECT_EQ(loaded->public_key.id, key.public_key.id);
  auto public_key = load_public_key(path("signing.pub"));
  ASSERT_TRUE(public_key) << public_key.error().message();
  EXPECT_EQ(public_key->bytes, key.public_key.bytes);

  // OpenSSL reads the private key file and derives the same public key.
  FILE* file = std::fopen(path("signing.key").c_str(), "r");
  ASSERT_NE(file, nullptr);
  EVP_PKEY* pkey = PEM_read_PrivateKey(file, nullptr, nullptr, nullptr);
  std::fclose(file);
  ASSERT_NE(pkey, nullptr);
  std::array<unsigned char, 32> raw{};
  std::size_t size = raw.size();
  ASSERT_EQ(EVP_PKEY_get_raw_public_key(pkey, raw.data(), &size), 1);
  EVP_PKEY_free(pkey);
  EXPECT_EQ(std::memcmp(raw.data(), key.public_key.bytes.data(), 32), 0);
  EXPECT_EQ(public_key_pem(key.public_key), util::read_file(path("signing.pub")).value());
}

TEST_F(TrustTest, KeysAreNeverReplacedAndAReadableKeyIsRefused)
{
  make_key("signing.key");
  auto again = generate_signing_key(path("signing.key"));
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message().find("never replaced"), std::string::npos);

  ASSERT_EQ(::chmod(path("signing.key").c_str(), 0644), 0);
  auto loaded = load_signing_key(path("signing.key"));
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().kind(), util::ErrorKind::permission);
  EXPECT_NE(loaded.error().message().find("chmod 600"), std::string::npos);

  std::ofstream(path("junk.pub")) << "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
  EXPECT_FALSE(load_public_key(path("junk.pub")));
  EXPECT_FALSE(load_public_key(path("missing.pub")));
}

TEST_F(TrustTest, SignaturesFromTheSignerVerifyWithOpenSsl)
{
  const SigningKey key = make_key("signing.key");
  const Signer signer(key);
  format::Hash head{};
  head[0] = std::byte{7};
  const format::SignatureChunk chunk = signer.sign(12, head);
  EXPECT_EQ(chunk.key_id, key.public_key.id);
  EXPECT_TRUE(verify_signature(key.public_key, format::signed_message(12, head), chunk.signature));
  EXPECT_FALSE(verify_signature(key.public_key, format::signed_message(13, head), chunk.signature));
  head[1] = std::byte{1};
  EXPECT_FALSE(verify_signature(key.public_key, format::signed_message(12, head), chunk.signature));

  const auto decoded = format::decode_signature(format::encode_signature(chunk));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->signature, chunk.signature);
  const util::Bytes body = format::encode_signature(chunk);
  EXPECT_FALSE(format::decode_signature(std::span(body).first(40)));
}

TEST_F(TrustTest, TheBackgroundWriterSignsAtCheckpointsAndBeforeTheTrailer)
{
  const SigningKey key = make_key("signing.key");
  const Signer signer(key);
  std::vector<recorder::Checkpoint> checkpoints;
  recorder::BackgroundWriterOptions options;
  options.chunk_bytes = 1024;
  options.signer = &signer;
  options.checkpoint_chunks = 10;
  options.on_checkpoint = [&](const recorder::Checkpoint& point) { checkpoints.push_back(point); };

  const auto record = [&](const std::string& name, bool finish) {
    auto fd = util::open_file(path(name), O_WRONLY | O_CREAT | O_EXCL, 0600);
    auto chain = format::ChainWriter::start(std::move(*fd), {});
    const std::string json = format::to_json_text(test::sample_metadata());
    EXPECT_TRUE(chain->write_chunk(format::ChunkType::metadata, 0, util::as_bytes(json)));
    auto writer = recorder::BackgroundWriter::start(std::move(*chain), options);
    for (int i = 0; i < 2000; ++i) {
      (*writer)->append(std::chrono::microseconds(i * 10),
                        format::Output{"line " + std::to_string(i) + "\r\n"});
    }
    if (finish) {
      (*writer)->append(20000us, format::End{});
      EXPECT_TRUE((*writer)->finish(20000us));
    }
  };

  record("whole.strec", true);
  const format::VerifyReport whole = verify("whole.strec");
  ASSERT_EQ(whole.verdict, format::Verdict::ok) << whole.detail;
  EXPECT_GE(whole.signatures.size(), 2U);
  const std::vector<PublicKey> trusted{key.public_key};
  const SignatureVerdict verdict = check_signatures(whole, trusted);
  EXPECT_EQ(verdict.state, SignatureState::signed_whole);
  EXPECT_EQ(verdict.valid_signatures, whole.signatures.size());
  EXPECT_EQ(*verdict.signed_through, whole.stats.chunk_count - 3); // signature, trailer after
  ASSERT_FALSE(checkpoints.empty());
  EXPECT_TRUE(checkpoints.back().is_signed);
  EXPECT_EQ(checkpoints.back().chunks, whole.stats.chunk_count - 2);

  // Cut short (the recorder was killed): the signed prefix is still vouched for.
  record("cut.strec", false);
  const format::VerifyReport cut = verify("cut.strec");
  ASSERT_EQ(cut.verdict, format::Verdict::incomplete);
  const SignatureVerdict prefix = check_signatures(cut, trusted);
  EXPECT_EQ(prefix.state, SignatureState::signed_prefix);
  ASSERT_TRUE(prefix.signed_through);
  EXPECT_LT(*prefix.signed_through, cut.stats.chunk_count);
  EXPECT_GT(*prefix.signed_through, 10U);
}

TEST_F(TrustTest, ARechainedRecordingKeepsItsChainButLosesItsSignature)
{
  const SigningKey key = make_key("signing.key");
  const Signer signer(key);
  std::vector<format::SignatureChunk> signatures;
  write_recording("honest.strec", [&](format::ChainWriter& chain) {
    add_events(chain, 0, "rm -rf /srv/data\r\n");
    add_end(chain, 10);
    signatures.push_back(add_signature(chain, signer));
    add_trailer(chain, 2, 18);
  });
  const std::vector<PublicKey> trusted{key.public_key};
  EXPECT_EQ(check_signatures(verify("honest.strec"), trusted).state, SignatureState::signed_whole);

  // Someone without the key rewrites the command and recomputes every hash: the chain checks
  // out, the copied signature does not.
  write_recording("forged.strec", [&](format::ChainWriter& chain) {
    add_events(chain, 0, "ls -la /srv/data\r\n");
    add_end(chain, 10);
    ASSERT_TRUE(chain.write_chunk(
        format::ChunkType::signature, 0, format::encode_signature(signatures[0])));
    add_trailer(chain, 2, 18);
  });
  const format::VerifyReport forged = verify("forged.strec");
  EXPECT_EQ(forged.verdict, format::Verdict::ok);
  const SignatureVerdict verdict = check_signatures(forged, trusted);
  EXPECT_EQ(verdict.state, SignatureState::invalid);
  EXPECT_EQ(verdict.chunk, 3U);

  // Signed with their own key instead: not one this reviewer trusts.
  const SigningKey other = make_key("other.key");
  const Signer other_signer(other);
  write_recording("foreign.strec", [&](format::ChainWriter& chain) {
    add_events(chain, 0, "ls -la /srv/data\r\n");
    add_end(chain, 10);
    add_signature(chain, other_signer);
    add_trailer(chain, 2, 18);
  });
  const SignatureVerdict foreign = check_signatures(verify("foreign.strec"), trusted);
  EXPECT_EQ(foreign.state, SignatureState::unknown_key);
  EXPECT_EQ(*foreign.key, other.public_key.id);

  // A malformed signature body is as bad as a wrong one.
  write_recording("malformed.strec", [&](format::ChainWriter& chain) {
    add_events(chain, 0, "ls\r\n");
    const std::array<std::byte, 5> junk{};
    ASSERT_TRUE(chain.write_chunk(format::ChunkType::signature, 0, junk));
    add_trailer(chain, 1, 4);
  });
  EXPECT_EQ(check_signatures(verify("malformed.strec"), trusted).state, SignatureState::invalid);
}

TEST_F(TrustTest, ChunksAfterTheLastSignatureAreNotVouchedFor)
{
  const SigningKey key = make_key("signing.key");
  const Signer signer(key);
  // Signed at a checkpoint, then more events and a new trailer that anyone could write.
  write_recording("tail.strec", [&](format::ChainWriter& chain) {
    add_events(chain, 0, "ls\r\n");
    add_signature(chain, signer);
    add_events(chain, 5, "rm -rf /\r\n");
    add_end(chain, 10);
    add_trailer(chain, 3, 14);
  });
  const std::vector<PublicKey> trusted{key.public_key};
  const format::VerifyReport report = verify("tail.strec");
  ASSERT_EQ(report.verdict, format::Verdict::ok) << report.detail;
  const SignatureVerdict verdict = check_signatures(report, trusted);
  EXPECT_EQ(verdict.state, SignatureState::signed_prefix);
  EXPECT_EQ(*verdict.signed_through, 1U);

  // A signature before the end event does not vouch for the whole session either.
  write_recording("early.strec", [&](format::ChainWriter& chain) {
    add_events(chain, 0, "ls\r\n");
    add_signature(chain, signer);
    add_trailer(chain, 1, 4);
  });
  EXPECT_EQ(check_signatures(verify("early.strec"), trusted).state, SignatureState::signed_prefix);

  write_recording("plain.strec", [&](format::ChainWriter& chain) {
    add_events(chain, 0, "ls\r\n");
    add_trailer(chain, 1, 4);
  });
  EXPECT_EQ(check_signatures(verify("plain.strec"), trusted).state, SignatureState::not_signed);
}

} // namespace
} // namespace shelltrail::trust

namespace shelltrail::trust {
namespace {

sys::LoginRecord login(std::string user, std::string line, std::int64_t from_s, std::int64_t to_s)
{
  sys::LoginRecord record;
  record.user = std::move(user);
  record.line = std::move(line);
  record.host = "192.0.2.7";
  record.login_unix_ns = from_s * 1000000000;
  record.logout_unix_ns = to_s * 1000000000;
  return record;
}

TEST(LoginAudit, ALoginIsRecordedByTheSameUsersRecordingOnItsTerminalInItsTime)
{
  const std::vector<sys::LoginRecord> logins = {
      login("alice", "pts/3", 1000, 1100), // recorded
      login("bob", "pts/4", 1000, 1100),   // alice's recording on pts/4 is not his
      login("alice", "pts/3", 2000, 2100), // the one recording is used once only
      login("carol", "pts/5", 3000, 3100), // her recording came from another address
  };
  const std::vector<RecordedSession> recordings = {
      {"s1", "alice", "/dev/pts/3", "192.0.2.7", 0, 1000'500'000'000},
      {"s2", "alice", "/dev/pts/4", "192.0.2.7", 0, 1000'500'000'000},
      {"s3", "carol", "/dev/pts/5", "198.51.100.1", 0, 3001'000'000'000},
      {"s4", "alice", "/dev/pts/3", "", 0, 5000'000'000'000}, // long after every login
  };
  const auto audited = match_logins(logins, recordings);
  ASSERT_EQ(audited.size(), 4U);
  EXPECT_EQ(audited[0].session_id, std::optional<std::string>("s1"));
  EXPECT_FALSE(audited[1].session_id);
  EXPECT_FALSE(audited[2].session_id);
  EXPECT_FALSE(audited[3].session_id);

  // Still logged in: any later recording on the terminal counts.
  std::vector<sys::LoginRecord> open = {login("alice", "pts/3", 4000, 0)};
  open[0].logout_unix_ns.reset();
  EXPECT_EQ(match_logins(open, recordings)[0].session_id, std::optional<std::string>("s4"));
}

} // namespace
} // namespace shelltrail::trust

namespace shelltrail::trust {
namespace {

TEST(LoginAudit, SshdJournalEntriesGiveLoginsWithTheirPortAndMatchByIt)
{
  const auto login = parse_journal_login(
      R"({"__REALTIME_TIMESTAMP":"1764170000123456","_PID":"4242","_COMM":"sshd",)"
      R"("MESSAGE":"Accepted publickey for alice from 192.0.2.7 port 51234 ssh2: ED25519 SHA256:x"})");
  ASSERT_TRUE(login);
  EXPECT_EQ(login->user, "alice");
  EXPECT_EQ(login->host, "192.0.2.7");
  EXPECT_EQ(login->port, 51234U);
  EXPECT_EQ(login->pid, 4242);
  EXPECT_EQ(login->login_unix_ns, 1764170000123456000);
  for (
      const char* other :
      {R"({"__REALTIME_TIMESTAMP":"1","MESSAGE":"Failed password for bob from 192.0.2.8 port 2 ssh2"})",
       R"({"__REALTIME_TIMESTAMP":"1","MESSAGE":[65,99,99]})",
       R"({"MESSAGE":"Accepted password for bob from 192.0.2.8 port 2 ssh2"})",
       R"({"__REALTIME_TIMESTAMP":"1","MESSAGE":"Accepted password for bob from 192.0.2.8 port 99999 ssh2"})",
       "not json",
       ""}) {
    EXPECT_FALSE(parse_journal_login(other)) << other;
  }

  // The same connection in wtmp (it had a terminal) and in the journal counts once, with the
  // journal's port and wtmp's terminal and logout; a journal-only login (no terminal) stays.
  sys::LoginRecord tty_login = *login;
  tty_login.port = 0;
  tty_login.line = "pts/3";
  tty_login.login_unix_ns += 300'000'000;
  tty_login.logout_unix_ns = tty_login.login_unix_ns + 60'000'000'000;
  sys::LoginRecord command = *login;
  command.port = 51300;
  command.login_unix_ns += 120'000'000'000;
  const auto merged = merge_logins({*login, command}, {tty_login});
  ASSERT_EQ(merged.size(), 2U);
  EXPECT_EQ(merged[0].port, 51234U);
  EXPECT_EQ(merged[0].line, "pts/3");
  EXPECT_EQ(merged[0].logout_unix_ns, tty_login.logout_unix_ns);
  EXPECT_EQ(merged[1].port, 51300U);

  // With a port, the recording must come from that very connection.
  const std::vector<RecordedSession> recordings = {
      {"other-port", "alice", "", "192.0.2.7", 40000, login->login_unix_ns + 1'000'000'000},
      {"same-port", "alice", "", "192.0.2.7", 51300, command.login_unix_ns + 1'000'000'000},
  };
  const auto audited = match_logins(merged, recordings);
  EXPECT_FALSE(audited[0].session_id);
  EXPECT_EQ(audited[1].session_id, std::optional<std::string>("same-port"));
}

} // namespace
} // namespace shelltrail::trust
