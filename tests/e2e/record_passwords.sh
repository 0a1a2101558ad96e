#!/usr/bin/env bash
# Local password prompts in a recorded shell (personal mode, `shelltrail record`), typed by a
# non-root user under a pty owned by the test: `read -s`, sudo's prompt and passwd's three prompts.
# None of the secrets may reach the recording (events, streams, metadata); each is recorded as one
# redacted_input event of its length plus the Enter; the commands around them are recorded.
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/sshd.sh
source "$(dirname "$0")/lib/sshd.sh"

sshd_require # root, useradd; no sshd is started
[ -n "$ST_PYTHON" ] || skip "python3 not found"
command -v sudo >/dev/null || skip "sudo not found (Debian: apt-get install sudo)"
command -v setpriv >/dev/null || skip "setpriv not found (Debian: apt-get install util-linux)"
for tool in passwd chpasswd visudo; do
  command -v "$tool" >/dev/null || skip "$tool not found"
done
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

random_hex() {
  od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'
}

# ---- the user ----------------------------------------------------------------------------------

sshd_create_user pw
USER_NAME=$ST_USER_PW
HOME_DIR=$ST_HOME_PW
READ_SECRET="S3cret-read-$(random_hex 5)"
PASSWORD="Tr0ub4dor-$(random_hex 6)"
NEW_PASSWORD="N3w-Passw0rd-$(random_hex 8)-$(random_hex 4)"
printf '%s:%s\n' "$USER_NAME" "$PASSWORD" | _st_userdb chpasswd || fail "chpasswd failed"

sudoers=/etc/sudoers.d/shelltrail-e2e-$_st_run_id-pw
st_at_exit "rm -f $sudoers /run/sudo/ts/$USER_NAME /var/lib/sudo/lectured/$USER_NAME"
printf 'Defaults:%s lecture=never\n%s ALL=(root) /usr/bin/true\n' "$USER_NAME" "$USER_NAME" >sudoers
visudo -cqf sudoers || fail "visudo rejects the sudoers drop-in $ST_WORK/sudoers"
install -m 0440 -o root -g root sudoers "$sudoers"

# The user must be able to execute the recorder: the build tree if every directory on the way is
# searchable by others, otherwise a copy.
recorder=$SHELLTRAIL
d=$(cd "$(dirname "$SHELLTRAIL")" && pwd)
while [ "$d" != / ]; do
  [[ $(stat -c %A "$d") == *[xt] ]] || recorder=""
  d=$(dirname "$d")
done
[[ $(stat -L -c %A "$SHELLTRAIL") == *x ]] || recorder=""
if [ -z "$recorder" ]; then
  install -d -m 0755 "$ST_WORK/bin"
  install -m 0755 "$SHELLTRAIL" "$ST_WORK/bin/shelltrail"
  recorder=$ST_WORK/bin/shelltrail
fi

SPOOL=$HOME_DIR/spool

# ---- the session -------------------------------------------------------------------------------

# The recorder runs as the user (setpriv execs it: the pty's child is the recorder itself), with a
# clean environment, and records bash. Each secret is typed after its prompt has appeared and the
# recorded shell's terminal (the recorder's pty, found through /proc) is in the mode the program
# reads it in: canonical, echo off. A typist is never faster than that; this test must not be.
cat >session.py <<'PY'
import os, re, sys, termios, time
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["ST_E2E_LIB"])
from ptydriver import PtyError, Session

user, read_secret, password, new_password = sys.argv[1:5]
argv = sys.argv[5:]
PROMPT = rb"PW> "

def line(text):
    return rb"(?:^|[\r\n])" + re.escape(text) + rb"\r\n"

s = Session(argv, cols=100, rows=30, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}, cwd=os.environ["HOME_DIR"])

def inner_tty():
    """The terminal of the recorded shell: fd 0 of the recorder's child."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            if ppid == s.pid:
                return os.readlink("/proc/%s/fd/0" % entry)
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
    raise SystemExit("FAIL: the recorder (pid %d) has no child" % s.pid)

def wait_secret_mode(timeout=10):
    """Waits until the recorded terminal is canonical with echo off (while reading output)."""
    deadline = time.monotonic() + timeout
    while True:
        fd = os.open(tty, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        try:
            lflag = termios.tcgetattr(fd)[3]
        finally:
            os.close(fd)
        if lflag & termios.ICANON and not lflag & termios.ECHO:
            return
        if time.monotonic() > deadline:
            raise SystemExit("FAIL: %s never became canonical without echo (lflag %#o)" % (tty, lflag))
        s._read_some(0.01)

status = 1
try:
    s.expect(PROMPT, timeout=20)
    tty = inner_tty()
    if not re.match(r"^/dev/pts/[0-9]+$", tty):
        raise SystemExit("FAIL: the recorded shell's stdin is %s, not a pty" % tty)

    s.send("echo typed-$((6*7))\r")
    s.expect(line(b"typed-42"))
    s.expect(PROMPT)

    # 1. read -s: echo off, canonical; the prompt text says nothing about a password.
    s.send("read -s -p 'Secret: ' x; echo len=${#x}\r")
    s.expect(rb"\rSecret: ")
    wait_secret_mode()
    s.send(read_secret + "\r")
    s.expect(rb"len=%d\r\n" % len(read_secret))  # read -s echoes no newline
    s.expect(PROMPT)

    # 2. sudo, after forgetting any cached credentials.
    s.send("sudo -k; sudo true; echo sudo=$?\r")
    s.expect(re.escape(("[sudo] password for %s: " % user).encode()))
    wait_secret_mode()
    s.send(password + "\r")
    s.expect(line(b"sudo=0"))
    s.expect(PROMPT)

    # 3. passwd: the current password, then the new one twice.
    s.send("passwd; echo passwd=$?\r")
    for prompt, secret in ((b"Current password: ", password), (b"New password: ", new_password),
                           (b"Retype new password: ", new_password)):
        s.expect(re.escape(prompt))
        wait_secret_mode()
        s.send(secret + "\r")
    s.expect(rb"password updated successfully")
    s.expect(line(b"passwd=0"))
    s.expect(PROMPT)

    s.send("exit 0\r")
    status = s.wait(20)
except PtyError as e:
    print("session: %s: %s" % (type(e).__name__, e), file=sys.stderr)
    status = 124
finally:
    s.close()
    with open("screen", "wb") as f:
        f.write(s.output)
sys.exit(status)
PY

rc=0
export ST_E2E_LIB HOME_DIR
"$ST_PYTHON" session.py \
  "$USER_NAME" "$READ_SECRET" "$PASSWORD" "$NEW_PASSWORD" \
  setpriv --reuid="$ST_UID_PW" --regid="$ST_GID_PW" --init-groups -- \
  env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$HOME_DIR" USER="$USER_NAME" LOGNAME="$USER_NAME" \
  SHELL=/bin/bash TERM=xterm-256color LANG=C.UTF-8 PS1='PW> ' \
  "$recorder" record -q --set "spool=$SPOOL" -- bash --norc --noprofile -i || rc=$?
[ "$rc" -eq 0 ] || { cat -v screen >&2; fail "the recorded session exited $rc"; }
# -q: the recorder did not announce the recording path.
if grep -aq 'session recorded in' screen; then fail "record -q printed the recording path"; fi

# ---- the recording -----------------------------------------------------------------------------

find "$SPOOL" -name '*.strec' -type f >recordings
[ "$(wc -l <recordings)" -eq 1 ] || { cat recordings >&2; fail "expected exactly 1 recording in $SPOOL"; }
REC=$(cat recordings)
[ "$(stat -c '%U %a' "$REC")" = "$USER_NAME 600" ] ||
  fail "$REC is '$(stat -c '%U %a' "$REC")', expected '$USER_NAME 600'"
expect_exit 0 "$SHELLTRAIL" verify "$REC"
"$SHELLTRAIL" show "$REC" --json >show.json || fail "show $REC --json exited non-zero"
json_flatten show.json
expect_json show.json state ok
expect_json show.json metadata.user "$USER_NAME"
expect_json show.json exit.termination exited
expect_json show.json exit.value 0
"$SHELLTRAIL" dump "$REC" >dump.txt || fail "dump $REC exited non-zero"
stream_bytes "$REC" input input
stream_bytes "$REC" output output

# No secret anywhere: metadata and summary, the event list (escaped and JSON), the raw streams.
for secret in "$READ_SECRET" "$PASSWORD" "$NEW_PASSWORD"; do
  for f in show.json dump.txt input.events input input.bytes output output.bytes; do
    if grep -aqF -- "$secret" "$f"; then
      grep -anF -- "$secret" "$f" | head -5 >&2
      fail "the secret '$secret' is in $f (from $REC)"
    fi
  done
  # The screen never showed it (echo was off): a check of the test itself.
  if grep -aqF -- "$secret" screen; then fail "the secret '$secret' was echoed to the screen"; fi
done

# One redacted_input event per secret typed (or a run of them, had the input arrived in pieces),
# of its length plus the Enter, in order.
expected="$((${#READ_SECRET} + 1)) $((${#PASSWORD} + 1)) $((${#PASSWORD} + 1)) $((${#NEW_PASSWORD} + 1)) $((${#NEW_PASSWORD} + 1))"
got=$(awk '$2 == "redacted_input" && $4 == "bytes" { n += $3; next } n { print n; n = 0 } END { if (n) print n }' dump.txt | tr '\n' ' ')
[ "${got% }" = "$expected" ] || { grep -a 'input' dump.txt >&2 || true; fail "redacted_input lengths '${got% }', expected '$expected'"; }
expect_json show.json summary.redacted_bytes "$((${#READ_SECRET} + ${#PASSWORD} * 2 + ${#NEW_PASSWORD} * 2 + 5))"

# What was typed at the shell's prompt is recorded, as typed.
# shellcheck disable=SC2016 # literal text
for typed in 'echo typed-$((6*7))' "read -s -p 'Secret: ' x; echo len=\${#x}" 'sudo -k; sudo true; echo sudo=$?' \
  'passwd; echo passwd=$?' 'exit 0'; do
  grep -aqF -- "$typed"$'\r' input || { cat -v input >&2; fail "'$typed' is not in the input stream"; }
done
# And what the programs printed around the secrets.
for shown in "Secret: " "[sudo] password for $USER_NAME: " "Current password: " "Retype new password: " \
  "len=${#READ_SECRET}" "password updated successfully"; do
  grep -aqF -- "$shown" output || fail "'$shown' is not in the output stream"
done

# passwd really changed the password (so the redacted input really was the passwords).
hash=$(getent shadow "$USER_NAME" | cut -d: -f2)
"$ST_PYTHON" -W ignore - "$hash" "$NEW_PASSWORD" "$PASSWORD" <<'PY' || fail "the password was not changed by passwd"
import sys
try:
    import crypt
except ImportError:
    sys.exit(0)  # Python without crypt: not checked
hash_, new, old = sys.argv[1:4]
sys.exit(0 if crypt.crypt(new, hash_) == hash_ and crypt.crypt(old, hash_) != hash_ else 1)
PY

late_failures
echo "ok"
