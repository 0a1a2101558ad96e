#include "cli/spool_lookup.hpp"

#include "cli/record_settings.hpp"
#include "config/config.hpp"
#include "recorder/spool.hpp"
#include "util/fd.hpp"
#include "util/file.hpp"

#include <fmt/core.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <filesystem>

namespace shelltrail::cli {

void add_spool_options(CLI::App* command, SpoolChoice& choice)
{
  command->add_option("--spool", choice.spool, "Look in this spool directory");
  command->add_flag("--system",
                    choice.system,
                    "Look in the system spool (from /etc/shelltrail/shelltrail.toml) rather than "
                    "your personal one");
}

util::Result<std::string> spool_directory(const SpoolChoice& choice)
{
  if (!choice.spool.empty()) {
    return choice.spool;
  }
  config::LoadOptions options;
  options.mode = choice.system ? config::Mode::system : config::Mode::personal;
  if (const auto path = system_config_override()) {
    options.system_file = *path;
  }
  ST_TRY_ASSIGN(const config::Config config, config::load_config(options));
  return config.spool;
}

std::vector<std::string> find_recordings(const std::string& spool)
{
  std::vector<std::string> found;
  std::error_code error;
  // Unreadable day directories (another user's, in a shared spool) are skipped, not fatal.
  const auto options = std::filesystem::directory_options::skip_permission_denied;
  for (std::filesystem::recursive_directory_iterator it(spool, options, error), end;
       !error && it != end;
       it.increment(error)) {
    if (it.depth() > 3) {
      it.disable_recursion_pending();
      continue;
    }
    const auto& path = it->path();
    if (path.extension() == recorder::k_recording_extension &&
        path.filename().string().front() != '.' && it->is_regular_file(error)) {
      found.push_back(path.string());
    }
  }
  return found;
}

util::Result<std::string> resolve_recording(const std::string& session, const SpoolChoice& choice)
{
  struct stat st
  {};
  const bool looks_like_id =
      session.size() >= 4 && session.find_first_not_of("0123456789abcdef-") == std::string::npos;
  if (!looks_like_id || ::stat(session.c_str(), &st) == 0) {
    return session; // a file: the reader says what is wrong with it, if anything
  }
  ST_TRY_ASSIGN(const std::string spool, spool_directory(choice));
  std::vector<std::string> matches;
  for (const std::string& path : find_recordings(spool)) {
    if (std::filesystem::path(path).filename().string().rfind(session, 0) == 0) {
      matches.push_back(path);
    }
  }
  if (matches.empty()) {
    return util::fail(util::ErrorKind::not_found,
                      "no session {} in {} (`shelltrail list` shows what is there)",
                      session,
                      spool);
  }
  if (matches.size() > 1) {
    return util::fail(util::ErrorKind::usage,
                      "session id prefix {} is ambiguous ({} sessions match); give more digits",
                      session,
                      matches.size());
  }
  return matches.front();
}

bool is_live(const std::string& path)
{
  const util::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  return fd && util::is_locked_exclusively(fd.get());
}

} // namespace shelltrail::cli
