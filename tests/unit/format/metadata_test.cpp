#include "format/metadata.hpp"

#include <gtest/gtest.h>

namespace shelltrail::format {
namespace {

Metadata sample()
{
  Metadata m;
  m.session_id = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
  m.user = "alice";
  m.uid = 1000;
  m.login_uid = 1000;
  m.audit_session_id = 17;
  m.host = "jump-1";
  m.tty = "/dev/pts/3";
  m.ssh = SshOrigin{"10.0.0.5", 51234, "10.0.0.1", 22, "publickey", "ssh-ed25519", "SHA256:abc"};
  m.command = "uptime";
  m.shell = "/bin/bash";
  m.term = "xterm-256color";
  m.cols = 120;
  m.rows = 40;
  m.start_unix_ns = 1'795'849'350'123'456'789;
  m.clock = ClockState{false, 5, 0x40, 16'000'000, 16'000'000};
  m.recorder_version = "0.1.0";
  m.origin = "recorded";
  return m;
}

TEST(Metadata, RoundTripsEveryField)
{
  const Metadata m = sample();
  const auto parsed = parse_metadata(to_json_text(m));
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(parsed->session_id, m.session_id);
  EXPECT_EQ(parsed->user, "alice");
  EXPECT_EQ(parsed->uid, 1000U);
  EXPECT_EQ(parsed->login_uid, 1000U);
  EXPECT_EQ(parsed->audit_session_id, 17U);
  EXPECT_EQ(parsed->host, "jump-1");
  EXPECT_EQ(parsed->tty, "/dev/pts/3");
  ASSERT_TRUE(parsed->ssh);
  EXPECT_EQ(parsed->ssh->client_addr, "10.0.0.5");
  EXPECT_EQ(parsed->ssh->client_port, 51234);
  EXPECT_EQ(parsed->ssh->server_port, 22);
  EXPECT_EQ(parsed->ssh->auth_method, "publickey");
  EXPECT_EQ(parsed->ssh->key_type, "ssh-ed25519");
  EXPECT_EQ(parsed->ssh->key_fingerprint, "SHA256:abc");
  EXPECT_EQ(parsed->command, "uptime");
  EXPECT_EQ(parsed->shell, "/bin/bash");
  EXPECT_EQ(parsed->term, "xterm-256color");
  EXPECT_EQ(parsed->cols, 120);
  EXPECT_EQ(parsed->rows, 40);
  EXPECT_EQ(parsed->start_unix_ns, m.start_unix_ns);
  ASSERT_TRUE(parsed->clock);
  EXPECT_FALSE(parsed->clock->synchronized);
  EXPECT_EQ(parsed->clock->max_error_us, 16'000'000U);
  EXPECT_EQ(parsed->recorder_name, "shelltrail");
  EXPECT_EQ(parsed->recorder_version, "0.1.0");
  EXPECT_EQ(parsed->origin, "recorded");
}

TEST(Metadata, StartTimeIsWrittenAsRfc3339Utc)
{
  const auto json = nlohmann::json::parse(to_json_text(sample()));
  EXPECT_EQ(json["start"]["utc"], "2026-11-28T07:02:30.123456789Z");
}

TEST(Metadata, UnknownFieldsSurviveAReadAndRewrite)
{
  const std::string from_newer_recorder = R"({
    "session_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
    "user": "bob",
    "ticket": {"id": "INC-42", "tags": ["db", 3]},
    "ssh": {"client_addr": "::1", "certificate_serial": 99},
    "terminal": {"type": "xterm", "cols": 80, "rows": 24, "color_depth": 24}
  })";
  auto parsed = parse_metadata(from_newer_recorder);
  ASSERT_TRUE(parsed) << parsed.error().message();
  parsed->user = "bob2"; // a tool changes a known field and writes the metadata back
  const auto rewritten = nlohmann::json::parse(to_json_text(*parsed));
  EXPECT_EQ(rewritten["user"], "bob2");
  EXPECT_EQ(rewritten["ticket"]["id"], "INC-42");
  EXPECT_EQ(rewritten["ticket"]["tags"][1], 3);
  EXPECT_EQ(rewritten["ssh"]["certificate_serial"], 99);
  EXPECT_EQ(rewritten["ssh"]["client_addr"], "::1");
  EXPECT_EQ(rewritten["terminal"]["color_depth"], 24);
  // And a second round keeps them too.
  const auto again = parse_metadata(to_json_text(*parsed));
  ASSERT_TRUE(again);
  EXPECT_EQ(nlohmann::json::parse(to_json_text(*again)), rewritten);
}

TEST(Metadata, BadDocumentsAreCorruptWithTheKeyNamed)
{
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "{"},
      {"not an object", "[1,2]"},
      {"user not a string", R"({"user": 5})"},
      {"uid negative", R"({"uid": -1})"},
      {"uid too large", R"({"uid": 99999999999})"},
      {"port out of range", R"({"ssh": {"client_port": 70000}})"},
      {"ssh not an object", R"({"ssh": "x"})"},
      {"too deep", std::string(100, '[') + std::string(100, ']')},
      {"deep inside object", R"({"a":)" + std::string(40, '[') + std::string(40, ']') + "}"},
  };
  for (const auto& [name, text] : cases) {
    SCOPED_TRACE(name);
    const auto parsed = parse_metadata(text);
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().kind(), util::ErrorKind::corrupt);
  }
  EXPECT_NE(parse_metadata(R"({"uid": "x"})").error().message().find("'uid'"), std::string::npos);
}

TEST(Metadata, InvalidUtf8IsReplacedNotThrown)
{
  Metadata m = sample();
  m.command = "echo \xff\xfe";
  const std::string text = to_json_text(m);
  EXPECT_TRUE(parse_metadata(text));
}

} // namespace
} // namespace shelltrail::format
