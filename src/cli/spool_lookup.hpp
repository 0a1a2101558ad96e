#pragma once
// Finding recordings: the spool a command looks in (the personal one by default, the system
// one with --system, any with --spool), and a session named by its id, a unique prefix of it,
// or a file path.

#include "util/error.hpp"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace shelltrail::cli {

struct SpoolChoice
{
  std::string spool; // --spool DIR
  bool system = false;
};

// Adds --spool DIR and --system to `command`.
void add_spool_options(CLI::App* command, SpoolChoice& choice);

// The spool directory chosen: --spool, or the `spool` of the system or personal configuration.
util::Result<std::string> spool_directory(const SpoolChoice& choice);

// Every recording file under `spool` (<yyyy>/<mm>/<dd>/<id>.strec), in no particular order.
std::vector<std::string> find_recordings(const std::string& spool);

// A path for `session`: a path to an existing file, or a session id or unique id prefix looked
// up in the chosen spool. Errors: not_found (no such session) or usage (ambiguous prefix).
util::Result<std::string> resolve_recording(const std::string& session, const SpoolChoice& choice);

// Whether a recorder is writing `path` right now (it holds a lock on it).
bool is_live(const std::string& path);

} // namespace shelltrail::cli
