"""shelltrail play, driven as a reviewer would, in tmux: sessions recorded in one tmux pane are
played in another of the same size and the two screens compared cell by cell (capture-pane -e:
text, colours and attributes); the same after seeks; the player's keys; following a live
session; and a hostile recording that must not reach the reviewer's terminal.
"""

import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time

from harness import Failure, Harness, Session, check
from tmux import Tmux

h = Harness()
# The tmux server's socket outside h.work, which h.main() removes on success: t.close() after it
# must still reach the server.
TMUX_DIR = tempfile.mkdtemp(prefix="shelltrail-e2e-tmux-", dir=os.environ.get("TMPDIR"))
t = Tmux(TMUX_DIR)

PS1 = r"\[\e[1;32m\]prompt\[\e[0m\]:\[\e[34m\]\w\[\e[0m\]$ "


def env_for(home):
    return {"HOME": home, "PS1": PS1, "LC_ALL": "C.UTF-8", "XDG_CACHE_HOME": home + "/cache",
            "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"}


def recorded_pane(name, cols=80, rows=24, program="bash --norc --noprofile -i"):
    """A pane running `shelltrail record` of program; returns (pane, home, done-file)."""
    home = h.home(name)
    done = os.path.join(home, "recorder-done")
    command = "%s record -q -- %s; touch %s; exec sleep 100000" % (
        shlex.quote(h.shelltrail), program, shlex.quote(done))
    pane = t.start("sh -c %s" % shlex.quote(command), cols, rows, env_for(home))
    return pane, home, done


def play_pane(home, args, cols=80, rows=24):
    """A pane running `shelltrail play ARGS`; returns (pane, done-file)."""
    done = os.path.join(home, "player-done-%d" % time.monotonic_ns())
    command = "%s play %s; echo $? > %s; exec sleep 100000" % (
        shlex.quote(h.shelltrail), " ".join(shlex.quote(a) for a in args), shlex.quote(done))
    pane = t.start("sh -c %s" % shlex.quote(command), cols, rows, env_for(home))
    return pane, done


def wait_file(path, timeout=60):
    t.wait_until("%s to appear" % path, lambda: os.path.exists(path), timeout)
    time.sleep(0.1)
    with open(path) as f:
        return f.read().strip()


def prompt(pane):
    t.wait_until("a prompt with the cursor after it",
                 lambda: t.capture(pane).rstrip().endswith("$"), 20)


def run(pane, command, wait=True):
    t.type(pane, command)
    if wait:
        time.sleep(0.15)
        prompt(pane)


def same_screens(expected, got, what):
    if expected != got:
        e, g = expected.splitlines(), got.splitlines()
        diff = ["row %d:\n  recorded %r\n  played   %r" % (i, a, b)
                for i, (a, b) in enumerate(zip(e, g)) if a != b][:6]
        raise Failure("%s: the screens differ (%d vs %d rows)\n%s"
                      % (what, len(e), len(g), "\n".join(diff)))


def record_session(name, steps, cols=80, rows=24):
    """Records steps(pane) in a pane; returns (recording, final screen with attributes, home)."""
    pane, home, done = recorded_pane(name, cols, rows)
    prompt(pane)
    steps(pane)
    run(pane, "exit", wait=False)
    wait_file(done)
    screen = t.capture(pane, attributes=True)
    recordings = h.recordings(os.path.join(home, ".local/share/shelltrail/spool"))
    check(len(recordings) == 1, "one recording: %r" % recordings)
    return recordings[0], screen, home


def played_screen(home, recording, args=(), cols=80, rows=24):
    pane, done = play_pane(home, [*args, recording], cols, rows)
    status = wait_file(done, 120)
    return t.capture(pane, attributes=True), status


# ---- fidelity --------------------------------------------------------------------------------

def line_programs(pane):
    run(pane, r"printf '\e[1;31mred\e[0m \e[42;30mgreen bg\e[0m \e[38;5;208m256\e[0m "
              r"\e[38;2;10;200;30mrgb\e[0m \e[4munder\e[0m \e[7mrev\e[0m\n'")
    run(pane, "seq 1 40")
    run(pane, r"for i in 1 2 3 4 5; do printf '\rprogress %d%%  [%-5s]' $((i*20)) "
              r"$(printf '%*s' $i '' | tr ' ' '#'); sleep 0.05; done; echo")
    run(pane, "printf 'UTF-8: h\\303\\251llo \\316\\273 \\342\\202\\254  wide: "
              "\\346\\274\\242\\345\\255\\227 \\360\\237\\231\\202 end\\n'")
    run(pane, "seq 1 300 > long.txt; cd /tmp && cd - >/dev/null")
    t.type(pane, "less long.txt")
    t.wait_for(pane, "long.txt")
    t.send(pane, "Space")
    time.sleep(0.2)
    t.send(pane, "q")
    prompt(pane)
    t.type(pane, "top -d 0.2 -n 3")
    prompt(pane)
    t.type(pane, "vim -u NONE -N -i NONE edit.txt")
    t.wait_for(pane, "edit.txt")
    t.send(pane, "i")
    t.send(pane, "hello from vim", literal=True)
    t.send(pane, "Escape")
    t.send(pane, ":wq", literal=True)
    t.send(pane, "Enter")
    prompt(pane)
    run(pane, "cat edit.txt; echo done")


@h.case
def fidelity_of_line_and_full_screen_programs():
    recording, recorded, home = record_session("fidelity", line_programs)
    check("hello from vim" in recorded and "done" in recorded,
          "the recorded pane shows the session: %s" % recorded)
    played, status = played_screen(home, recording, ["--speed", "50"])
    check(status == "0", "play exits 0 (got %s)" % status)
    same_screens(recorded, played, "played to the end")
    # A seek to the end gives the same screen without playing.
    played, status = played_screen(home, recording, ["--at", "10h"])
    same_screens(recorded, played, "--at past the end")
    # A seek to the middle equals playing to the middle.
    duration = h.show(recording)["summary"]["duration_us"] / 1e6
    middle = "%.3fs" % (duration / 2)
    to_middle, _ = played_screen(home, recording, ["--speed", "50", "--until", middle])
    jumped, _ = played_screen(home, recording, ["--at", middle, "--until", middle])
    same_screens(to_middle, jumped, "--at the middle vs playing to the middle")


@h.case
def resize_in_the_middle_is_honoured():
    def steps(pane):
        run(pane, "echo before the resize")
        t.resize(pane, 100, 30)
        time.sleep(0.3)
        run(pane, "seq 1 50; printf '%098d|\\n' 0")
    recording, recorded, home = record_session("resize", steps)
    check(re.search(r"0{98}\|", recorded), "the wide line is on the recorded screen")
    events = h.events(recording)
    check(any(e["type"] == "resize" and e.get("text") == "100x30" for e in events),
          "the resize is recorded: %r" % [e for e in events if e["type"] == "resize"])
    played, _ = played_screen(home, recording, ["--speed", "50"], cols=100, rows=30)
    same_screens(recorded, played, "played across a resize")
    played, _ = played_screen(home, recording, ["--at", "10h"], cols=100, rows=30)
    same_screens(recorded, played, "seek to the end across a resize")


# ---- keys ------------------------------------------------------------------------------------

@h.case
def keys_pause_step_seek_and_quit():
    def steps(pane):
        for i in range(1, 6):
            run(pane, "echo step-%d; sleep 3" % i)
    recording, _recorded, home = record_session("keys", steps)
    pane, done = play_pane(home, ["--status", recording])
    t.wait_for(pane, "step-1", 20)
    t.send(pane, "Space")  # pause
    time.sleep(0.3)
    paused = t.capture(pane)
    check("paused" in paused, "the status row says paused:\n%s" % paused)
    time.sleep(1.5)
    check("step-3" not in t.capture(pane), "nothing more is shown while paused")
    before = t.capture(pane)
    t.send(pane, ".")  # one event
    t.wait_until("a step to change the screen", lambda: t.capture(pane) != before, 5)
    # The step showed the prompt after `sleep 3` (about 3 s in); steps come every ~3.2 s.
    t.send(pane, "Right")  # +10 s: about 13 s in, step-4 (about 9.6 s) is on the screen
    t.wait_for(pane, "step-4", 10)
    t.send(pane, "Left")   # -10 s: back to about 3 s, before step-3 (about 6.4 s)
    t.wait_until("the seek back", lambda: "step-3" not in t.capture(pane), 10)
    t.send(pane, "q")
    check(wait_file(done, 10) == "0", "q quits with status 0")


# ---- live follow -----------------------------------------------------------------------------

@h.case
def follow_a_live_session():
    pane, home, done = recorded_pane("follow")
    prompt(pane)
    run(pane, "echo already-there")
    spool = os.path.join(home, ".local/share/shelltrail/spool")
    recording = h.only_recording(spool)
    viewer, viewer_done = play_pane(home, ["--follow", recording])
    t.wait_for(viewer, "already-there", 10)
    t.type(pane, "echo new-$((6*7))")
    start = time.monotonic()
    t.wait_for(viewer, "new-42", 5)
    lag = time.monotonic() - start
    print("follow: new output on the viewer after %.0f ms" % (lag * 1000))
    check(lag < 2.0, "the follower keeps up within the chunk bound (%.2f s)" % lag)
    prompt(pane)
    run(pane, "exit", wait=False)
    wait_file(done)
    status = wait_file(viewer_done, 10)
    check(status == "0", "the follower exits 0 when the session ends (got %s):\n%s"
          % (status, t.capture(viewer)))


# ---- hostile output --------------------------------------------------------------------------

HOSTILE = (r"printf '\033]52;c;aGFja2Vk\a\033]2;HACKED-TITLE\a\033]0;HACKED-ICON\a\033[c\033[>c\033[6n"
           r"\033P$qm\033\\\033]4;1;rgb:ff/00/00\a\033]8;;file:///etc/passwd\alink\033]8;;\a visible\n'")


@h.case
def hostile_recording_does_not_reach_the_terminal():
    # Recorded on a pty that answers nothing (tmux would answer the queries into the shell).
    home = h.home("hostile")
    with Session([h.shelltrail, "record", "-q", "--", "sh", "-c", HOSTILE],
                 env=h.env(home)) as s:
        s.read_until_eof(timeout=20)
        check(s.wait(10) == 0, "the hostile printf was recorded")
    recording = h.only_recording(h.spool(home))
    t.tmux("delete-buffer", check=False)
    pane, done = play_pane(home, [recording])
    check(wait_file(done, 30) in ("0",), "play exits 0")
    screen = t.capture(pane)
    check("link visible" in screen, "the text is shown:\n%s" % screen)
    check("HACKED" not in t.title(pane), "the title is untouched: %r" % t.title(pane))
    check("hacked" not in t.buffers(), "no clipboard buffer was set: %r" % t.buffers())
    # What play writes (to a file here) holds none of it.
    out = subprocess.run([h.shelltrail, "play", "--speed", "100", recording],
                         capture_output=True, stdin=subprocess.DEVNULL).stdout
    for bad in (b"\x1b]52", b"\x1b]2;", b"\x1b]0;", b"\x1b[c", b"\x1b[>c", b"\x1b[6n", b"\x1bP",
                b"\x1b]4;", b"file:///etc/passwd"):
        check(bad not in out, "play's output holds no %r" % bad)
    # The control: --raw lets it through, so the checks above can fail.
    pane, done = play_pane(home, ["--raw", recording])
    wait_file(done, 30)
    t.wait_until("the raw title", lambda: "HACKED" in t.title(pane), 5)


# ---- damage and exits -------------------------------------------------------------------------

@h.case
def damaged_recording_plays_up_to_the_damage():
    home = h.home("damaged")
    with Session([h.shelltrail, "record", "-q", "--set", "compact=false", "--", "sh", "-c",
                  "for i in $(seq 1 400); do echo line-$i; sleep 0.001; done"],
                 env=h.env(home)) as s:
        s.read_until_eof(timeout=30)
        check(s.wait(10) == 0, "recorded")
    recording = h.only_recording(h.spool(home))
    size = os.path.getsize(recording)
    with open(recording, "r+b") as f:  # a bit flipped two thirds in
        f.seek(size * 2 // 3)
        byte = f.read(1)
        f.seek(size * 2 // 3)
        f.write(bytes([byte[0] ^ 0x10]))
    result = subprocess.run([h.shelltrail, "play", "--speed", "1000", recording],
                            capture_output=True, stdin=subprocess.DEVNULL)
    err = result.stderr.decode("utf-8", "replace")
    check(result.returncode == 2, "exit 2 for a damaged recording (got %d): %r"
          % (result.returncode, err))
    check(re.search(r"shelltrail: error: playback stopped: .*chunk [0-9]+ \(frame at offset "
                    r"[0-9]+\)", err), "one line says where it stopped and why: %r" % err)
    check(b"line-1\r\n" in result.stdout and b"line-400" not in result.stdout,
          "played up to the damage: %r" % result.stdout[-200:])


@h.case
def ctrl_c_quits_and_puts_the_terminal_back():
    home = h.home("ctrl-c")
    with Session([h.shelltrail, "record", "-q", "--", "sh", "-c",
                  "echo first; sleep 30; echo never"], env=h.env(home)) as s:
        s.expect(rb"first")
        time.sleep(4)  # a pause in the recording, for the Ctrl-C during playback
        s.send("\x03")  # ends the recorded sleep
        s.read_until_eof(timeout=30)
        s.wait(10)
    recording = h.only_recording(h.spool(home))
    done = os.path.join(home, "done")
    command = ("stty -g > %s/before; %s play %s; echo $? > %s.status; stty -g > %s/after; "
               "touch %s; exec sleep 100000") % (home, shlex.quote(h.shelltrail),
                                                shlex.quote(recording), done, home, done)
    pane = t.start("sh -c %s" % shlex.quote(command), 80, 24, env_for(home))
    t.wait_for(pane, "first", 10)
    t.send(pane, "C-c")
    wait_file(done, 10)
    with open(done + ".status") as f:
        check(f.read().strip() == "0", "Ctrl-C quits with status 0")
    with open(os.path.join(home, "before")) as a, open(os.path.join(home, "after")) as b:
        check(a.read() == b.read(), "the terminal's modes are what they were before play")


@h.case
def output_errors_end_play_with_one_line_and_the_terminal_back():
    home = h.home("output-errors")
    with Session([h.shelltrail, "record", "-q", "--", "sh", "-c",
                  "echo first; sleep 2; echo second"], env=h.env(home)) as s:
        s.read_until_eof(timeout=30)
        check(s.wait(10) == 0, "recorded")
    recording = h.only_recording(h.spool(home))

    full = subprocess.run([h.shelltrail, "play", "--speed", "100", recording],
                          stdout=open("/dev/full", "wb"), stderr=subprocess.PIPE,
                          stdin=subprocess.DEVNULL)
    err = full.stderr.decode("utf-8", "replace")
    check(full.returncode == 3 and err.count("\n") == 1 and
          "writing standard output: No space left on device" in err,
          "a full disk: exit 3 and one line (got %d: %r)" % (full.returncode, err))

    # A pipe whose reader goes away, while play holds the terminal (its stdin) in raw mode.
    done = os.path.join(home, "pipe-done")
    command = ("stty -g > {h}/before; {st} play {rec} 2> {h}/err | head -c 3 > /dev/null; "
               "echo ${{PIPESTATUS[0]}} > {d}.status; stty -g > {h}/after; touch {d}; "
               "exec sleep 100000").format(h=home, st=shlex.quote(h.shelltrail),
                                            rec=shlex.quote(recording), d=done)
    t.start("bash -c %s" % shlex.quote(command), 80, 24, env_for(home))
    wait_file(done, 20)
    with open(done + ".status") as f, open(os.path.join(home, "err")) as e:
        status, err = f.read().strip(), e.read()
    check(status == "3" and "writing standard output: Broken pipe" in err,
          "a closed pipe: exit 3 and one line (got %s: %r)" % (status, err))
    with open(os.path.join(home, "before")) as a, open(os.path.join(home, "after")) as b:
        check(a.read() == b.read(), "the terminal's modes are what they were before play")

    # The terminal itself goes away (the reviewer closes the window): play ends at once.
    pidfile = os.path.join(home, "player.pid")
    pane = t.start("sh -c %s" % shlex.quote("echo $$ > %s; exec %s play --speed 0.1 %s" % (
        pidfile, shlex.quote(h.shelltrail), shlex.quote(recording))), 80, 24, env_for(home))
    t.wait_for(pane, "first", 10)
    pid = int(wait_file(pidfile, 10))
    t.tmux("kill-pane", "-t", pane)

    def gone():
        try:
            os.kill(pid, 0)
            return False
        except ProcessLookupError:
            return True
    t.wait_until("play to end when its terminal is gone", gone, 5)


try:
    h.main()
finally:
    t.close()
    shutil.rmtree(TMUX_DIR, ignore_errors=True)
