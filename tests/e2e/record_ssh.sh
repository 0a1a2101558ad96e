#!/usr/bin/env bash
# The recorder as sshd's ForceCommand (system mode, `shelltrail-session`) on a "jump" sshd, as an
# operator meets it: an interactive login (ssh -tt), a command without a pty, and, from a recorded
# session, a nested ssh to a "prod" sshd with a remote sudo password prompt and a nested ssh to a
# "pwauth" sshd with an ssh password prompt. Checks what reaches the client, where the recording
# goes (system spool, day directories, owner and mode), its metadata (user, ssh origin, key
# fingerprint, login uid, tty, exit) and streams, and that no password reaches the recording.
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/sshd.sh
source "$(dirname "$0")/lib/sshd.sh"
# shellcheck source=lib/system_recorder.sh
source "$(dirname "$0")/lib/system_recorder.sh"

sshd_require
[ -n "$ST_PYTHON" ] || skip "python3 not found"
command -v sudo >/dev/null || skip "sudo not found (Debian: apt-get install sudo)"
command -v chpasswd >/dev/null || skip "chpasswd not found (Debian: apt-get install passwd)"
cd "$ST_WORK" || exit 1

# ---- helpers -----------------------------------------------------------------------------------

# json_flatten FILE.json: writes FILE.json.flat, one "key.path<TAB>value" line per leaf (strings
# as they are unless they hold a tab or newline, then as JSON; numbers, true, false, null).
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

# json_get FILE.json KEY.PATH: prints the value at KEY.PATH (after json_flatten), "null" if absent.
json_get() {
  awk -F'\t' -v key="$2" '$1 == key { print substr($0, length(key) + 2); found = 1; exit }
    END { if (!found) print "null" }' "$1.flat"
}

# expect_json FILE KEY.PATH VALUE: the value at KEY.PATH is exactly VALUE.
expect_json() {
  local got
  got=$(json_get "$1" "$2")
  [ "$got" = "$3" ] || { cat "$1" >&2; fail "$1: $2 is '$got', expected '$3'"; }
}

# stream_bytes RECORDING STREAM OUT: the bytes of one stream, reassembled from `dump --json`, into
# OUT, and as `dump --bytes STREAM` writes them into OUT.bytes. A difference between the two is a
# late failure (see late_failures), so that the other checks still run and report.
late=()
stream_bytes() {
  local rec=$1 stream=$2 out=$3
  "$SHELLTRAIL" dump "$rec" --json >"$out.events" || fail "dump $rec --json exited non-zero"
  "$ST_PYTHON" - "$out.events" "$stream" >"$out" <<'PY'
import json, sys
out = sys.stdout.buffer
for line in open(sys.argv[1], encoding="utf-8"):
    event = json.loads(line)
    if event["type"] == sys.argv[2]:
        out.write(event.get("bytes", "").encode("utf-8", "surrogateescape"))
PY
  if ! "$SHELLTRAIL" dump "$rec" --bytes "$stream" >"$out.bytes" 2>"$out.bytes.err"; then
    late+=("dump --bytes $stream exited non-zero ($(head -c 200 "$out.bytes.err"); $out.bytes)")
  elif ! cmp -s "$out" "$out.bytes"; then
    late+=("dump --bytes $stream differs from the $stream events of dump --json: $out.bytes starts '$(head -c 60 "$out.bytes" | od -An -c | tr -s ' \n' ' ')', $out (from --json) starts '$(head -c 60 "$out" | od -An -c | tr -s ' \n' ' ')'")
  fi
}

# late_failures: fails with everything stream_bytes (and other late checks) found.
late_failures() {
  local item
  [ ${#late[@]} -eq 0 ] && return 0
  for item in "${late[@]}"; do echo "FAIL (late): $item" >&2; done
  fail "${#late[@]} late check(s) failed (see above)"
}

# new_recording TAG: sets REC to the only recording added to the spool since the last call, and
# leaves `show --json` in TAG.show.json. Fails unless there is exactly one.
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
  expect_json "$tag.show.json" metadata.uid "$USER_UID"
  expect_json "$tag.show.json" metadata.ssh.client_addr 127.0.0.1
  expect_json "$tag.show.json" metadata.ssh.server_addr 127.0.0.1
  expect_json "$tag.show.json" metadata.ssh.server_port "$SSHD_JUMP_PORT"
  expect_json "$tag.show.json" metadata.ssh.auth_method publickey
  expect_json "$tag.show.json" metadata.ssh.key_type ssh-ed25519
  expect_json "$tag.show.json" metadata.ssh.key_fingerprint "$ST_KEY_FP_OPS"
  expect_json "$tag.show.json" metadata.login_uid "$USER_UID"
}

# no_secret TAG SECRET WHAT: SECRET appears nowhere in the recording REC: not in show --json,
# dump, dump --json, nor in the raw input and output streams.
no_secret() {
  local tag=$1 secret=$2 what=$3 f
  "$SHELLTRAIL" dump "$REC" >"$tag.dump" || fail "$tag: dump $REC exited non-zero"
  stream_bytes "$REC" input "$tag.input"
  stream_bytes "$REC" output "$tag.output"
  for f in "$tag.show.json" "$tag.dump" "$tag.input.events" "$tag.input" "$tag.input.bytes" \
    "$tag.output" "$tag.output.bytes"; do
    if grep -aqF -- "$secret" "$f"; then
      grep -anF -- "$secret" "$f" | head -5 >&2
      fail "$tag: the $what is in $f (from $REC)"
    fi
  done
  # The test's own screen did not show it either (echo was off): a sanity check of the test.
  if grep -aqF -- "$secret" "$tag.screen"; then fail "$tag: the $what was echoed to the screen"; fi
}

# redacted_lengths TAG: prints the lengths of the runs of redacted_input events of REC (events
# with nothing between them: input that arrived in pieces), one a line.
redacted_lengths() {
  awk '$2 == "redacted_input" && $4 == "bytes" { n += $3; next } n { print n; n = 0 } END { if (n) print n }' "$1.dump"
}

# ---- the user, the recorder, the servers -------------------------------------------------------

sshd_create_user ops
sshd_client_key ops
USER_NAME=$ST_USER_OPS
USER_UID=$ST_UID_OPS
# A prompt that names the server's port, so the test knows which host the shell runs on.
cat >"$ST_HOME_OPS/.bash_profile" <<'EOF'
PS1='[st:${SSH_CONNECTION##* }]\$ '
EOF
chown "$USER_NAME:" "$ST_HOME_OPS/.bash_profile"
PASSWORD="Tr0ub4dor-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s:%s\n' "$USER_NAME" "$PASSWORD" | _st_userdb chpasswd || fail "chpasswd failed"

# sudo on "prod" (the same machine): the user may run id as root, after a password prompt.
sudoers=/etc/sudoers.d/shelltrail-e2e-$_st_run_id-ssh
st_at_exit "rm -f $sudoers /run/sudo/ts/$USER_NAME /var/lib/sudo/lectured/$USER_NAME"
printf 'Defaults:%s lecture=never\n%s ALL=(root) /usr/bin/id\n' "$USER_NAME" "$USER_NAME" >sudoers
visudo -cqf sudoers || fail "visudo rejects the sudoers drop-in $ST_WORK/sudoers"
install -m 0440 -o root -g root sudoers "$sudoers"

# The recorder where the user can execute it, the system spool and the system configuration,
# pointed at by SHELLTRAIL_SYSTEM_CONFIG through sshd's SetEnv (lib/system_recorder.sh).
recorder_for_users
system_spool 'notice = "This session is recorded: e2e {user} on {host}."' 'failure_policy = "fail-closed"'

sshd_start jump --force-command "$RECORDER_DIR/shelltrail-session" --match-user "$USER_NAME" \
  --extra "SetEnv SHELLTRAIL_SYSTEM_CONFIG=$CONFIG"
sshd_start prod
sshd_start pwauth --extra 'PasswordAuthentication yes' --extra 'KbdInteractiveAuthentication yes'

JUMP_PROMPT="\\[st:$SSHD_JUMP_PORT\\]\\\$ "
PROD_PROMPT="\\[st:$SSHD_PROD_PORT\\]\\\$ "
NOTICE="This session is recorded: e2e $USER_NAME on $(st_re_quote "$(hostname)")\\."
export TERM=xterm-256color

# ---- 1. an interactive login ---------------------------------------------------------------------

ssh_cmd "$USER_NAME" "$ST_KEY_OPS" "$SSHD_JUMP_PORT" -tt
rc=0
# shellcheck disable=SC2016 # typed into the remote shell
st_pty_run --timeout 20 --cols 100 --rows 30 --output login.screen \
  --expect "$NOTICE\\r\\n" --expect "$JUMP_PROMPT" \
  --send 'echo $((6*7))\r' --expect '[\r\n]42\r\n' --expect "$JUMP_PROMPT" \
  --send 'exit 3\r' -- "${SSH_CMD[@]}" || rc=$?
[ "$rc" -eq 3 ] || { cat login.screen >&2; fail "interactive ssh -tt to jump exited $rc, expected 3"; }
sshd_wait_log jump "Accepted publickey for $USER_NAME from 127\\.0\\.0\\.1"
new_recording login
for dir in "$(dirname "$REC")" "$(dirname "$(dirname "$REC")")" "$(dirname "$(dirname "$(dirname "$REC")")")"; do
  [ "$(stat -c '%U %a' "$dir")" = "$USER_NAME 1733" ] ||
    fail "day directory $dir is '$(stat -c '%U %a' "$dir")', expected '$USER_NAME 1733'"
done
[[ $REC =~ ^$(st_re_quote "$SPOOL")/[0-9]{4}/[0-9]{2}/[0-9]{2}/[^/]+\.strec$ ]] ||
  fail "recording $REC is not at <spool>/yyyy/mm/dd/<id>.strec"
expect_json login.show.json exit.termination exited
expect_json login.show.json exit.value 3
expect_json login.show.json metadata.shell /bin/bash
expect_json login.show.json metadata.terminal.type xterm-256color
expect_json login.show.json metadata.terminal.cols 100
expect_json login.show.json metadata.terminal.rows 30
[[ $(json_get login.show.json metadata.tty) =~ ^/dev/pts/[0-9]+$ ]] ||
  fail "metadata.tty is '$(json_get login.show.json metadata.tty)', expected /dev/pts/N"
[[ $(json_get login.show.json metadata.ssh.client_port) =~ ^[1-9][0-9]*$ ]] ||
  fail "metadata.ssh.client_port is '$(json_get login.show.json metadata.ssh.client_port)'"
audit_session=$(json_get login.show.json metadata.audit_session_id)
if ! [[ $audit_session =~ ^[0-9]+$ ]] || [ "$audit_session" = 4294967295 ]; then
  fail "metadata.audit_session_id is '$audit_session', expected the session's (pam_loginuid ran)"
fi
stream_bytes "$REC" output login.output
expect_grep "$NOTICE" login.output
grep -aqE $'(^|\r)42\r$' login.output || { od -c login.output | tail -20 >&2; fail "no line '42' in the output stream"; }
stream_bytes "$REC" input login.input
# shellcheck disable=SC2016 # literal text
grep -aqF 'echo $((6*7))' login.input || fail "the typed command is not in the input stream"

# ---- 2. a command without a pty ------------------------------------------------------------------

command='echo out; echo err >&2; exit 5'
ssh_cmd "$USER_NAME" "$ST_KEY_OPS" "$SSHD_JUMP_PORT" "$command"
rc=0
true | "${SSH_CMD[@]}" >cmd.stdout 2>cmd.stderr || rc=$?
[ "$rc" -eq 5 ] || { cat cmd.stdout cmd.stderr >&2; fail "ssh jump '$command' exited $rc, expected 5"; }
[ "$(od -An -c cmd.stdout)" = "$(printf 'out\n' | od -An -c)" ] || { od -c cmd.stdout >&2; fail "the client's stdout is not exactly 'out\\n'"; }
[ "$(od -An -c cmd.stderr)" = "$(printf 'err\n' | od -An -c)" ] || { od -c cmd.stderr >&2; fail "the client's stderr is not exactly 'err\\n'"; }
new_recording cmd
expect_json cmd.show.json metadata.command "$command"
expect_json cmd.show.json exit.termination exited
expect_json cmd.show.json exit.value 5
stream_bytes "$REC" output cmd.output
stream_bytes "$REC" error_output cmd.error_output
[ "$(od -An -c cmd.output)" = "$(printf 'out\n' | od -An -c)" ] || { od -c cmd.output >&2; fail "the recorded output is not exactly 'out\\n'"; }
[ "$(od -An -c cmd.error_output)" = "$(printf 'err\n' | od -An -c)" ] || { od -c cmd.error_output >&2; fail "the recorded error_output is not exactly 'err\\n'"; }
tty=$(json_get cmd.show.json metadata.tty)
[ "$tty" = null ] || [ -z "$tty" ] || fail "metadata.tty is '$tty' for a session without a pty"

# ---- 3. nested ssh to prod, sudo with a password ------------------------------------------------

# What the operator types on the jump box (the key sshd_client_key put in ~/.ssh).
nested="ssh -tt -p $SSHD_PROD_PORT -i ~/.ssh/id_ed25519 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR $USER_NAME@127.0.0.1"
ssh_cmd "$USER_NAME" "$ST_KEY_OPS" "$SSHD_JUMP_PORT" -tt
rc=0
st_pty_run --timeout 20 --output sudo.screen \
  --expect "$NOTICE\\r\\n" --expect "$JUMP_PROMPT" \
  --send "$nested\\r" --expect "$PROD_PROMPT" \
  --send 'sudo -k; sudo id -u\r' --expect "\\[sudo\\] password for $USER_NAME: " \
  --send "$PASSWORD\\r" --expect '[\r\n]0\r\n' --expect "$PROD_PROMPT" \
  --send 'exit\r' --expect "$JUMP_PROMPT" \
  --send 'exit\r' -- "${SSH_CMD[@]}" || rc=$?
[ "$rc" -eq 0 ] || { cat sudo.screen >&2; fail "the jump session with the nested sudo exited $rc"; }
sshd_wait_log prod "Accepted publickey for $USER_NAME from 127\\.0\\.0\\.1"
new_recording sudo
expect_json sudo.show.json exit.value 0
no_secret sudo "$PASSWORD" "sudo password (typed on prod, through the nested ssh)"
grep -aqF 'sudo -k; sudo id -u' sudo.input || fail "sudo: the command typed on prod is not in the input stream"
grep -aqF -- "-p $SSHD_PROD_PORT" sudo.input || fail "sudo: the nested ssh command is not in the input stream"
grep -aqF "[sudo] password for $USER_NAME: " sudo.output || fail "sudo: the sudo prompt is not in the output stream"
grep -aqE $'(^|\r)0\r$' sudo.output || fail "sudo: the output of 'sudo id -u' is not in the output stream"
mapfile -t lengths < <(redacted_lengths sudo)
[ "${#lengths[@]}" -ge 1 ] || { cat sudo.dump >&2; fail "sudo: no redacted_input event"; }
[ "${lengths[*]}" = "$((${#PASSWORD} + 1))" ] ||
  fail "sudo: redacted_input lengths '${lengths[*]}', expected the password and Enter ($((${#PASSWORD} + 1)))"
expect_json sudo.show.json summary.redacted_bytes "$((${#PASSWORD} + 1))"

# ---- 4. nested ssh to pwauth, the ssh client's own password prompt ----------------------------

nested="ssh -p $SSHD_PWAUTH_PORT -o PreferredAuthentications=password -o PubkeyAuthentication=no -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR $USER_NAME@127.0.0.1 'echo pwauth-\$((40+2))'"
rc=0
st_pty_run --timeout 20 --output pwauth.screen \
  --expect "$NOTICE\\r\\n" --expect "$JUMP_PROMPT" \
  --send "$nested\\r" --expect "$USER_NAME@127\\.0\\.0\\.1's password: " \
  --send "$PASSWORD\\r" --expect '\npwauth-42\r\n' --expect "$JUMP_PROMPT" \
  --send 'exit\r' -- "${SSH_CMD[@]}" || rc=$?
[ "$rc" -eq 0 ] || { cat pwauth.screen >&2; fail "the jump session with the nested password login exited $rc"; }
sshd_wait_log pwauth "Accepted password for $USER_NAME from 127\\.0\\.0\\.1"
new_recording pwauth
no_secret pwauth "$PASSWORD" "ssh password (typed at the ssh client's prompt on the jump box)"
grep -aqF "PreferredAuthentications=password" pwauth.input || fail "pwauth: the nested ssh command is not in the input stream"
grep -aqF "$USER_NAME@127.0.0.1's password: " pwauth.output || fail "pwauth: the ssh password prompt is not in the output stream"
mapfile -t lengths < <(redacted_lengths pwauth)
[ "${#lengths[@]}" -ge 1 ] || { cat pwauth.dump >&2; fail "pwauth: no redacted_input event"; }
[ "${lengths[*]}" = "$((${#PASSWORD} + 1))" ] ||
  fail "pwauth: redacted_input lengths '${lengths[*]}', expected the password and Enter ($((${#PASSWORD} + 1)))"

# ---- 5. the configuration the sessions ran with, as `config show --system` reports it ---------

if ! SHELLTRAIL_SYSTEM_CONFIG=$CONFIG "$SHELLTRAIL" config show --system >config-show 2>&1; then
  late+=("SHELLTRAIL_SYSTEM_CONFIG=$CONFIG shelltrail config show --system exited non-zero: $(head -c 300 config-show)")
elif ! grep -qE "spool = $(st_re_quote "$SPOOL")\$" config-show ||
  ! grep -qF "notice = This session is recorded: e2e {user} on {host}." config-show; then
  late+=("SHELLTRAIL_SYSTEM_CONFIG=$CONFIG shelltrail config show --system does not show the spool and notice the sessions used: $(grep -E ' (spool|notice) = ' config-show | tr '\n' ';')")
fi

late_failures
echo "ok"
