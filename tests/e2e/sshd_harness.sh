#!/usr/bin/env bash
# Self-test of lib/sshd.sh and lib/ssh_session.py against real OpenSSH servers on 127.0.0.1:
# a "jump" sshd whose ForceCommand shows the session's environment, and a "prod" sshd without
# one, running at the same time.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/sshd.sh"

sshd_require
[ -n "$ST_PYTHON" ] || skip "python3 not found"
cd "$ST_WORK"

sshd_create_user alice
sshd_client_key alice
[[ $ST_USER_ALICE == sttest_*_alice ]] || fail "unexpected login name '$ST_USER_ALICE'"
[[ $ST_KEY_FP_ALICE == SHA256:* ]] || fail "unexpected fingerprint '$ST_KEY_FP_ALICE'"
[[ $ST_KEY_PUB_ALICE == "ssh-ed25519 AAAA"* ]] || fail "unexpected public key '$ST_KEY_PUB_ALICE'"

# The forced command: what sshd gives a session, plus what only the session can read.
forced=$ST_WORK/show-session
cat >"$forced" <<'SCRIPT'
#!/bin/sh
/usr/bin/env
echo "user_auth_begin"
cat "$SSH_USER_AUTH"
echo "user_auth_end"
echo "loginuid=$(cat /proc/self/loginuid)"
echo "sessionid=$(cat /proc/self/sessionid)"
echo "tty=$(tty)"
SCRIPT
chmod 0755 "$forced"

sshd_start jump --force-command "$forced" --match-user "$ST_USER_ALICE"
sshd_start prod
[ "$SSHD_JUMP_PORT" != "$SSHD_PROD_PORT" ] || fail "both instances got port $SSHD_JUMP_PORT"
for port in "$SSHD_JUMP_PORT" "$SSHD_PROD_PORT"; do
  if [ "$port" -lt 20000 ] || [ "$port" -gt 60000 ]; then fail "port $port outside 20000-60000"; fi
done
expect_grep '^ForceCommand' <(sed -n '/^Match User '"$ST_USER_ALICE"'$/,$p' "$SSHD_JUMP_CONFIG" | tr -d '\t')

# 1. An interactive login (ssh -tt) under a pty owned by the test.
ssh_cmd "$ST_USER_ALICE" "$ST_KEY_ALICE" "$SSHD_JUMP_PORT" -tt
rc=0
st_pty_run --strip-cr --timeout 20 --output tty.out -- "${SSH_CMD[@]}" || rc=$?
[ "$rc" -eq 0 ] || { cat tty.out >&2; fail "ssh -tt to jump exited $rc"; }
expect_grep "^SSH_CONNECTION=127\.0\.0\.1 [0-9]+ 127\.0\.0\.1 $SSHD_JUMP_PORT\$" tty.out
expect_grep '^SSH_TTY=/dev/pts/[0-9]+$' tty.out
ssh_tty=$(sed -n 's/^SSH_TTY=//p' tty.out)
expect_grep "^tty=$ssh_tty\$" tty.out
expect_grep "^USER=$ST_USER_ALICE\$" tty.out
expect_grep "^HOME=$(st_re_quote "$ST_HOME_ALICE")\$" tty.out
expect_grep '^SSH_USER_AUTH=/' tty.out
grep -q '^SSH_ORIGINAL_COMMAND=' tty.out && fail "SSH_ORIGINAL_COMMAND set without a command"
# SSH_USER_AUTH lists exactly the accepted key, without its comment.
sed -n '/^user_auth_begin$/,/^user_auth_end$/p' tty.out | sed '1d;$d' >user_auth
expect_lines 1 user_auth
[ "$(cat user_auth)" = "publickey $ST_KEY_PUB_ALICE" ] ||
  fail "SSH_USER_AUTH holds '$(cat user_auth)', expected 'publickey $ST_KEY_PUB_ALICE'"
# UsePAM yes: pam_loginuid gave the session the user's loginuid and a session id.
expect_grep "^loginuid=$ST_UID_ALICE\$" tty.out
expect_grep '^sessionid=[0-9]+$' tty.out
grep -q '^sessionid=4294967295$' tty.out && fail "no audit session id (pam_loginuid did not run)"
expect_grep "Accepted publickey for $ST_USER_ALICE from 127\.0\.0\.1 port [0-9]+ ssh2: ED25519 $(st_re_quote "$ST_KEY_FP_ALICE")\$" "$SSHD_JUMP_LOG"

# 2. A command, no pty.
expect_exit 0 ssh_run "$ST_USER_ALICE" "$ST_KEY_ALICE" "$SSHD_JUMP_PORT" -n 'echo hi'
expect_grep '^SSH_ORIGINAL_COMMAND=echo hi$' out
expect_grep "^SSH_CONNECTION=127\.0\.0\.1 [0-9]+ 127\.0\.0\.1 $SSHD_JUMP_PORT\$" out
grep -q '^SSH_TTY=' out && fail "SSH_TTY set without a pty"
expect_grep '^tty=not a tty$' out

# 3. The second instance (no ForceCommand) at the same time: the command runs, its exit status
# comes back, with and without a pty.
# shellcheck disable=SC2016 # expanded by the remote shell
expect_exit 0 ssh_run "$ST_USER_ALICE" "$ST_KEY_ALICE" "$SSHD_PROD_PORT" -n 'echo "conn=$SSH_CONNECTION uid=$(id -u)"'
expect_grep "^conn=127\.0\.0\.1 [0-9]+ 127\.0\.0\.1 $SSHD_PROD_PORT uid=$ST_UID_ALICE\$" out
expect_exit 7 ssh_run "$ST_USER_ALICE" "$ST_KEY_ALICE" "$SSHD_PROD_PORT" -n 'exit 7'
ssh_cmd "$ST_USER_ALICE" "$ST_KEY_ALICE" "$SSHD_PROD_PORT" -tt 'exit 7'
rc=0
st_pty_run --timeout 20 -- "${SSH_CMD[@]}" >/dev/null || rc=$?
[ "$rc" -eq 7 ] || fail "ssh -tt 'exit 7' through the pty driver exited $rc"

# The window size reaches the remote pty, and so does a resize (SIGWINCH -> window-change).
# shellcheck disable=SC2016 # expanded by the remote shell
ssh_cmd "$ST_USER_ALICE" "$ST_KEY_ALICE" "$SSHD_PROD_PORT" -tt \
  'trap "echo resized \$(stty size); exit 0" WINCH; echo "size $(stty size)"; while :; do sleep 0.05; done'
rc=0
st_pty_run --strip-cr --cols 90 --rows 20 --expect 'size 20 90\r?\n' --resize 132x40 -- "${SSH_CMD[@]}" >winch.out || rc=$?
[ "$rc" -eq 0 ] || { cat winch.out >&2; fail "resize session exited $rc"; }
expect_grep '^resized 40 132$' winch.out

# 4. Nested: from a prod session, ssh to jump as the user with the key sshd_client_key put in
# ~/.ssh (the shape of a jump box -> production host test, reversed).
ssh_cmd "$ST_USER_ALICE" "$ST_HOME_ALICE/.ssh/id_ed25519" "$SSHD_JUMP_PORT" -n 'nested'
inner=$SSH_CMD_LINE
expect_exit 0 ssh_run "$ST_USER_ALICE" "$ST_KEY_ALICE" "$SSHD_PROD_PORT" -n "$inner"
expect_grep '^SSH_ORIGINAL_COMMAND=nested$' out
expect_grep "^SSH_CONNECTION=127\.0\.0\.1 [0-9]+ 127\.0\.0\.1 $SSHD_JUMP_PORT\$" out

# 5. Refusals are real: an unknown user and a key that is not authorized.
expect_exit 255 ssh_run "sttest_nosuchuser" "$ST_KEY_ALICE" "$SSHD_PROD_PORT" -n true
ssh-keygen -q -t ed25519 -N '' -f stranger </dev/null
expect_exit 255 ssh_run "$ST_USER_ALICE" "$ST_WORK/stranger" "$SSHD_PROD_PORT" -n true
expect_grep 'Permission denied \(publickey\)' err
echo "ok"
