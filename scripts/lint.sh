#!/usr/bin/env bash
# Runs clang-tidy (.clang-tidy) over the sources under src/, using build/compile_commands.json.
# Usage: scripts/lint.sh [FILE...]   (default: every .cpp under src/)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -f build/compile_commands.json ] || cmake -S . -B build -G Ninja >/dev/null
if [ $# -eq 0 ]; then
  mapfile -t files < <(git ls-files 'src/*.cpp')
else
  files=("$@")
fi
status=0
for file in "${files[@]}"; do
  clang-tidy -p build --quiet "$file" 2>/dev/null || status=1
done
exit $status
