#pragma once
// The recorder's settings from the configuration (config::Config -> recorder::RecorderSettings),
// with the fail-open log line going to syslog.

#include "config/config.hpp"
#include "recorder/session.hpp"

#include <optional>
#include <string>
#include <vector>

namespace shelltrail::cli {

struct RecordSetup
{
  recorder::RecorderSettings recorder;
  bool compact = true; // compact the recording in a detached process when the session ends
  int compact_level = 9;
  bool index = true; // add the session to the spool's index, in the same detached process
};

util::Result<RecordSetup> load_recorder_settings(config::Mode mode,
                                                 const std::vector<std::string>& set);

// SHELLTRAIL_SYSTEM_CONFIG, when the process is not privileged (set-user-ID or set-group-ID):
// another system configuration file, for packaging and tests.
std::optional<std::string> system_config_override();

// The shelltrail-session entry point (ForceCommand or login shell): records in system mode.
int run_session_entry(int argc, char** argv);

} // namespace shelltrail::cli
