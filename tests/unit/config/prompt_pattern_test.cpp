#include "config/config.hpp"
#include "config/prompt_pattern.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace shelltrail::config {
namespace {

// The default prompt_patterns, compiled as the redactor compiles them.
class DefaultPromptPatterns
{
public:
  DefaultPromptPatterns()
  {
    LoadOptions options;
    options.mode = Mode::system;
    options.system_file = "/nonexistent/shelltrail.toml";
    options.getenv = [](const char*) { return std::optional<std::string>(); };
    const auto config = load_config(options);
    EXPECT_TRUE(config) << config.error().message();
    for (const std::string& pattern : config->prompt_patterns) {
      auto& regex = m_regexes.emplace_back(std::make_unique<regex_t>());
      EXPECT_EQ(::regcomp(regex.get(), pattern.c_str(), k_prompt_pattern_flags), 0) << pattern;
    }
    EXPECT_FALSE(m_regexes.empty());
  }
  DefaultPromptPatterns(const DefaultPromptPatterns&) = delete;
  DefaultPromptPatterns& operator=(const DefaultPromptPatterns&) = delete;
  ~DefaultPromptPatterns()
  {
    for (auto& regex : m_regexes) {
      ::regfree(regex.get());
    }
  }

  bool matches(const std::string& line) const
  {
    for (const auto& regex : m_regexes) {
      if (::regexec(regex.get(), line.c_str(), 0, nullptr, 0) == 0) {
        return true;
      }
    }
    return false;
  }

private:
  std::vector<std::unique_ptr<regex_t>> m_regexes;
};

TEST(DefaultPromptPatterns, MatchPasswordPrompts)
{
  const DefaultPromptPatterns patterns;
  for (const std::string line : {
           "[sudo] password for alice: ",
           "Password: ",
           "password:",
           "alice@db-1's password: ",
           "Enter passphrase for key '/home/a/.ssh/id_ed25519': ",
           "Enter password: ",
           "Verification code: ",
           "PIN: ",
           "OTP: ",
           "Passcode: ",
           "Enter PIN for 'PIV Card Holder pin (PIV_II)': ",
           "New password: ",
           "Retype new password: ",
           "Current password: ",
           "(current) UNIX password: ",
           "[sudo] Passwort für alice: ",
           "Password for alice@EXAMPLE.COM:   ",
           "$ mysql -u root -p\rEnter password: ",
       }) {
    EXPECT_TRUE(patterns.matches(line)) << '"' << line << '"';
  }
}

TEST(DefaultPromptPatterns, IgnoreOrdinaryLines)
{
  const DefaultPromptPatterns patterns;
  for (const std::string line : {
           "alice@jump-1:~$ ",
           "[root@db-1 /]# ",
           "Last login: Tue Nov 24 10:00:00 2026 from 10.0.0.5",
           "password strength: ok (entered)",
           "Your password will expire in 3 days",
           "Shipping: ",
           "Pinned: ",
           "Opinion: ",
           "alice@jump-1:~/pin$ ",
           "",
       }) {
    EXPECT_FALSE(patterns.matches(line)) << '"' << line << '"';
  }
}

TEST(CheckPromptPattern, AcceptsValidPatterns)
{
  EXPECT_TRUE(check_prompt_pattern("password[^:]*: *$"));
  EXPECT_TRUE(check_prompt_pattern("(^|[^[:alnum:]])pin: *$"));
}

TEST(CheckPromptPattern, RefusesPatternsThatDoNotCompile)
{
  for (const std::string pattern : {"(unclosed", "[unclosed", "a{2,1}", "*x"}) {
    SCOPED_TRACE(pattern);
    const auto checked = check_prompt_pattern(pattern);
    ASSERT_FALSE(checked);
    EXPECT_EQ(checked.error().kind(), util::ErrorKind::config);
    EXPECT_TRUE(checked.error().message().starts_with("prompt pattern '" + pattern + "'"))
        << checked.error().message();
  }
}

TEST(CheckPromptPattern, RefusesTheEmptyPattern)
{
  const auto checked = check_prompt_pattern("");
  ASSERT_FALSE(checked);
  EXPECT_NE(checked.error().message().find("would match every line"), std::string::npos);
}

} // namespace
} // namespace shelltrail::config
