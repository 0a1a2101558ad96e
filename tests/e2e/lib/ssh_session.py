#!/usr/bin/env python3
"""Runs a command (typically the ssh command line built by sshd.sh's ssh_cmd) under a pty owned
by the test, plays a script of steps against it, and exits with the command's exit status.

  python3 ssh_session.py [--cols N] [--rows N] [--timeout S] [--output FILE] [--strip-cr]
                         [--expect REGEX | --send TEXT | --resize COLSxROWS]... -- COMMAND...

Steps run in the order given: --expect waits (up to --timeout) for REGEX in the output after the
previous match; --send types TEXT, with Python escapes (\\r, \\n, \\t, \\x03 for Ctrl-C, \\x04 for
Ctrl-D); --resize changes the window size. Then the output is read until end of file and the
command's exit status is awaited. All output goes to stdout (or FILE); with --strip-cr, CR bytes
are removed so lines end in LF. Exit status: the command's, 128+N if signal N killed it, 124 if a
step or the end timed out, 125 if the pty reached end of file before an --expect matched, 127 or
126 if COMMAND cannot be run. --send=TEXT and --expect=REGEX accept values starting with '-'.
"""

import argparse
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ptydriver import PtyEOF, PtyTimeout, Session  # noqa: E402


class Step(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):
        steps = getattr(namespace, "steps", None) or []
        steps.append((self.dest, values))
        namespace.steps = steps


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cols", type=int, default=80)
    ap.add_argument("--rows", type=int, default=24)
    ap.add_argument("--timeout", type=float, default=20, help="seconds per step and for the end")
    ap.add_argument("--output", help="write the output here instead of stdout")
    ap.add_argument("--strip-cr", action="store_true")
    ap.add_argument("--expect", dest="expect", action=Step)
    ap.add_argument("--send", dest="send", action=Step)
    ap.add_argument("--resize", dest="resize", action=Step)
    ap.add_argument("command", nargs="+")
    args = ap.parse_args()

    status = 0
    try:
        s = Session(args.command, cols=args.cols, rows=args.rows)
    except OSError as e:
        print("ssh_session: cannot run %s: %s" % (args.command[0], e.strerror), file=sys.stderr)
        return 127 if isinstance(e, FileNotFoundError) else 126
    try:
        for kind, value in getattr(args, "steps", None) or []:
            if kind == "expect":
                s.expect(value, timeout=args.timeout)
            elif kind == "send":
                s.send(value.encode("utf-8").decode("unicode_escape").encode("latin-1"), timeout=args.timeout)
            else:
                cols, rows = (int(v) for v in value.lower().split("x"))
                s.resize(cols, rows)
        s.read_until_eof(timeout=args.timeout)
        rc = s.wait(timeout=args.timeout)
        status = rc if rc >= 0 else 128 - rc
    except PtyTimeout as e:
        print("ssh_session: timeout: %s" % e, file=sys.stderr)
        status = 124
    except PtyEOF as e:
        print("ssh_session: %s" % e, file=sys.stderr)
        status = 125
    finally:
        s.close()
        out = s.output.replace(b"\r", b"") if args.strip_cr else s.output
        if args.output:
            with open(args.output, "wb") as f:
                f.write(out)
        else:
            sys.stdout.buffer.write(out)
            sys.stdout.flush()
    return status


if __name__ == "__main__":
    sys.exit(main())
