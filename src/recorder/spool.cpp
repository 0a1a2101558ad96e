#include "recorder/spool.hpp"

#include "util/file.hpp"

#include <fmt/core.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

namespace shelltrail::recorder {
namespace {} // namespace

util::Result<RecordingFile> create_recording_file(const std::string& spool,
                                                  std::int64_t start_unix_ns,
                                                  const std::string& session_id,
                                                  SpoolSharing sharing)
{
  if (spool.empty() || spool.front() != '/') {
    return util::fail(util::ErrorKind::config,
                      "spool '{}' is not an absolute path; set spool in the configuration",
                      spool);
  }
  const auto seconds = static_cast<time_t>(start_unix_ns / 1'000'000'000);
  tm date{};
  gmtime_r(&seconds, &date);
  const std::string day = fmt::format(
      "{}/{:04}/{:02}/{:02}", spool, date.tm_year + 1900, date.tm_mon + 1, date.tm_mday);
  if (sharing == SpoolSharing::personal) {
    ST_TRY(util::make_directories(day, 0700));
  } else if (sharing == SpoolSharing::owned) {
    // Nothing on the way may be the operator's to swap: the spool is the account's (lstat: not
    // a symlink), and the day directories are created, or must already be, the account's.
    const auto owned = [](const std::string& dir) -> util::Result<void> {
      struct stat st
      {};
      if (::lstat(dir.c_str(), &st) != 0) {
        return util::fail(util::Error::from_errno(errno, "spool " + dir)
                              .with_context("the system spool is missing; run `shelltrail setup`"));
      }
      if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 022) != 0) {
        return util::fail(util::ErrorKind::permission,
                          "{} must be a directory of the recorder's account (uid {}), writable "
                          "by it alone; run `shelltrail setup`",
                          dir,
                          ::geteuid());
      }
      return {};
    };
    ST_TRY(owned(spool));
    for (const std::string& dir :
         {day.substr(0, spool.size() + 5), day.substr(0, spool.size() + 8), day}) {
      if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        return util::fail(util::Error::from_errno(errno, "creating " + dir));
      }
      ST_TRY(owned(dir));
    }
  } else {
    // The spool itself is the administrator's (shelltrail setup); the day directories are
    // shared by every recorded account.
    struct stat st
    {};
    if (::stat(spool.c_str(), &st) != 0) {
      return util::fail(util::Error::from_errno(errno, "spool " + spool)
                            .with_context("the system spool is missing; run `shelltrail setup`"));
    }
    for (const std::string& dir :
         {day.substr(0, spool.size() + 5), day.substr(0, spool.size() + 8), day}) {
      ST_TRY(util::make_directories(dir, 01733));
    }
  }
  RecordingFile file;
  file.path = fmt::format("{}/{}{}", day, session_id, k_recording_extension);
  ST_TRY_ASSIGN(file.fd,
                util::open_file(file.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600));
  // Held while the session runs: it marks the recording live (list, compact and later the
  // live follower test for it); the kernel drops it however the recorder ends.
  if (flock(file.fd.get(), LOCK_EX | LOCK_NB) != 0) {
    return util::fail(util::Error::from_errno(errno, "locking " + file.path));
  }
  return file;
}

} // namespace shelltrail::recorder
