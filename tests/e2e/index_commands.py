"""shelltrail index, commands, search and timeline, end to end: operators drive real bash shells
recorded in tmux panes as a person would (history recall, tab completion, Ctrl-R, a backslash
continuation, pastes of one and two lines, a line typed ahead while a command runs, line
editing, vim, a command wider than the pane and one recalled and edited there, Ctrl-C, cd,
sudo -i), and the commands the index extracts from the recordings are compared with what bash
itself says it ran (its history file, appended at every prompt); then search with its filters,
the timeline of two operators working at the same time, a rebuilt index against the incremental
one, a damaged recording, and bad input.

    PYTHONPATH=tests/e2e/lib SHELLTRAIL=build/src/cli/shelltrail python3 tests/e2e/index_commands.py
"""

import calendar
import difflib
import json
import os
import re
import shlex
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time

from harness import Failure, Harness, check, descendants, wait_foreground_below
from tmux import Tmux

h = Harness()
# The tmux server's socket outside h.work, which h.main() removes on success: t.close() after it
# must still reach the server.
TMUX_DIR = tempfile.mkdtemp(prefix="shelltrail-e2e-tmux-", dir=os.environ.get("TMPDIR"))
t = Tmux(TMUX_DIR)
SPOOL = os.path.join(h.work, "spool")
COLS, ROWS = 80, 24
# A prompt with nothing typed after it (capture-pane drops the blank after $ or #).
BARE_PROMPT = re.compile(r"^([a-z]+)@([a-z0-9-]+):(\S+)([$#])$")
RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{1,9}Z$")
VIM = "vim -u NONE -N -i NONE notes.txt"


def st(*args, check_exit=0):
    """shelltrail ARGS on the test's spool (options go before a `--` in ARGS)."""
    args = list(args)
    where = args.index("--") if "--" in args else len(args)
    args[where:where] = ["--spool", SPOOL]
    return h.run(*args, check_exit=check_exit)


def st_json(command, *args):
    return json.loads(st(command, "--json", *args).stdout)


def seconds(offset):
    """An offset as `play --at` takes it ("1m2.345s") in seconds."""
    m = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(\d+(?:\.\d+)?)s", offset)
    check(m, "an offset like 1h2m3.456s: %r" % offset)
    return int(m.group(1) or 0) * 3600 + int(m.group(2) or 0) * 60 + float(m.group(3))



def rendered_table_rows(path):
    """The table rows of an HTML file as headless Chromium renders it (served over http on
    127.0.0.1), each a list of cell texts."""
    import functools
    import html.parser
    import http.server
    import threading

    handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                directory=os.path.dirname(path))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    profile = tempfile.mkdtemp(prefix="chromium-", dir=TMUX_DIR)
    try:
        dom = subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-quic", "--no-first-run", "--user-data-dir=" + profile, "--dump-dom",
             "http://127.0.0.1:%d/%s" % (server.server_address[1], os.path.basename(path))],
            capture_output=True, timeout=60).stdout.decode("utf-8", "replace")
    finally:
        server.shutdown()

    class Rows(html.parser.HTMLParser):
        def __init__(self):
            super().__init__()
            self.rows, self.cell = [], None

        def handle_starttag(self, tag, attrs):
            if tag == "tr":
                self.rows.append([])
            elif tag in ("td", "th"):
                self.cell = ""

        def handle_endtag(self, tag):
            if tag in ("td", "th") and self.cell is not None:
                self.rows[-1].append(" ".join(self.cell.split()))
                self.cell = None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell += data

    parser = Rows()
    parser.feed(dom)
    check(parser.rows, "Chromium rendered no table from %s: %r" % (path, dom[:500]))
    return parser.rows

def utc(ns):
    """Nanoseconds since the epoch as RFC 3339 UTC with microseconds."""
    whole, fraction = divmod(ns, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + ".%06dZ" % (fraction // 1000)


def unix_ns(text):
    """RFC 3339 UTC with fractional seconds, as the commands print it, in nanoseconds."""
    check(RFC3339_UTC.match(text), "a time in RFC 3339 UTC with fractional seconds: %r" % text)
    whole, fraction = text[:-1].split(".")
    return (calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S")) * 1_000_000_000
            + int(fraction.ljust(9, "0")))


def wait_file(path, timeout=60):
    t.wait_until("%s to appear" % path, lambda: os.path.exists(path), timeout)


def after_session_running():
    """Processes that still work on the spool: the recorder starts `shelltrail compact` (and,
    with `index` on, indexing) detached when a session ends. Its command line names the
    recording; before its exec it is a copy of the recorder, whose command line names SPOOL. It is
    detached: not below the tmux server, where the live sessions are. (`index --follow` stays.)"""
    server = int(t.tmux("display-message", "-p", "#{pid}").strip())
    panes = set(descendants(server)) | {server, os.getpid()}  # live sessions, the test
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) in panes:
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if any(SPOOL.encode() in arg for arg in argv) and b"--follow" not in argv:
            found.append(b" ".join(argv).decode("utf-8", "replace"))
    return found


def wait_after_session(timeout=60):
    """Waits until compaction and indexing after the sessions have finished with the spool, so
    that the recordings no longer change under `index`."""
    t.wait_until("the end of %r" % after_session_running(), lambda: not after_session_running(),
                 timeout)


class Operator:
    """A person at a bash prompt in a tmux pane, recorded by `shelltrail record` into SPOOL.
    bash appends each command to its history file at every prompt (PROMPT_COMMAND='history -a'):
    the ground truth, and what tells that a command was taken."""

    def __init__(self, name, user, host="testhost", compact=True):
        self.user = user
        self.prompt_text = ("%s@%s:" % (user, host)).encode()
        self.home = h.home(name)
        self.history = os.path.join(self.home, "history")
        open(self.history, "w").close()
        self.done = os.path.join(self.home, "recorder-done")
        env = {"HOME": self.home, "PS1": r"%s@%s:\w$ " % (user, host),
               "HISTFILE": self.history, "HISTSIZE": "5000", "HISTFILESIZE": "5000",
               "HISTCONTROL": "", "HISTIGNORE": "", "PROMPT_COMMAND": "history -a",
               "LC_ALL": "C.UTF-8", "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"}
        record = [h.shelltrail, "record", "-q", "--set", "spool=" + SPOOL]
        if not compact:
            record += ["--set", "compact=false"]
        command = "cd %s && %s -- bash --norc --noprofile -i; touch %s; exec sleep 100000" % (
            shlex.quote(self.home), " ".join(shlex.quote(a) for a in record),
            shlex.quote(self.done))
        self.pane = t.start("sh -c %s" % shlex.quote(command), COLS, ROWS, env)
        self.histories = [[self.history, 0]]  # the shells' history files and their entries
        self.places = []  # (user, cwd) of the prompt of each command, in the order submitted
        self.place = None
        self.wait_prompt()

    # --- keys ---
    def send(self, *keys):
        t.send(self.pane, *keys)

    def type(self, text):
        t.send(self.pane, text, literal=True)

    # --- screen ---
    def lines(self):
        """The screen's lines, wrapped rows joined."""
        text = t.tmux("capture-pane", "-p", "-J", "-t", self.pane)
        return [line.rstrip() for line in text.split("\n")]

    def bare_prompt(self, user=None):
        x, y = t.cursor(self.pane)
        rows = t.capture(self.pane).split("\n")
        if y >= len(rows):
            return None
        m = BARE_PROMPT.match(rows[y])
        if m and x == len(rows[y]) + 1 and (user is None or m.group(1) == user):
            return m
        return None

    def wait_prompt(self, user=None, timeout=20):
        seen = []
        t.wait_until("a bare prompt%s in %s" % (" of " + user if user else "", self.pane),
                     lambda: seen.append(self.bare_prompt(user)) or seen[-1], timeout)
        self.place = (seen[-1].group(1), seen[-1].group(3))
        self.prompt = seen[-1].group(0) + " "

    def wait_line(self, text):
        """Waits until the line being edited, after its prompt, is text."""
        want = self.prompt + text
        t.wait_until("%r on the screen" % want,
                     lambda: any(line == want for line in self.lines()), 10)

    def entries(self, path):
        with open(path) as f:
            return f.read().splitlines()

    # --- commands ---
    def submitted(self, user=None, commands=1):
        """The command being typed was submitted with Enter: waits for bash to take it (its
        history grows) and to show a prompt again."""
        self.places += [self.place] * commands
        current = self.histories[-1]
        current[1] += commands
        t.wait_until("%d entries in %s" % (current[1], current[0]),
                     lambda: len(self.entries(current[0])) >= current[1], 30)
        self.wait_prompt(user)

    def enter(self, user=None, commands=1):
        self.send("Enter")
        self.submitted(user, commands)

    def run(self, command):
        self.type(command)
        self.wait_line(command)
        self.enter()

    def exit(self):
        self.places.append(self.place)
        self.type("exit")
        self.send("Enter")
        wait_file(self.done)
        wait_after_session()

    def recording(self):
        """The session's recording: the one whose screen showed this operator's prompt."""
        found = [path for path in h.recordings(SPOOL) if self.prompt_text in h.stream(path)]
        check(len(found) == 1, "one recording of %s: %r" % (self.home, found))
        return found[0]

    def session_id(self, path):
        return json.loads(h.run("show", path, "--json").stdout)["metadata"]["session_id"]


# ---- the session of case 1, used by the others ------------------------------------------------

_main = {}  # or {"error": ...} when recording it failed (not tried again)


def long_command(prompt):
    """A command wider than two rows of the pane, with a blank in the last column of the first."""
    first = "echo " + "wide-" * 20
    first = first[:COLS - len(prompt) - 1]  # up to the last column of the first row...
    command = first + " " + "second-row " * 8 + "end"  # ...where a blank is
    check(len(prompt + command) > 2 * COLS and (prompt + command)[COLS - 1] == " ",
          "the long command is laid out as intended")
    return command


def main_session():
    """alice's session: every way of entering a command a person uses. Recorded once."""
    if "error" in _main:
        raise Failure("alice's session could not be recorded: %s" % _main["error"])
    if _main:
        return _main
    try:
        return record_main_session()
    except Exception as error:
        _main["error"] = error
        raise


def record_main_session():
    op = Operator("alice", "alice")
    os.makedirs(os.path.join(op.home, "projects", "alpha"))
    os.makedirs(os.path.join(op.home, "x", "etc"))
    with open(os.path.join(op.home, "x", "etc", "passwd"), "w") as f:
        f.write("root:x:0:0::/root:/bin/sh\n")
    with open(os.path.join(op.home, "quarterly-figures.txt"), "w") as f:
        f.write("1\n2\n3\n")
    started = time.time_ns()

    op.run("echo hello world")
    op.run("ls /nonexistent-zzz")  # an error only the screen shows
    op.run("rm -f x/etc/passwd")
    op.run("echo first-recall")
    # History recall: Up, Enter.
    op.send("Up")
    op.wait_line("echo first-recall")
    op.enter()
    # Up, then an edit of the recalled line.
    op.send("Up")
    op.wait_line("echo first-recall")
    op.send(*["BSpace"] * len("recall"))
    op.type("edited")
    op.wait_line("echo first-edited")
    op.enter()
    # Tab completion of a unique file name.
    op.type("wc -l quar")
    op.send("Tab")
    op.wait_line("wc -l quarterly-figures.txt")
    op.enter()
    # Ctrl-R: a reverse search through history, Enter runs what it found.
    op.send("C-r")
    op.type("hello w")
    t.wait_for(op.pane, "(reverse-i-search)`hello w': echo hello world", 10)
    op.enter()
    # A command continued on a second line with a backslash.
    op.type("echo one \\")
    op.send("Enter")
    t.wait_until("the continuation prompt",
                 lambda: t.capture(op.pane).split("\n")[t.cursor(op.pane)[1]] == ">", 10)
    op.type("two three")
    op.enter()
    # A paste (bracketed: bash 5.1 and later ask the terminal for it), then Enter.
    t.tmux("set-buffer", "-b", "st-paste", "printf '%s\\n' pasted-text | tr a-z A-Z")
    t.tmux("paste-buffer", "-p", "-d", "-b", "st-paste", "-t", op.pane)
    op.wait_line("printf '%s\\n' pasted-text | tr a-z A-Z")
    op.enter()
    # A paste of two lines: bash inserts the pasted line break, and Enter runs both lines (two
    # entries in its history).
    t.tmux("set-buffer", "-b", "st-paste", "echo pasted-one\necho pasted-two")
    t.tmux("paste-buffer", "-p", "-d", "-b", "st-paste", "-t", op.pane)
    t.wait_until("the pasted lines", lambda: op.prompt + "echo pasted-one" in op.lines()
                 and "echo pasted-two" in op.lines(), 10)
    op.enter(commands=2)
    # A paste sent as if typed (tmux without -p: no brackets), line breaks included: bash runs
    # the lines one by one, echoing each after its prompt.
    t.tmux("set-buffer", "-b", "st-paste", "echo raw-one\necho raw-two\n")
    t.tmux("paste-buffer", "-d", "-b", "st-paste", "-t", op.pane)
    op.submitted(commands=2)
    # Typed ahead while a command runs: the terminal echoes the line with no prompt before it;
    # bash reads it when its prompt comes back (no Enter then).
    op.type("sleep 2")
    op.wait_line("sleep 2")
    op.send("Enter")
    wait_foreground_below(int(t.tmux("display-message", "-p", "-t", op.pane,
                                     "#{pane_pid}").strip()), "sleep")
    op.type("echo typed-ahead")
    op.send("Enter")
    op.submitted(commands=2)
    check("echo typed-ahead" in op.lines(), "the terminal echoed the line typed ahead")
    # Line editing: a missing first letter added after Ctrl-A, a doubled one removed after Left;
    # Enter with the cursor in the middle of the line.
    op.type("cho editedd line")
    op.send("C-a")
    op.type("e")
    op.send("C-e")
    op.send(*["Left"] * len(" line"))
    op.send("BSpace")
    op.wait_line("echo edited line")
    op.enter()
    # vim: the Enters typed into it are not commands; it is an activity.
    vim_place = op.place
    op.type(VIM)
    op.send("Enter")
    t.wait_for(op.pane, '"notes.txt" [New]', 10)
    op.send("i")
    op.type("first line")
    op.send("Enter")
    op.type("second line")
    op.send("Enter")
    op.send("Escape")
    op.type(":wq")
    op.send("Enter")
    op.submitted()
    with open(os.path.join(op.home, "notes.txt")) as f:
        check(f.read() == "first line\nsecond line\n\n", "vim wrote the file")
    # Wider than the pane: wraps twice, once at a blank.
    long = long_command(op.prompt)
    op.run(long)
    # Recalled and edited near its start: Enter with the cursor on the first of its rows.
    op.send("Up")
    op.wait_line(long)
    op.send("C-a", *["Right"] * len("echo "))
    op.type("edited-")
    op.wait_line(long.replace("echo ", "echo edited-", 1))
    op.enter()
    # Not commands: a line abandoned with Ctrl-C, an empty line.
    op.type("echo abandoned")
    op.wait_line("echo abandoned")
    op.send("C-c")
    op.wait_prompt()
    before = (t.capture(op.pane), t.cursor(op.pane))
    op.send("Enter")
    t.wait_until("a new prompt", lambda: (t.capture(op.pane), t.cursor(op.pane)) != before, 10)
    op.wait_prompt()
    # cd: the directory of later commands follows.
    op.run("cd projects/alpha")
    op.run("pwd")
    # sudo -i: a root shell whose prompt says root@testhost (its own history file).
    root_history = os.path.join(op.home, "root-history")
    open(root_history, "w").close()
    sudo = ("sudo -i env 'PS1=root@testhost:\\w# ' HISTFILE=%s PROMPT_COMMAND='history -a' "
            "bash --norc --noprofile -i" % root_history)
    root = os.geteuid() == 0 or subprocess.run(["sudo", "-n", "true"]).returncode == 0
    if root:
        op.type(sudo)
        op.wait_line(sudo)
        op.places.append(op.place)
        op.send("Enter")
        op.wait_prompt("root", timeout=60)  # a login shell (sudo -i reads root's profile)
        op.histories.append([root_history, 0])
        op.run("id -un")
        op.run("cd /tmp")
        op.run("pwd")
        op.places.append(op.place)
        op.type("exit")
        op.send("Enter")
        op.histories.pop()
        op.histories[-1][1] += 1  # the sudo line, appended now that it is done
        t.wait_until("the sudo line in the history",
                     lambda: len(op.entries(op.history)) >= op.histories[-1][1], 30)
        op.wait_prompt("alice")
    else:
        print("not root and no password-less sudo: the sudo -i part is left out")
    op.run("echo back as alice")
    op.exit()
    finished = time.time_ns()

    # What bash ran, in order: the root shell's commands after the sudo line that started it.
    outer = op.entries(op.history)
    truth = list(outer)
    if root:
        at = outer.index(sudo)
        truth[at + 1:at + 1] = op.entries(root_history)
    recording = op.recording()
    _main.update(op=op, truth=truth, places=op.places, recording=recording,
                 id=op.session_id(recording), started=started, finished=finished,
                 vim_place=vim_place, root=root, sudo=sudo)
    return _main


def commands_of(session):
    """`commands SESSION --json` (a session id, or a recording's path)."""
    return st_json("commands", session)


# ---- 1. commands as run ------------------------------------------------------------------------

@h.case
def commands_are_those_bash_ran():
    s = main_session()
    result = st("index")
    check(result.stderr == b"", "index says nothing on stderr: %r" % result.stderr)
    listed = commands_of(s["id"])
    commands = [c for c in listed if not c.get("activity")]
    activities = [c for c in listed if c.get("activity")]
    # bash's history keeps the blank tab completion adds after a file name ("wc -l
    # quarterly-figures.txt "); a screen cannot show a trailing blank, and it changes nothing in
    # what runs: compared without trailing blanks.
    truth = [entry.rstrip() for entry in s["truth"]]
    got = [c["command"] for c in commands]
    if got != truth:
        raise Failure("the commands differ from bash's history (- bash, + index):\n%s" % "\n".join(
            difflib.unified_diff(truth, got, lineterm="", n=2)))
    check(len(s["places"]) == len(truth),
          "the test submitted %d commands, bash has %d" % (len(s["places"]), len(truth)))
    for c, (user, cwd) in zip(commands, s["places"]):
        check((c["user"], c["host"], c["cwd"]) == (user, "testhost", cwd),
              "%r ran as %s@testhost in %s: %r" % (c["command"], user, cwd, c))
    if s["root"]:
        check([c["user"] for c in commands if c["command"] in ("id -un", "cd /tmp")]
              == ["root", "root"], "the root shell's commands are root's")
        check(commands[got.index("pwd", got.index("cd /tmp"))]["cwd"] == "/tmp",
              "root's pwd ran in /tmp")
    check(commands[got.index("pwd")]["cwd"] == "~/projects/alpha", "alice's pwd ran in alpha")
    # Times: RFC 3339 UTC, in the session's span, in order; offsets in order.
    times = [unix_ns(c["time"]) for c in listed]
    check(all(s["started"] - 10**9 <= ns <= s["finished"] + 10**9 for ns in times),
          "the times are those of the session")
    command_times = [unix_ns(c["time"]) for c in commands]
    check(command_times == sorted(command_times), "the commands are in time order")
    offsets = [seconds(c["offset"]) for c in commands]
    check(offsets == sorted(offsets) and offsets[0] > 0, "offsets in order: %r" % offsets)
    # vim is one activity, between the command that started it and the next one; the lines
    # typed into it are not commands.
    check(len(activities) == 1, "one full-screen activity: %r" % activities)
    vim = activities[0]
    check((vim["command"], vim["user"], vim["cwd"]) == (VIM, "alice", s["vim_place"][1]),
          "the activity is vim, run by alice in ~: %r" % vim)
    at = got.index(VIM)
    check(command_times[at] <= unix_ns(vim["time"]) < unix_ns(vim["end"])
          <= command_times[at + 1], "vim's span lies between its command and the next: %r" % vim)
    check(not any("line" in c and "first" in c for c in got), "no line typed into vim")


# ---- 2. search ----------------------------------------------------------------------------------

@h.case
def search_finds_commands_and_output_with_filters():
    s = main_session()
    st("index")
    commands = [c for c in commands_of(s["id"]) if not c.get("activity")]
    rm = next(c for c in commands if c["command"] == "rm -f x/etc/passwd")
    ls = next(c for c in commands if c["command"] == "ls /nonexistent-zzz")
    after_ls = commands[commands.index(ls) + 1]
    me = json.loads(h.run("show", s["recording"], "--json").stdout)["metadata"]

    def rm_hits(*args):
        hits = st_json("search", *args)
        for hit in hits:
            check(RFC3339_UTC.match(hit["time"]), "RFC 3339 UTC time: %r" % hit)
        return [hit for hit in hits if hit["kind"] == "command" and hit["session"] == s["id"]
                and hit["text"] == "rm -f x/etc/passwd"]

    found = rm_hits("passwd")
    check(len(found) == 1, "search passwd finds the rm: %r" % found)
    hit = found[0]
    check((hit["user"], hit["host"], hit["target_user"], hit["target_host"], hit["cwd"])
          == (me["user"], me["host"], "alice", "testhost", "~"), "who and where: %r" % hit)
    check(hit["time"] == rm["time"] and hit["offset"] == rm["offset"],
          "the hit is the command's moment: %r vs %r" % (hit, rm))
    check(hit["play"] == "shelltrail play %s --at %s" % (s["id"], rm["offset"]),
          "the play line: %r" % hit)
    check(len(rm_hits("--", "-f")) == 1, "search -- -f finds the rm")
    check(all("-f" in hit["text"].lower() for hit in st_json("search", "--commands", "--", "-f")),
          "search -- -f finds only commands with -f in them")

    # Output only: the error message, never typed.
    hits = st_json("search", "--output", "nonexistent-zzz")
    errors = [hit for hit in hits if "No such file or directory" in hit["text"]]
    check(len(errors) == 1 and all(hit["kind"] == "output" for hit in hits),
          "search --output finds the error line: %r" % hits)
    error = errors[0]
    check(error["session"] == s["id"], "in alice's session: %r" % error)
    check(seconds(ls["offset"]) <= seconds(error["offset"]) <= seconds(after_ls["offset"]),
          "at the moment ls wrote it (%s, before %s): %r"
          % (ls["offset"], after_ls["offset"], error))
    check(error["play"].endswith("--at " + error["offset"]), "a play line: %r" % error)
    hits = st_json("search", "--commands", "nonexistent-zzz")
    check([hit["text"] for hit in hits] == ["ls /nonexistent-zzz"], "--commands: %r" % hits)
    hits = st_json("search", "No such file or directory")
    check(any(hit == error for hit in hits), "the error without --output: %r" % hits)

    # Filters, both ways.
    check(len(rm_hits("passwd", "--user", "alice")) == 1, "--user alice (the prompt's) includes")
    check(len(rm_hits("passwd", "--user", me["user"])) == 1, "--user <login> includes")
    check(rm_hits("passwd", "--user", "mallory") == [], "--user mallory excludes")
    check(len(rm_hits("passwd", "--host", "testhost")) == 1, "--host testhost includes")
    check(len(rm_hits("passwd", "--host", me["host"])) == 1, "--host <jump box> includes")
    check(rm_hits("passwd", "--host", "elsewhere") == [], "--host elsewhere excludes")
    t_rm = unix_ns(rm["time"])
    ms = 1_000_000
    check(len(rm_hits("passwd", "--since", utc(t_rm - ms))) == 1, "--since before includes")
    check(rm_hits("passwd", "--since", utc(t_rm + ms)) == [], "--since after excludes")
    check(len(rm_hits("passwd", "--until", utc(t_rm + ms))) == 1, "--until after includes")
    check(rm_hits("passwd", "--until", utc(t_rm - ms)) == [], "--until before excludes")
    check(len(rm_hits("passwd", "--since", utc(t_rm - ms), "--until", utc(t_rm + ms))) == 1,
          "a window around it includes")

    def error_hits(*args):
        return [hit for hit in st_json("search", "--output", "nonexistent-zzz", *args)
                if hit == error]
    t_error = unix_ns(error["time"])
    check(len(error_hits("--host", "testhost")) == 1, "output --host testhost includes")
    check(error_hits("--host", "elsewhere") == [], "output --host elsewhere excludes")
    check(len(error_hits("--user", me["user"])) == 1, "output --user <login> includes")
    check(error_hits("--user", "mallory") == [], "output --user mallory excludes")
    check(len(error_hits("--since", utc(t_error - ms))) == 1, "output --since before includes")
    check(error_hits("--since", utc(t_error + ms)) == [], "output --since after excludes")
    check(len(error_hits("--until", utc(t_error + ms))) == 1, "output --until after includes")
    check(error_hits("--until", utc(t_error - ms)) == [], "output --until before excludes")

    # The text form: one line per hit, the session and the offset to play.
    text = st("search", "passwd", "--commands").stdout.decode()
    check(any(s["id"] in line and "--at " + rm["offset"] in line and "rm -f x/etc/passwd" in line
              for line in text.splitlines()), "the text form names session and offset:\n" + text)
    # docs/search.md: "--user matches the jump box login or the user a prompt showed", for
    # screen text too (what alice saw, logged in as another user; the case of a nested ssh).
    check(len(error_hits("--user", "alice")) == 1,
          "output --user alice (the user the prompt showed) includes the error line")


# ---- 3. two operators at the same time -------------------------------------------------------

@h.case
def timeline_interleaves_two_operators():
    since = time.time_ns()
    bob = Operator("bob", "bob")
    dave = Operator("dave", "dave", host="db-1")
    order = []
    for step in range(1, 4):
        for op in (bob, dave):
            command = "echo %s-step-%d" % (op.user, step)
            op.run(command)
            order.append((op.user, command))
    bob.run("cd /tmp")
    order.append(("bob", "cd /tmp"))
    dave.run("uname -s")
    order.append(("dave", "uname -s"))
    bob.run("echo bob-in-tmp")
    order.append(("bob", "echo bob-in-tmp"))
    bob.exit()
    dave.exit()
    order += [("bob", "exit"), ("dave", "exit")]
    until = time.time_ns()
    recordings = {"bob": bob.recording(), "dave": dave.recording()}
    ids = {user: bob.session_id(path) for user, path in recordings.items()}
    st("index")

    entries = st_json("timeline", "--since", utc(since), "--until", utc(until))
    got = [(e["target_user"], e["command"]) for e in entries]
    check(got == order, "the timeline interleaves the two sessions as they happened:\n%r\n%r"
          % (got, order))
    times = [unix_ns(e["time"]) for e in entries]
    check(times == sorted(times) and len(set(times)) == len(times), "strictly in time order")
    host = socket.gethostname()
    for e in entries:
        user = e["target_user"]
        check(e["session"] == ids[user], "%r is in %s's session" % (e, user))
        check(e["target_host"] == ("testhost" if user == "bob" else "db-1"), "host: %r" % e)
        check(e["host"] == host and e["key_fingerprint"] == "", "the jump box: %r" % e)
        check(e["cwd"] == ("/tmp" if e["command"] == "echo bob-in-tmp" or
                           (user == "bob" and e["command"] == "exit") else "~"), "cwd: %r" % e)
        check(e["play"] == "shelltrail play %s --at %s" % (e["session"], e["offset"]),
              "the play line: %r" % e)
    only_dave = st_json("timeline", "--since", utc(since), "--until", utc(until), "--user", "dave")
    check([e["command"] for e in only_dave] == [c for u, c in order if u == "dave"],
          "--user dave: %r" % only_dave)
    only_db1 = st_json("timeline", "--since", utc(since), "--until", utc(until), "--host", "db-1")
    check([e["session"] for e in only_db1] == [ids["dave"]] * 5, "--host db-1: %r" % only_db1)
    # The text form, in the same order.
    text = st("timeline", "--since", utc(since), "--until", utc(until)).stdout.decode()
    at = 0
    for user, command in order:
        found = re.search(r"(?m)^.*%s.*%s\s*$" % (re.escape(user), re.escape(command)), text[at:])
        check(found, "the text timeline has %s's %r after the previous one:\n%s"
              % (user, command, text))
        at += found.end()
    # A window just before bob's first command holds nothing of theirs.
    first = unix_ns(entries[0]["time"])
    before = st_json("timeline", "--since", utc(since), "--until", utc(first - 1_000_000))
    check(all(e["session"] not in ids.values() for e in before), "nothing before: %r" % before)

    # The postmortem report: the same rows in the same order, in Markdown and as a web page that a
    # browser shows (headless Chromium, the page served on 127.0.0.1).
    markdown = st("report", "--since", utc(since), "--until", utc(until)).stdout.decode()
    rows = [re.sub(r"\\(.)", r"\1", line) for line in markdown.splitlines()
            if line.startswith("| 20")]  # Markdown escapes taken off
    check(len(rows) == len(order) and all(
        "→ %s@" % user in row and "| %s |" % command in row and "shelltrail play " + ids[user] in row
        for (user, command), row in zip(order, rows)),
        "the Markdown report lists the timeline in order:\n" + markdown)
    page = os.path.join(TMUX_DIR, "report.html")
    with open(page, "wb") as f:
        f.write(st("report", "--since", utc(since), "--until", utc(until), "--format", "html").stdout)
    cells = rendered_table_rows(page)
    timeline = [r for r in cells if len(r) == 5 and r[0].startswith("20")]
    check([(r[2].split("→ ")[-1].split("@")[0], r[3]) for r in timeline] == order,
          "the HTML report as Chromium shows it lists the timeline in order: %r" % timeline)
    check(all(r[4] == "shelltrail play %s --at %s" % (e["session"], e["offset"])
              for r, e in zip(timeline, entries)), "each row has its play line: %r" % timeline)


# ---- 4b. a live session, indexed as it goes -------------------------------------------------

@h.case
def live_session_is_searchable_while_it_runs():
    """`index --follow` indexes a session while it is recorded: a command and a line of output
    are found within a few seconds, the session is finished in the index when it ends, and that
    index equals one made from the finished recording."""
    index = os.path.join(h.work, "live.sqlite")
    follower = subprocess.Popen(
        [h.shelltrail, "index", "--follow", "--interval", "0.2", "--spool", SPOOL,
         "--index", index], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        erin = Operator("erin", "erin")
        erin.run("echo live-marker-$((6*7))")
        started = time.monotonic()
        found = []

        def finds(query, kind):
            hits = st_json("search", query, kind, "--index", index)
            found[:] = hits
            return hits

        t.wait_until("the live command in the index",
                     lambda: finds("live-marker-$((6*7))", "--commands"), 10)
        check(found[0]["target_user"] == "erin" and found[0]["target_host"] == "testhost",
              "the live hit says who and where: %r" % found[0])
        t.wait_until("the live output line in the index",
                     lambda: finds("live-marker-42", "--output"), 10)
        waited = time.monotonic() - started
        check(waited < 5, "found %.1f s after the command ran" % waited)
        # It goes on: the next command joins, nothing is found twice.
        erin.run("echo second-$((2+3))")
        t.wait_until("the second command", lambda: finds("second-5", "--output"), 10)
        check(len(finds("live-marker-42", "--output")) == 1, "one hit: %r" % found)
        session = found[0]["session"]
        erin.exit()
        t.wait_until("the session finished in the index",
                     lambda: st_json("commands", session, "--index", index)[-1]["command"]
                     == "exit", 20)
    finally:
        follower.terminate()
        out, err = follower.communicate(timeout=20)
    check(follower.returncode == 0, "index --follow ends on SIGTERM with 0: %d %r"
          % (follower.returncode, err))
    check(err == b"", "index --follow said nothing on stderr: %r" % err)
    check(b"following " + session.encode() in out, "it said it followed the session: %r" % out)
    followed = st_json("commands", session, "--index", index)
    scratch = os.path.join(h.work, "scratch.sqlite")
    st("index", "-q", "--index", scratch)
    check(st_json("commands", session, "--index", scratch) == followed,
          "followed and indexed from scratch give the same commands:\n%r" % followed)


# ---- 5. a damaged recording -------------------------------------------------------------------

@h.case
def damaged_recording_is_indexed_up_to_the_damage():
    main = main_session()
    # Not compacted: one frame every 250 ms (as while the session is live, or when compaction
    # could not run); a compacted short session is one frame, which a damage loses whole.
    carol = Operator("carol", "carol", compact=False)
    for step in range(1, 13):
        carol.run("echo carol-step-%d; seq 1 %d | tail -1" % (step, 100 * step))
    carol.exit()
    truth = carol.entries(carol.history)
    recording = carol.recording()
    carol_id = carol.session_id(recording)
    size = os.path.getsize(recording)
    with open(recording, "r+b") as f:  # one bit flipped two thirds in
        f.seek(size * 2 // 3)
        byte = f.read(1)
        f.seek(size * 2 // 3)
        f.write(bytes([byte[0] ^ 0x10]))
    # What can still be read: the commands whose Enter was answered by a line feed before it.
    dumped = h.run("dump", recording, "--json", check_exit=2).stdout.splitlines()
    events = [json.loads(line) for line in dumped]
    readable, enters = 0, 0
    for event in events:
        if event["type"] == "input" and "\r" in event.get("bytes", ""):
            enters += 1
        elif event["type"] == "output" and "\n" in event.get("bytes", "") and enters > readable:
            readable += 1
    check(0 < readable < len(truth), "the damage is after some commands and before others "
          "(%d of %d readable)" % (readable, len(truth)))
    print("damaged after %d of %d commands" % (readable, len(truth)))

    result = st("index", check_exit=0)
    err = result.stderr.decode()
    check(re.fullmatch(r"shelltrail: warning: %s: damaged, indexed up to where it stops: .+\n"
                       % re.escape(recording), err), "one warning names the file: %r" % err)
    listed = commands_of(carol_id)
    check([c["command"] for c in listed] == truth[:readable],
          "the commands before the damage:\n%r\n%r" % ([c["command"] for c in listed], truth))
    check(all(c["user"] == "carol" for c in listed), "carol's: %r" % listed)
    before = truth[readable - 1].split(";")[0].split()[-1]
    hits = st_json("search", "--commands", before)
    check([hit["session"] for hit in hits] == [carol_id], "search finds %s" % before)
    after = "carol-step-12"
    check(st_json("search", after) == [], "nothing after the damage is found")
    # The others are indexed still.
    check(len(commands_of(main["id"])) > 10, "alice's session is still in the index")


# ---- 4. rebuild against incremental ------------------------------------------------------------

QUERIES = [["passwd"], ["--", "-f"], ["--output", "nonexistent-zzz"], ["echo"], ["step"],
           ["--commands", "cd"], ["--output", "edited"]]


def answers():
    recordings = h.recordings(SPOOL)
    return ({path: commands_of(path) for path in recordings},
            [st_json("search", *query) for query in QUERIES])


@h.case
def rebuild_gives_the_same_answers():
    main_session()
    st("index")
    recordings = h.recordings(SPOOL)
    again = st("index").stdout.decode()
    check(re.fullmatch(r"indexed 0 sessions \(0\.0 MB of output, 0 commands\) in [0-9.]+ s; "
                       r"%d unchanged, 0 removed\n" % len(recordings), again),
          "a second index run changes nothing: %r" % again)
    incremental = answers()
    check(all(incremental[0].values()), "every session has commands")
    check(all(incremental[1]), "every query finds something: %r" % incremental[1])
    rebuilt = st("index", "--rebuild", check_exit=None)
    check(rebuilt.returncode == 0, "index --rebuild exits 0: %r" % rebuilt)
    check(re.match(r"indexed %d sessions " % len(recordings), rebuilt.stdout.decode()),
          "--rebuild indexes every recording: %r" % rebuilt.stdout)
    fresh = answers()
    for path in recordings:
        check(fresh[0][path] == incremental[0][path], "commands of %s after --rebuild:\n%r\n%r"
              % (path, fresh[0][path], incremental[0][path]))
    for query, a, b in zip(QUERIES, fresh[1], incremental[1]):
        check(a == b, "search %r after --rebuild:\n%r\n%r" % (query, a, b))
    again = st("index").stdout.decode()
    check(re.search(r"; %d unchanged, 0 removed" % len(recordings), again),
          "unchanged after --rebuild: %r" % again)


# ---- 6. bad input ------------------------------------------------------------------------------

@h.case
def bad_input_says_what_is_wrong():
    main = main_session()
    st("index")
    problems = []  # all of them, not only the first

    def expect(condition, message):
        if not condition:
            problems.append(message)

    def one_line(result, what):
        err = result.stderr.decode()
        expect(err.endswith("\n") and err.count("\n") == 1 and err.startswith("shelltrail: "),
               "%s: one line on stderr: %r" % (what, err))
        expect(result.stdout == b"", "%s: nothing on stdout: %r" % (what, result.stdout))
        return err

    result = st("search", "--fts", "foo AND (", check_exit=None)
    err = one_line(result, "an FTS syntax error")
    expect(result.returncode == 64, "an FTS syntax error exits 64: %d" % result.returncode)
    expect(err.startswith("shelltrail: error: search: "), "says it is the query: %r" % err)
    unknown = "01a00000-0000-7000-8000-000000000000"
    result = st("commands", unknown, check_exit=None)
    err = one_line(result, "an unknown session")
    expect(unknown in err, "names the session: %r" % err)
    expect(result.returncode == 3, "an unknown session exits 3: %d" % result.returncode)
    # Indexes this version cannot use: another version's, garbage.
    index = os.path.join(SPOOL, "index.sqlite")
    old = os.path.join(h.work, "old.sqlite")
    with sqlite3.connect(index) as source, sqlite3.connect(old) as copy:
        source.backup(copy)
    with sqlite3.connect(old) as db:
        db.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    garbage = os.path.join(h.work, "garbage.sqlite")
    with open(garbage, "wb") as f:
        f.write(os.urandom(64 << 10))
    for path in (old, garbage):
        name = os.path.basename(path)
        for args in (["search", "passwd"], ["commands", main["id"]],
                     ["timeline", "--since", "1d"], ["index"]):
            result = st(*args, "--index", path, check_exit=None)
            err = one_line(result, "%s with %s" % (args[0], name))
            expect("run `shelltrail index --rebuild`" in err and path in err,
                   "%s with %s names the file and says to rebuild: %r" % (args[0], name, err))
            # Documented in each command's --help: 3 when the index cannot be used or read.
            expect(result.returncode == 3, "%s with %s exits 3 (the index cannot be used): %d"
                   % (args[0], name, result.returncode))
    # --rebuild mends it.
    st("index", "-q", "--rebuild", "--index", garbage)
    hits = st_json("search", "passwd", "--index", garbage)
    expect(any(hit["session"] == main["id"] for hit in hits), "rebuilt: %r" % hits)
    # No index at all.
    missing = os.path.join(h.work, "missing.sqlite")
    result = st("search", "passwd", "--index", missing, check_exit=None)
    err = one_line(result, "no index")
    expect("run `shelltrail index`" in err and result.returncode == 3,
           "no index: says to run index, exits 3: %d %r" % (result.returncode, err))
    if problems:
        raise Failure("%d problems:\n  %s" % (len(problems), "\n  ".join(problems)))


try:
    h.main()
finally:
    t.close()
    shutil.rmtree(TMUX_DIR, ignore_errors=True)
