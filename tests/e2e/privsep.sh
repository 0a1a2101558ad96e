#!/usr/bin/env bash
# Privilege separation through a real sshd: the session entry point is installed setuid to the
# `shelltrail` account (as docs/trust.md says to). An operator who logs in gets a shell running
# as themselves on a terminal they own, while the recorder above it runs with every uid set to
# the account: the operator cannot signal it (kill -9 included), ptrace it, read its memory or
# environment, list the spool, or read, append to, truncate, rename or delete the recording of
# their own session; the recording is complete afterwards and signed with a key only the account
# can read.
# Every other command of the setuid binary runs with the caller's own rights.
# Needs root (CI runs as root); uses /etc/shelltrail/shelltrail.toml, since a setuid recorder
# takes its configuration from there only, so it refuses to run where that file already exists.
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/sshd.sh
source "$(dirname "$0")/lib/sshd.sh"

sshd_require
[ -n "$ST_PYTHON" ] || skip "python3 not found"
[ "$(id -u)" -eq 0 ] || skip "needs root: creates the shelltrail account and a setuid binary"
SYSTEM_CONFIG=/etc/shelltrail/shelltrail.toml
[ ! -e "$SYSTEM_CONFIG" ] || skip "$SYSTEM_CONFIG exists: this machine has a real installation"
cd "$ST_WORK" || exit 1

# ---- the jump box as docs/trust.md sets it up ----------------------------------------------------
if ! id shelltrail >/dev/null 2>&1; then
  _st_userdb useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
    shelltrail || fail "useradd shelltrail"
  st_at_exit "_st_userdb userdel shelltrail"
fi
made_etc=0
[ -d /etc/shelltrail ] || { install -d -m 0755 /etc/shelltrail; made_etc=1; }
st_at_exit "rm -f $SYSTEM_CONFIG; [ $made_etc = 0 ] || rmdir /etc/shelltrail"
install -d -m 0755 bin
install -o shelltrail -g root -m 4755 "$SHELLTRAIL" bin/shelltrail
ln -s shelltrail bin/shelltrail-session
SPOOL=$ST_WORK/spool
install -d -o shelltrail -m 0700 "$SPOOL"
install -d -o shelltrail -m 0700 keys
"$SHELLTRAIL" key --path "$ST_WORK/keys/signing.key" --generate >/dev/null || fail "key --generate"
chown shelltrail keys/signing.key keys/signing.pub
cat >"$SYSTEM_CONFIG" <<EOC
spool = "$SPOOL"
signing_key = "$ST_WORK/keys/signing.key"
shell = "/bin/bash"
notice = "This session is recorded."
EOC
chmod 0644 "$SYSTEM_CONFIG"

sshd_create_user ops
sshd_client_key ops
sshd_start jump --force-command "$ST_WORK/bin/shelltrail-session" --match-user "$ST_USER_OPS"
ACCOUNT_UID=$(id -u shelltrail)
printf '%s\n' "PS1='[ops]\$ '" >"$ST_HOME_OPS/.bashrc"
chown "$ST_USER_OPS:" "$ST_HOME_OPS/.bashrc"

# ---- a login ---------------------------------------------------------------------------------------
export TERM=xterm
ssh_cmd "$ST_USER_OPS" "$ST_KEY_OPS" "$SSHD_JUMP_PORT" -tt
# shellcheck disable=SC2016 # typed into the remote shell
st_pty_run --timeout 20 --output session.screen --strip-cr \
  --expect 'This session is recorded\.' --expect '\[ops\]\$ ' \
  --send 'echo "me=$(id -u) tty=$(stat -c %U $(tty))"\r' --expect 'me=[0-9]+ tty=[^\r]+\r\n' \
  --send 'echo "rec=$(ps -o ruid=,euid=,suid= -p $PPID | xargs)"\r' --expect 'rec=[0-9 ]+\r\n' \
  --send 'kill -TERM $PPID 2>/dev/null; echo "kill=$?"\r' --expect 'kill=[0-9]+\r\n' \
  --send 'kill -KILL $PPID 2>/dev/null; echo "killed=$?"\r' --expect 'killed=[0-9]+\r\n' \
  --send 'cat /proc/$PPID/environ >/dev/null 2>&1; echo "environ=$?"\r' --expect 'environ=[0-9]+\r\n' \
  --send "ls $SPOOL >/dev/null 2>&1; echo \"spool=\$?\"\\r" --expect 'spool=[0-9]+\r\n' \
  --send 'python3 -c "import ctypes; print(\x27ptrace=%d\x27 % ctypes.CDLL(None).ptrace(16, $PPID, 0, 0))"\r' \
  --expect 'ptrace=-?[0-9]+\r\n' \
  --send 'head -c 1 /proc/$PPID/mem >/dev/null 2>&1; echo "mem=$?"\r' --expect 'mem=[0-9]+\r\n' \
  --send "R=$SPOOL/\$(date -u +%Y/%m/%d)/\$SHELLTRAIL_SESSION.strec; echo sid=\$SHELLTRAIL_SESSION\\r" \
  --expect 'sid=[0-9a-f-]+\r\n' \
  --send 'cat "$R" >/dev/null 2>&1; a=$?; echo x >>"$R" 2>/dev/null; b=$?; truncate -s 0 "$R" 2>/dev/null; c=$?; mv "$R" "$R.x" 2>/dev/null; d=$?; rm -f "$R" 2>/dev/null; e=$?; echo "files=$a$b$c$d$e"\r' \
  --expect 'files=[0-9]+\r\n' \
  --send 'exit 3\r' -- "${SSH_CMD[@]}" || rc=$?
[ "${rc:-0}" = 3 ] || { cat session.screen >&2; fail "the session ended with ${rc:-0}, expected 3"; }
expect_grep "me=$ST_UID_OPS tty=$ST_USER_OPS\$" session.screen
expect_grep "rec=$ACCOUNT_UID $ACCOUNT_UID $ACCOUNT_UID\$" session.screen
expect_grep "kill=1$" session.screen
expect_grep "killed=1$" session.screen
expect_grep "environ=1$" session.screen
expect_grep "spool=[12]$" session.screen
expect_grep "ptrace=-1$" session.screen
expect_grep "mem=1$" session.screen
expect_grep "files=11111$" session.screen # read, append, truncate, rename, delete

# ---- what was left behind --------------------------------------------------------------------------
REC=$(find "$SPOOL" -name '*.strec')
[ "$(printf '%s\n' "$REC" | wc -l)" = 1 ] || fail "expected one recording: $REC"
[ "$(stat -c '%U %a' "$REC")" = "shelltrail 600" ] || fail "the recording is $(stat -c '%U %a' "$REC")"
expect_grep "sid=$(basename "$REC" .strec)$" session.screen # the file the operator tried
[ "$(stat -c '%U %a' "$(dirname "$REC")")" = "shelltrail 700" ] || fail "its directory is not the account's alone"
expect_exit 0 "$SHELLTRAIL" verify --key keys/signing.pub "$REC"
expect_grep ': ok \(signed by key ' "$ST_WORK/out"
expect_exit 0 "$SHELLTRAIL" show --json "$REC"
expect_grep "\"user\": *\"$ST_USER_OPS\"" "$ST_WORK/out"
expect_grep '\[ops\]\$ exit 3' <("$SHELLTRAIL" export -f text "$REC")

# ---- sftp (and scp) go through the recorder too, as the operator ------------------------------------
seq 1 2000 >payload.txt
chmod 0644 payload.txt
printf 'put %s up.txt\nls -l up.txt\n' "$ST_WORK/payload.txt" >batch
sftp -F /dev/null -P "$SSHD_JUMP_PORT" -i "$ST_KEY_OPS" -o IdentitiesOnly=yes -o BatchMode=yes \
  -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -b batch \
  "$ST_USER_OPS@127.0.0.1" >sftp.out 2>&1 || { cat sftp.out >&2; fail "sftp through the recorder failed"; }
cmp payload.txt "$ST_HOME_OPS/up.txt" || fail "the file sent by sftp differs"
[ "$(stat -c %U "$ST_HOME_OPS/up.txt")" = "$ST_USER_OPS" ] || fail "sftp did not run as the operator"
SFTP_REC=$(find "$SPOOL" -name '*.strec' ! -path "$REC")
[ -n "$SFTP_REC" ] || fail "the sftp session was not recorded"
expect_exit 0 "$SHELLTRAIL" show --json "$SFTP_REC"
expect_grep '"command": *"/usr/lib/openssh/sftp-server"' "$ST_WORK/out"

# ---- the setuid binary gives nobody else the account's rights ----------------------------------------
expect_exit 3 runuser -u "$ST_USER_OPS" -- "$ST_WORK/bin/shelltrail" verify "$REC"
expect_grep 'Permission denied' "$ST_WORK/err"
expect_exit 3 runuser -u "$ST_USER_OPS" -- "$ST_WORK/bin/shelltrail" key --path "$ST_WORK/keys/signing.key"
echo "privsep: ok"
