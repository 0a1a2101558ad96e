#!/usr/bin/env bash
# audit-logins against real sshds and the real wtmp: an operator logs in through the jump sshd
# (ForceCommand: recorded), then through a second sshd port without ForceCommand (the way
# around). `audit-logins --since` must name the second login and only it (exit 1), list both
# with --all (the first with its session id), and agree in --json. sshd writes wtmp for sessions
# with a terminal, so both log in with ssh -tt; then both run a command without one, which only
# sshd's journal entries show. (--user: other tests may log in meanwhile.)
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
stamps=() # when each login began, for the journal entries made below
stamp() { stamps+=("$1:$(date +%s%6N)"); }
sleep 1 # wtmp has seconds; logins before this test must fall outside the window
ssh_cmd "$ST_USER_AUD" "$ST_KEY_AUD" "$SSHD_JUMP_PORT" -tt
stamp jump
st_pty_run --timeout 20 --output aud.screen --expect '\$ ' --send 'echo recorded-$((6*7))\r' \
  --expect 'recorded-42' --send 'exit\r' -- "${SSH_CMD[@]}" || fail "the recorded login failed"
ssh_cmd "$ST_USER_AUD" "$ST_KEY_AUD" "$SSHD_SIDE_PORT" -tt
stamp side
st_pty_run --timeout 20 --output side.screen --expect '\$ ' --send 'echo unrecorded-$((6*7))\r' \
  --expect 'unrecorded-42' --send 'exit\r' -- "${SSH_CMD[@]}" || fail "the login around the recorder failed"
sleep 0.5 # sshd writes the logout record after the session closes
RECORDING=$(find "$SPOOL" -name '*.strec')
[ "$(printf '%s\n' "$RECORDING" | wc -l)" = 1 ] || fail "expected one recording: $RECORDING"
ID=$(basename "$RECORDING" .strec)

expect_exit 1 "$SHELLTRAIL" audit-logins --since "$since" --spool "$SPOOL" --user "$ST_USER_AUD" --no-journal
expect_lines 2 "$ST_WORK/out" # the heading and the one login around the recorder
expect_grep "^[0-9T:-]+Z +$ST_USER_AUD +127\.0\.0\.1 +pts/[0-9]+ +[0-9T:-]+Z +NONE \(not recorded\)$" "$ST_WORK/out"
expect_grep '2 SSH logins since .*: 1 recorded, 1 without a recording' "$ST_WORK/err"

expect_exit 1 "$SHELLTRAIL" audit-logins --since "$since" --spool "$SPOOL" --user "$ST_USER_AUD" --no-journal --all
expect_lines 3 "$ST_WORK/out"
expect_grep "$ST_USER_AUD +127\.0\.0\.1 +pts/[0-9]+ +[0-9T:-]+Z +$ID$" "$ST_WORK/out"

expect_exit 1 "$SHELLTRAIL" audit-logins --since "$since" --spool "$SPOOL" --user "$ST_USER_AUD" --no-journal --all --json
"$ST_PYTHON" - "$ST_WORK/out" "$ID" <<'PY' || fail "audit-logins --json"
import json, sys
rows = json.load(open(sys.argv[1]))
assert len(rows) == 2, rows
first, second = sorted(rows, key=lambda r: r["login"])
assert first["recorded"] and first["session_id"] == sys.argv[2], rows
assert not second["recorded"] and second["session_id"] is None, rows
assert all(r["from"] == "127.0.0.1" and r["logout"] for r in rows), rows
PY

# Logins without a terminal are not in wtmp; sshd's journal entries have them all. No journald
# runs here, so the test gives audit-logins what `journalctl -o json _COMM=sshd` would: sshd's
# own "Accepted ..." lines, from both servers' logs, stamped with when each login began.
ssh_cmd "$ST_USER_AUD" "$ST_KEY_AUD" "$SSHD_JUMP_PORT" 'echo command-recorded'
stamp jump
"${SSH_CMD[@]}" </dev/null >cmd1.out 2>&1 || { cat cmd1.out >&2; fail "ssh jump command"; }
ssh_cmd "$ST_USER_AUD" "$ST_KEY_AUD" "$SSHD_SIDE_PORT" 'echo command-around'
stamp side
"${SSH_CMD[@]}" </dev/null >cmd2.out 2>&1 || { cat cmd2.out >&2; fail "ssh side command"; }
expect_grep '^command-recorded$' cmd1.out
sleep 0.5
"$ST_PYTHON" - "$SSHD_JUMP_LOG" "$SSHD_SIDE_LOG" "${stamps[@]}" >journal.json <<'PY'
import json, re, sys
logs = {"jump": sys.argv[1], "side": sys.argv[2]}
stamps = {}
for item in sys.argv[3:]:
    name, us = item.split(":")
    stamps.setdefault(name, []).append(us)
for name, path in logs.items():
    accepted = [l.strip() for l in open(path) if re.match(r"Accepted publickey for ", l)]
    for line, us in zip(accepted, stamps[name]):
        print(json.dumps({"__REALTIME_TIMESTAMP": us, "_COMM": "sshd", "_PID": "1", "MESSAGE": line}))
PY
expect_lines 4 journal.json
expect_exit 1 "$SHELLTRAIL" audit-logins --since "$since" --spool "$SPOOL" --user "$ST_USER_AUD" \
  --journal-json journal.json --all --json
expect_grep 'and the journal \(4 sshd logins\)' "$ST_WORK/err"
"$ST_PYTHON" - "$ST_WORK/out" <<'PY' || fail "audit-logins with the journal"
import json, sys
rows = sorted(json.load(open(sys.argv[1])), key=lambda r: r["login"])
assert len(rows) == 4, rows
tty_in, tty_around, cmd_in, cmd_around = rows
assert tty_in["recorded"] and not tty_around["recorded"], rows
assert tty_in["tty"] and tty_in["port"] and tty_around["tty"] and tty_around["port"], rows
assert cmd_in["recorded"] and cmd_in["tty"] is None and cmd_in["port"], rows
assert not cmd_around["recorded"] and cmd_around["tty"] is None and cmd_around["port"], rows
PY

# Once the bypass is closed (the whole group recorded), nothing is left over: a window after it.
expect_exit 0 "$SHELLTRAIL" audit-logins --since "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" --spool "$SPOOL" --user "$ST_USER_AUD" --no-journal
expect_exit 3 "$SHELLTRAIL" audit-logins --since 1h --wtmp "$ST_WORK/no-such-wtmp" --spool "$SPOOL"
expect_grep 'error: reading the login records: .*no-such-wtmp' "$ST_WORK/err"
echo "audit_logins: ok"
