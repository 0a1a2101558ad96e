#!/usr/bin/env bash
# Formats the C++ sources with clang-format-16 (--check: only report, exit 1 if unformatted).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.cpp' '*.hpp' 2>/dev/null || find src tests bench -name '*.[ch]pp')
if [ "${1:-}" = "--check" ]; then
  clang-format-16 --dry-run -Werror "${files[@]}"
  echo "format.sh: ${#files[@]} files formatted"
else
  clang-format-16 -i "${files[@]}"
fi
