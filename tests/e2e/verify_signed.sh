#!/usr/bin/env bash
# Tamper evidence through the real programs: `shelltrail key --generate` makes a key that OpenSSL
# reads; a recorded session verifies as "ok (signed by key ...)"; a recorder killed mid-session
# leaves "incomplete (signed up to chunk N ...)"; a reviewer holding another public key gets
# "signed by an unknown key" (exit 4); a flipped byte is "altered" (exit 2); `verify --all` goes
# through the spool. In system mode each checkpoint's chain head goes to syslog: read here from
# /dev/log (a listener this test binds when the machine has no syslog daemon) or the journal,
# and the head logged at the end is the one the recording's last signature signs.
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/system_recorder.sh
source "$(dirname "$0")/lib/system_recorder.sh"

[ -n "${ST_PYTHON:-}" ] || ST_PYTHON=$(command -v python3 || true)
[ -n "$ST_PYTHON" ] || skip "python3 not found"
command -v openssl >/dev/null || skip "openssl not found"
cd "$ST_WORK" || exit 1
export HOME=$ST_WORK/home XDG_DATA_HOME=$ST_WORK/home/data XDG_CONFIG_HOME=$ST_WORK/home/config
mkdir -p "$HOME"
KEY=$XDG_DATA_HOME/shelltrail/signing.key

# ---- the key ------------------------------------------------------------------------------------
expect_exit 3 "$SHELLTRAIL" key
expect_grep 'no signing key at .*key --generate' "$ST_WORK/err"
expect_exit 0 "$SHELLTRAIL" key --generate
expect_grep 'key id +SHA256:[0-9a-f]{16}' "$ST_WORK/out"
[ "$(stat -c %a "$KEY")" = 600 ] || fail "the private key is not mode 600"
expect_exit 3 "$SHELLTRAIL" key --generate
expect_grep 'never replaced' "$ST_WORK/err"
"$SHELLTRAIL" key --public >ours.pub
openssl pkey -in "$KEY" -pubout >openssl.pub
cmp ours.pub openssl.pub || fail "key --public differs from what OpenSSL derives from the key"

# ---- a signed session ---------------------------------------------------------------------------
echo input | "$SHELLTRAIL" record -q -- sh -c 'cat; echo done' >/dev/null
expect_exit 0 "$SHELLTRAIL" verify --all
expect_grep ': ok \(signed by key SHA256:[0-9a-f]{16}; ' "$ST_WORK/out"
SIGNED=$(find "$XDG_DATA_HOME/shelltrail/spool" -name '*.strec')

# ---- cut short after checkpoints: the recorder is killed (SIGKILL) under a real pty -------------
"$ST_PYTHON" - "$SHELLTRAIL" <<'PY' || fail "the killed session did not run"
import os, pty, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "record", "-q", "--set", "checkpoint_interval_ms=200",
                           "--", "sh", "-c",
                           "for i in 1 2 3 4 5 6 7 8; do echo tick $i; sleep 0.2; done; kill -9 $PPID"])
out = b""
while True:
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
os.waitpid(pid, 0)
sys.exit(0 if b"tick 8" in out else 1)
PY
CUT=$(find "$XDG_DATA_HOME/shelltrail/spool" -name '*.strec' ! -path "$SIGNED")
expect_exit 1 "$SHELLTRAIL" verify "$CUT"
expect_grep 'incomplete \(signed up to chunk [1-9][0-9]* by key SHA256:[0-9a-f]{16}, recorder stopped at' "$ST_WORK/out"
expect_exit 1 "$SHELLTRAIL" verify --json "$CUT"
expect_grep '"state":"signed-prefix"' "$ST_WORK/out"

# ---- another reviewer's key; a changed byte -----------------------------------------------------
openssl genpkey -algorithm ed25519 -out other.key 2>/dev/null
openssl pkey -in other.key -pubout >other.pub
expect_exit 4 "$SHELLTRAIL" verify --key other.pub "$SIGNED"
expect_grep 'signed by an unknown key SHA256:[0-9a-f]{16} at chunk' "$ST_WORK/out"
expect_exit 0 "$SHELLTRAIL" verify --key openssl.pub "$SIGNED"
# A key made by OpenSSL signs too, and only its public half verifies the result.
chmod 600 other.key
echo x | SHELLTRAIL_SIGNING_KEY=$ST_WORK/other.key "$SHELLTRAIL" record -q --set spool="$ST_WORK/other-spool" -- cat >/dev/null
expect_exit 0 "$SHELLTRAIL" verify --spool "$ST_WORK/other-spool" --key other.pub --all
expect_grep ': ok \(signed by key ' "$ST_WORK/out"
expect_exit 4 "$SHELLTRAIL" verify --spool "$ST_WORK/other-spool" --key openssl.pub --all
cp "$SIGNED" changed.strec
size=$(stat -c %s changed.strec)
printf '\x55' | dd of=changed.strec bs=1 seek=$((size / 2)) conv=notrunc status=none
expect_exit 2 "$SHELLTRAIL" verify changed.strec
expect_grep 'altered at chunk' "$ST_WORK/out"

# ---- system mode: chain heads in syslog ---------------------------------------------------------
recorder_for_users
system_spool "signing_key = \"$ST_WORK/sys/signing.key\"" 'shell = "/bin/sh"'
install -d -m 0700 "$ST_WORK/sys"
expect_exit 0 "$SHELLTRAIL" key --path "$ST_WORK/sys/signing.key" --generate
listener_pid=""
if [ ! -e /dev/log ]; then
  [ "$(id -u)" -eq 0 ] || skip "no /dev/log and not root: cannot listen for syslog"
  "$ST_PYTHON" - "$ST_WORK/syslog.txt" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
os.chmod("/dev/log", 0o666)
with open(sys.argv[1], "ab", buffering=0) as out:
    while True:
        out.write(s.recv(65536) + b"\n")
PY
  listener_pid=$!
  trap 'kill "$listener_pid" 2>/dev/null; rm -f /dev/log; st_cleanup' EXIT
  for _ in $(seq 50); do [ -S /dev/log ] && break; sleep 0.1; done
fi
since=$(date '+%Y-%m-%d %H:%M:%S')
SHELLTRAIL_SYSTEM_CONFIG=$CONFIG "$RECORDER_DIR/shelltrail-session" -c 'echo recorded in system mode' \
  >sys.out </dev/null
expect_grep 'recorded in system mode' sys.out
SYSREC=$(find "$SPOOL" -name '*.strec')
id=$(basename "$SYSREC" .strec)
expect_exit 0 "$SHELLTRAIL" verify --key "$ST_WORK/sys/signing.pub" --json "$SYSREC"
chunks=$("$ST_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["chunks"])' "$ST_WORK/out")
head=$("$ST_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["signature"]["signed_head"])' "$ST_WORK/out")
sleep 0.3
if [ -n "$listener_pid" ]; then
  cp "$ST_WORK/syslog.txt" syslog.seen
else
  journalctl -t shelltrail --since "$since" -o cat >syslog.seen 2>/dev/null ||
    fail "/dev/log exists but the journal cannot be read to find the chain heads"
fi
# The last checkpoint: everything but the signature chunk and the trailer after it.
expect_grep "chain head session=$id chunks=$((chunks - 2)) head=$head signed=yes" syslog.seen
echo "verify_signed: ok"
