"""shelltrail record (personal mode) when things go wrong: a bad configuration file, a spool that
cannot be created, a disk that fills up during the session (fail-closed and fail-open), and a
recorder killed with SIGKILL in the middle of a session.

The full-disk cases mount a small tmpfs as the spool (root only), in a private mount namespace
of this test process: the mounts are unmounted at the end of each case, and vanish with the
namespace even if the test is killed.
"""

import ctypes
import json
import os
import re
import shutil
import signal
import subprocess
import time

from harness import Failure, Harness, Session, check, descendants, line

h = Harness()

NOTICE = re.compile(rb"This session is recorded by shelltrail \(session [0-9a-f-]{36}\)\.\r\n")
# What the recorder itself writes to the terminal (stderr) in personal mode, not session output:
# warnings during the session (in raw mode, framed by CR LF), and one at its end (a line of its
# own, the terminal back in its modes), followed by where the recording is.
WARNING = re.compile(rb"\r\nshelltrail: warning: [^\r\n]*\r\n")
FINAL_WARNING = re.compile(
    rb"(?:shelltrail: (?:warning: |session recorded in )[^\r\n]*\r\n)+\Z")
CLOSED_MESSAGE = re.compile(
    rb"\r\nshelltrail: the session cannot be recorded \([^\r\n]*No space left on device\); "
    rb"ending it \(failure_policy = fail-closed\)\r\n")
OPEN_WARNING = re.compile(
    rb"\r\nshelltrail: warning: recording failed, the session goes on UNRECORDED "
    rb"\(failure_policy = fail-open\): [^\r\n]*No space left on device\r\n")


# ---- helpers -----------------------------------------------------------------------------------

def personal_env(home, **extra):
    env = h.env(home, **extra)
    env.pop("XDG_CONFIG_HOME", None)
    env.pop("XDG_DATA_HOME", None)
    return env


def strecs_under(path):
    """Every recording (*.strec) anywhere under path."""
    return h.recordings(path) if os.path.isdir(path) else []


def wait_for(what, condition, timeout=20, interval=0.02):
    """Polls condition() until it returns a true value (returned); fails after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failure("timed out after %ds waiting for %s" % (timeout, what))
        time.sleep(interval)


def alive(pid):
    """pid exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def one_line_error(result, *needles):
    """stderr is exactly one line, "shelltrail: error: ...", that contains every needle."""
    err = result.stderr.decode("utf-8", "replace")
    check(err.endswith("\n") and err.count("\n") == 1,
          "exactly one line on stderr, got %d: %r" % (err.count("\n"), err))
    check(err.startswith("shelltrail: error: "), "the line starts 'shelltrail: error: ': %r" % err)
    for needle in needles:
        check(needle in err, "the error names %r: %r" % (needle, err))
    return err


def common_prefix(a, b):
    n = min(len(a), len(b))
    lo, hi = 0, n  # binary search on the first difference (the streams are megabytes)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def session_bytes(seen):
    """What the terminal showed from the notice on, minus the recorder's own warnings: the part
    of the screen that comes from the session and belongs in the recording."""
    m = NOTICE.search(seen)
    check(m is not None, "the notice was shown on the terminal")
    return WARNING.sub(b"", FINAL_WARNING.sub(b"", seen[m.start():]))


# ---- a tmpfs as the spool (root) ---------------------------------------------------------------

_private_mounts = False


def needs_root():
    if os.geteuid() == 0:
        return True
    if os.environ.get("ST_NO_SKIP") == "1":
        raise Failure("needs root (mount), and ST_NO_SKIP=1")
    print("SKIP: needs root to mount a tmpfs")
    return False


def private_mount_namespace():
    """Moves this process (and so every process it starts) into its own mount namespace, in
    which mounts are private: a tmpfs mounted here is invisible to the rest of the machine and
    is gone when the last process of the namespace exits."""
    global _private_mounts
    if _private_mounts:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    CLONE_NEWNS, MS_REC, MS_PRIVATE = 0x00020000, 0x4000, 0x40000
    if libc.unshare(CLONE_NEWNS) != 0:
        raise Failure("unshare(CLONE_NEWNS): %s" % os.strerror(ctypes.get_errno()))
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        raise Failure("mount --make-rprivate /: %s" % os.strerror(ctypes.get_errno()))
    _private_mounts = True


class Tmpfs:
    """A tmpfs of `size` mounted at WORK/name while in the with block; unmounted at the end (its
    files are copied to WORK/name.kept first when the block fails)."""

    def __init__(self, name, size):
        self.path = os.path.join(h.work, name)
        self.size = size

    def __enter__(self):
        private_mount_namespace()
        os.makedirs(self.path)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0755" % self.size,
                        "shelltrail-e2e-%d" % os.getpid(), self.path], check=True)
        return self

    def free_bytes(self):
        st = os.statvfs(self.path)
        return st.f_bavail * st.f_frsize

    def __exit__(self, kind, error, tb):
        if kind is not None:
            shutil.copytree(self.path, self.path + ".kept", dirs_exist_ok=True,
                            ignore_dangling_symlinks=True)
        deadline = time.monotonic() + 10
        while subprocess.run(["umount", self.path], capture_output=True).returncode != 0:
            if time.monotonic() > deadline:
                subprocess.run(["umount", "-l", self.path])
                raise Failure("the tmpfs %s stayed busy for 10 s (a process left behind?)"
                              % self.path)
            time.sleep(0.05)
        return False


def fill(directory, name="filler"):
    """Writes a file in directory until the file system is full; returns its path."""
    path = os.path.join(directory, name)
    block = b"\0" * 65536
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (65536, 4096, 1):
            while True:
                try:
                    os.write(fd, block[:size])
                except OSError as e:
                    if e.errno != 28:  # ENOSPC
                        raise
                    break
    finally:
        os.close(fd)
    return path


# ---- 1. a bad configuration file -----------------------------------------------------------------

def bad_config(name, text, needles, xdg):
    """A personal config holding text: record refuses (125) with one line naming the file (and
    the key), creates no recording, and never runs the command."""
    home = h.home(name)
    env = personal_env(home)
    if xdg:
        env["XDG_CONFIG_HOME"] = os.path.join(home, "xdg-config")
        config = os.path.join(home, "xdg-config", "shelltrail", "shelltrail.toml")
    else:
        config = os.path.join(home, ".config", "shelltrail", "shelltrail.toml")
    os.makedirs(os.path.dirname(config))
    with open(config, "w") as f:
        f.write(text)
    ran = os.path.join(home, "the-command-ran")
    result = subprocess.run([h.shelltrail, "record", "--", "sh", "-c", "touch '%s'" % ran],
                            stdin=subprocess.DEVNULL, capture_output=True, env=env)
    check(result.returncode == 125, "exit 125 for %s (got %d, stderr %r)"
          % (name, result.returncode, result.stderr))
    one_line_error(result, config, *needles)
    check(result.stdout == b"", "nothing on stdout: %r" % result.stdout)
    check(not os.path.exists(ran), "the command did not run")
    check(strecs_under(home) == [], "no recording was created: %r" % strecs_under(home))
    check(not os.path.exists(h.spool(home)), "not even the spool directory was created")
    # Under a terminal too: nothing starts, no raw mode is left behind.
    with Session([h.shelltrail, "record", "--", "sh", "-c", "touch '%s'" % ran],
                 env=env) as s:
        rest = s.read_until_eof(timeout=10)
        status = s.wait(10)
    check(status == 125, "under a pty: exit 125 (got %d)" % status)
    check(rest.count(b"\r\n") == 1 and b"shelltrail: error: " in rest and config.encode() in rest,
          "under a pty: one error line naming the file: %r" % rest)
    check(not os.path.exists(ran), "under a pty: the command did not run")
    check(strecs_under(home) == [], "under a pty: no recording was created")


@h.case
def invalid_toml_is_refused():
    # ~/.config (XDG_CONFIG_HOME unset); the line number of the error is named too.
    bad_config("invalid-toml", 'notice = "fine"\nspool = \n', [":2:"], xdg=False)


@h.case
def unknown_key_is_refused():
    # A bad file that asks for fail-open is still refused: the policy of a broken file is unknown.
    bad_config("unknown-key", 'failure_policy = "fail-open"\nno_such_key_xyz = 1\n',
               ["no_such_key_xyz", ":2:"], xdg=True)


@h.case
def bad_failure_policy_is_refused():
    bad_config("bad-policy", 'failure_policy = "sometimes"\n', ["failure_policy", "sometimes"],
               xdg=False)


# ---- 2. a spool that cannot be created ----------------------------------------------------------

def unwritable_spools(home):
    """Spool paths that cannot be created: under /proc, and under a regular file."""
    regular = os.path.join(home, "a-regular-file")
    with open(regular, "w") as f:
        f.write("not a directory\n")
    return ["/proc/shelltrail-e2e-nope/spool", os.path.join(regular, "spool")]


@h.case
def unwritable_spool_fail_closed_refuses_to_start():
    home = h.home("spool-closed")
    ran = os.path.join(home, "the-command-ran")
    for spool in unwritable_spools(home):
        result = subprocess.run(
            [h.shelltrail, "record", "--set", "spool=" + spool, "--", "sh", "-c",
             "touch '%s'; exit 3" % ran],
            stdin=subprocess.DEVNULL, capture_output=True, env=personal_env(home))
        check(result.returncode == 125, "%s: exit 125 (got %d, stderr %r)"
              % (spool, result.returncode, result.stderr))
        one_line_error(result, "cannot record this session", os.path.dirname(spool))
        check(not os.path.exists(ran), "%s: the command did not run" % spool)
    # The default policy is fail-closed, and a terminal changes nothing.
    spool = unwritable_spools(home)[1]
    with Session([h.shelltrail, "record", "--set", "spool=" + spool, "--", "bash", "--norc",
                  "--noprofile", "-c", "touch '%s'" % ran], env=personal_env(home)) as s:
        rest = s.read_until_eof(timeout=10)
        status = s.wait(10)
    check(status == 125, "under a pty: exit 125 (got %d): %r" % (status, rest))
    check(re.search(rb"^shelltrail: error: cannot record this session: [^\r\n]*"
                    + re.escape(os.path.dirname(spool).encode()), rest),
          "under a pty: the error is shown: %r" % rest)
    check(not NOTICE.search(rest), "under a pty: no notice (nothing is recorded): %r" % rest)
    check(not os.path.exists(ran), "under a pty: the command did not run")
    check(strecs_under(home) == [], "no recording anywhere")


@h.case
def unwritable_spool_fail_open_runs_unrecorded():
    home = h.home("spool-open")
    ran = os.path.join(home, "the-command-ran")
    for spool in unwritable_spools(home):
        result = subprocess.run(
            [h.shelltrail, "record", "--set", "spool=" + spool, "--set",
             "failure_policy=fail-open", "--", "sh", "-c", "touch '%s'; echo out; exit 3" % ran],
            stdin=subprocess.DEVNULL, capture_output=True, env=personal_env(home))
        err = result.stderr.decode("utf-8", "replace")
        check(result.returncode == 3, "%s: the command's exit 3 passes through (got %d, %r)"
              % (spool, result.returncode, err))
        check(result.stdout == b"out\n", "%s: the command's output reaches stdout: %r"
              % (spool, result.stdout))
        check(os.path.exists(ran), "%s: the command ran" % spool)
        check(re.search(r"shelltrail: warning: cannot record this session: [^\n]*"
                        + re.escape(os.path.dirname(spool))
                        + r"[^\n]*the session runs UNRECORDED \(failure_policy = fail-open\)", err),
              "%s: the warning names the spool and says UNRECORDED: %r" % (spool, err))
        check("session recorded in" not in err and "incomplete" not in err,
              "%s: no claim of a recording, complete or not: %r" % (spool, err))
        check("\r" not in err, "%s: plain lines on a pipe, no CR: %r" % (spool, err))
        os.unlink(ran)
    # Interactive: the shell works under the terminal, unrecorded.
    spool = unwritable_spools(home)[0]
    argv = [h.shelltrail, "record", "--set", "spool=" + spool, "--set", "failure_policy=fail-open",
            "--", "bash", "--norc", "--noprofile", "-i"]
    with Session(argv, env=personal_env(home)) as s:
        s.expect(rb"shelltrail: warning: cannot record this session: [^\r\n]*UNRECORDED")
        s.expect(rb"prompt\$ ")
        s.send("echo $((6*7)); tty\r")
        s.expect(line("42"))
        s.expect(rb"/dev/pts/[0-9]+\r\n")
        s.expect(rb"prompt\$ ")
        s.send("exit 5\r")
        s.read_until_eof()
        status = s.wait(10)
        seen = s.output
    check(status == 5, "interactive: exit 5 passes through (got %d)" % status)
    check(not NOTICE.search(seen), "interactive: no recording notice is shown")
    check(strecs_under(home) == [], "no recording anywhere")


# ---- 3. the disk is full, or fills up during the session ---------------------------------------

@h.case
def full_disk_at_start():
    # The spool exists but its file system is full: fail-closed refuses, fail-open runs the
    # command unrecorded; neither leaves an empty file behind in the spool (which `list` and
    # `verify` would then report as "not a shelltrail recording" for ever).
    if not needs_root():
        return
    home = h.home("full-start")
    with Tmpfs("full-start-tmpfs", "1m") as fs:
        spool = os.path.join(fs.path, "spool")
        os.makedirs(spool)
        fill(fs.path)
        ran = os.path.join(home, "the-command-ran")
        seen_files, leftovers = set(), []
        for policy in ("fail-closed", "fail-open"):
            result = subprocess.run(
                [h.shelltrail, "record", "--set", "spool=" + spool, "--set",
                 "failure_policy=" + policy, "--", "sh", "-c", "touch '%s'; exit 3" % ran],
                stdin=subprocess.DEVNULL, capture_output=True, env=personal_env(home))
            err = result.stderr.decode("utf-8", "replace")
            if policy == "fail-closed":
                check(result.returncode == 125, "fail-closed: exit 125 (got %d, %r)"
                      % (result.returncode, err))
                one_line_error(result, "cannot record this session", "No space left on device")
                check(not os.path.exists(ran), "fail-closed: the command did not run")
            else:
                check(result.returncode == 3, "fail-open: exit 3 passes through (got %d, %r)"
                      % (result.returncode, err))
                check(os.path.exists(ran), "fail-open: the command ran")
                check(re.search(r"shelltrail: warning: cannot record this session: [^\n]*No space "
                                r"left on device[^\n]*UNRECORDED", err),
                      "fail-open: the warning: %r" % err)
            files = {os.path.join(d, f) for d, _, names in os.walk(spool) for f in names}
            leftovers += ["%s: %s (%d bytes)" % (policy, f, os.path.getsize(f))
                          for f in sorted(files - seen_files)]
            seen_files |= files
        listed = h.run("list", "--spool", spool, "--json", check_exit=None)
        check(leftovers == [], "no file is left in the spool by a session that could not be "
              "recorded: %s; `list` then exits %d: %r"
              % (leftovers, listed.returncode, listed.stderr.decode("utf-8", "replace")))
        check(listed.returncode == 0, "list exits 0: %r" % listed.stderr)


@h.case
def full_disk_fail_closed_ends_the_session():
    if not needs_root():
        return
    home = h.home("full-closed")
    with Tmpfs("full-closed-tmpfs", "2m") as fs:
        spool = os.path.join(fs.path, "spool")
        # About 27 MB of output; the 2 MiB tmpfs fills after a few MB.
        argv = [h.shelltrail, "record", "--set", "spool=" + spool, "--set", "compact=false",
                "--", "sh", "-c", "head -c 20000000 /dev/urandom | base64; echo ALL-DONE"]
        with Session(argv, env=personal_env(home)) as s:
            s.expect(NOTICE)
            wait_for("head and base64 below the recorder",
                     lambda: len(descendants(s.pid)) >= 3, timeout=10, interval=0.002)
            children = descendants(s.pid)
            s.expect(CLOSED_MESSAGE, timeout=60)
            s.read_until_eof(timeout=60)
            status = s.wait(30)
            seen = s.output
        check(status == 125, "the recorder exits 125: it ended the session (got %d)" % status)
        print("recorder exit status %d, terminal saw %d bytes" % (status, len(seen)))
        check(b"ALL-DONE" not in seen and len(seen) < 20_000_000,
              "the session was ended before the command finished (%d bytes shown)" % len(seen))
        check(fs.free_bytes() < 256 * 1024, "the tmpfs is (nearly) full: %d bytes free"
              % fs.free_bytes())
        for pid in children:
            wait_for("pid %d of the ended session to go" % pid, lambda: not alive(pid), timeout=10)
        path = h.only_recording(spool)
        verify = h.run("verify", path, check_exit=None)
        check(verify.returncode in (0, 1), "verify says ok or incomplete, never altered "
              "(exit %d): %r" % (verify.returncode, verify.stdout + verify.stderr))
        state = json.loads(h.run("show", path, "--json", check_exit=None).stdout)["state"]
        check(state in ("ok", "incomplete"), "show: state %s" % state)
        listed = json.loads(h.run("list", "--spool", spool, "--json").stdout)
        check([e["state"] for e in listed] == ["complete" if state == "ok" else "incomplete"],
              "list: the recording is %s, not live, once the recorder is gone: %r"
              % (state, listed))
        recorded = h.stream(path, "output")
        shown = session_bytes(seen)
        cut = CLOSED_MESSAGE.search(shown)
        before = shown[:cut.start()]
        check(len(recorded) > 100_000, "the recording holds the output until the disk filled "
              "(%d bytes)" % len(recorded))
        check(before.startswith(recorded),
              "the recorded output (%d bytes) is a prefix of what the terminal showed before "
              "the message (%d bytes); they differ at byte %d"
              % (len(recorded), len(before), common_prefix(recorded, before)))


@h.case
def full_disk_fail_open_goes_on_and_records_a_gap():
    if not needs_root():
        return
    home = h.home("full-open")
    with Tmpfs("full-open-tmpfs", "2m") as fs:
        spool = os.path.join(fs.path, "spool")
        argv = [h.shelltrail, "record", "--set", "spool=" + spool, "--set",
                "failure_policy=fail-open", "--set", "compact=false", "--", "bash", "--norc",
                "--noprofile", "-i"]
        with Session(argv, env=personal_env(home)) as s:
            s.expect(NOTICE)
            s.expect(rb"prompt\$ ")
            path = h.only_recording(spool)
            filler = fill(fs.path)
            check(fs.free_bytes() == 0, "the tmpfs is full (%d bytes free)" % fs.free_bytes())
            # About 4 MB of output while nothing can be written.
            s.send("head -c 3000000 /dev/urandom | base64; echo FIRST-$((6*7))\r")
            # A pattern with a literal prefix: expect() searches the whole unmatched output after
            # every read, and a pattern like line()'s costs 25 ms a search over these megabytes.
            first = s.expect(rb"FIRST-42\r\n", timeout=120)
            check(OPEN_WARNING.search(s.output, 0, first.start()),
                  "the fail-open warning was shown while the output ran")
            s.expect(rb"prompt\$ ")
            # Space comes back: the writer's retry succeeds, and the gap is marked.
            os.unlink(filler)
            wait_for("the recording gap marker in the live recording",
                     lambda: "recording gap" in h.dump(path, check_exit=None), timeout=20,
                     interval=0.1)
            s.send("echo AFTER-$((6*7))\r")
            s.expect(line("AFTER-42"))
            s.expect(rb"prompt\$ ")
            s.send("exit\r")
            s.read_until_eof(timeout=30)
            status = s.wait(30)
            seen = s.output
        with open(os.path.join(home, "screen"), "wb") as f:
            f.write(seen)
        check(status == 0, "the session ran to its end: exit 0 passes through (got %d)" % status)
        check(re.search(rb"shelltrail: warning: session [0-9a-f-]{36} was recorded with a gap: "
                        rb"[0-9]+ chunks \([0-9]+ bytes\) could not be written", seen),
              "the end says the recording has a gap: %r" % seen[-400:])
        check(b"session recorded in " + path.encode() in seen and b"incomplete" not in seen,
              "the end says where the (complete) recording is: %r" % seen[-400:])
        verify = h.run("verify", path, check_exit=None)
        check(verify.returncode == 0, "verify: ok (exit %d): %r"
              % (verify.returncode, verify.stdout + verify.stderr))
        listed = json.loads(h.run("list", "--spool", spool, "--json").stdout)
        check([e["state"] for e in listed] == ["complete"], "list: complete: %r" % listed)
        dump = h.dump(path)
        markers = re.findall(r'marker "shelltrail: recording gap: ([0-9]+) chunks \(([0-9]+) bytes '
                             r'of output and input\) could not be written"', dump)
        check(len(markers) == 1, "one gap marker: %r" % [l for l in dump.splitlines()
                                                        if "marker" in l])
        gap_chunks, gap_bytes = int(markers[0][0]), int(markers[0][1])
        check(gap_chunks >= 1 and gap_bytes > 0, "the marker counts what was lost: %r" % markers)
        # The recording is the terminal's output with one hole, where the marker is, of the size
        # the marker gives (with the typed input that was lost, if any).
        shown = session_bytes(seen)
        events = h.events(path)
        where = next(i for i, e in enumerate(events)
                     if e["type"] == "marker" and "recording gap" in e.get("text", ""))

        def joined(kind, part):
            return b"".join(e["bytes"].encode("utf-8", "surrogateescape")
                            for e in part if e["type"] == kind)

        out_before, out_after = joined("output", events[:where]), joined("output", events[where:])
        check(shown.startswith(out_before), "the output before the gap is what the terminal "
              "showed first (%d bytes, differ at %d)"
              % (len(out_before), common_prefix(out_before, shown)))
        check(shown.endswith(out_after), "the output after the gap is what the terminal showed "
              "last (%d bytes): recorded %r, terminal %r"
              % (len(out_after), out_after[-300:], shown[-300:]))
        check(b"AFTER-42" in out_after, "the output after the space came back is recorded")
        lost_output = len(shown) - len(out_before) - len(out_after)
        typed = b"head -c 3000000 /dev/urandom | base64; echo FIRST-$((6*7))\r" \
                b"echo AFTER-$((6*7))\rexit\r"
        lost_input = len(typed) - len(joined("input", events))
        check(lost_output > 1_000_000, "most of the output while the disk was full is lost "
              "(%d bytes)" % lost_output)
        check(gap_bytes == lost_output + lost_input,
              "the marker's %d bytes are the %d bytes of output and %d of input missing"
              % (gap_bytes, lost_output, lost_input))


# ---- 4. the recorder is killed ------------------------------------------------------------------

@h.case
def killed_recorder_leaves_an_incomplete_recording():
    home = h.home("killed")
    spool = h.spool(home)
    argv = [h.shelltrail, "record", "-q", "--", "bash", "--norc", "--noprofile", "-i"]
    # The shell is reparented to this process when the recorder dies, so that its end can be
    # seen (and reaped) here.
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_CHILD_SUBREAPER = 36
    check(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0, "prctl(PR_SET_CHILD_SUBREAPER)")
    try:
        with Session(argv, env=personal_env(home)) as s:
            s.expect(rb"prompt\$ ")
            s.send("echo KILLED-$((6*7))-MARK\r")
            s.expect(line("KILLED-42-MARK"))
            s.expect(rb"prompt\$ ")
            path = h.only_recording(spool)
            listed = json.loads(h.run("list", "--spool", spool, "--json").stdout)
            check([e["state"] for e in listed] == ["live"], "list: live while recording: %r"
                  % listed)
            # The output reaches the file within chunk_interval_ms (250 ms).
            wait_for("the command's output in the live recording",
                     lambda: b"KILLED-42-MARK\r\n" in h.stream(path), timeout=10, interval=0.05)
            shells = [p for p in descendants(s.pid) if open("/proc/%d/comm" % p).read() == "bash\n"]
            check(len(shells) == 1, "one bash below the recorder: %r" % shells)
            shell = shells[0]
            os.kill(s.pid, signal.SIGKILL)
            s.read_until_eof(timeout=10)
            status = s.wait(10)
            check(status == -signal.SIGKILL, "the recorder died of SIGKILL (got %d)" % status)
            # The orphaned shell gets SIGHUP when the pty master closes.
            deadline = time.monotonic() + 10
            while True:
                pid, raw = os.waitpid(shell, os.WNOHANG)
                if pid == shell:
                    break
                if time.monotonic() > deadline:
                    os.kill(shell, signal.SIGKILL)
                    os.waitpid(shell, 0)
                    raise Failure("the orphaned shell (pid %d) is still there 10 s after the "
                                  "recorder was killed" % shell)
                time.sleep(0.02)
            check(os.WIFSIGNALED(raw) and os.WTERMSIG(raw) == signal.SIGHUP,
                  "the shell ended by SIGHUP (wait status %#x)" % raw)
            check(not alive(shell), "no leftover shell")
            leftovers = [p for p in descendants(os.getpid()) if p != s.pid and alive(p)]
            check(leftovers == [], "no leftover processes: %r" % leftovers)
    finally:
        libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
    verify = h.run("verify", path, check_exit=1)
    check(b"incomplete" in verify.stdout, "verify says incomplete: %r" % verify.stdout)
    recorded = h.run("dump", path, "--bytes", "output", check_exit=None).stdout
    check(re.search(line("KILLED-42-MARK"), recorded),
          "the typed command's output is recoverable: %r" % recorded[-300:])
    check(b"echo KILLED-$((6*7))-MARK\r" in h.stream(path, "input"), "the typed input too")
    show = h.run("show", path, "--json", check_exit=1)
    check(b"incomplete" in show.stderr, "show exits 1 and says incomplete on stderr: %r"
          % show.stderr)
    check(json.loads(show.stdout)["state"] == "incomplete", "show --json: state incomplete")
    listed = json.loads(h.run("list", "--spool", spool, "--json").stdout)
    check([(e["file"], e["state"]) for e in listed] == [(path, "incomplete")],
          "list: incomplete, not live, after the kill: %r" % listed)


h.main()
