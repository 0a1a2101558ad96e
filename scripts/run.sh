#!/usr/bin/env bash
# Builds shelltrail (installing Debian packages as needed) and starts the main job: a recorded
# shell on the embedded default — recordings in ~/.local/share/shelltrail/spool. Arguments
# replace the default command: scripts/run.sh list, scripts/run.sh record -- ssh host, ...
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ "${ST_SKIP_DEPS:-0}" != 1 ]; then
  scripts/install-deps.sh
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target shelltrail
if [ $# -eq 0 ]; then
  set -- record
fi
exec build/src/cli/shelltrail "$@"
