"""shelltrail record under a real pty owned by the test: the recording holds, byte for byte,
what the terminal showed; input, resizes, the exit status or signal, Ctrl-C, a full-screen
program, a command run with pipes, 100 MB of output and output still in flight at exit."""

import os
import re
import signal
import subprocess

from harness import Harness, Session, check, line, sha256, wait_foreground_below

h = Harness()


def record_shell(name, cols=80, rows=24):
    home = h.home(name)
    argv = [h.shelltrail, "record", "-q", "--", "bash", "--norc", "--noprofile", "-i"]
    return home, Session(argv, cols=cols, rows=rows, env=h.env(home))


@h.case
def interactive_shell_is_recorded_byte_for_byte():
    home, s = record_shell("interactive")
    with s:
        s.expect(rb"This session is recorded by shelltrail \(session [0-9a-f-]{36}\)\.\r\n")
        s.expect(rb"prompt\$ ")
        s.send("echo $((6*7))\r")
        s.expect(line("42"))
        s.expect(rb"prompt\$ ")
        s.send("printf 'caf\\303\\251 \\033[1mbold\\033[0m\\n'\r")
        s.expect(rb"caf\xc3\xa9 \x1b\[1mbold")
        s.expect(rb"prompt\$ ")
        s.send("exit 7\r")
        s.read_until_eof()
        check(s.wait(10) == 7, "the shell's exit status 7 passes through")
        seen = s.output
    path = h.only_recording(h.spool(home))
    recorded = h.stream(path, "output")
    check(recorded == seen, "recorded output equals the %d bytes the terminal showed "
          "(recorded %d)" % (len(seen), len(recorded)))
    typed = h.stream(path, "input")
    check(b"echo $((6*7))\r" in typed and b"exit 7\r" in typed, "typed input is recorded")
    info = h.show(path)
    check(info["state"] == "ok", "the recording verifies")
    check(info["exit"]["termination"] == "exited" and info["exit"]["value"] == 7, "exit 7 recorded")
    check(info["metadata"]["terminal"]["cols"] == 80 and info["metadata"]["terminal"]["rows"] == 24,
          "initial size recorded")
    check(info["metadata"]["command"] == "bash --norc --noprofile -i", "command recorded")
    check(os.stat(path).st_mode & 0o777 == 0o600, "a personal recording is private (0600)")
    h.run("verify", path)


@h.case
def resize_reaches_the_child_and_the_recording():
    home, s = record_shell("resize", cols=100, rows=30)
    with s:
        s.expect(rb"prompt\$ ")
        s.send("stty size\r")
        s.expect(line("30 100"))
        s.resize(132, 43)
        s.send("stty size\r")
        s.expect(line("43 132"))
        s.send("exit\r")
        s.read_until_eof()
        s.wait(10)
    path = h.only_recording(h.spool(home))
    resizes = [e for e in h.events(path) if e["type"] == "resize"]
    check(any(e["text"] == "132x43" for e in resizes), "the resize is recorded: %r" % resizes)


@h.case
def ctrl_c_interrupts_the_foreground_job():
    home, s = record_shell("ctrl-c")
    with s:
        s.expect(rb"prompt\$ ")
        s.send("sleep 100; echo after=$?\r")
        wait_foreground_below(s.pid, "sleep")
        s.send(b"\x03")
        s.expect(rb"prompt\$ ", timeout=5)
        s.send("echo still here\r")
        s.expect(line("still here"))
        s.send("exit\r")
        s.read_until_eof()
        check(s.wait(10) == 0, "the shell survives Ctrl-C")
    path = h.only_recording(h.spool(home))
    check(b"\x03" in h.stream(path, "input"), "Ctrl-C is in the input")


@h.case
def exit_by_signal_passes_through_and_is_recorded():
    home = h.home("signal")
    argv = [h.shelltrail, "record", "-q", "--", "sh", "-c", "echo dying; kill -TERM $$"]
    with Session(argv, env=h.env(home)) as s:
        s.expect(rb"dying")
        s.read_until_eof()
        status = s.wait(10)
    check(status == -signal.SIGTERM, "the recorder ends by the child's signal (got %r)" % status)
    info = h.show(h.only_recording(h.spool(home)))
    check(info["exit"]["termination"] == "signaled" and info["exit"]["value"] == signal.SIGTERM,
          "signal recorded: %r" % info["exit"])


@h.case
def full_screen_program_works_and_is_recorded():
    home, s = record_shell("less", cols=80, rows=24)
    text = os.path.join(home, "long.txt")
    with open(text, "w") as f:
        for i in range(1, 500):
            f.write("line %d of a long file\n" % i)
    with s:
        s.expect(rb"prompt\$ ")
        s.send("less %s\r" % text)
        s.expect(rb"line 23 of a long file")
        s.send(" ")  # next page
        s.expect(rb"line 46 of a long file")
        s.send("q")
        s.expect(rb"prompt\$ ")
        s.send("exit\r")
        s.read_until_eof()
        s.wait(10)
        seen = s.output
    path = h.only_recording(h.spool(home))
    recorded = h.stream(path, "output")
    check(recorded == seen, "full-screen output recorded byte for byte")
    check(b"\x1b[?1049h" in recorded, "the alternate screen switch is in the recording")


@h.case
def large_output_is_complete():
    home = h.home("large")
    # About 100 MB of text through the pty, then exit at once: nothing may be lost, including
    # what is still in the pty when the command ends.
    argv = [h.shelltrail, "record", "-q", "--", "sh", "-c",
            "head -c 75000000 /dev/urandom | base64 -w 76; printf 'LAST LINE'"]
    with Session(argv, env=h.env(home)) as s:
        s.read_until_eof(timeout=300)
        check(s.wait(30) == 0, "exit 0")
        seen = s.output
    check(len(seen) > 100_000_000, "about 100 MB went through (%d bytes)" % len(seen))
    check(seen.endswith(b"LAST LINE"), "the terminal saw the last line")
    path = h.only_recording(h.spool(home))
    recorded = h.stream(path, "output")
    check(len(recorded) == len(seen) and sha256(recorded) == sha256(seen),
          "recorded %d bytes, terminal saw %d: every byte recorded" % (len(recorded), len(seen)))
    h.run("verify", path)


@h.case
def output_in_flight_at_exit_is_recorded_every_time():
    for i in range(20):
        home = h.home("flight-%d" % i)
        argv = [h.shelltrail, "record", "-q", "--", "sh", "-c",
                "seq 1 20000; printf 'the end %d'" % i]
        with Session(argv, env=h.env(home)) as s:
            s.read_until_eof(timeout=60)
            s.wait(10)
            seen = s.output
        recorded = h.stream(h.only_recording(h.spool(home)), "output")
        check(recorded == seen and recorded.endswith(b"the end %d" % i),
              "run %d: %d of %d bytes recorded" % (i, len(recorded), len(seen)))


@h.case
def command_without_a_terminal_runs_with_pipes():
    home = h.home("pipes")
    result = subprocess.run(
        [h.shelltrail, "record", "-q", "--", "sh", "-c", "cat; echo err >&2; exit 3"],
        input=b"line one\nline two\n", capture_output=True, env=h.env(home))
    check(result.returncode == 3, "exit status 3 passes through (got %d)" % result.returncode)
    check(result.stdout == b"line one\nline two\n", "stdout relayed: %r" % result.stdout)
    check(result.stderr == b"err\n", "stderr relayed: %r" % result.stderr)
    path = h.only_recording(h.spool(home))
    check(h.stream(path, "input") == b"line one\nline two\n", "stdin recorded as input")
    check(h.stream(path, "output") == b"line one\nline two\n", "stdout recorded as output")
    check(h.stream(path, "error_output") == b"err\n", "stderr recorded as error_output")


@h.case
def a_large_stream_without_a_terminal_is_cut_and_summarised():
    home = h.home("cut")
    data = os.urandom(3_000_000)
    result = subprocess.run(
        [h.shelltrail, "record", "-q", "--set", "stream_limit_bytes=1MiB", "--", "sh", "-c",
         "cat > /dev/null; head -c 2500000 /dev/zero"],
        input=data, capture_output=True, env=h.env(home))
    check(result.returncode == 0 and len(result.stdout) == 2_500_000, "the command ran fully")
    path = h.only_recording(h.spool(home))
    check(len(h.stream(path, "input")) == 1 << 20, "input recorded up to the limit")
    check(len(h.stream(path, "output")) == 1 << 20, "output recorded up to the limit")
    dump = h.dump(path)
    check("input cut after 1048576 bytes" in dump and "output cut after 1048576 bytes" in dump,
          "the cuts are visible in dump")
    check("input cut after 1048576 of 3000000 bytes, sha256 %s" % sha256(data) in dump,
          "the input summary has its size and SHA-256")
    check("output cut after 1048576 of 2500000 bytes, sha256 %s" % sha256(b"\0" * 2_500_000)
          in dump, "the output summary has its size and SHA-256")
    info = h.show(path)
    check(info["summary"]["events_by_type"].get("stream_summary") == 2, "two summaries")


@h.case
def missing_program_is_a_clear_error():
    home = h.home("missing")
    result = subprocess.run([h.shelltrail, "record", "-q", "--", "no-such-program-xyz"],
                            stdin=subprocess.DEVNULL, capture_output=True, env=h.env(home))
    check(result.returncode == 127, "exit 127 (got %d)" % result.returncode)
    check(re.match(rb"shelltrail: error: cannot run no-such-program-xyz: No such file",
                   result.stderr), "one clear line: %r" % result.stderr)


h.main()
