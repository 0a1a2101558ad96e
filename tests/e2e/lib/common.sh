# Shared harness for end-to-end tests (sourced). Gives each test a work directory that is
# removed on success and kept (and printed) on failure, and small assertion helpers.
# Environment from ctest: SHELLTRAIL (the binary), ST_SOURCE_DIR, ST_TEST_DATA, ST_NO_SKIP.
set -euo pipefail

: "${SHELLTRAIL:?run through ctest, or set SHELLTRAIL to the shelltrail binary}"
ST_WORK=$(mktemp -d "${TMPDIR:-/tmp}/shelltrail-e2e-XXXXXX")
st_failed=0

st_cleanup() {
  local status=$?
  if [ "$status" -ne 0 ] || [ "$st_failed" -ne 0 ]; then
    echo "e2e: test files kept in $ST_WORK" >&2
  else
    rm -rf "$ST_WORK"
  fi
}
trap st_cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  st_failed=1
  exit 1
}

# Exit 77 (ctest: skipped), or fail when CI forbids skips.
skip() {
  if [ "${ST_NO_SKIP:-0}" = 1 ]; then
    fail "skipped, and ST_NO_SKIP=1: $*"
  fi
  echo "SKIP: $*" >&2
  exit 77
}

# with_memory_limit MB COMMAND...: runs COMMAND so that one allocation above MB fails loudly
# (ulimit -v; under AddressSanitizer, whose shadow memory defeats ulimit, malloc_limit_mb).
with_memory_limit() {
  local mb=$1
  shift
  if [ "${ST_SANITIZED:-0}" = 1 ]; then
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}malloc_limit_mb=$mb" "$@"
  else
    (ulimit -v $((mb * 1024 + 200000)) && exec "$@")
  fi
}

# expect_exit CODE COMMAND...: runs COMMAND, stdout to $ST_WORK/out, stderr to $ST_WORK/err.
expect_exit() {
  local want=$1
  shift
  local got=0
  "$@" >"$ST_WORK/out" 2>"$ST_WORK/err" || got=$?
  if [ "$got" -ne "$want" ]; then
    echo "--- stdout" >&2; cat "$ST_WORK/out" >&2
    echo "--- stderr" >&2; cat "$ST_WORK/err" >&2
    fail "'$*' exited $got, expected $want"
  fi
}

# expect_grep PATTERN FILE: FILE matches the extended regular expression PATTERN.
expect_grep() {
  grep -Eq -- "$1" "$2" || { cat "$2" >&2; fail "'$2' does not match /$1/"; }
}

# expect_lines N FILE: FILE has exactly N lines.
expect_lines() {
  local n
  n=$(wc -l <"$2")
  [ "$n" -eq "$1" ] || { cat "$2" >&2; fail "'$2' has $n lines, expected $1"; }
}
