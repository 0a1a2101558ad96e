#!/usr/bin/env bash
# show, dump and verify on missing, empty, truncated, random and hostile files: one clear line on
# stderr, the documented exit code, never a crash, hang or huge allocation.
source "$(dirname "$0")/lib/common.sh"

seeds="$ST_SOURCE_DIR/tests/fuzz/corpus/recording_reader_fuzz"
good="$seeds/complete-zstd.strec"
cd "$ST_WORK"

# The good recording first, so the bad cases below mean something.
for cmd in show dump verify; do
  expect_exit 0 "$SHELLTRAIL" "$cmd" "$good"
  [ ! -s "$ST_WORK/err" ] || fail "$cmd wrote to stderr for a good file"
done
expect_exit 0 "$SHELLTRAIL" verify "$good"
expect_grep '^.*: ok \(' out

: >empty.strec
head -c 5000 /dev/urandom >random.strec
printf 'SSH-2.0-OpenSSH_9.2\r\n' >text.strec
size=$(stat -c %s "$good")
head -c $((size - 7)) "$good" >truncated.strec
cp "$good" flipped.strec
printf '\xff' | dd of=flipped.strec bs=1 seek=$((size / 2)) conv=notrunc status=none
# A frame header announcing a 2 GiB payload (with a correct-looking layout but no checksum).
{ head -c 16 "$good"; printf 'STFR\x01\x00\x01\x00\xff\xff\xff\x7f\xff\xff\xff\x7f'; head -c 4096 /dev/zero; } >hostile.strec
mkdir dir.strec

# file                 exit  stderr says
cases="
missing.strec          3     No such file or directory
empty.strec            3     empty file, not a shelltrail recording
random.strec           3     not a shelltrail recording
text.strec             3     not a shelltrail recording
dir.strec              3     .
truncated.strec        1     incomplete
flipped.strec          2     chunk [0-9]+ \(frame at offset [0-9]+\)
hostile.strec          2     checksum
"
while read -r file code says; do
  [ -n "$file" ] || continue
  for cmd in show dump verify; do
    # A huge allocation would fail loudly here instead of passing unnoticed.
    expect_exit "$code" with_memory_limit 256 timeout 20 "$SHELLTRAIL" "$cmd" "$file"
    expect_lines 1 "$ST_WORK/err"
    expect_grep "^shelltrail: (error|warning): " "$ST_WORK/err"
    expect_grep "$says" "$ST_WORK/err"
  done
done <<<"$cases"

# The recoverable part is still shown.
expect_exit 1 "$SHELLTRAIL" dump truncated.strec
expect_grep 'output "\$ ' out
expect_exit 1 "$SHELLTRAIL" verify truncated.strec
expect_grep 'incomplete \(not signed, recorder stopped at .*; [0-9]+ events recoverable' out

# verify over several files exits with the worst verdict.
expect_exit 2 "$SHELLTRAIL" verify "$good" truncated.strec flipped.strec

# Output that cannot be written (a full disk) is an error, said once, not a silent success.
for cmd in show dump verify; do
  got=0
  "$SHELLTRAIL" "$cmd" "$good" >/dev/full 2>"$ST_WORK/err" || got=$?
  [ "$got" -eq 3 ] || fail "$cmd >/dev/full exited $got, expected 3"
  expect_lines 1 "$ST_WORK/err"
  expect_grep '^shelltrail: error: writing standard output: No space left on device' "$ST_WORK/err"
done

# Usage errors.
expect_exit 64 "$SHELLTRAIL" show
expect_exit 64 "$SHELLTRAIL" no-such-command
expect_exit 0 "$SHELLTRAIL" --version
expect_grep '^shelltrail [0-9]+\.[0-9]+\.[0-9]+' out
echo "ok"
