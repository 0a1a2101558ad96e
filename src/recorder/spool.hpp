#pragma once
// Where recordings go: <spool>/<yyyy>/<mm>/<dd>/<session-id>.strec, by the session's UTC start
// date. Personal spools are private to their owner (0700); a system spool shared by every
// recorded account has day directories that anyone may add to but nobody may list (1733, as
// /tmp but without read), and each recording is 0600 to the account that wrote it; the spool of
// the setuid recorder is its account's alone (0700 throughout).

#include "util/error.hpp"
#include "util/fd.hpp"

#include <cstdint>
#include <string>

namespace shelltrail::recorder {

// personal: the user's own spool; system: shared by every recorded account (mode 1733 day
// directories, each recording its writer's); owned: the setuid recorder's account owns the spool
// and everything in it (privilege separation).
enum class SpoolSharing { personal, system, owned };

struct RecordingFile
{
  std::string path;
  util::Fd fd; // opened O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600
};

// Creates the day directories as needed and the recording file itself. Errors name the path
// and say what to check.
util::Result<RecordingFile> create_recording_file(const std::string& spool,
                                                  std::int64_t start_unix_ns,
                                                  const std::string& session_id,
                                                  SpoolSharing sharing);

inline constexpr const char* k_recording_extension = ".strec";

} // namespace shelltrail::recorder
