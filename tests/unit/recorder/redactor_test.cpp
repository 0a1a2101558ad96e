#include "recorder/redactor.hpp"

#include <gtest/gtest.h>

namespace shelltrail::recorder {
namespace {

// The kind of patterns the configuration ships (config/option_table.cpp has the real list).
const std::vector<std::string> k_patterns = {
    "(password|passphrase|passcode)[^:]*: *$",
    "(^|[^a-z])(pin|otp|token|verification code)[^:]*: *$",
};

struct Typed
{
  std::string kept;
  std::size_t redacted = 0;
};

Typed type(Redactor& redactor, std::string_view input, bool canonical_without_echo = false)
{
  std::vector<Redactor::Piece> pieces;
  redactor.classify(input, canonical_without_echo, pieces);
  Typed typed;
  for (const auto& piece : pieces) {
    if (piece.redacted) {
      typed.redacted += piece.bytes.size();
    } else {
      typed.kept += piece.bytes;
    }
  }
  return typed;
}

Redactor make(bool enabled = true)
{
  auto redactor = Redactor::create(k_patterns, enabled);
  EXPECT_TRUE(redactor);
  return std::move(*redactor);
}

TEST(Redactor, AnswerToARemoteSudoPromptIsWithheldUpToEnter)
{
  Redactor r = make();
  r.on_output("alice@db-1:~$ sudo ls\r\n[sudo] password for alice: ");
  // Typed one key at a time, as a person does, in a raw nested-ssh terminal.
  std::size_t redacted = 0;
  for (const char c : std::string("hunter2\r")) {
    const Typed typed = type(r, std::string_view(&c, 1));
    EXPECT_EQ(typed.kept, "");
    redacted += typed.redacted;
  }
  EXPECT_EQ(redacted, 8U);
  // The next command line is kept.
  r.on_output("\r\nfile1  file2\r\nalice@db-1:~$ ");
  EXPECT_EQ(type(r, "ls -l\r").kept, "ls -l\r");
}

TEST(Redactor, PasswordAndWhatFollowsInOneReadAreSplitAtEnter)
{
  Redactor r = make();
  r.on_output("\r\nalice@db-1's password: ");
  const Typed typed = type(r, "s3cret\rexit\r");
  EXPECT_EQ(typed.redacted, 7U);
  EXPECT_EQ(typed.kept, "exit\r");
}

TEST(Redactor, CanonicalModeWithoutEchoIsAlwaysWithheld)
{
  Redactor r = make();
  r.on_output("\r\nNew secret: "); // a prompt no pattern knows (read -s -p)
  EXPECT_EQ(type(r, "topsecret\n", true).redacted, 10U);
  EXPECT_EQ(type(r, "topsecret\n", true).kept, "");
}

TEST(Redactor, TypingTheWordPasswordAtAShellPromptIsKept)
{
  Redactor r = make();
  r.on_output("\r\nalice@jump-1:~$ ");
  for (const char c : std::string("echo password: ")) {
    EXPECT_EQ(type(r, std::string_view(&c, 1)).redacted, 0U);
    r.on_output(std::string_view(&c, 1)); // the terminal echoes it
  }
  EXPECT_EQ(type(r, "x\r").kept, "x\r");
}

TEST(Redactor, PromptsAreFoundThroughColoursAndSplitReads)
{
  Redactor r = make();
  r.on_output("\r\n\x1b[1;31mEnter pass");
  r.on_output("phrase for key '/home/a/.ssh/id_ed25519':\x1b[0m ");
  EXPECT_EQ(r.cursor_line(), "Enter passphrase for key '/home/a/.ssh/id_ed25519': ");
  EXPECT_EQ(type(r, "pass\r").redacted, 5U);
}

TEST(Redactor, TitleSequencesAndCarriageReturnsDoNotConfuseTheLine)
{
  Redactor r = make();
  r.on_output("\x1b]0;alice@db-1: ~\x07progress 50%\rVerification code: ");
  EXPECT_EQ(r.cursor_line(), "Verification code: ");
  EXPECT_EQ(type(r, "123456\r").redacted, 7U);
}

TEST(Redactor, OrdinaryLinesAreNotPrompts)
{
  for (const char* line : {"alice@jump-1:~$ ",
                           "[root@db-1 /]# ",
                           "Last login: Tue Nov 24 10:00:00 2026 from 10.0.0.5",
                           "mysql> ",
                           "spinning: 50%"}) {
    SCOPED_TRACE(line);
    Redactor r = make();
    r.on_output(std::string("\r\n") + line);
    EXPECT_EQ(type(r, "abc\r").redacted, 0U);
  }
}

TEST(Redactor, DisabledKeepsEverything)
{
  Redactor r = make(false);
  r.on_output("\r\nPassword: ");
  EXPECT_EQ(type(r, "hunter2\r", true).kept, "hunter2\r");
}

TEST(Redactor, BadPatternIsAConfigError)
{
  const auto r = Redactor::create({"(unclosed"}, true);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), util::ErrorKind::config);
  EXPECT_NE(r.error().message().find("(unclosed"), std::string::npos);
}

} // namespace
} // namespace shelltrail::recorder
