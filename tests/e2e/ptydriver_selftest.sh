#!/usr/bin/env bash
# Self-test of lib/ptydriver.py: drives an interactive bash under a pty owned by the test.
source "$(dirname "$0")/lib/common.sh"

# Debian's python3 first (a python3 on PATH may be a slow pyenv shim).
if [ -z "${ST_PYTHON:-}" ]; then
  if [ -x /usr/bin/python3 ]; then ST_PYTHON=/usr/bin/python3; else ST_PYTHON=$(command -v python3 || true); fi
fi
[ -n "$ST_PYTHON" ] || skip "python3 not found"
lib=$(cd "$(dirname "$0")/lib" && pwd)
cd "$ST_WORK"

PYTHONPATH="$lib" "$ST_PYTHON" -B - <<'PY' || fail "ptydriver self-test failed (see above)"
import os, re, signal, sys, time
from ptydriver import Session, PtyTimeout, PtyEOF

env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TERM": "xterm", "HOME": os.getcwd(),
       "PS1": "PROMPT> ", "LC_ALL": "C"}
PROMPT = rb"PROMPT> "

def line(text):
    """A whole output line (readline may put escape sequences and a CR before it)."""
    return rb"(?m)(?:^|\r)" + re.escape(text) + rb"\r\n"

def check(cond, what):
    if not cond:
        raise SystemExit("FAIL: " + what)

s = Session(["bash", "--norc", "--noprofile", "-i"], cols=80, rows=24, env=env)
try:
    s.expect(PROMPT)

    # Arithmetic: 42 appears only in the output, not in the echoed command line.
    s.send("echo $((6*7))\r")
    s.expect(line(b"42"))
    s.expect(PROMPT)

    # The initial size, then a resize: stty reads the new size, and the foreground process gets
    # SIGWINCH (a trap in a child bash reports it; it prints "armed" first so the resize cannot
    # come before the trap is set).
    s.send("stty size\r")
    s.expect(line(b"24 80"))
    s.expect(PROMPT)
    s.send("bash -c 'trap \"echo winch; stty size; exit 0\" WINCH; echo armed; while :; do sleep 0.05; done'\r")
    s.expect(line(b"armed"))
    s.resize(132, 40)
    s.expect(line(b"winch") + rb"40 132\r\n")
    s.expect(PROMPT)
    s.send("stty size\r")
    s.expect(line(b"40 132"))
    s.expect(PROMPT)

    # Ctrl-C interrupts the foreground job (SIGINT from the line discipline): 130.
    s.send("sleep 100\r")
    # Until sleep runs in the foreground, Ctrl-C would reach bash itself.
    sleep_pgrp = s.wait_foreground("sleep")
    check(sleep_pgrp != s.pid, "sleep runs in its own process group")
    t0 = time.monotonic()
    s.send(b"\x03")
    s.expect(PROMPT, timeout=5)
    check(time.monotonic() - t0 < 5, "Ctrl-C took too long")
    check(s.foreground()[0] == s.pid, "bash has the terminal back")
    s.send("echo status=$?\r")
    s.expect(line(b"status=130"))
    s.expect(PROMPT)

    # expect() fails cleanly on timeout, with the output in the message.
    try:
        s.expect(rb"never printed", timeout=0.3)
        raise SystemExit("FAIL: expect() did not time out")
    except PtyTimeout as e:
        check("never printed" in str(e), "the timeout message names the pattern: %s" % e)

    # Exit status.
    s.send("exit 3\r")
    rc = s.wait(10)
    check(rc == 3, "exit 3 gave %r" % rc)
    s.read_until_eof(5)
    check(s.eof, "no end of file after exit")
    check(b"PROMPT> " in s.output[:32] and b"echo $((6*7))" in s.output and b"exit 3" in s.output,
          "output keeps everything from the first prompt on")
finally:
    s.close()

# A child killed by a signal reports -signal; expect() after end of file raises PtyEOF.
s = Session(["sleep", "100"])
try:
    s.kill(signal.SIGTERM)
    rc = s.wait(5)
    check(rc == -signal.SIGTERM, "killed sleep gave %r" % rc)
finally:
    s.close()
s = Session(["printf", "done\\n"])
try:
    s.expect(rb"done\r\n")
    try:
        s.expect(rb"more", timeout=5)
        raise SystemExit("FAIL: expect() after EOF did not raise")
    except PtyEOF:
        pass
    check(s.wait(5) == 0, "printf exit status")
finally:
    s.close()

# close() hangs up: the interactive shell gets SIGHUP from the kernel and dies of it.
s = Session(["bash", "--norc", "--noprofile", "-i"], env=env)
s.expect(PROMPT)
t0 = time.monotonic()
s.close(timeout=5)
check(s.proc.returncode == -signal.SIGHUP, "after close() the shell ended with %r" % s.proc.returncode)
check(time.monotonic() - t0 < 4, "close() needed the SIGKILL fallback")
print("ok")
PY
echo "ok"
