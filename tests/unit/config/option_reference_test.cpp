#include "config/config_file.hpp"
#include "config/option_reference.hpp"
#include "config/option_table.hpp"

#include <gtest/gtest.h>

namespace shelltrail::config {
namespace {

TEST(ToMarkdown, DocumentsEveryOption)
{
  const std::string markdown = to_markdown();
  for (const OptionSpec& option : option_table()) {
    SCOPED_TRACE(option.key);
    EXPECT_NE(markdown.find(fmt::format("\n### `{}`\n\n{}\n", option.key, option.doc)),
              std::string::npos);
    EXPECT_NE(markdown.find(fmt::format("- Environment: `{}`", option.environment_variable)),
              std::string::npos);
  }
  EXPECT_NE(markdown.find("- Default: `$XDG_DATA_HOME/shelltrail/spool` "
                          "(`~/.local/share/shelltrail/spool` when `XDG_DATA_HOME` is unset) in "
                          "personal mode, `/var/lib/shelltrail/spool` in system mode"),
            std::string::npos);
  EXPECT_NE(markdown.find("- Type: size in bytes, from 1KiB to 8MiB\n- Default: `64KiB`"),
            std::string::npos);
}

TEST(ToMarkdown, MarksEveryKeyThatWeakensRecording)
{
  const std::string markdown = to_markdown();
  for (const OptionSpec& option : option_table()) {
    SCOPED_TRACE(option.key);
    const std::size_t start = markdown.find(fmt::format("### `{}`", option.key));
    ASSERT_NE(start, std::string::npos);
    const std::size_t end = markdown.find("\n### ", start + 1);
    const std::string section = markdown.substr(start, end - start);
    EXPECT_EQ(section.find("Weakens recording") != std::string::npos,
              option.guard == Guard::weakens_recording);
  }
}

TEST(ToMarkdown, ExampleFilesParse)
{
  // Every ```toml block in the reference must be a valid config file (the prompt_patterns
  // default is shown as one).
  const std::string markdown = to_markdown();
  int blocks = 0;
  for (std::size_t start = markdown.find("```toml\n"); start != std::string::npos;
       start = markdown.find("```toml\n", start + 1)) {
    const std::size_t body = start + 8;
    const std::size_t end = markdown.find("```", body);
    ASSERT_NE(end, std::string::npos);
    const auto settings = parse_config_text(markdown.substr(body, end - body), "example");
    EXPECT_TRUE(settings) << settings.error().message();
    ++blocks;
  }
  EXPECT_EQ(blocks, 2);
}

TEST(ToHelpText, ListsEveryKey)
{
  const std::string help = to_help_text();
  for (const OptionSpec& option : option_table()) {
    EXPECT_NE(help.find(fmt::format("\n  {} = ", option.key)), std::string::npos) << option.key;
  }
  EXPECT_NE(help.find("\n  prompt_patterns = [3 patterns]\n"), std::string::npos) << help;
  EXPECT_NE(help.find("\n  shell = (empty)\n"), std::string::npos) << help;
  // The same, with the docs unwrapped.
  std::string unwrapped = help;
  for (std::size_t at = unwrapped.find("\n      "); at != std::string::npos;
       at = unwrapped.find("\n      ", at)) {
    unwrapped.replace(at, 7, " ");
  }
  EXPECT_NE(unwrapped.find("[absolute path; SHELLTRAIL_SPOOL; in system mode "
                           "/var/lib/shelltrail/spool; in system mode only the system file may set "
                           "it]"),
            std::string::npos)
      << unwrapped;
  EXPECT_NE(unwrapped.find("[size in bytes, from 1KiB to 8MiB; SHELLTRAIL_CHUNK_BYTES]"),
            std::string::npos)
      << unwrapped;
  std::size_t line_start = 0;
  while (line_start < help.size()) {
    const std::size_t line_end = help.find('\n', line_start);
    const std::string line = help.substr(line_start, line_end - line_start);
    EXPECT_LE(line.size(), 100U) << line;
    line_start = line_end + 1;
  }
}

} // namespace
} // namespace shelltrail::config
