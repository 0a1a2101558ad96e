"""Shared harness for the Python end-to-end tests: a work directory kept on failure, the
shelltrail binary, an environment for personal-mode recording, and readers of recordings
through the CLI (so the tests see what a user sees).

    from harness import Harness
    h = Harness()
    @h.case
    def records_something():
        ...
    h.main()
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ptydriver import Session  # noqa: E402  (re-exported for tests)


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


class Harness:
    def __init__(self):
        self.shelltrail = os.environ.get("SHELLTRAIL")
        if not self.shelltrail:
            sys.exit("run through ctest, or set SHELLTRAIL to the shelltrail binary")
        self.work = tempfile.mkdtemp(prefix="shelltrail-e2e-", dir=os.environ.get("TMPDIR"))
        os.chmod(self.work, 0o755)
        self.cases = []

    # --- running -----------------------------------------------------------------------------
    def case(self, function):
        self.cases.append(function)
        return function

    def main(self):
        wanted = sys.argv[1:]
        failed = []
        for function in self.cases:
            if wanted and function.__name__ not in wanted:
                continue
            print("--- " + function.__name__, flush=True)
            try:
                function()
                print("ok", flush=True)
            except Exception as error:  # noqa: BLE001 - report every failure the same way
                failed.append(function.__name__)
                if isinstance(error, Failure):
                    print("FAIL: %s" % error, flush=True)
                else:
                    traceback.print_exc()
        if failed:
            print("failed: %s\ntest files kept in %s" % (", ".join(failed), self.work))
            sys.exit(1)
        shutil.rmtree(self.work, ignore_errors=True)

    # --- environment -------------------------------------------------------------------------
    def home(self, name):
        """A fresh HOME with its own personal spool."""
        path = os.path.join(self.work, name)
        os.makedirs(path, exist_ok=True)
        return path

    def env(self, home, **extra):
        env = {
            "HOME": home,
            "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
            "TERM": "xterm",
            "LC_ALL": "C.UTF-8",
            "PS1": "prompt$ ",
        }
        env.update(extra)
        return env

    def spool(self, home):
        return os.path.join(home, ".local", "share", "shelltrail", "spool")

    def recordings(self, spool):
        found = []
        for root, _dirs, files in os.walk(spool):
            found += [os.path.join(root, f) for f in files if f.endswith(".strec")]
        return sorted(found, key=os.path.getmtime)

    def only_recording(self, spool):
        found = self.recordings(spool)
        check(len(found) == 1, "expected one recording in %s, found %d" % (spool, len(found)))
        return found[0]

    # --- reading recordings ------------------------------------------------------------------
    def run(self, *args, check_exit=0, **kwargs):
        result = subprocess.run([self.shelltrail, *args], capture_output=True, **kwargs)
        if check_exit is not None and result.returncode != check_exit:
            raise Failure("shelltrail %s exited %d, expected %d\nstdout: %s\nstderr: %s" % (
                " ".join(args), result.returncode, check_exit,
                result.stdout[-2000:], result.stderr[-2000:]))
        return result

    def stream(self, path, stream="output"):
        """The raw bytes of one stream of a recording."""
        return self.run("dump", path, "--bytes", stream, check_exit=None).stdout

    def show(self, path, check_exit=0):
        return json.loads(self.run("show", path, "--json", check_exit=check_exit).stdout)

    def dump(self, path, check_exit=0):
        return self.run("dump", path, check_exit=check_exit).stdout.decode("utf-8", "replace")

    def events(self, path, check_exit=0):
        lines = self.run("dump", path, "--json", check_exit=check_exit).stdout.splitlines()
        return [json.loads(line) for line in lines]


def line(text):
    """A pattern for one whole output line (bash may put escape sequences and a CR before it)."""
    if isinstance(text, str):
        text = text.encode()
    return rb"(?m)(?:^|\r)" + re.escape(text) + rb"\r\n"


def descendants(pid):
    """The pids of every process below `pid`."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry))
            except OSError:
                pass
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def wait_foreground_below(pid, comm, timeout=10):
    """Waits until a process named `comm` below `pid` runs in the foreground of its terminal
    (the inner pty of a recorder, which the test's own pty cannot see)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in descendants(pid):
            try:
                with open("/proc/%d/stat" % child) as f:
                    text = f.read()
            except OSError:
                continue
            name = text[text.index("(") + 1:text.rindex(")")]
            fields = text.rsplit(")", 1)[1].split()
            pgrp, tpgid = int(fields[2]), int(fields[5])
            if name == comm and pgrp == tpgid:
                return child
        time.sleep(0.01)
    raise Failure("no '%s' in the foreground below pid %d after %ds" % (comm, pid, timeout))


def sha256(data):
    return hashlib.sha256(data).hexdigest()


__all__ = ["Harness", "Session", "Failure", "check", "sha256", "line", "wait_foreground_below"]
