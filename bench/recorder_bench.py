#!/usr/bin/python3
"""Recorder benchmark: shelltrail against a bare pty relay and the recorders users would pick.

Run it as root with the system Python (the python3 on PATH may be a slow shim):

    cmake -S . -B build -G Ninja && ninja -C build shelltrail bare_relay
    /usr/bin/python3 bench/recorder_bench.py --json /tmp/recorder-bench.json          # full: 3 rounds, 200 MiB
    /usr/bin/python3 bench/recorder_bench.py --mb 20 --rounds 1 --only bare,shelltrail # quick look

What it measures, for each recorder, interleaved round by round (this machine is a noisy shared
VM, so the bare relay also runs against itself, "bare (again)", to show the noise floor):

  recorders  bare        build/bench/bare_relay: forkpty + poll, records nothing (the baseline)
             bare+file   bare_relay --store FILE: the same, writing every output byte to a file as
                         it is (no hash, no framing, no compression): the floor of any recorder
                         that keeps the output, to show what the machine charges for that alone
             shelltrail  shelltrail record (live path: compact=false, index=false, notice empty), then
                         `shelltrail compact` on the recording, timed separately
             script      util-linux script -q -c CMD FILE
             tlog        tlog-rec --writer=file --file-path=FILE -- CMD (default configuration)
             asciinema   asciinema rec -q --overwrite -c CMD FILE.cast
             sudo        sudo -u root CMD with `Defaults:root log_output, log_input, iolog_dir=DIR`
                         (a sudoers drop-in that exists only while the benchmark runs; gzip I/O log)
  data       text   = C headers (/usr/include/**/*.h concatenated, repeated) -- --mb MiB
             random = base64 of 0.75 * --mb MiB of /dev/urandom (about --mb MiB, 76-column lines)
             the recorded command is `cat FILE` for every recorder.
  time       spawn of the recorder to the later of: end of file on the outer pty, the recorder's exit
  CPU        user+system CPU of the whole process tree (the recorder, its helpers, and `cat`), from
             the kernel's per-process exit accounting (taskstats), cross-checked with the rusage of
             the tree; "recorder CPU" is the tree less the recorded command's processes (cat, sh)
  stored     bytes the recorder left on disk per byte of output the command produced
  RSS        peak resident memory (the kernel's high-water mark at exit), summed over the recorder's
             processes (the recorded command's processes are not counted)
  start      spawn to the first output of `echo hi` on the outer pty
  echo       keystroke round trip: one byte written to the outer pty, read back through
             `sh -c 'stty raw -echo; exec dd bs=1 count=N'` under the recorder; added = minus the bare relay's
  complete   the recording parsed back holds every byte the command wrote to its terminal

Every recorder runs on the slave of an outer pty that this script creates (200x50, the modes of a
fresh terminal), with that pty as its standard input, output and error; the script reads the master
as fast as it can. A small wrapper process is the session leader of that pty and a child subreaper,
so helpers that a recorder leaves behind are reparented to it and counted.

Side effects, all undone at exit: it installs the peers from Debian if they are missing
(`apt-get install -y tlog asciinema sudo`, plus bsdutils for script; they are benchmark-only, so
scripts/install-deps.sh does not list them), creates /run/utmp if it is missing (tlog-rec refuses to
start without a utmp record; removed at exit if this script created it), and installs the sudoers
drop-in /etc/sudoers.d/zz-shelltrail-bench-PID (removed at exit). Temporary files live in one
directory under --tmp (removed at exit unless --keep). The shelltrail and bare_relay binaries are
copied there first, so that a rebuild during the run does not change what is measured.

Output: a table on standard output and, with --json PATH, every raw number.
"""

import argparse
import base64
import ctypes
import datetime
import errno
import fcntl
import glob
import gzip
import hashlib
import json
import os
import platform
import re
import resource
import select
import shlex
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ALL_RECORDERS = ["bare", "bare2", "bare+file", "shelltrail", "script", "tlog", "asciinema", "sudo"]
PEERS = {"script", "tlog", "asciinema", "sudo"}
LABELS = {
    "bare": "bare relay",
    "bare2": "bare (again)",
    "bare+file": "bare + file",
    "shelltrail": "shelltrail",
    "script": "script",
    "tlog": "tlog-rec",
    "asciinema": "asciinema",
    "sudo": "sudo I/O log",
}
# Processes that belong to the recorded command, not to the recorder.


def is_shelltrail(rec):
    """shelltrail itself or one of its --variant runs."""
    return rec == "shelltrail" or rec.startswith("shelltrail:")


def label(rec):
    return LABELS.get(rec, rec)


COMMAND_COMMS = {"cat", "sh", "dash", "bash", "dd", "echo", "stty"}
ROWS, COLS = 50, 200
MiB = 1024 * 1024


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Per-process accounting from the kernel: taskstats over generic netlink. Every task that exits
# on the machine is reported (pid, parent, comm, CPU in microseconds, RSS high-water mark); the
# wrapper keeps those of its own tree.

NETLINK_GENERIC = 16
NLMSG_ERROR = 2
NLM_F_REQUEST = 1
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
TASKSTATS_CMD_GET = 1
TASKSTATS_CMD_ATTR_REGISTER_CPUMASK = 3
TASKSTATS_CMD_ATTR_DEREGISTER_CPUMASK = 4
TASKSTATS_TYPE_PID = 1
TASKSTATS_TYPE_STATS = 3
TASKSTATS_TYPE_AGGR_PID = 4
SO_RCVBUFFORCE = 33


def _nl_attr(kind, data):
    raw = struct.pack("=HH", 4 + len(data), kind) + data
    return raw + b"\0" * ((4 - len(raw) % 4) % 4)


def _nl_attrs(data):
    out = []
    offset = 0
    while offset + 4 <= len(data):
        length, kind = struct.unpack_from("=HH", data, offset)
        if length < 4:
            break
        out.append((kind & 0x3FFF, data[offset + 4 : offset + length]))
        offset += (length + 3) & ~3
    return out


class Taskstats:
    """Listens for the exit statistics of every task (needs root and CONFIG_TASKSTATS)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 * MiB)
        except OSError:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 * MiB)
        self.sock.bind((0, 0))
        self.seq = 0
        self.family = self._family()
        with open("/sys/devices/system/cpu/possible") as f:
            self.cpumask = f.read().strip().encode() + b"\0"
        self._request(TASKSTATS_CMD_ATTR_REGISTER_CPUMASK)
        self.records = []  # (tid, tgid, ppid, comm, cpu_us, rss_kib)
        self.overflow = False
        self.stop = False
        self.sock.settimeout(0.1)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _send(self, kind, cmd, attrs):
        self.seq += 1
        payload = struct.pack("=BBH", cmd, 1, 0) + attrs
        self.sock.send(struct.pack("=IHHII", 16 + len(payload), kind, NLM_F_REQUEST, self.seq, 0)
                       + payload)

    def _family(self):
        self._send(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, _nl_attr(CTRL_ATTR_FAMILY_NAME, b"TASKSTATS\0"))
        data = self.sock.recv(65536)
        length, kind = struct.unpack_from("=IH", data, 0)
        if kind == NLMSG_ERROR:
            raise OSError(-struct.unpack_from("=i", data, 16)[0], "taskstats family lookup failed")
        for attr, value in _nl_attrs(data[20:length]):
            if attr == CTRL_ATTR_FAMILY_ID:
                return struct.unpack_from("=H", value)[0]
        raise OSError(errno.ENOENT, "no TASKSTATS generic netlink family")

    def _request(self, attr):
        self._send(self.family, TASKSTATS_CMD_GET, _nl_attr(attr, self.cpumask))

    def _parse(self, data):
        offset = 0
        while offset + 16 <= len(data):
            length, kind = struct.unpack_from("=IH", data, offset)
            if length < 16:
                break
            if kind == self.family:
                for attr, value in _nl_attrs(data[offset + 20 : offset + length]):
                    if attr != TASKSTATS_TYPE_AGGR_PID:
                        continue
                    for inner, stats in _nl_attrs(value):
                        if inner == TASKSTATS_TYPE_STATS and len(stats) >= 208:
                            self._add(stats)
            offset += (length + 3) & ~3

    def _add(self, s):
        version = struct.unpack_from("=H", s, 0)[0]
        comm = s[80:112].split(b"\0", 1)[0].decode(errors="replace")
        tid, ppid = struct.unpack_from("=II", s, 128)
        utime, stime = struct.unpack_from("=QQ", s, 152)
        rss_kib = struct.unpack_from("=Q", s, 200)[0]
        tgid = struct.unpack_from("=I", s, 368)[0] if version >= 12 and len(s) >= 372 else tid
        self.records.append((tid, tgid, ppid, comm, utime + stime, rss_kib))

    def _run(self):
        while not self.stop:
            self.drain_once()

    def drain_once(self):
        try:
            data = self.sock.recv(1 << 20)
        except socket.timeout:
            return False
        except OSError as e:
            if e.errno == errno.ENOBUFS:
                self.overflow = True
                return True
            raise
        self._parse(data)
        return True

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.settimeout(0.05)
        while self.drain_once():
            pass
        try:
            self._request(TASKSTATS_CMD_ATTR_DEREGISTER_CPUMASK)
        except OSError:
            pass
        self.sock.close()

    def tree(self, root):
        """Processes descended from root (root excluded): tgid -> {comm, ppid, cpu_us, rss_kib}."""
        procs = {}
        for tid, tgid, ppid, comm, cpu_us, rss_kib in self.records:
            p = procs.setdefault(tgid, {"comm": comm, "ppid": ppid, "cpu_us": 0, "rss_kib": 0,
                                        "threads": 0})
            p["cpu_us"] += cpu_us
            p["rss_kib"] = max(p["rss_kib"], rss_kib)
            p["threads"] += 1
            if tid == tgid:
                p["comm"] = comm
                p["ppid"] = ppid
        members = {root}
        changed = True
        while changed:
            changed = False
            for tgid, p in procs.items():
                if tgid not in members and p["ppid"] in members:
                    members.add(tgid)
                    changed = True
        return {tgid: p for tgid, p in procs.items() if tgid in members and tgid != root}


# ---------------------------------------------------------------------------------------------
# One recorded session on an outer pty.

def set_window(fd):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))


def descendants(pid):
    out = []
    for children in glob.glob(f"/proc/{pid}/task/*/children"):
        try:
            with open(children) as f:
                kids = [int(k) for k in f.read().split()]
        except OSError:
            continue
        for kid in kids:
            out.extend(descendants(kid))
            out.append(kid)
    return out


def kill_tree(pid):
    for victim in descendants(pid):
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _wrapper(master, slave, argv, env, cwd, result_fd):
    """The session leader of the outer pty and a child subreaper; runs in a forked child."""
    result = {}
    try:
        # Closing the master hangs the pty up, which sends SIGHUP to its session leader: us.
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.close(master)
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
        stats = None
        try:
            stats = Taskstats()
        except OSError as e:
            result["taskstats_error"] = str(e)
        os.chdir(cwd)
        # posix_spawn (vfork and exec in C): a fork of this Python process would add its own
        # milliseconds to the recorder's start.
        actions = [(os.POSIX_SPAWN_DUP2, slave, fd) for fd in (0, 1, 2)]
        defaults = (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
        t_spawn = time.monotonic_ns()
        pid = os.posix_spawnp(argv[0], argv, env, file_actions=actions, setsigdef=defaults,
                              setsigmask=())
        null = os.open("/dev/null", os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.close(slave)
        reaped = []
        main_status = None
        t_exit = None
        while True:
            try:
                p, status, ru = os.wait4(-1, 0)
            except ChildProcessError:
                break
            except InterruptedError:
                continue
            if p == pid:
                main_status = os.waitstatus_to_exitcode(status)
                t_exit = time.monotonic_ns()
            reaped.append({"pid": p, "status": os.waitstatus_to_exitcode(status),
                           "maxrss_kib": ru.ru_maxrss,
                           "cpu_s": ru.ru_utime + ru.ru_stime})
        t_done = time.monotonic_ns()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        result.update({
            "pid": pid, "wrapper": os.getpid(), "t_spawn": t_spawn, "t_exit": t_exit,
            "t_done": t_done, "status": main_status, "reaped": reaped,
            "rusage_tree_cpu_s": children.ru_utime + children.ru_stime,
            "rusage_tree_maxrss_kib": children.ru_maxrss,
        })
        if stats is not None:
            stats.close()
            result["processes"] = {str(k): v for k, v in stats.tree(os.getpid()).items()}
            result["taskstats_overflow"] = stats.overflow
    except BaseException as e:  # report anything to the parent rather than die silently
        result["wrapper_error"] = repr(e)
    data = json.dumps(result).encode()
    view = memoryview(data)
    while view:
        view = view[os.write(result_fd, view):]
    os._exit(0)


class SessionTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise SessionTimeout()


def read_until(master, buf, needle, deadline):
    while needle not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            raise SessionTimeout()
        ready, _, _ = select.select([master], [], [], left)
        if ready:
            chunk = os.read(master, 65536)
            if not chunk:
                raise EOFError()
            buf += chunk


def run_session(argv, env, cwd, mode, timeout, echo_n=0, echo_warmup=0, echo_gap=0.0):
    """Runs argv on a new outer pty. mode: 'bulk' (read everything), 'start' (time to the first
    'hi'), 'echo' (keystroke round trips). Returns a dict of measurements."""
    master, slave = os.openpty()
    set_window(slave)
    result_r, result_w = os.pipe()
    wpid = os.fork()
    if wpid == 0:
        os.close(result_r)
        _wrapper(master, slave, argv, env, cwd, result_w)
        os._exit(1)  # not reached
    os.close(slave)
    os.close(result_w)
    out = {"mode": mode}
    received = bytearray()
    old_handler = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    read = os.read
    try:
        if mode == "start":
            while True:
                try:
                    chunk = read(master, 65536)
                except OSError as e:
                    if e.errno == errno.EIO:
                        break
                    raise
                if not chunk:
                    break
                received += chunk
                if "t_first" not in out and b"hi" in received:
                    out["t_first"] = time.monotonic_ns()
        elif mode == "echo":
            deadline = time.monotonic() + timeout
            read_until(master, received, b"READY", deadline)
            time.sleep(0.05)
            while select.select([master], [], [], 0)[0]:
                received += read(master, 65536)
            latencies = []
            odd = 0
            for i in range(echo_warmup + echo_n):
                t0 = time.perf_counter_ns()
                os.write(master, b"x")
                got = read(master, 64)
                while b"x" not in got:
                    odd += 1
                    got = read(master, 64)
                t1 = time.perf_counter_ns()
                if len(got) != 1:
                    odd += 1
                if i >= echo_warmup:
                    latencies.append((t1 - t0) / 1000.0)
                if echo_gap:
                    time.sleep(echo_gap)
            out["latencies_us"] = latencies
            out["odd_reads"] = odd
            while True:
                try:
                    chunk = read(master, 65536)
                except OSError as e:
                    if e.errno == errno.EIO:
                        break
                    raise
                if not chunk:
                    break
        else:
            while True:
                try:
                    chunk = read(master, 1 << 20)
                except OSError as e:
                    if e.errno == errno.EIO:
                        break
                    raise
                if not chunk:
                    break
                received += chunk
        out["t_eof"] = time.monotonic_ns()
        signal.setitimer(signal.ITIMER_REAL, 0)
    except (SessionTimeout, EOFError) as e:
        signal.setitimer(signal.ITIMER_REAL, 0)
        out["error"] = "timed out" if isinstance(e, SessionTimeout) else "ended early"
        kill_tree(wpid)
    finally:
        signal.signal(signal.SIGALRM, old_handler)
    os.close(master)
    chunks = []
    deadline = time.monotonic() + 60
    while True:
        ready, _, _ = select.select([result_r], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            kill_tree(wpid)
            os.kill(wpid, signal.SIGKILL)
            out["error"] = out.get("error", "") + " wrapper hung"
            break
        data = os.read(result_r, 65536)
        if not data:
            break
        chunks.append(data)
    os.close(result_r)
    os.waitpid(wpid, 0)
    try:
        wrapped = json.loads(b"".join(chunks) or b"{}")
    except ValueError:
        wrapped = {"wrapper_error": "unreadable result"}
    out.update(wrapped)
    out["received"] = received
    if "t_spawn" in out and "t_eof" in out:
        end = max(out["t_eof"], out["t_exit"] or out["t_eof"])
        out["wall_s"] = (end - out["t_spawn"]) / 1e9
    if "t_first" in out and "t_spawn" in out:
        out["start_ms"] = (out["t_first"] - out["t_spawn"]) / 1e6
    return out


def attribute(session):
    """Splits the tree's CPU and memory between the recorder and the recorded command."""
    procs = session.get("processes")
    if procs is None:
        return {
            "tree_cpu_s": session.get("rusage_tree_cpu_s"),
            "recorder_cpu_s": None,
            "command_cpu_s": None,
            "recorder_rss_mib": (session.get("rusage_tree_maxrss_kib") or 0) / 1024,
            "recorder_rss_note": "no taskstats: max RSS over the whole tree, command included",
            "recorder_processes": None,
        }
    recorder = [p for p in procs.values() if p["comm"] not in COMMAND_COMMS]
    command = [p for p in procs.values() if p["comm"] in COMMAND_COMMS]
    return {
        "tree_cpu_s": sum(p["cpu_us"] for p in procs.values()) / 1e6,
        "recorder_cpu_s": sum(p["cpu_us"] for p in recorder) / 1e6,
        "command_cpu_s": sum(p["cpu_us"] for p in command) / 1e6,
        "recorder_rss_mib": sum(p["rss_kib"] for p in recorder) / 1024,
        "recorder_rss_max_mib": max((p["rss_kib"] for p in recorder), default=0) / 1024,
        "recorder_processes": sorted(p["comm"] for p in recorder),
        "command_processes": sorted(p["comm"] for p in command),
    }


# ---------------------------------------------------------------------------------------------
# The recorders: how each is started, and how its recording is read back.

def find_files(root, pattern):
    return sorted(glob.glob(os.path.join(root, "**", pattern), recursive=True))


def dir_bytes(root):
    total = 0
    for base, _, files in os.walk(root):
        for name in files:
            total += os.path.getsize(os.path.join(base, name))
    return total


def parse_tlog(path):
    """tlog's JSON log back to the output bytes, following each message's "timing"."""
    messages = []
    with open(path, "rb") as f:
        for line in f:
            if line.strip():
                messages.append(json.loads(line))
    messages.sort(key=lambda m: m.get("id", 0))
    out = bytearray()
    token = re.compile(r"([=+<>\[\]])(\d+)(?:[x/](\d+))?")
    for m in messages:
        text = m.get("out_txt", "")
        binary = m.get("out_bin", [])
        ti = bi = 0
        for kind, a, b in token.findall(m.get("timing", "")):
            if kind == ">":
                n = int(a)
                out += text[ti : ti + n].encode("utf-8", "surrogatepass")
                ti += n
            elif kind == "]":
                ti += int(a)
                n = int(b)
                out += bytes(binary[bi : bi + n])
                bi += n
    return bytes(out)


def parse_asciicast(path):
    """asciicast v2: the concatenated "o" events, as UTF-8."""
    parts = []
    with open(path, "rb") as f:
        f.readline()  # header
        for line in f:
            if not line.strip():
                continue
            event = json.loads(line)
            if event[1] == "o":
                parts.append(event[2])
    return "".join(parts).encode("utf-8", "surrogatepass")


def parse_typescript(path):
    with open(path, "rb") as f:
        data = f.read()
    start = data.find(b"\n") + 1  # "Script started on ..." line
    end = data.rfind(b"\nScript done on ")
    return data[start : end if end >= start else len(data)]


class Bench:
    def __init__(self, args):
        self.args = args
        self.tmp = tempfile.mkdtemp(prefix="shelltrail-bench-", dir=args.tmp)
        self.home = os.path.join(self.tmp, "home")
        os.makedirs(self.home)
        os.chmod(self.tmp, 0o755)  # sudo's target user (root here) and cat must read the data
        self.bin = os.path.join(self.tmp, "bin")
        os.makedirs(self.bin)
        self.sudoers = None
        self.sudo_iolog = os.path.join(self.tmp, "sudo-io")
        self.created_utmp = False
        self.env = {
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": self.home,
            "TERM": "xterm-256color",
            "LANG": "C.UTF-8",
            "SHELL": "/bin/sh",
            "USER": "root",
            "LOGNAME": "root",
        }
        self.runs = []
        self.data = {}

    # -- setup and cleanup --------------------------------------------------------------------

    def setup(self):
        a = self.args
        for name, path in (("shelltrail", a.shelltrail), ("bare_relay", a.bare_relay)):
            if not os.access(path, os.X_OK):
                sys.exit(f"recorder_bench: {path} not found; build it first: "
                         "cmake -S . -B build -G Ninja && ninja -C build shelltrail bare_relay")
            shutil.copy2(path, os.path.join(self.bin, name))
        self.shelltrail = os.path.join(self.bin, "shelltrail")
        self.bare_relay = os.path.join(self.bin, "bare_relay")
        wanted = [r for r in a.only if r in PEERS]
        tools = {"time": ("/usr/bin/time", "time"), "script": ("script", "bsdutils"),
                 "tlog": ("tlog-rec", "tlog"), "asciinema": ("asciinema", "asciinema"),
                 "sudo": ("sudo", "sudo")}
        missing = [tools[r][1] for r in ["time", *wanted] if shutil.which(tools[r][0]) is None]
        if missing:
            if a.no_install:
                sys.exit(f"recorder_bench: missing {' '.join(missing)} (--no-install given)")
            log(f"installing {' '.join(missing)} from Debian (benchmark-only peers)")
            env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
            subprocess.run(["apt-get", "-o", "DPkg::Lock::Timeout=600", "update", "-qq"],
                           check=True, env=env)
            subprocess.run(["apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "-qq",
                            "--no-install-recommends", *missing], check=True, env=env)
        if "tlog" in a.only and not os.path.exists("/run/utmp"):
            # tlog-rec adds a utmp record through utempter and refuses to start without one.
            fd = os.open("/run/utmp", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o664)
            os.close(fd)
            try:
                shutil.chown("/run/utmp", group="utmp")
            except (LookupError, OSError):
                pass
            self.created_utmp = True
        if "sudo" in a.only:
            if os.geteuid() != 0:
                sys.exit("recorder_bench: the sudo I/O log needs root (a sudoers drop-in)")
            os.makedirs(self.sudo_iolog, mode=0o700)
            text = f"Defaults:root log_output, log_input, iolog_dir={self.sudo_iolog}\n"
            draft = os.path.join(self.tmp, "sudoers")
            with open(draft, "w") as f:
                f.write(text)
            subprocess.run(["visudo", "-q", "-c", "-f", draft], check=True,
                           stdout=subprocess.DEVNULL)
            path = f"/etc/sudoers.d/zz-shelltrail-bench-{os.getpid()}"
            self.sudoers = path
            tmp_path = path + ".tmp"  # files with a '.' are ignored by sudo
            with open(tmp_path, "w") as f:
                f.write(text)
            os.chmod(tmp_path, 0o440)
            os.rename(tmp_path, path)

    def cleanup(self):
        if self.sudoers and os.path.exists(self.sudoers):
            os.unlink(self.sudoers)
            self.sudoers = None
        if self.created_utmp:
            try:
                os.unlink("/run/utmp")
            except OSError:
                pass
            self.created_utmp = False
        if not self.args.keep and os.path.isdir(self.tmp):
            shutil.rmtree(self.tmp, ignore_errors=True)
        elif os.path.isdir(self.tmp):
            log(f"kept {self.tmp}")

    # -- data ---------------------------------------------------------------------------------

    def make_data(self):
        size = int(self.args.mb * MiB)
        ddir = os.path.join(self.tmp, "data")
        os.makedirs(ddir)
        headers = sorted(glob.glob("/usr/include/**/*.h", recursive=True))
        text_path = os.path.join(ddir, "text.txt")
        written = 0
        with open(text_path, "wb") as out:
            while written < size:
                for h in headers:
                    try:
                        with open(h, "rb") as f:
                            chunk = f.read()
                    except OSError:
                        continue
                    chunk = chunk[: size - written]
                    out.write(chunk)
                    written += len(chunk)
                    if written >= size:
                        break
        random_path = os.path.join(ddir, "random.txt")
        with open(random_path, "wb") as out:
            left = int(size * 3 / 4) // 57 * 57
            while left:
                n = min(left, 57 * 1024 * 16)
                out.write(base64.encodebytes(os.urandom(n)))
                left -= n
        for name, path in (("text", text_path), ("random", random_path)):
            with open(path, "rb") as f:
                raw = f.read()
            expected = raw.replace(b"\n", b"\r\n")  # the inner pty's ONLCR
            exp_path = path + ".expected"
            with open(exp_path, "wb") as f:
                f.write(expected)
            self.data[name] = {
                "path": path, "expected_path": exp_path, "input_bytes": len(raw),
                "output_bytes": len(expected),
                "sha256": hashlib.sha256(expected).hexdigest(),
                "utf8_sha256": hashlib.sha256(
                    expected.decode("utf-8", "replace").encode("utf-8")).hexdigest(),
                "valid_utf8": _is_utf8(expected),
            }
            log(f"data {name}: {len(raw) / MiB:.1f} MiB in, {len(expected) / MiB:.1f} MiB out "
                f"({len(headers)} headers)" if name == "text" else
                f"data {name}: {len(raw) / MiB:.1f} MiB in, {len(expected) / MiB:.1f} MiB out")

    def expected(self, name):
        with open(self.data[name]["expected_path"], "rb") as f:
            return f.read()

    # -- commands per recorder ----------------------------------------------------------------

    def argv(self, rec, cmd, text, out_dir):
        if rec in ("bare", "bare2"):
            return [self.bare_relay, *cmd]
        if rec == "bare+file":
            return [self.bare_relay, "--store", os.path.join(out_dir, "output"), *cmd]
        if is_shelltrail(rec):
            extra = [x for kv in self.args.variants.get(rec, []) for x in ("--set", kv)]
            return [self.shelltrail, "record", "-q", "--set", f"spool={out_dir}/spool",
                    "--set", "compact=false", "--set", "index=false", "--set", "notice=", *extra,
                    "--", *cmd]
        if rec == "script":
            return ["script", "-q", "-c", text, os.path.join(out_dir, "typescript")]
        if rec == "tlog":
            return ["tlog-rec", "--writer=file", f"--file-path={out_dir}/tlog.json", "--", *cmd]
        if rec == "asciinema":
            return ["asciinema", "rec", "-q", "--overwrite", "-c", text,
                    os.path.join(out_dir, "rec.cast")]
        if rec == "sudo":
            return ["sudo", "-u", "root", "--", *cmd]
        raise ValueError(rec)

    def sudo_sessions(self):
        return set(os.path.dirname(p) for p in find_files(self.sudo_iolog, "timing"))

    def read_back(self, rec, out_dir, data_path, sudo_before):
        """(recorded output bytes, stored bytes, path, how it compares)."""
        if rec in ("bare", "bare2"):
            return None, 0, None, "records nothing"
        if rec == "bare+file":
            path = os.path.join(out_dir, "output")
            with open(path, "rb") as f:
                return f.read(), os.path.getsize(path), path, "exact"
        if is_shelltrail(rec):
            files = find_files(out_dir, "*.strec")
            if len(files) != 1:
                return None, 0, None, f"{len(files)} recordings"
            proc = subprocess.run([self.shelltrail, "dump", files[0], "--bytes", "output"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            if proc.returncode != 0:
                return None, os.path.getsize(files[0]), files[0], proc.stderr.decode()[-300:]
            return proc.stdout, os.path.getsize(files[0]), files[0], "exact"
        if rec == "script":
            path = os.path.join(out_dir, "typescript")
            return parse_typescript(path), os.path.getsize(path), path, "exact"
        if rec == "tlog":
            path = os.path.join(out_dir, "tlog.json")
            return parse_tlog(path), os.path.getsize(path), path, "exact"
        if rec == "asciinema":
            path = os.path.join(out_dir, "rec.cast")
            return parse_asciicast(path), os.path.getsize(path), path, "utf8"
        if rec == "sudo":
            new = [d for d in self.sudo_sessions() - sudo_before if _sudo_session_is(d, data_path)]
            if len(new) != 1:
                return None, 0, None, f"{len(new)} sudo I/O logs"
            with open(os.path.join(new[0], "ttyout"), "rb") as f:
                raw = f.read()
            data = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
            return data, dir_bytes(new[0]), new[0], "exact"
        raise ValueError(rec)

    # -- one throughput run -------------------------------------------------------------------

    def throughput(self, rec, dataset, round_no):
        d = self.data[dataset]
        out_dir = os.path.join(self.tmp, "runs", f"{rec}-{dataset}-{round_no}")
        os.makedirs(out_dir)
        cmd = ["cat", d["path"]]
        sudo_before = self.sudo_sessions() if rec == "sudo" else set()
        load = os.getloadavg()[0]
        s = run_session(self.argv(rec, cmd, shlex.join(cmd), out_dir), self.env, out_dir, "bulk",
                        self.args.timeout)
        received = s.pop("received")
        run = {"kind": "throughput", "recorder": rec, "dataset": dataset, "round": round_no,
               "loadavg_before": load, "loadavg_after": os.getloadavg()[0]}
        for key in ("wall_s", "status", "error", "wrapper_error", "taskstats_error",
                    "taskstats_overflow", "rusage_tree_cpu_s", "rusage_tree_maxrss_kib",
                    "processes", "reaped"):
            if key in s:
                run[key] = s[key]
        run.update(attribute(s))
        run["received_bytes"] = len(received)
        # Did the terminal get every byte? (tlog adds a line end of its own after the session.)
        expected = self.expected(dataset)
        run["terminal_complete"] = received.startswith(expected)
        run["terminal_extra_bytes"] = len(received) - len(expected)
        del received
        recorded, stored, path, how = self.read_back(rec, out_dir, d["path"], sudo_before)
        run["stored_bytes"] = stored
        run["stored_per_output_byte"] = stored / d["output_bytes"]
        run["comparison"] = how
        if recorded is not None:
            if how == "utf8":
                want = expected.decode("utf-8", "replace").encode("utf-8")
            else:
                want = expected
            run["recorded_bytes"] = len(recorded)
            run["complete"] = recorded == want
            if not run["complete"]:
                n = _common_prefix(recorded, want)
                run["first_difference_at"] = n
                run["missing_at_end"] = len(want) - len(recorded) if n == len(recorded) else None
            del want
        else:
            run["complete"] = None if rec in ("bare", "bare2") else False
        del recorded, expected
        if is_shelltrail(rec) and path:
            run.update(self.compact(path, dataset))
        msg = (f"{label(rec):<14} {dataset:<6} round {round_no}: {run.get('wall_s', 0):6.2f} s "
               f"tree CPU {run['tree_cpu_s'] or 0:6.2f} s  rec CPU {run['recorder_cpu_s'] or 0:6.2f} s"
               f"  RSS {run['recorder_rss_mib']:6.1f} MiB  stored {run['stored_per_output_byte']:.3f}"
               f"  complete={run['complete']}")
        if is_shelltrail(rec) and "compacted_per_output_byte" in run:
            msg += (f"  compacted {run['compacted_per_output_byte']:.3f} "
                    f"({run['compact_cpu_s']:.2f} s CPU)")
        if run.get("error") or run.get("status") not in (0, None):
            msg += f"  status={run.get('status')} error={run.get('error')}"
        log(msg)
        self.runs.append(run)
        shutil.rmtree(out_dir, ignore_errors=True)
        if path and rec == "sudo":
            shutil.rmtree(path, ignore_errors=True)

    def compact(self, path, dataset):
        before = os.path.getsize(path)
        t0 = time.monotonic()
        # Through GNU time: a child forked from this (large) Python process would report this
        # process's resident pages as its own peak (ru_maxrss counts the pages before exec).
        rss_file = os.path.join(self.tmp, "compact-rss")
        proc = subprocess.Popen(["/usr/bin/time", "-o", rss_file, "-f", "%M", self.shelltrail,
                                 "compact", path], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, env=self.env)
        output = proc.stdout.read()
        _, status, ru = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        with open(rss_file) as f:
            compact_rss_kib = int(f.read().split()[-1])
        wall = time.monotonic() - t0
        after = os.path.getsize(path)
        out_bytes = self.data[dataset]["output_bytes"]
        result = {
            "compact_status": proc.returncode,
            "compact_output": output.decode(errors="replace").strip()[-300:],
            "compact_wall_s": wall,
            "compact_cpu_s": ru.ru_utime + ru.ru_stime,
            "compact_cpu_s_per_100MB": (ru.ru_utime + ru.ru_stime) * 1e8 / out_bytes,
            "compact_maxrss_mib": compact_rss_kib / 1024,
            "compacted_bytes": after,
            "compacted_per_output_byte": after / out_bytes,
            "live_bytes": before,
        }
        dump = subprocess.run([self.shelltrail, "dump", path, "--bytes", "output"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        result["compacted_complete"] = (
            dump.returncode == 0
            and hashlib.sha256(dump.stdout).hexdigest() == self.data[dataset]["sha256"])
        verify = subprocess.run([self.shelltrail, "verify", path], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        result["compacted_verify_status"] = verify.returncode
        return result

    # -- latency runs -------------------------------------------------------------------------

    def starts(self, rec, round_no, count):
        values = []
        for i in range(count):
            out_dir = os.path.join(self.tmp, "runs", f"{rec}-start-{round_no}-{i}")
            os.makedirs(out_dir)
            cmd = ["echo", "hi"]
            s = run_session(self.argv(rec, cmd, shlex.join(cmd), out_dir), self.env, out_dir,
                            "start", 30)
            if "start_ms" in s:
                values.append(s["start_ms"])
            else:
                log(f"{label(rec)} start run failed: {s.get('error')} {s.get('wrapper_error')} "
                    f"{bytes(s['received'][:200])!r}")
            shutil.rmtree(out_dir, ignore_errors=True)
        if rec == "sudo":
            for d in self.sudo_sessions():
                shutil.rmtree(d, ignore_errors=True)
        self.runs.append({"kind": "start", "recorder": rec, "round": round_no,
                          "start_ms": values})
        if values:
            log(f"{label(rec):<14} start  round {round_no}: median {statistics.median(values):.1f} ms"
                f" of {len(values)}")

    def echo(self, rec, round_no):
        a = self.args
        out_dir = os.path.join(self.tmp, "runs", f"{rec}-echo-{round_no}")
        os.makedirs(out_dir)
        total = a.echo_n + a.echo_warmup
        script_text = f"stty raw -echo; echo READY; exec dd bs=1 count={total} status=none"
        cmd = ["sh", "-c", script_text]
        s = run_session(self.argv(rec, cmd, script_text, out_dir), self.env, out_dir, "echo",
                        max(60, total * 0.1), echo_n=a.echo_n, echo_warmup=a.echo_warmup,
                        echo_gap=a.echo_gap_ms / 1000)
        shutil.rmtree(out_dir, ignore_errors=True)
        if rec == "sudo":
            for d in self.sudo_sessions():
                shutil.rmtree(d, ignore_errors=True)
        lat = s.get("latencies_us", [])
        run = {"kind": "echo", "recorder": rec, "round": round_no, "latencies_us": lat,
               "odd_reads": s.get("odd_reads"), "error": s.get("error")}
        self.runs.append(run)
        if lat:
            log(f"{label(rec):<14} echo   round {round_no}: median {statistics.median(lat):.1f} µs "
                f"p99 {_percentile(lat, 99):.1f} µs ({len(lat)} keys)")
        else:
            log(f"{label(rec)} echo run failed: {s.get('error')} {s.get('wrapper_error')} "
                f"{bytes(s['received'][:200])!r}")

    # -- the whole thing ----------------------------------------------------------------------

    def run(self):
        a = self.args
        starts_per_round = -(-a.start_runs // a.rounds)
        for round_no in range(1, a.rounds + 1):
            log(f"round {round_no} of {a.rounds}")
            for rec in a.only:
                for dataset in ("text", "random") if not a.skip_throughput else ():
                    self.throughput(rec, dataset, round_no)
                if not a.skip_latency:
                    self.starts(rec, round_no, starts_per_round)
                    self.echo(rec, round_no)


def _sudo_session_is(directory, data_path):
    try:
        with open(os.path.join(directory, "log.json")) as f:
            info = json.load(f)
        return data_path in info.get("runargv", [])
    except (OSError, ValueError):
        return False


def _is_utf8(data):
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _common_prefix(a, b):
    lo, hi = 0, min(len(a), len(b))
    ma, mb = memoryview(a), memoryview(b)
    while lo < hi:  # the largest n with a[:n] == b[:n]
        mid = (lo + hi + 1) // 2
        if ma[lo:mid] == mb[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _percentile(values, p):
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * p / 100
    f = int(k)
    c = min(f + 1, len(s) - 1)
    return s[f] + (s[c] - s[f]) * (k - f)


# ---------------------------------------------------------------------------------------------
# Summary

def median_or_none(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarise(bench):
    runs = bench.runs
    recs = bench.args.only
    summary = {}
    for rec in recs:
        entry = {}
        for dataset in ("text", "random"):
            rs = [r for r in runs if r["kind"] == "throughput" and r["recorder"] == rec
                  and r["dataset"] == dataset]
            if not rs:
                continue
            e = {
                "runs": len(rs),
                "wall_s": median_or_none([r.get("wall_s") for r in rs]),
                "tree_cpu_s": median_or_none([r.get("tree_cpu_s") for r in rs]),
                "recorder_cpu_s": median_or_none([r.get("recorder_cpu_s") for r in rs]),
                "stored_per_output_byte": median_or_none(
                    [r.get("stored_per_output_byte") for r in rs]),
                "rss_mib_max": max(r.get("recorder_rss_mib") or 0 for r in rs),
                "complete": sum(1 for r in rs if r.get("complete")),
                "terminal_complete": sum(1 for r in rs if r.get("terminal_complete")),
                "bad_status": sum(1 for r in rs if r.get("status") != 0 or r.get("error")),
                "processes": sorted(set(tuple(r.get("recorder_processes") or []) for r in rs)),
            }
            e["mib_per_s"] = bench.data[dataset]["output_bytes"] / MiB / e["wall_s"] \
                if e["wall_s"] else None
            if is_shelltrail(rec):
                e["compacted_per_output_byte"] = median_or_none(
                    [r.get("compacted_per_output_byte") for r in rs])
                e["compact_cpu_s_per_100MB"] = median_or_none(
                    [r.get("compact_cpu_s_per_100MB") for r in rs])
                e["compact_wall_s"] = median_or_none([r.get("compact_wall_s") for r in rs])
                e["compact_maxrss_mib"] = max(r.get("compact_maxrss_mib") or 0 for r in rs)
                e["compacted_complete"] = sum(1 for r in rs if r.get("compacted_complete"))
                e["compacted_verify_ok"] = sum(
                    1 for r in rs if r.get("compacted_verify_status") == 0)
            missing = [r.get("missing_at_end") for r in rs if r.get("complete") is False]
            e["incomplete_details"] = [
                {"round": r["round"], "first_difference_at": r.get("first_difference_at"),
                 "missing_at_end": r.get("missing_at_end"),
                 "recorded_bytes": r.get("recorded_bytes")}
                for r in rs if r.get("complete") is False]
            entry[dataset] = e
        starts = [v for r in runs if r["kind"] == "start" and r["recorder"] == rec
                  for v in r["start_ms"]]
        lats = [v for r in runs if r["kind"] == "echo" and r["recorder"] == rec
                for v in r["latencies_us"]]
        entry["start_ms"] = median_or_none(starts)
        entry["start_runs"] = len(starts)
        entry["echo_median_us"] = median_or_none(lats)
        entry["echo_p99_us"] = _percentile(lats, 99) if lats else None
        entry["echo_keys"] = len(lats)
        summary[rec] = entry
    base = summary.get("bare", {})
    for rec, entry in summary.items():
        for dataset in ("text", "random"):
            e, b = entry.get(dataset), base.get(dataset)
            if not e or not b:
                continue
            for key in ("wall_s", "tree_cpu_s", "recorder_cpu_s"):
                if e.get(key) is not None and b.get(key):
                    e[key + "_ratio"] = e[key] / b[key]
            # The same ratio round by round (each against the bare relay of its own round).
            per_round = []
            for r in runs:
                if r["kind"] == "throughput" and r["recorder"] == rec and r["dataset"] == dataset:
                    for q in runs:
                        if (q["kind"] == "throughput" and q["recorder"] == "bare"
                                and q["dataset"] == dataset and q["round"] == r["round"]
                                and q.get("wall_s") and r.get("wall_s")):
                            per_round.append(r["wall_s"] / q["wall_s"])
            e["wall_s_ratio_per_round"] = per_round
        if entry.get("echo_median_us") is not None and base.get("echo_median_us") is not None:
            entry["echo_added_us"] = entry["echo_median_us"] - base["echo_median_us"]
    return summary


def fmt(value, spec, none="—"):
    return none if value is None else format(value, spec)


def print_report(bench, summary):
    a = bench.args
    d = bench.data
    print()
    print(f"Recorder benchmark: {a.rounds} round(s), interleaved; text = {d['text']['output_bytes'] / MiB:.1f} MiB"
          f" of C headers on the terminal, random = {d['random']['output_bytes'] / MiB:.1f} MiB of base64"
          f"; medians; ratios to the bare relay's median on the same data")
    print()
    header = (f"{'recorder':<14} {'time×':>6} {'time×':>6} {'MiB/s':>6} {'MiB/s':>6} "
              f"{'tree CPU×':>9} {'tree CPU×':>9} {'rec CPU×':>8} {'rec CPU×':>8} "
              f"{'stored/B':>8} {'stored/B':>8} {'RSS':>6} {'start':>6} {'echo':>7} {'+echo':>6} "
              f"{'echo':>7} {'complete':>9}")
    sub = (f"{'':<14} {'text':>6} {'random':>6} {'text':>6} {'random':>6} "
           f"{'text':>9} {'random':>9} {'text':>8} {'random':>8} "
           f"{'text':>8} {'random':>8} {'MiB':>6} {'ms':>6} {'med µs':>7} {'µs':>6} "
           f"{'p99 µs':>7} {'runs':>9}")
    print(header)
    print(sub)
    for rec in a.only:
        s = summary[rec]
        t, r = s.get("text", {}), s.get("random", {})
        complete = "n/a"
        if rec not in ("bare", "bare2") and t and r:
            complete = f"{t['complete'] + r['complete']}/{t['runs'] + r['runs']}"
            if rec == "asciinema":
                complete += "*"
        print(f"{label(rec):<14} {fmt(t.get('wall_s_ratio'), '6.2f')} {fmt(r.get('wall_s_ratio'), '6.2f')} "
              f"{fmt(t.get('mib_per_s'), '6.1f')} {fmt(r.get('mib_per_s'), '6.1f')} "
              f"{fmt(t.get('tree_cpu_s_ratio'), '9.2f')} {fmt(r.get('tree_cpu_s_ratio'), '9.2f')} "
              f"{fmt(t.get('recorder_cpu_s_ratio'), '8.2f')} {fmt(r.get('recorder_cpu_s_ratio'), '8.2f')} "
              f"{fmt(t.get('stored_per_output_byte'), '8.3f')} {fmt(r.get('stored_per_output_byte'), '8.3f')} "
              f"{fmt(max(t.get('rss_mib_max', 0), r.get('rss_mib_max', 0)), '6.1f')} "
              f"{fmt(s.get('start_ms'), '6.1f')} {fmt(s.get('echo_median_us'), '7.1f')} "
              f"{fmt(s.get('echo_added_us'), '+6.1f')} {fmt(s.get('echo_p99_us'), '7.1f')} "
              f"{complete:>9}")
    for rec in [r for r in a.only if is_shelltrail(r)]:
        st = summary[rec]
        print()
        for dataset in ("text", "random"):
            e = st.get(dataset)
            if e:
                print(f"{rec} {dataset:<6}: live {e['stored_per_output_byte']:.3f} B/B -> "
                      f"compacted {fmt(e.get('compacted_per_output_byte'), '.3f')} B/B; compaction "
                      f"{fmt(e.get('compact_cpu_s_per_100MB'), '.2f')} CPU s per 100 MB of output "
                      f"({fmt(e.get('compact_wall_s'), '.2f')} s wall, "
                      f"{fmt(e.get('compact_maxrss_mib'), '.1f')} MiB RSS); compacted recordings "
                      f"complete {e.get('compacted_complete')}/{e['runs']}, verify ok "
                      f"{e.get('compacted_verify_ok')}/{e['runs']}")
    loads = [r[k] for r in bench.runs if r["kind"] == "throughput"
             for k in ("loadavg_before", "loadavg_after")]
    if loads:
        print()
        print(f"1-minute load average around the throughput runs: {min(loads):.2f} to "
              f"{max(loads):.2f} (median {statistics.median(loads):.2f}) on {os.cpu_count()} CPUs")
    print()
    print("Absolute medians (s): wall text/random, tree CPU text/random, recorder CPU text/random")
    for rec in a.only:
        s = summary[rec]
        t, r = s.get("text", {}), s.get("random", {})
        procs = t.get("processes") or r.get("processes") or []
        print(f"  {label(rec):<14} {fmt(t.get('wall_s'), '6.2f')} {fmt(r.get('wall_s'), '6.2f')}   "
              f"{fmt(t.get('tree_cpu_s'), '6.2f')} {fmt(r.get('tree_cpu_s'), '6.2f')}   "
              f"{fmt(t.get('recorder_cpu_s'), '6.2f')} {fmt(r.get('recorder_cpu_s'), '6.2f')}   "
              f"processes: {', '.join('+'.join(p) for p in procs)}")
        for dataset in ("text", "random"):
            e = s.get(dataset, {})
            for bad in e.get("incomplete_details", []):
                print(f"      incomplete {dataset} round {bad['round']}: recorded "
                      f"{bad['recorded_bytes']} bytes, first difference at byte "
                      f"{bad['first_difference_at']}, missing at the end: {bad['missing_at_end']}")
            if e.get("terminal_complete") is not None and e["terminal_complete"] != e["runs"]:
                print(f"      the terminal did not receive all output in "
                      f"{e['runs'] - e['terminal_complete']} {dataset} run(s)")
            if e.get("bad_status"):
                print(f"      {e['bad_status']} {dataset} run(s) with a non-zero status or an error")
    if "asciinema" in summary:
        print("  * asciinema stores output as JSON text: invalid UTF-8 is replaced by U+FFFD, so its"
              " recording is compared with the output decoded the same way"
              f" (text data is valid UTF-8: {d['text']['valid_utf8']})")
    if "shelltrail" in summary and "bare" in summary:
        print_targets(summary)


def print_targets(summary):
    st, bare = summary["shelltrail"], summary["bare"]
    checks = []
    for dataset in ("text", "random"):
        e = st.get(dataset, {})
        checks.append((f"time, {dataset}", e.get("wall_s_ratio"), 1.05, "×", "{:.3f}"))
    for dataset in ("text", "random"):
        e = st.get(dataset, {})
        checks.append((f"tree CPU, {dataset}", e.get("tree_cpu_s_ratio"), 2.0, "×", "{:.2f}"))
        checks.append((f"recorder CPU (tree less cat), {dataset}", e.get("recorder_cpu_s_ratio"),
                       2.0, "×", "{:.2f}"))
    checks.append(("stored per output byte, text (compacted)",
                   st.get("text", {}).get("compacted_per_output_byte"), 0.15, "", "{:.3f}"))
    checks.append(("stored per output byte, random (compacted)",
                   st.get("random", {}).get("compacted_per_output_byte"), 0.76, "", "{:.3f}"))
    checks.append(("echo round trip added, median", st.get("echo_added_us"), 20.0, " µs", "{:.1f}"))
    rss = max(st.get("text", {}).get("rss_mib_max", 0), st.get("random", {}).get("rss_mib_max", 0))
    checks.append(("peak RSS", rss, 6.0, " MiB", "{:.2f}"))
    checks.append(("start to first output", st.get("start_ms"), 15.0, " ms", "{:.1f}"))
    per_round = {ds: st.get(ds, {}).get("wall_s_ratio_per_round", []) for ds in ("text", "random")}
    print()
    print("shelltrail against the targets (time ratio round by round, each against its own "
          "round's bare relay: text " + ", ".join(f"{x:.3f}" for x in per_round["text"])
          + "; random " + ", ".join(f"{x:.3f}" for x in per_round["random"]) + "):")
    for name, value, limit, unit, f in checks:
        if value is None:
            print(f"  {name:<44} —")
            continue
        verdict = "ok" if value <= limit else f"MISSED by {value - limit:.3g}{unit} ({value / limit:.2f}× the limit)"
        print(f"  {name:<44} {f.format(value)}{unit:<5} (at most {limit:g}{unit})  {verdict}")
    for dataset in ("text", "random"):
        e = st.get(dataset, {})
        if e:
            print(f"  {'completeness, ' + dataset:<44} {e['complete']}/{e['runs']} live, "
                  f"{e.get('compacted_complete')}/{e['runs']} compacted")


def versions(bench):
    def first_line(argv):
        try:
            p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=10)
            return p.stdout.decode(errors="replace").strip().splitlines()[0]
        except (OSError, subprocess.SubprocessError, IndexError):
            return None
    def git(*args):
        try:
            return subprocess.run(["git", "-C", REPO, *args], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, timeout=10).stdout.decode().strip()
        except (OSError, subprocess.SubprocessError):
            return None
    return {
        "shelltrail_commit": git("rev-parse", "HEAD"),
        "shelltrail_dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "script": first_line(["script", "--version"]),
        "tlog": first_line(["tlog-rec", "--version"]),
        "asciinema": first_line(["asciinema", "--version"]),
        "sudo": first_line(["sudo", "-V"]),
        "kernel": platform.release(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=200, help="MiB of each data set (200)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (3)")
    parser.add_argument("--only", default=",".join(ALL_RECORDERS),
                        help=f"recorders, in this order (default {','.join(ALL_RECORDERS)})")
    parser.add_argument("--json", help="write every raw number here")
    parser.add_argument("--echo-n", type=int, default=1000, help="keystrokes per echo run (1000)")
    parser.add_argument("--echo-warmup", type=int, default=20)
    parser.add_argument("--echo-gap-ms", type=float, default=1.0,
                        help="pause between keystrokes (1 ms)")
    parser.add_argument("--start-runs", type=int, default=20,
                        help="start-up runs per recorder, spread over the rounds (20)")
    parser.add_argument("--skip-latency", action="store_true", help="only the throughput runs")
    parser.add_argument("--skip-throughput", action="store_true",
                        help="only the start and echo runs")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per session (600)")
    parser.add_argument("--tmp", default=tempfile.gettempdir(), help="where the temporary dir goes")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--no-install", action="store_true", help="never apt-get install peers")
    parser.add_argument("--shelltrail", default=os.path.join(REPO, "build/src/cli/shelltrail"))
    parser.add_argument("--variant", action="append", default=[], metavar="NAME:KEY=VALUE[,...]",
                        help="also run shelltrail with these settings (--set), as "
                             "shelltrail:NAME, right after shelltrail; repeatable")
    parser.add_argument("--bare-relay", default=os.path.join(REPO, "build/bench/bare_relay"))
    args = parser.parse_args()
    args.only = [r.strip() for r in args.only.split(",") if r.strip()]
    unknown = [r for r in args.only if r not in ALL_RECORDERS]
    if unknown:
        parser.error(f"unknown recorder(s) {unknown}; choose from {ALL_RECORDERS}")
    if "bare" not in args.only:
        args.only.insert(0, "bare")  # every ratio needs it
    args.variants = {}
    for spec in args.variant:
        name, _, settings = spec.partition(":")
        if not name or "=" not in settings:
            parser.error(f"--variant {spec!r}: expected NAME:KEY=VALUE[,KEY=VALUE...]")
        rec = f"shelltrail:{name}"
        args.variants[rec] = settings.split(",")
        after = args.only.index("shelltrail") + 1 if "shelltrail" in args.only else len(args.only)
        after += sum(1 for r in args.only if r.startswith("shelltrail:"))
        args.only.insert(after, rec)
    if args.skip_latency and args.skip_throughput:
        parser.error("--skip-latency and --skip-throughput leave nothing to run")
    if os.geteuid() != 0 and "sudo" in args.only:
        parser.error("run as root (the sudo peer needs a sudoers drop-in), or leave sudo out")

    bench = Bench(args)

    def on_signal(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    started = datetime.datetime.now(datetime.timezone.utc)
    try:
        bench.setup()
        bench.make_data()
        bench.run()
        summary = summarise(bench)
        print_report(bench, summary)
        if args.json:
            for r in bench.runs:
                r.pop("reaped", None)
            doc = {
                "started": started.isoformat(),
                "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(),
                "args": {k: v for k, v in vars(args).items()},
                "versions": versions(bench),
                "data": {k: {kk: vv for kk, vv in v.items() if not kk.endswith("path")}
                         for k, v in bench.data.items()},
                "summary": summary,
                "runs": bench.runs,
            }
            os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
            with open(args.json, "w") as f:
                json.dump(doc, f, indent=1)
            log(f"raw numbers in {args.json}")
    finally:
        bench.cleanup()


if __name__ == "__main__":
    main()
