"""A private tmux server for end-to-end tests: panes of a fixed size running a command, keys
sent as a person types them, and the screen read back (capture-pane), with and without
attributes. Every Tmux has its own socket, killed at close().

    t = Tmux(work_dir)
    pane = t.start("sh -c 'shelltrail play X; touch done; exec sleep 1000'", cols=80, rows=24)
    t.wait_for(pane, "prompt$")
    t.send(pane, "q")
    screen = t.capture(pane, attributes=True)
"""

import os
import shlex
import subprocess
import time


class TmuxError(Exception):
    pass


class Tmux:
    def __init__(self, work, env=None):
        self.socket = os.path.join(work, "tmux-%d.sock" % os.getpid())
        self.env = dict(env or os.environ)
        self.env.pop("TMUX", None)
        self.sessions = 0
        # An empty configuration, so that the machine's does not change what panes show.
        self.config = os.path.join(work, "tmux.conf")
        with open(self.config, "w") as f:
            f.write("set -g status off\nset -g remain-on-exit on\nset -g history-limit 5000\n"
                    "set -g set-clipboard on\nset -g allow-rename on\n")

    def tmux(self, *args, check=True):
        result = subprocess.run(["tmux", "-S", self.socket, "-f", self.config, *args],
                                capture_output=True, env=self.env)
        if check and result.returncode != 0:
            raise TmuxError("tmux %s: %s" % (" ".join(args), result.stderr.decode()))
        return result.stdout.decode("utf-8", "replace")

    def start(self, command, cols=80, rows=24, env=None):
        """A new session (one window, one pane) of cols x rows running command; its pane id."""
        self.sessions += 1
        name = "s%d" % self.sessions
        args = ["new-session", "-d", "-s", name, "-x", str(cols), "-y", str(rows)]
        if env:
            # Not new-session -e: tmux keeps its own HOME, and dash drops PS1 from what it passes on.
            command = "exec env %s %s" % (
                " ".join(shlex.quote("%s=%s" % item) for item in env.items()), command)
        self.tmux(*args, "-P", "-F", "#{pane_id}", command)
        pane = self.tmux("display-message", "-p", "-t", name, "#{pane_id}").strip()
        # The window follows the size asked for, not that of a (missing) client.
        self.tmux("set-option", "-t", name, "window-size", "manual")
        self.tmux("resize-window", "-t", name, "-x", str(cols), "-y", str(rows))
        return pane

    def resize(self, pane, cols, rows):
        self.tmux("resize-window", "-t", pane, "-x", str(cols), "-y", str(rows))

    def send(self, pane, *keys, literal=False):
        self.tmux("send-keys", "-t", pane, *(["-l"] if literal else []), *keys)

    def type(self, pane, text):
        """Types text literally, then Enter."""
        self.send(pane, text, literal=True)
        self.send(pane, "Enter")

    def capture(self, pane, attributes=False):
        args = ["capture-pane", "-p", "-t", pane]
        if attributes:
            args.append("-e")
        return self.tmux(*args)

    def cursor(self, pane):
        x, y = self.tmux("display-message", "-p", "-t", pane, "#{cursor_x} #{cursor_y}").split()
        return int(x), int(y)

    def title(self, pane):
        return self.tmux("display-message", "-p", "-t", pane, "#{pane_title}").rstrip("\n")

    def buffers(self):
        return self.tmux("list-buffers", "-F", "#{buffer_name}: #{buffer_sample}", check=False)

    def dead(self, pane):
        return self.tmux("display-message", "-p", "-t", pane, "#{pane_dead}").strip() == "1"

    def wait_for(self, pane, text, timeout=20):
        """Waits until the screen of pane contains text; returns the screen."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.capture(pane)
            if text in screen:
                return screen
            if time.monotonic() > deadline:
                raise TmuxError("timed out after %ss waiting for %r on the screen:\n%s"
                                % (timeout, text, screen))
            time.sleep(0.05)

    def wait_until(self, what, condition, timeout=20):
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TmuxError("timed out after %ss waiting for %s" % (timeout, what))
            time.sleep(0.05)

    def close(self):
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], capture_output=True)
