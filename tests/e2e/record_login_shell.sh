#!/usr/bin/env bash
# The recorder as a user's login shell (system mode): /etc/passwd names the `shelltrail-session`
# link as the shell and sshd has no ForceCommand, so sshd runs `-shelltrail-session` for a login
# and `shelltrail-session -c CMD` for a command. The real shell comes from the system config
# (`shell = "/bin/bash"`): (a) an interactive login (ssh -tt) gets the notice and a login bash
# ($0 = -bash) below the recorder, and its exit status; (b) a command runs with bash -c and is
# recorded as the command; (c) without `shell` in the config, the passwd shell is shelltrail
# itself, so the session falls back to /bin/sh (a login sh for a login), not to a second recorder.
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/sshd.sh
source "$(dirname "$0")/lib/sshd.sh"
# shellcheck source=lib/system_recorder.sh
source "$(dirname "$0")/lib/system_recorder.sh"

sshd_require
[ -n "$ST_PYTHON" ] || skip "python3 not found"
cd "$ST_WORK" || exit 1

# ---- helpers (as in record_ssh.sh) -------------------------------------------------------------

# json_flatten FILE.json: writes FILE.json.flat, one "key.path<TAB>value" line per leaf.
json_flatten() {
  "$ST_PYTHON" - "$1" >"$1.flat" <<'PY' || fail "$1 is not JSON"
import json, sys
def walk(prefix, value):
    if isinstance(value, dict):
        for key, item in value.items():
            walk(prefix + [key], item)
    elif isinstance(value, str) and "\n" not in value and "\t" not in value:
        print("%s\t%s" % (".".join(prefix), value))
    else:
        print("%s\t%s" % (".".join(prefix), json.dumps(value)))
walk([], json.load(open(sys.argv[1])))
PY
}

json_get() {
  awk -F'\t' -v key="$2" '$1 == key { print substr($0, length(key) + 2); found = 1; exit }
    END { if (!found) print "null" }' "$1.flat"
}

expect_json() {
  local got
  got=$(json_get "$1" "$2")
  [ "$got" = "$3" ] || { cat "$1" >&2; fail "$1: $2 is '$got', expected '$3'"; }
}

# new_recording TAG: sets REC to the only recording added to the spool since the last call, checks
# that it verifies and is attributed to the user, and leaves `show --json` in TAG.show.json and
# the output stream in TAG.output.
spool_seen=$ST_WORK/spool-seen
: >"$spool_seen"
new_recording() {
  local tag=$1 n
  find "$SPOOL" -name '*.strec' -type f | sort >"$tag.spool"
  comm -13 "$spool_seen" "$tag.spool" >"$tag.new"
  cp "$tag.spool" "$spool_seen"
  n=$(wc -l <"$tag.new")
  [ "$n" -eq 1 ] || { cat "$tag.new" >&2; fail "$tag: $n new recordings in $SPOOL, expected exactly 1"; }
  REC=$(cat "$tag.new")
  [ "$(stat -c '%U %a' "$REC")" = "$USER_NAME 600" ] ||
    fail "$tag: $REC is '$(stat -c '%U %a' "$REC")', expected '$USER_NAME 600'"
  expect_exit 0 "$SHELLTRAIL" verify "$REC"
  "$SHELLTRAIL" show "$REC" --json >"$tag.show.json" || fail "$tag: show $REC --json exited non-zero"
  json_flatten "$tag.show.json"
  expect_json "$tag.show.json" state ok
  expect_json "$tag.show.json" metadata.user "$USER_NAME"
  expect_json "$tag.show.json" metadata.uid "$ST_UID_LSH"
  expect_json "$tag.show.json" metadata.login_uid "$ST_UID_LSH"
  expect_json "$tag.show.json" metadata.ssh.server_port "$SSHD_LOGIN_PORT"
  expect_json "$tag.show.json" metadata.ssh.key_fingerprint "$ST_KEY_FP_LSH"
  "$SHELLTRAIL" dump "$REC" --bytes output >"$tag.output" || fail "$tag: dump --bytes output failed"
}

# expect_status TAG WANT GOT SCREEN: the client's exit status.
expect_status() {
  [ "$3" -eq "$2" ] || { cat "$4" >&2; echo >&2; fail "$1: the ssh client exited $3, expected $2"; }
}

# ---- the user, whose login shell is the recorder -----------------------------------------------

sshd_create_user lsh
sshd_client_key lsh
USER_NAME=$ST_USER_LSH

# The user must be able to execute the recorder (lib/system_recorder.sh).
recorder_for_users
LOGIN_SHELL=$RECORDER_DIR/shelltrail-session
_st_userdb usermod -s "$LOGIN_SHELL" "$USER_NAME" || fail "usermod -s $LOGIN_SHELL $USER_NAME failed"
[ "$(getent passwd "$USER_NAME" | cut -d: -f7)" = "$LOGIN_SHELL" ] || fail "the passwd shell of $USER_NAME is not $LOGIN_SHELL"

# Prompts that name the shell: a login bash reads ~/.bash_profile, a login sh (dash) ~/.profile.
# shellcheck disable=SC2016 # for the user's shells
printf '%s\n' "PS1='[st-bash]\\\$ '" >"$ST_HOME_LSH/.bash_profile"
printf '%s\n' "PS1='[st-sh]\$ '" >"$ST_HOME_LSH/.profile"
chown "$USER_NAME:" "$ST_HOME_LSH/.bash_profile" "$ST_HOME_LSH/.profile"

# The system spool and configuration (SHELLTRAIL_SYSTEM_CONFIG through sshd's SetEnv).
SPOOL=$ST_WORK/spool
install -d -m 1733 "$SPOOL"
install -d -m 0755 "$ST_WORK/etc"
CONFIG=$ST_WORK/etc/shelltrail.toml
write_config() {
  {
    printf 'spool = "%s"\n' "$SPOOL"
    printf 'notice = "This session is recorded: login shell {user} on {host}."\n'
    printf 'failure_policy = "fail-closed"\n'
    [ -z "$1" ] || printf 'shell = "%s"\n' "$1"
  } >"$CONFIG.new"
  chmod 0644 "$CONFIG.new"
  mv "$CONFIG.new" "$CONFIG"
}
write_config /bin/bash

# No ForceCommand: sshd runs the passwd shell.
sshd_start login --extra "SetEnv SHELLTRAIL_SYSTEM_CONFIG=$CONFIG"
grep -qi forcecommand "$SSHD_LOGIN_CONFIG" && fail "the sshd config has a ForceCommand"

NOTICE="This session is recorded: login shell $USER_NAME on $(st_re_quote "$(hostname)")\\."
BASH_PROMPT='\[st-bash\]\$ '
SH_PROMPT='\[st-sh\]\$ '
export TERM=xterm-256color

# ---- (a) an interactive login: a login bash below the recorder -----------------------------------

ssh_cmd "$USER_NAME" "$ST_KEY_LSH" "$SSHD_LOGIN_PORT" -tt
rc=0
# shellcheck disable=SC2016 # typed into the remote shell
st_pty_run --timeout 20 --output a.screen \
  --expect "$NOTICE\\r\\n" --expect "$BASH_PROMPT" \
  --send 'echo "zero=$0"\r' --expect '[\r\n]zero=-bash\r\n' --expect "$BASH_PROMPT" \
  --send 'shopt -q login_shell && echo "login=yes"\r' --expect '[\r\n]login=yes\r\n' --expect "$BASH_PROMPT" \
  --send 'echo "parent=$(cat /proc/$PPID/comm) session=$SHELLTRAIL_SESSION"\r' \
  --expect '[\r\n]parent=[^ ]* session=[^\r]*\r\n' --expect "$BASH_PROMPT" \
  --send 'exit 4\r' -- "${SSH_CMD[@]}" || rc=$?
expect_status a 4 "$rc" a.screen
sshd_wait_log login "Accepted publickey for $USER_NAME from 127\\.0\\.0\\.1"
new_recording a
expect_json a.show.json exit.termination exited
expect_json a.show.json exit.value 4
expect_json a.show.json metadata.shell /bin/bash
[[ $(json_get a.show.json metadata.tty) =~ ^/dev/pts/[0-9]+$ ]] ||
  fail "a: metadata.tty is '$(json_get a.show.json metadata.tty)', expected /dev/pts/N"
command=$(json_get a.show.json metadata.command)
[ "$command" = null ] || [ -z "$command" ] || fail "a: an interactive login recorded the command '$command'"
# The shell's parent is the recorder (comm: the link's name, cut to 15 characters), and the
# session id it was given is the recording's.
session_id=$(json_get a.show.json metadata.session_id)
grep -aqE $'(^|\r)parent=shelltrail-sess session='"$session_id"$'\r$' a.screen ||
  { grep -a 'parent=' a.screen >&2; fail "a: the shell's parent is not the recorder of session $session_id"; }
for text in 'zero=-bash' 'login=yes'; do
  grep -aqE $'(^|\r)'"$text"$'\r$' a.output || fail "a: '$text' is not in the recorded output ($REC)"
done
expect_grep "$NOTICE" a.output

# ---- (b) a command: shelltrail-session -c CMD runs it with bash -c --------------------------------

command='echo hi; exit 6'
ssh_cmd "$USER_NAME" "$ST_KEY_LSH" "$SSHD_LOGIN_PORT" "$command"
rc=0
"${SSH_CMD[@]}" </dev/null >b.stdout 2>b.stderr || rc=$?
expect_status b 6 "$rc" b.stderr
[ "$(od -An -c b.stdout)" = "$(printf 'hi\n' | od -An -c)" ] || { od -c b.stdout >&2; fail "b: the client's stdout is not exactly 'hi\\n'"; }
[ ! -s b.stderr ] || { cat b.stderr >&2; fail "b: the client got something on stderr"; }
new_recording b
expect_json b.show.json metadata.command "$command"
expect_json b.show.json metadata.shell /bin/bash
expect_json b.show.json exit.termination exited
expect_json b.show.json exit.value 6
[ "$(od -An -c b.output)" = "$(printf 'hi\n' | od -An -c)" ] || { od -c b.output >&2; fail "b: the recorded output is not exactly 'hi\\n'"; }
# bash -c, not sh -c: only bash knows $BASH_VERSION.
# shellcheck disable=SC2016 # for the remote shell
ssh_cmd "$USER_NAME" "$ST_KEY_LSH" "$SSHD_LOGIN_PORT" 'echo "bash=${BASH_VERSION:-none}"'
"${SSH_CMD[@]}" </dev/null >b2.stdout 2>&1 || { cat b2.stdout >&2; fail "b: ssh 'echo \$BASH_VERSION' failed"; }
grep -qE '^bash=[0-9]' b2.stdout || { cat b2.stdout >&2; fail "b: the command did not run under bash"; }
new_recording b2

# ---- (c) no `shell` in the config: /bin/sh, not the passwd shell (the recorder itself) -----------

write_config ""
SH_EXE=$(readlink -f /bin/sh)
ssh_cmd "$USER_NAME" "$ST_KEY_LSH" "$SSHD_LOGIN_PORT" -tt
rc=0
# shellcheck disable=SC2016 # typed into the remote shell
st_pty_run --timeout 20 --output c.screen \
  --expect "$NOTICE\\r\\n" --expect "$SH_PROMPT" \
  --send 'echo "zero=$0 exe=$(readlink /proc/$$/exe) parent=$(cat /proc/$PPID/comm)"\r' \
  --expect "[\\r\\n]zero=-sh exe=$(st_re_quote "$SH_EXE") parent=shelltrail-sess\\r\\n" --expect "$SH_PROMPT" \
  --send 'exit 7\r' -- "${SSH_CMD[@]}" || rc=$?
expect_status c 7 "$rc" c.screen
new_recording c
expect_json c.show.json metadata.shell /bin/sh
expect_json c.show.json exit.value 7
grep -aqF "zero=-sh exe=$SH_EXE parent=shelltrail-sess" c.output || fail "c: the shell's answer is not in the recorded output ($REC)"

# shellcheck disable=SC2016 # for the remote shell
command='echo "exe=$(readlink /proc/$$/exe)"; exit 8'
ssh_cmd "$USER_NAME" "$ST_KEY_LSH" "$SSHD_LOGIN_PORT" "$command"
rc=0
"${SSH_CMD[@]}" </dev/null >c2.stdout 2>c2.stderr || rc=$?
expect_status c2 8 "$rc" c2.stderr
[ "$(cat c2.stdout)" = "exe=$SH_EXE" ] || { cat c2.stdout c2.stderr >&2; fail "c2: the command did not run under $SH_EXE"; }
new_recording c2
expect_json c2.show.json metadata.command "$command"
expect_json c2.show.json metadata.shell /bin/sh
expect_json c2.show.json exit.value 8

echo "ok"
