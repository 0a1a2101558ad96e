#!/usr/bin/env bash
# audit-logins against real sshds and the real wtmp: an operator logs in through the jump sshd
# (ForceCommand: recorded), then through a second sshd port without ForceCommand (the way
# around). `audit-logins --since` must name the second login and only it (exit 1), list both
# with --all (the first with its session id), and agree in --json. sshd writes wtmp for sessions
# with a terminal, so both log in with ssh -tt. (--user: other tests may log in meanwhile.)
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/sshd.sh
source "$(dirname "$0")/lib/sshd.sh"
# shellcheck source=lib/system_recorder.sh
source "$(dirname "$0")/lib/system_recorder.sh"

sshd_require
[ -n "$ST_PYTHON" ] || skip "python3 not found"
[ -w /var/log/wtmp ] || skip "/var/log/wtmp is not writable here: sshd cannot record logins"
cd "$ST_WORK" || exit 1

sshd_create_user aud
sshd_client_key aud
recorder_for_users
system_spool 'shell = "/bin/sh"'
sshd_start jump --force-command "$RECORDER_DIR/shelltrail-session" --match-user "$ST_USER_AUD" \
  --extra "SetEnv SHELLTRAIL_SYSTEM_CONFIG=$CONFIG"
sshd_start side # a second sshd, forgotten on another port: no ForceCommand
export TERM=xterm

since=$(date -u '+%Y-%m-%dT%H:%M:%SZ')
sleep 1 # wtmp has seconds; logins before this test must fall outside the window
ssh_cmd "$ST_USER_AUD" "$ST_KEY_AUD" "$SSHD_JUMP_PORT" -tt
st_pty_run --timeout 20 --output aud.screen --expect '\$ ' --send 'echo recorded-$((6*7))\r' \
  --expect 'recorded-42' --send 'exit\r' -- "${SSH_CMD[@]}" || fail "the recorded login failed"
ssh_cmd "$ST_USER_AUD" "$ST_KEY_AUD" "$SSHD_SIDE_PORT" -tt
st_pty_run --timeout 20 --output side.screen --expect '\$ ' --send 'echo unrecorded-$((6*7))\r' \
  --expect 'unrecorded-42' --send 'exit\r' -- "${SSH_CMD[@]}" || fail "the login around the recorder failed"
sleep 0.5 # sshd writes the logout record after the session closes
RECORDING=$(find "$SPOOL" -name '*.strec')
[ "$(printf '%s\n' "$RECORDING" | wc -l)" = 1 ] || fail "expected one recording: $RECORDING"
ID=$(basename "$RECORDING" .strec)

expect_exit 1 "$SHELLTRAIL" audit-logins --since "$since" --spool "$SPOOL" --user "$ST_USER_AUD"
expect_lines 2 "$ST_WORK/out" # the heading and the one login around the recorder
expect_grep "^[0-9T:-]+Z +$ST_USER_AUD +127\.0\.0\.1 +pts/[0-9]+ +[0-9T:-]+Z +NONE \(not recorded\)$" "$ST_WORK/out"
expect_grep '2 SSH logins since .*: 1 recorded, 1 without a recording' "$ST_WORK/err"

expect_exit 1 "$SHELLTRAIL" audit-logins --since "$since" --spool "$SPOOL" --user "$ST_USER_AUD" --all
expect_lines 3 "$ST_WORK/out"
expect_grep "$ST_USER_AUD +127\.0\.0\.1 +pts/[0-9]+ +[0-9T:-]+Z +$ID$" "$ST_WORK/out"

expect_exit 1 "$SHELLTRAIL" audit-logins --since "$since" --spool "$SPOOL" --user "$ST_USER_AUD" --all --json
"$ST_PYTHON" - "$ST_WORK/out" "$ID" <<'PY' || fail "audit-logins --json"
import json, sys
rows = json.load(open(sys.argv[1]))
assert len(rows) == 2, rows
first, second = sorted(rows, key=lambda r: r["login"])
assert first["recorded"] and first["session_id"] == sys.argv[2], rows
assert not second["recorded"] and second["session_id"] is None, rows
assert all(r["from"] == "127.0.0.1" and r["logout"] for r in rows), rows
PY

# Once the bypass is closed (the whole group recorded), nothing is left over: a window after it.
expect_exit 0 "$SHELLTRAIL" audit-logins --since "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" --spool "$SPOOL" --user "$ST_USER_AUD"
expect_exit 3 "$SHELLTRAIL" audit-logins --since 1h --wtmp "$ST_WORK/no-such-wtmp" --spool "$SPOOL"
expect_grep 'error: reading the login records: .*no-such-wtmp' "$ST_WORK/err"
echo "audit_logins: ok"
