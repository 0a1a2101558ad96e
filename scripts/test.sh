#!/usr/bin/env bash
# The whole test suite, as CI runs it (README "Run the tests"):
#   1. installs the Debian packages it needs (scripts/install-deps.sh);
#   2. checks formatting (clang-format-16);
#   3. builds with g++ (warnings are errors) in build/ and runs every test;
#   4. builds with clang, AddressSanitizer + UndefinedBehaviorSanitizer and libFuzzer in
#      build-asan/ and runs every test again;
#   5. runs each fuzz target for ST_FUZZ_SECONDS (default 20) from the committed seed corpus.
# Environment: ST_JOBS (parallel jobs, default nproc), ST_FUZZ_SECONDS, ST_SKIP_DEPS=1 to skip 1,
# ST_NO_SKIP=1 to make any skipped test a failure (CI sets it).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=${ST_JOBS:-$(nproc)}
fuzz_seconds=${ST_FUZZ_SECONDS:-20}
export ST_NO_SKIP=${ST_NO_SKIP:-0}

step() { printf '\n==> %s\n' "$*"; }

if [ "${ST_SKIP_DEPS:-0}" != 1 ]; then
  step "dependencies"
  scripts/install-deps.sh
fi

step "formatting (clang-format-16)"
scripts/format.sh --check

run_ctest() {
  local dir=$1
  local log="$dir/ctest.log"
  ctest --test-dir "$dir" --output-on-failure -j "$jobs" --timeout 600 2>&1 | tee "$log"
  if [ "$ST_NO_SKIP" = 1 ] && grep -qE '\*\*\*(Skipped|Not Run)' "$log"; then
    echo "test.sh: a test was skipped and ST_NO_SKIP=1: failing" >&2
    return 1
  fi
}

step "build: g++ (build/)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DST_WARNINGS_AS_ERRORS=ON -DST_ENABLE_BENCH=ON
cmake --build build -j "$jobs"
step "tests: g++ build"
run_ctest build

step "build: clang + ASan + UBSan + libFuzzer (build-asan/)"
CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
  -DST_SANITIZE=ON -DST_FUZZ=ON -DST_ENABLE_BENCH=OFF -DST_WARNINGS_AS_ERRORS=ON
cmake --build build-asan -j "$jobs"
step "tests: sanitizer build"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 run_ctest build-asan

step "fuzzing: ${fuzz_seconds}s per target"
for target in recording_reader_fuzz recording_fixup_fuzz metadata_fuzz event_fuzz \
  output_sanitizer_fuzz asciicast_fuzz term_model_fuzz extractor_fuzz key_file_fuzz \
  frame_layout_fuzz; do
  binary="build-asan/tests/fuzz/$target"
  seeds="tests/fuzz/corpus/$target"
  work="build-asan/fuzz-corpus/$target"
  artifacts="build-asan/fuzz-artifacts/$target/"
  mkdir -p "$work" "$artifacts"
  dict=""
  case $target in
    recording_*) dict="-dict=tests/fuzz/recording.dict" ;;
    metadata_*) dict="-dict=tests/fuzz/metadata.dict" ;;
    output_sanitizer_*) dict="-dict=tests/fuzz/output_sanitizer.dict" ;;
    asciicast_*) dict="-dict=tests/fuzz/asciicast.dict" ;;
  esac
  echo "--- $target"
  # -rss_limit_mb: a parser that allocates what a hostile length asks for fails here.
  "$binary" $dict -max_total_time="$fuzz_seconds" -rss_limit_mb=512 -timeout=10 \
    -artifact_prefix="$artifacts" -print_final_stats=1 "$work" "$seeds" 2>&1 | tail -n 12
done

step "all tests passed"
