#include "config/config.hpp"
#include "config/option_table.hpp"

#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>
#include <map>

namespace shelltrail::config {
namespace {

using namespace std::chrono_literals;

class LoadConfigTest : public test::TempDirTest
{
protected:
  // Options that read only this test's files and this test's environment.
  LoadOptions options(Mode mode)
  {
    LoadOptions o;
    o.mode = mode;
    o.system_file = path("system.toml");
    o.user_file = path("user.toml");
    o.getenv = [this](const char* name) -> std::optional<std::string> {
      const auto it = m_env.find(name);
      return it == m_env.end() ? std::nullopt : std::optional(it->second);
    };
    return o;
  }

  void write(const std::string& name, const std::string& text, mode_t mode = 0644)
  {
    std::ofstream(path(name)) << text;
    ASSERT_EQ(::chmod(path(name).c_str(), mode), 0);
  }

  std::map<std::string, std::string> m_env = {{"HOME", "/home/alice"}};
};

const Config::Source& source(const Config& config, std::string_view key)
{
  for (const Config::Source& s : config.sources) {
    if (s.key == key) {
      return s;
    }
  }
  ADD_FAILURE() << "no source for " << key;
  static const Config::Source none;
  return none;
}

TEST(Origin, NamesAsConfigShowPrintsThem)
{
  EXPECT_EQ(to_string(Origin::default_value), "default");
  EXPECT_EQ(to_string(Origin::system_file), "system file");
  EXPECT_EQ(to_string(Origin::user_file), "user file");
  EXPECT_EQ(to_string(Origin::environment), "environment");
  EXPECT_EQ(to_string(Origin::command_line), "command line");
}

TEST_F(LoadConfigTest, PersonalDefaults)
{
  const auto config = load_config(options(Mode::personal));
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->mode, Mode::personal);
  EXPECT_EQ(config->spool, "/home/alice/.local/share/shelltrail/spool");
  EXPECT_EQ(config->shell, "");
  EXPECT_EQ(config->notice, "This session is recorded by shelltrail (session {session_id}).");
  EXPECT_TRUE(config->record_input);
  EXPECT_TRUE(config->redact_passwords);
  EXPECT_EQ(config->prompt_patterns.size(), 3U);
  EXPECT_EQ(config->chunk_bytes, 65536U);
  EXPECT_EQ(config->chunk_interval, 250ms);
  EXPECT_EQ(config->fsync_interval, 1000ms);
  EXPECT_EQ(config->failure_policy, FailurePolicy::fail_closed);
  EXPECT_EQ(config->stream_limit_bytes, 64U * 1024 * 1024);
  EXPECT_EQ(config->transfer_limit_bytes, 1024U * 1024);
  EXPECT_EQ(config->live_compression_level, 1);
  EXPECT_TRUE(config->compact);
  EXPECT_EQ(config->compact_level, 9);
  EXPECT_EQ(config->clock_check_interval, 1000ms);
  EXPECT_EQ(config->clock_step_threshold, 1000ms);
  EXPECT_EQ(config->syslog_facility, "authpriv");

  ASSERT_EQ(config->sources.size(), option_table().size());
  for (const Config::Source& s : config->sources) {
    EXPECT_EQ(s.origin, Origin::default_value) << s.key;
    EXPECT_EQ(s.file, "") << s.key;
  }
  EXPECT_EQ(source(*config, "chunk_bytes").value, "64KiB");
  EXPECT_EQ(source(*config, "chunk_interval_ms").value, "250");
  EXPECT_EQ(source(*config, "failure_policy").value, "fail-closed");
}

TEST_F(LoadConfigTest, PersonalSpoolFollowsXdgDataHome)
{
  m_env["XDG_DATA_HOME"] = "/data/alice";
  auto config = load_config(options(Mode::personal));
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->spool, "/data/alice/shelltrail/spool");

  // The XDG spec: a relative XDG_DATA_HOME is ignored.
  m_env["XDG_DATA_HOME"] = "relative";
  config = load_config(options(Mode::personal));
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->spool, "/home/alice/.local/share/shelltrail/spool");
}

TEST_F(LoadConfigTest, PersonalSpoolWithoutAnyHomeIsAnErrorUnlessSet)
{
  m_env.clear();
  auto config = load_config(options(Mode::personal));
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().kind(), util::ErrorKind::config);
  EXPECT_NE(config.error().message().find("spool"), std::string::npos) << config.error().message();
  EXPECT_NE(config.error().message().find("SHELLTRAIL_SPOOL"), std::string::npos);

  m_env["SHELLTRAIL_SPOOL"] = "/srv/spool";
  config = load_config(options(Mode::personal));
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->spool, "/srv/spool");
}

TEST_F(LoadConfigTest, SystemDefaults)
{
  const auto config = load_config(options(Mode::system));
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->mode, Mode::system);
  EXPECT_EQ(config->spool, "/var/lib/shelltrail/spool");
  EXPECT_EQ(config->failure_policy, FailurePolicy::fail_closed);
  EXPECT_EQ(source(*config, "spool").origin, Origin::default_value);
}

TEST_F(LoadConfigTest, UserFilePathFollowsXdgConfigHome)
{
  LoadOptions o = options(Mode::personal);
  o.user_file = std::nullopt;
  EXPECT_EQ(config_file_path(o), "/home/alice/.config/shelltrail/shelltrail.toml");
  m_env["XDG_CONFIG_HOME"] = "/cfg";
  EXPECT_EQ(config_file_path(o), "/cfg/shelltrail/shelltrail.toml");
  m_env["XDG_CONFIG_HOME"] = "relative";
  EXPECT_EQ(config_file_path(o), "/home/alice/.config/shelltrail/shelltrail.toml");
  m_env.clear();
  EXPECT_EQ(config_file_path(o), std::nullopt);
  o.mode = Mode::system;
  EXPECT_EQ(config_file_path(o), path("system.toml"));
}

TEST_F(LoadConfigTest, UserFileIsReadFromXdgConfigHome)
{
  ASSERT_EQ(::mkdir(path("cfg").c_str(), 0700), 0);
  ASSERT_EQ(::mkdir(path("cfg/shelltrail").c_str(), 0700), 0);
  write("cfg/shelltrail/shelltrail.toml", "chunk_interval_ms = 100\n");
  m_env["XDG_CONFIG_HOME"] = path("cfg");
  LoadOptions o = options(Mode::personal);
  o.user_file = std::nullopt;
  const auto config = load_config(o);
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->chunk_interval, 100ms);
  EXPECT_EQ(source(*config, "chunk_interval_ms").origin, Origin::user_file);
  EXPECT_EQ(source(*config, "chunk_interval_ms").file, path("cfg/shelltrail/shelltrail.toml"));
}

TEST_F(LoadConfigTest, EachLayerOverridesTheOneBelowAndRecordsItsOrigin)
{
  // chunk_interval_ms is set by every layer, compact_level by all but the command line, and
  // so on down, so that each key shows the highest layer that set it.
  write("user.toml", "chunk_interval_ms = 100\ncompact_level = 3\nfsync_interval_ms = 0\n");
  m_env["SHELLTRAIL_CHUNK_INTERVAL_MS"] = "200";
  m_env["SHELLTRAIL_COMPACT_LEVEL"] = "5";
  LoadOptions o = options(Mode::personal);
  o.command_line = {"chunk_interval_ms=300"};
  const auto config = load_config(o);
  ASSERT_TRUE(config) << config.error().message();

  EXPECT_EQ(config->chunk_interval, 300ms);
  EXPECT_EQ(source(*config, "chunk_interval_ms").origin, Origin::command_line);
  EXPECT_EQ(source(*config, "chunk_interval_ms").value, "300");
  EXPECT_EQ(source(*config, "chunk_interval_ms").file, "");

  EXPECT_EQ(config->compact_level, 5);
  EXPECT_EQ(source(*config, "compact_level").origin, Origin::environment);

  EXPECT_EQ(config->fsync_interval, 0ms);
  EXPECT_EQ(source(*config, "fsync_interval_ms").origin, Origin::user_file);
  EXPECT_EQ(source(*config, "fsync_interval_ms").file, path("user.toml"));

  EXPECT_EQ(source(*config, "clock_check_interval_ms").origin, Origin::default_value);
}

TEST_F(LoadConfigTest, SystemFileOverridesDefaultsInSystemMode)
{
  write("system.toml",
        "spool = \"/srv/spool\"\nfailure_policy = \"fail-open\"\nrecord_input = false\n");
  const auto config = load_config(options(Mode::system));
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->spool, "/srv/spool");
  EXPECT_EQ(config->failure_policy, FailurePolicy::fail_open);
  EXPECT_FALSE(config->record_input);
  EXPECT_EQ(source(*config, "spool").origin, Origin::system_file);
  EXPECT_EQ(source(*config, "spool").file, path("system.toml"));
}

TEST_F(LoadConfigTest, EachModeReadsOnlyItsOwnFile)
{
  write("system.toml", "compact_level = 2\n");
  write("user.toml", "compact_level = 4\n");
  auto config = load_config(options(Mode::personal));
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->compact_level, 4);
  config = load_config(options(Mode::system));
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->compact_level, 2);
}

TEST_F(LoadConfigTest, LaterSetWins)
{
  LoadOptions o = options(Mode::personal);
  o.command_line = {"notice=first", "notice=", "compact=false"};
  const auto config = load_config(o);
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->notice, "");
  EXPECT_FALSE(config->compact);
}

TEST_F(LoadConfigTest, PersonalModeLetsEveryOriginSetWeakeningKeys)
{
  m_env["SHELLTRAIL_RECORD_INPUT"] = "false";
  LoadOptions o = options(Mode::personal);
  o.command_line = {"spool=/tmp/mine", "failure_policy=fail-open"};
  const auto config = load_config(o);
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_FALSE(config->record_input);
  EXPECT_EQ(config->spool, "/tmp/mine");
  EXPECT_EQ(config->failure_policy, FailurePolicy::fail_open);
}

TEST_F(LoadConfigTest, SystemModeRefusesWeakeningKeysFromTheEnvironment)
{
  for (const OptionSpec& option : option_table()) {
    if (option.guard != Guard::weakens_recording) {
      continue;
    }
    SCOPED_TRACE(option.key);
    m_env = {{std::string(option.environment_variable), std::string(option.default_text)}};
    const auto config = load_config(options(Mode::system));
    ASSERT_FALSE(config);
    const std::string& message = config.error().message();
    EXPECT_EQ(config.error().kind(), util::ErrorKind::config);
    EXPECT_NE(message.find(std::string(option.environment_variable)), std::string::npos) << message;
    EXPECT_NE(message.find(std::string(option.key) + " may not be set from the environment"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find(path("system.toml")), std::string::npos) << message;
  }
}

TEST_F(LoadConfigTest, SystemModeRefusesWeakeningKeysFromTheCommandLine)
{
  LoadOptions o = options(Mode::system);
  o.command_line = {"record_input=false"};
  const auto config = load_config(o);
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().kind(), util::ErrorKind::config);
  EXPECT_EQ(config.error().message(),
            "--set record_input: record_input may not be set from the command line in system "
            "mode, because it weakens recording; only the system file " +
                path("system.toml") + " may set it");
}

TEST_F(LoadConfigTest, SystemModeAcceptsOtherKeysFromTheEnvironmentAndCommandLine)
{
  m_env["SHELLTRAIL_NOTICE"] = "recorded";
  LoadOptions o = options(Mode::system);
  o.command_line = {"chunk_interval_ms=500"};
  const auto config = load_config(o);
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->notice, "recorded");
  EXPECT_EQ(config->chunk_interval, 500ms);
}

TEST_F(LoadConfigTest, ExactlyTheseKeysWeakenRecording)
{
  std::vector<std::string_view> guarded;
  for (const OptionSpec& option : option_table()) {
    if (option.guard == Guard::weakens_recording) {
      guarded.push_back(option.key);
    }
  }
  EXPECT_EQ(guarded,
            (std::vector<std::string_view>{"spool",
                                           "shell",
                                           "record_input",
                                           "redact_passwords",
                                           "prompt_patterns",
                                           "failure_policy",
                                           "stream_limit_bytes",
                                           "transfer_limit_bytes",
                                           "signing_key",
                                           "checkpoint_interval_ms",
                                           "checkpoint_chunks",
                                           "syslog_facility"}));
}

TEST_F(LoadConfigTest, SystemFileWritableByOthersIsRefused)
{
  write("system.toml", "compact_level = 2\n", 0666);
  const auto config = load_config(options(Mode::system));
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().kind(), util::ErrorKind::config);
  EXPECT_NE(config.error().message().find(path("system.toml") + " is writable by group or others"),
            std::string::npos)
      << config.error().message();
  EXPECT_NE(config.error().message().find("chmod go-w"), std::string::npos);
}

TEST_F(LoadConfigTest, SystemFileWritableByGroupIsRefused)
{
  write("system.toml", "compact_level = 2\n", 0664);
  const auto config = load_config(options(Mode::system));
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message().find("mode 0664"), std::string::npos)
      << config.error().message();
}

TEST_F(LoadConfigTest, UserFileWritableByOthersIsTheUsersBusiness)
{
  write("user.toml", "compact_level = 2\n", 0666);
  const auto config = load_config(options(Mode::personal));
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->compact_level, 2);
}

TEST_F(LoadConfigTest, SystemFileInADirectoryWritableByOthersIsRefused)
{
  ASSERT_EQ(::mkdir(path("etc").c_str(), 0755), 0);
  write("etc/shelltrail.toml", "compact_level = 2\n");
  ASSERT_EQ(::chmod(path("etc").c_str(), 0777), 0);
  LoadOptions o = options(Mode::system);
  o.system_file = path("etc/shelltrail.toml");
  auto config = load_config(o);
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message().find(path("etc") + ", the directory of"), std::string::npos)
      << config.error().message();

  // Sticky, like /tmp: others may add files but not replace root's.
  ASSERT_EQ(::chmod(path("etc").c_str(), 01777), 0);
  config = load_config(o);
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->compact_level, 2);
}

TEST_F(LoadConfigTest, SystemFileOwnedByAnotherUserIsRefusedWhenRunningAsRoot)
{
  if (::geteuid() != 0) {
    GTEST_SKIP() << "only root checks the owner (and only root can give a file away)";
  }
  write("system.toml", "compact_level = 2\n");
  ASSERT_EQ(::chown(path("system.toml").c_str(), 1000, 1000), 0);
  const auto config = load_config(options(Mode::system));
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message().find("is owned by uid 1000, not root"), std::string::npos)
      << config.error().message();
}

TEST_F(LoadConfigTest, FileErrorsNameTheFile)
{
  write("user.toml", "chunk_bytes = \"16MiB\"\n");
  const auto config = load_config(options(Mode::personal));
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().kind(), util::ErrorKind::config);
  EXPECT_EQ(config.error().message(),
            path("user.toml") +
                ":1:15: chunk_bytes: 16MiB is out of range: use a value from 1KiB to 8MiB");
}

TEST_F(LoadConfigTest, EnvironmentErrorsNameTheVariableAndKey)
{
  m_env["SHELLTRAIL_CHUNK_BYTES"] = "10 MB";
  const auto config = load_config(options(Mode::personal));
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().kind(), util::ErrorKind::config);
  const std::string& message = config.error().message();
  EXPECT_TRUE(message.starts_with("environment variable SHELLTRAIL_CHUNK_BYTES (chunk_bytes): "))
      << message;
  EXPECT_NE(message.find("binary units"), std::string::npos) << message;
}

TEST_F(LoadConfigTest, CommandLineErrorsNameTheKey)
{
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"compact=maybe", "--set compact: expected true or false, got 'maybe'"},
      {"chunk_interval_ms=5",
       "--set chunk_interval_ms: 5 is out of range: use a value from 10 "
       "to 5000"},
      {"failure_policy=fail-opn",
       "--set failure_policy: expected one of fail-closed, "
       "fail-open, got 'fail-opn'"},
      {"spool=relative/dir", "--set spool: expected an absolute path, got 'relative/dir'"},
      {"chunk_bytes", "--set 'chunk_bytes': expected key=value, like chunk_bytes=1MiB"},
      {"=1", "--set '=1': expected key=value, like chunk_bytes=1MiB"},
      {"chunk_byte=1MiB",
       "--set chunk_byte: unknown key 'chunk_byte' (did you mean "
       "'chunk_bytes'?); `shelltrail config --help` lists the keys"},
  };
  for (const auto& [assignment, expected] : cases) {
    SCOPED_TRACE(assignment);
    LoadOptions o = options(Mode::personal);
    o.command_line = {assignment};
    const auto config = load_config(o);
    ASSERT_FALSE(config);
    EXPECT_EQ(config.error().kind(), util::ErrorKind::config);
    EXPECT_EQ(config.error().message(), expected);
  }
}

TEST_F(LoadConfigTest, PatternListsFromTheCommandLineAreTomlArrays)
{
  LoadOptions o = options(Mode::personal);
  o.command_line = {R"(prompt_patterns=['secret[^:]*: *$', "token: *$"])"};
  auto config = load_config(o);
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->prompt_patterns, (std::vector<std::string>{"secret[^:]*: *$", "token: *$"}));
  EXPECT_EQ(source(*config, "prompt_patterns").value, "['secret[^:]*: *$', 'token: *$']");

  o.command_line = {"prompt_patterns=['(unclosed: *$']"};
  config = load_config(o);
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message().find("--set prompt_patterns: prompt pattern '(unclosed: *$'"),
            std::string::npos)
      << config.error().message();
}

} // namespace
} // namespace shelltrail::config
