"""Drive a program under a pseudo-terminal the test owns (Python 3 standard library only).

    from ptydriver import Session
    with Session(["bash", "--norc", "--noprofile", "-i"], cols=80, rows=24) as s:
        s.send("echo $((6*7))\\r")
        s.expect(rb"\\r\\n42\\r\\n")        # a re.Match on the bytes read so far
        s.resize(100, 30)                  # TIOCSWINSZ on the master: the child gets SIGWINCH
        s.send("exit 3\\r")
        assert s.wait(10) == 3             # exit code, or -N when killed by signal N

The child is a session leader with the pty as its controlling terminal (so Ctrl-C, job control,
SIGWINCH and SIGHUP behave as under a real terminal), and starts with default signal dispositions
and an empty signal mask even if the test runner ignored SIGINT. Every wait has a deadline; a
timeout raises PtyTimeout with the end of the output, reaching end of file before a match raises
PtyEOF. Reads are non-blocking; EIO from the master (all slave ends closed) is end of file.
"""

import errno
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time

__all__ = ["Session", "PtyError", "PtyTimeout", "PtyEOF"]


class PtyError(Exception):
    """Base class of the driver's errors."""


class PtyTimeout(PtyError):
    """A deadline passed (expect, read_until_eof, wait, send)."""


class PtyEOF(PtyError):
    """The pty reached end of file before the expected output appeared."""


def _show(data, limit=1500):
    """The end of `data` as readable text, control characters escaped."""
    cut = data[-limit:]
    text = cut.decode("utf-8", "backslashreplace")
    text = text.encode("unicode_escape").decode("ascii").replace("\\n", "\\n\n")
    prefix = "[... %d bytes before]\n" % (len(data) - len(cut)) if len(data) > len(cut) else ""
    return prefix + text


def _winsize(cols, rows):
    return struct.pack("HHHH", rows, cols, 0, 0)


_CHILD_DEFAULT_SIGNALS = [
    signal.SIGINT, signal.SIGQUIT, signal.SIGTERM, signal.SIGHUP, signal.SIGTSTP,
    signal.SIGTTIN, signal.SIGTTOU, signal.SIGCHLD, signal.SIGWINCH, signal.SIGPIPE,
]


def _child_setup():
    # Runs in the child after setsid() and after the slave became fds 0, 1 and 2.
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    for sig in _CHILD_DEFAULT_SIGNALS:
        signal.signal(sig, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


class Session:
    def __init__(self, argv, cols=80, rows=24, env=None, cwd=None):
        """Starts argv under a new pty of cols x rows. env=None inherits the environment, minus
        COLUMNS/LINES and with TERM defaulting to xterm-256color."""
        if env is None:
            env = dict(os.environ)
            env.pop("COLUMNS", None)
            env.pop("LINES", None)
            env.setdefault("TERM", "xterm-256color")
        self.argv = list(argv)
        self._buf = bytearray()
        self._pos = 0  # expect() searches from here: the end of the previous match
        self.eof = False
        master, slave = os.openpty()
        try:
            fcntl.ioctl(slave, termios.TIOCSWINSZ, _winsize(cols, rows))
            self.proc = subprocess.Popen(
                self.argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd,
                start_new_session=True, preexec_fn=_child_setup, close_fds=True)
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)  # only the child holds the slave now: its exit gives EIO = EOF
        self.fd = master
        os.set_blocking(master, False)

    # ---- reading ---------------------------------------------------------------------------

    @property
    def output(self):
        """All bytes read from the pty so far."""
        return bytes(self._buf)

    @property
    def pid(self):
        return self.proc.pid

    def _read_some(self, timeout):
        """Waits up to timeout seconds for output; returns the number of bytes read (0 at EOF or
        when nothing came)."""
        if self.eof or self.fd is None:
            return 0
        try:
            ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        except InterruptedError:
            return 0
        if not ready:
            return 0
        try:
            data = os.read(self.fd, 65536)
        except BlockingIOError:
            return 0
        except OSError as e:
            if e.errno != errno.EIO:
                raise
            data = b""
        if not data:
            self.eof = True
            return 0
        self._buf += data
        return len(data)

    def _drain(self):
        while self._read_some(0):
            pass

    def _fail(self, kind, what, timeout):
        raise kind("%s: %s %s (pid %d, %s)\n--- last output:\n%s" % (
            " ".join(self.argv[:3]), what,
            "after %.1f s" % timeout if kind is PtyTimeout else "but the pty reached end of file",
            self.proc.pid, self._status_text(), _show(bytes(self._buf[self._pos:]) or bytes(self._buf))))

    def _status_text(self):
        rc = self.proc.poll()
        return "running" if rc is None else "exited %d" % rc if rc >= 0 else "killed by signal %d" % -rc

    def expect(self, pattern, timeout=10):
        """Waits until pattern (regex as str, bytes or compiled bytes regex) matches the output
        after the previous match; returns the re.Match (on bytes)."""
        if isinstance(pattern, str):
            pattern = pattern.encode("utf-8")
        if isinstance(pattern, bytes):
            pattern = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = pattern.search(self._buf, self._pos)
            if m:
                self._pos = m.end()
                return m
            if self.eof:
                self._fail(PtyEOF, "expected /%s/" % pattern.pattern.decode("utf-8", "replace"), timeout)
            left = deadline - time.monotonic()
            if left <= 0:
                self._fail(PtyTimeout, "expected /%s/" % pattern.pattern.decode("utf-8", "replace"), timeout)
            self._read_some(left)

    def read_until_eof(self, timeout=10):
        """Reads until end of file; returns the output after the previous match."""
        deadline = time.monotonic() + timeout
        while not self.eof:
            left = deadline - time.monotonic()
            if left <= 0:
                self._fail(PtyTimeout, "waiting for end of file", timeout)
            self._read_some(left)
        rest = bytes(self._buf[self._pos:])
        self._pos = len(self._buf)
        return rest

    # ---- the terminal's foreground job ------------------------------------------------------

    def foreground(self):
        """(process group id, command name) of the terminal's foreground job, e.g. (1234,
        "sleep"); the name is that of the group leader, from /proc/PGID/comm ("" if gone)."""
        pgrp = os.tcgetpgrp(self.fd)
        try:
            with open("/proc/%d/comm" % pgrp) as f:
                return pgrp, f.read().strip()
        except OSError:
            return pgrp, ""

    def wait_foreground(self, comm, timeout=10):
        """Waits until a program named comm (as in /proc/PID/comm: at most 15 characters) leads
        the foreground job, i.e. the shell has started it and given it the terminal. Do this
        before sending Ctrl-C or keys meant for that program: until then they reach the shell.
        Keeps reading output meanwhile. Returns its process group id."""
        deadline = time.monotonic() + timeout
        while True:
            pgrp, name = self.foreground()
            if name == comm[:15]:
                return pgrp
            left = deadline - time.monotonic()
            if left <= 0:
                self._fail(PtyTimeout, "waiting for '%s' in the foreground (now '%s', pgrp %d)"
                           % (comm, name, pgrp), timeout)
            if self.eof:
                time.sleep(min(left, 0.01))
            else:
                self._read_some(min(left, 0.01))

    # ---- writing and control ---------------------------------------------------------------

    def send(self, data, timeout=10):
        """Writes str (UTF-8) or bytes to the terminal, as if typed. Keeps reading output while
        the input queue is full, so a chatty child cannot deadlock the test."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        view = memoryview(data)
        deadline = time.monotonic() + timeout
        while view:
            try:
                n = os.write(self.fd, view)
                view = view[n:]
                continue
            except BlockingIOError:
                pass
            left = deadline - time.monotonic()
            if left <= 0:
                self._fail(PtyTimeout, "sending %d more bytes" % len(view), timeout)
            r, _, _ = select.select([] if self.eof else [self.fd], [self.fd], [], min(left, 0.5))
            if r:
                self._read_some(0)

    def resize(self, cols, rows):
        """Sets the window size; the kernel sends SIGWINCH to the foreground process group."""
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, _winsize(cols, rows))

    def kill(self, sig=signal.SIGTERM):
        """Sends sig to the child (not its process group) if it is still running."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def wait(self, timeout=10):
        """Waits for the child to exit while reading its output; returns the exit code, or -N
        if signal N killed it."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            left = deadline - time.monotonic()
            if left <= 0:
                self._fail(PtyTimeout, "waiting for exit", timeout)
            if self.eof:
                try:
                    self.proc.wait(timeout=min(left, 0.1))
                except subprocess.TimeoutExpired:
                    pass
            else:
                self._read_some(min(left, 0.1))
        self._drain()
        return self.proc.returncode

    def close(self, timeout=5):
        """Hangs up (closes the master), then kills the child's process group if it has not
        exited within timeout seconds. Safe to call twice."""
        if self.fd is not None:
            if self.proc.poll() is None:
                self._drain_quietly()
            os.close(self.fd)
            self.fd = None
            self.eof = True
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=timeout)

    def _drain_quietly(self):
        try:
            self._drain()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
