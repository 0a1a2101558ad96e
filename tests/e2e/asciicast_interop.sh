#!/usr/bin/env bash
# asciinema interop, through the real programs in tmux panes of 80x24:
#  (a) a session recorded with `shelltrail record` (its output includes an OSC 52 clipboard write)
#      exports as asciicast v2 and v3; Debian's `asciinema play` (2.2.0, v2 only) shows the
#      recorded text; the clipboard write was dropped (tmux, with set-clipboard on, gets no
#      buffer), and with --raw it is kept (so the check above can fail); v3 imports back;
#  (b) a cast recorded with `asciinema rec` imports; `dump` shows its output, `verify` says ok,
#      `show --json` says it was imported; the test casts of asciinema's own suite import too;
#  (c) bad input: a malformed cast names its line, a non-cast file says so, nothing is left behind.
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

command -v tmux >/dev/null || skip "tmux not found (Debian: apt-get install tmux)"
command -v asciinema >/dev/null || skip "asciinema not found (Debian: apt-get install asciinema)"
cd "$ST_WORK" || exit 1

home=$ST_WORK/home
mkdir -p "$home"
spool=$home/.local/share/shelltrail/spool
socket=st-interop-$$
environment=(env -i "HOME=$home" "PATH=/usr/local/bin:/usr/bin:/bin" "LC_ALL=C.UTF-8"
  "TERM=xterm-256color" "SHELL=/bin/bash")

st_tmux() { tmux -L "$socket" -f /dev/null "$@"; }
trap 'status=$?; tmux -L "$socket" kill-server 2>/dev/null; (exit $status); st_cleanup' EXIT

# run_in_pane NAME COMMAND: runs COMMAND in a new 80x24 pane and waits (60 s at most) until it
# ends; the pane stays open so that its screen can be read.
run_in_pane() {
  local name=$1 command=$2
  st_tmux new-session -d -s "$name" -x 80 -y 24 \
    "$command; tmux -L $socket wait-for -S $name-done; sleep 600"
  timeout 60 tmux -L "$socket" wait-for "$name-done" || {
    st_tmux capture-pane -p -t "$name" >&2 || true
    fail "$name: '$command' did not end within 60 s"
  }
}

screen_of() { st_tmux capture-pane -p -t "$1"; }

# The tmux server, with the clipboard writes of its panes on (what a hostile cast would abuse).
"${environment[@]}" tmux -L "$socket" -f /dev/null new-session -d -s keeper -x 80 -y 24 "sleep 600"
st_tmux set-option -g set-clipboard on
st_tmux set-option -g remain-on-exit off

# ---- (a) record here, play in asciinema --------------------------------------------------------

printf 'printf "hello from shelltrail\\n"; printf "\\033]52;c;ZXZpbA==\\007"; printf "second line\\n"\n' \
  >"$ST_WORK/session.sh"
run_in_pane record "$SHELLTRAIL record -c 'bash $ST_WORK/session.sh'"
rec=$(find "$spool" -name '*.strec' -type f ! -name '.*')
[ "$(printf '%s\n' "$rec" | wc -l)" -eq 1 ] && [ -n "$rec" ] || fail "expected one recording in $spool, found: $rec"
expect_exit 0 "$SHELLTRAIL" verify "$rec"

expect_exit 0 "$SHELLTRAIL" export "$rec" --format asciicast -o v2.cast
expect_grep '^shelltrail: warning: dropped 1 escape sequences .*1 clipboard' err
head -n 1 v2.cast >v2.header
expect_grep '^\{"version":2,"width":[0-9]+,"height":[0-9]+,"timestamp":[0-9]+,' v2.header
expect_grep '\[[0-9]+\.[0-9]{6}, "o", ".*hello from shelltrail' v2.cast
if grep -q ']52;' v2.cast; then fail "the OSC 52 clipboard write reached v2.cast"; fi
[ "$(stat -c %a v2.cast)" = 600 ] || fail "v2.cast is not mode 0600"

expect_exit 0 "$SHELLTRAIL" export "$rec" --format asciicast-v3
cp out v3.cast
head -n 1 v3.cast >v3.header
expect_grep '^\{"version":3,"term":\{"cols":[0-9]+,"rows":[0-9]+' v3.header
expect_grep '"x", "0"\]$' v3.cast

# An existing file is never overwritten.
expect_exit 64 "$SHELLTRAIL" export "$rec" --format asciicast -o v2.cast
expect_grep 'v2.cast already exists' err

# Debian's asciinema (2.2.0) plays v2; v3 is checked by importing it back. The live session
# above did set tmux's clipboard (the recorder relays everything): start from no buffers.
while st_tmux delete-buffer 2>/dev/null; do :; done
run_in_pane play-v2 "asciinema play $ST_WORK/v2.cast"
screen_of play-v2 >play-v2.screen
expect_grep '^hello from shelltrail' play-v2.screen
expect_grep '^second line' play-v2.screen
if st_tmux list-buffers | grep -q .; then
  fail "a tmux buffer appeared while playing the filtered cast: $(st_tmux list-buffers)"
fi
expect_exit 0 "$SHELLTRAIL" import v3.cast -o v3.strec
expect_exit 0 "$SHELLTRAIL" dump v3.strec
expect_grep 'output ".*hello from shelltrail' out
expect_grep 'end exited 0 ' out

# The control: unfiltered, the same recording sets the clipboard of the terminal that plays it.
expect_exit 0 "$SHELLTRAIL" export "$rec" --format asciicast --raw -o raw.cast
expect_grep '^shelltrail: warning: --raw' err
run_in_pane play-raw "asciinema play $ST_WORK/raw.cast"
st_tmux list-buffers | grep -q . || fail "the --raw cast did not reach tmux's clipboard: the check above proves nothing"

# ---- (b) record in asciinema, import here ------------------------------------------------------

run_in_pane asciinema-rec "asciinema rec -q -c 'printf \"cast from asciinema\\n\"' $ST_WORK/asciinema.cast"
head -n 1 asciinema.cast | grep -q '"version": 2' || fail "asciinema rec did not write a v2 cast"
expect_exit 0 "$SHELLTRAIL" import asciinema.cast --spool "$ST_WORK/imports"
expect_grep '^asciinema.cast: imported as session [0-9a-f-]{36} \([0-9]+ events, .*\): /.*\.strec$' out
imported=$(sed 's/.*: //' out)
[ -f "$imported" ] || fail "the imported recording $imported does not exist"
expect_exit 0 "$SHELLTRAIL" dump "$imported"
expect_grep 'output ".*cast from asciinema' out
expect_exit 0 "$SHELLTRAIL" verify "$imported"
expect_grep ': ok \(' out
expect_exit 0 "$SHELLTRAIL" show "$imported" --json
expect_grep '"origin": "imported:asciicast-v2"' out
expect_grep '"signed": false' out
expect_grep "\"sha256\": \"$(sha256sum asciinema.cast | cut -c1-64)\"" out
# The session id (a prefix of it) finds it in the spool, as for recordings made here.
id=$(basename "$imported" .strec)
expect_exit 0 "$SHELLTRAIL" dump "${id:0:13}" --spool "$ST_WORK/imports"

# The casts of asciinema's own test suite.
for cast in "$ST_TEST_DATA"/asciicast/*.cast; do
  name=$(basename "$cast" .cast)
  expect_exit 0 "$SHELLTRAIL" import "$cast" -o "$name.strec"
  expect_exit 0 "$SHELLTRAIL" verify "$name.strec"
done
expect_exit 0 "$SHELLTRAIL" dump frames-v3.strec
expect_grep 'marker "step 1"' out
expect_grep 'resize 8x3' out

# ---- (c) bad input -------------------------------------------------------------------------------

printf '{"version": 2, "width": 80, "height": 24}\n[0.1, "o", "a"]\n[0.2, "o"]\n' >bad.cast
expect_exit 2 "$SHELLTRAIL" import bad.cast -o bad.strec
expect_lines 1 err
expect_grep '^shelltrail: error: bad.cast:3: an event must be a JSON array of \[time, code, data\]$' err
[ ! -e bad.strec ] || fail "a failed import left bad.strec behind"
printf 'shopping list\nmilk\n' >notes.txt
expect_exit 3 "$SHELLTRAIL" import notes.txt -o notes.strec
expect_lines 1 err
expect_grep '^shelltrail: error: notes.txt: not an asciicast file' err
expect_exit 3 "$SHELLTRAIL" import missing.cast -o missing.strec
expect_lines 1 err
expect_exit 64 "$SHELLTRAIL" export "$rec" --format gif
echo "ok"
