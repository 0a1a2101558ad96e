// shelltrail config show|markdown: the configuration in effect with where each value came from
// (ccache --show-config), and the reference generated from the option table (docs/config.md).

#include "config/config.hpp"

#include "cli/command.hpp"
#include "cli/record_settings.hpp"
#include "config/option_reference.hpp"
#include "util/bytes.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>

namespace shelltrail::cli {
namespace {

struct ConfigOptions
{
  bool system = false;
  std::vector<std::string> set;
  bool json = false;
};

// "(default)", "(system file /etc/shelltrail/shelltrail.toml)".
std::string origin_label(const config::Config::Source& source)
{
  if (source.file.empty()) {
    return fmt::format("({})", config::to_string(source.origin));
  }
  return fmt::format("({} {})", config::to_string(source.origin), source.file);
}

// Values are printed as `--set` spells them; only terminal control bytes (a notice from the
// environment, say) are escaped, so that UTF-8 and backslashes in patterns stay readable.
std::string printable(const std::string& value)
{
  const bool has_control = std::any_of(value.begin(), value.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
  return has_control ? util::escape_bytes(value) : value;
}

int run_show(const ConfigOptions& options)
{
  config::LoadOptions load;
  load.mode = options.system ? config::Mode::system : config::Mode::personal;
  if (const auto path = system_config_override()) {
    load.system_file = *path; // the same file the recorder would read
  }
  load.command_line = options.set;
  const auto loaded = config::load_config(load);
  if (!loaded) {
    print_error(loaded.error());
    return exit_code_for(loaded.error());
  }
  if (options.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const config::Config::Source& source : loaded->sources) {
      nlohmann::json row = {{"key", source.key},
                            {"value", source.value},
                            {"origin", config::to_string(source.origin)}};
      if (!source.file.empty()) {
        row["file"] = source.file;
      }
      out.push_back(std::move(row));
    }
    fmt::print("{}\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return k_exit_ok;
  }
  for (const config::Config::Source& source : loaded->sources) {
    fmt::print("{} {} = {}\n", origin_label(source), source.key, printable(source.value));
  }
  return k_exit_ok;
}

} // namespace

Run add_config(CLI::App& app)
{
  auto options = std::make_shared<ConfigOptions>();
  CLI::App* cmd = app.add_subcommand(
      "config", "Show the configuration in effect, or print its reference (docs/config.md)");
  cmd->require_subcommand(1);

  CLI::App* show = cmd->add_subcommand(
      "show", "Print every key as `(origin) key = value`: where each value came from");
  show->add_flag("--system",
                 options->system,
                 "System mode: read /etc/shelltrail/shelltrail.toml instead of the user file, and "
                 "refuse keys that weaken recording from the environment and --set");
  show->add_option("--set", options->set, "Set a key as the command line would (key=value)")
      ->type_name("KEY=VALUE");
  show->add_flag("--json", options->json, "Print a JSON array of {key, value, origin, file}");

  CLI::App* markdown = cmd->add_subcommand(
      "markdown", "Print the Markdown reference of every option (docs/config.md)");
  // Set here, not inherited: subcommands copy their parent's footer when they are created.
  cmd->footer(config::to_help_text());
  show->footer(config::to_help_text());
  markdown->footer("");

  return [options, show, markdown] {
    if (show->parsed()) {
      return run_show(*options);
    }
    if (markdown->parsed()) {
      fmt::print("{}", config::to_markdown());
    }
    return static_cast<int>(k_exit_ok);
  };
}

} // namespace shelltrail::cli
