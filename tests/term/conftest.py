"""Fixtures for the terminal tests: a deterministic environment for real programs, and tmux as
the oracle (same program, size, TERM and keystrokes; `capture-pane` against `gt term capture`)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from gastown_tui.commands.core import Env
from gastown_tui.commands.gt import run as gt_run
from gastown_tui.term.capture import parse_escapes

PS1 = "$ "


def make_term_env(home: Path) -> dict[str, str]:
    """What `env -i` leaves plus a fixed prompt: both terminals see exactly this."""
    home.mkdir(parents=True, exist_ok=True)
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
            "TERM": "xterm-256color", "COLORTERM": "truecolor", "PS1": PS1,
            "PYTHONDONTWRITEBYTECODE": "1"}


@pytest.fixture
def term_env(tmp_path: Path) -> dict[str, str]:
    return make_term_env(tmp_path / "home")


def gt_capture(args: list[str], env: dict[str, str], cwd: Path):
    """`gt term capture ARGS` in process, as the command line runs it; returns the Result."""
    return gt_run(["term", "capture", *args], Env(cwd=cwd, environ=dict(env)))


# tmux keeps DEC line-drawing cells as the ASCII letter in the ACS set and `capture-pane -e`
# writes them between SO and SI; a terminal shows them as these glyphs.
_DEC_GRAPHICS = dict(zip("`afgjklmnopqrstuvwxyz{|}~",
                         "◆▒°±┘┐┌└┼⎺⎻─⎼⎽├┤┴┬│≤≥π≠£·"))
_TOKEN = re.compile(r"\x1b\[([0-9;:]*)m|(\x0e)|(\x0f)|(.)", re.DOTALL)
_PLAIN_ATTRS = ("bold", "dim", "italic", "underline", "blink", "reverse", "hidden", "strike")
_SET = {1: "bold", 2: "dim", 3: "italic", 4: "underline", 5: "blink", 7: "reverse", 8: "hidden",
        9: "strike"}
_UNSET = {22: ("bold", "dim"), 23: ("italic",), 24: ("underline",), 25: ("blink",),
          27: ("reverse",), 28: ("hidden",), 29: ("strike",)}


def _apply_sgr(params: str, style: dict) -> None:
    codes = [p.split(":") for p in params.split(";")] if params else [["0"]]
    i = 0
    while i < len(codes):
        head = int(codes[i][0] or 0)
        sub = codes[i][1:]
        if head == 0:
            style.clear()
        elif head in _SET:
            style[_SET[head]] = True if not sub else sub[0] != "0"
        elif head in _UNSET:
            for name in _UNSET[head]:
                style.pop(name, None)
        elif head in (38, 48, 58):
            key = {38: "fg", 48: "bg", 58: "ul"}[head]
            args = sub if sub else [c[0] for c in codes[i + 1:]]
            if args and args[0] == "5":
                style[key] = ("palette", int(args[1]))
                used = 2
            else:
                rgb = [a for a in args[1:] if a != ""][-3:] if sub else args[1:4]
                style[key] = ("rgb", *map(int, rgb))
                used = 4
            if not sub:
                i += used
        elif head in (39, 49, 59):
            style.pop({39: "fg", 49: "bg", 59: "ul"}[head], None)
        elif 30 <= head <= 37 or 90 <= head <= 97:
            style["fg"] = ("palette", head - 30 if head < 90 else head - 82)
        elif 40 <= head <= 47 or 100 <= head <= 107:
            style["bg"] = ("palette", head - 40 if head < 100 else head - 92)
        i += 1


def styled_screen(lines: list[str]) -> list[list[tuple[str, tuple]]]:
    """Runs of (text, style) per line of `capture-pane -e`-style output, whatever SGR spelling
    produced them. Styles and the line-drawing set carry from one line to the next, as tmux
    writes them; trailing blanks with no visible style are dropped (tmux trims them)."""
    style: dict = {}
    acs = False
    screen = []
    for line in lines:
        cells = []
        for m in _TOKEN.finditer(line):
            if m.group(1) is not None:
                _apply_sgr(m.group(1), style)
            elif m.group(2):
                acs = True
            elif m.group(3):
                acs = False
            else:
                ch = m.group(4)
                cells.append((_DEC_GRAPHICS.get(ch, ch) if acs else ch,
                              tuple(sorted(style.items()))))
        while cells and cells[-1][0] == " " and not any(
                k in ("bg", "reverse", "underline", "strike") for k, _ in cells[-1][1]):
            cells.pop()
        runs: list[tuple[str, tuple]] = []
        for ch, st in cells:
            if runs and runs[-1][1] == st:
                runs[-1] = (runs[-1][0] + ch, st)
            else:
                runs.append((ch, st))
        screen.append(runs)
    return screen


def plain_lines(lines: list[str]) -> list[str]:
    """`capture-pane -e` lines as `capture-pane -p` prints them, with line drawing as glyphs."""
    return ["".join(text for text, _ in runs).rstrip(" ") for runs in styled_screen(lines)]


@dataclass
class Screens:
    ours: list[str]
    tmux: list[str]

    def diff(self) -> str:
        rows = []
        for i in range(max(len(self.ours), len(self.tmux))):
            a = self.ours[i] if i < len(self.ours) else "<missing>"
            b = self.tmux[i] if i < len(self.tmux) else "<missing>"
            if a != b:
                rows.append(f"row {i}:\n  ours: {a!r}\n  tmux: {b!r}")
        return "\n".join(rows)


class TmuxOracle:
    """Runs a program under a private tmux server (its own -L socket, no config)."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = env
        self.socket = f"gt-oracle-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        # The server's socket path must fit in sun_path (108 bytes); a test's tmp_path under a
        # parallel run's worker folder does not always, so the socket gets a short folder of its own.
        self.sockets = tempfile.mkdtemp(prefix="gto-")
        self.started = False

    def run(self, *args: str, check: bool = True) -> str:
        client_env = {"PATH": self.env["PATH"], "HOME": self.env["HOME"], "LANG": "C.UTF-8",
                      "TERM": "xterm-256color", "TMUX_TMPDIR": self.sockets}
        done = subprocess.run(["tmux", "-f", "/dev/null", "-L", self.socket, *args],
                              env=client_env, capture_output=True, text=True, timeout=10)
        if check and done.returncode != 0:
            raise RuntimeError(f"tmux {args[0]} failed: {done.stderr.strip()}")
        return done.stdout

    def _state(self) -> str:
        return self.run("capture-pane", "-p", "-e", "-t", "oracle") + self.run(
            "display-message", "-p", "-t", "oracle", "#{cursor_x},#{cursor_y}")

    def capture(self, argv: list[str], inputs: list[str], cols: int, rows: int, delay: float,
                timeout: float, ansi: bool, history: int) -> list[str]:
        command = shlex.join(["env", "-i", *[f"{k}={v}" for k, v in self.env.items()], *argv])
        self.run("start-server", ";", "set", "-g", "status", "off", ";",
                   "set", "-g", "history-limit", "10000", ";",
                   "new-session", "-d", "-s", "oracle", "-x", str(cols), "-y", str(rows),
                   "-c", str(self.workdir), command)
        self.started = True
        deadline = time.monotonic() + timeout
        for text in [*inputs, None]:
            self._settle(delay, deadline)
            if text is not None:
                self.run("send-keys", "-t", "oracle", "-H",
                           *[f"{b:02x}" for b in parse_escapes(text)])
        args = ["capture-pane", "-p", "-e", "-t", "oracle"]
        if history:
            args += ["-S", str(-history)]
        lines = self.run(*args).split("\n")[:-1]
        return lines if ansi else plain_lines(lines)

    def _settle(self, delay: float, deadline: float) -> None:
        step = time.monotonic()
        last, changed = self._state(), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.03)
            now_state = self._state()
            now = time.monotonic()
            if now_state != last:
                last, changed = now_state, now
            elif now - changed >= delay and now - step >= delay:
                return

    def close(self) -> None:
        if self.started:
            self.run("kill-server", check=False)
        shutil.rmtree(self.sockets, ignore_errors=True)


def _workdir(path: Path, files: dict[str, str]) -> tuple[Path, dict[str, str]]:
    path.mkdir()
    for name, text in files.items():
        (path / name).write_text(text)
    return path, make_term_env(path / ".home")


@pytest.fixture
def oracle(tmp_path: Path):
    """compare(argv, inputs, ...) -> Screens: the same run under tmux and `gt term capture`,
    each in its own directory holding `files` (the two run at once and may write them)."""
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed: .ci/run installs it (apt-get install tmux)")
    made: list[TmuxOracle] = []

    def compare(argv: list[str], inputs: list[str] = (), *, size: tuple[int, int] = (80, 24),
                delay: float = 0.4, timeout: float = 20.0, ansi: bool = False,
                history: int = 0, files: dict[str, str] | None = None) -> Screens:
        run_id = uuid.uuid4().hex[:6]
        tmux_dir, tmux_env = _workdir(tmp_path / f"tmux-{run_id}", files or {})
        our_dir, our_env = _workdir(tmp_path / f"ours-{run_id}", files or {})
        tmux = TmuxOracle(tmux_dir, tmux_env)
        made.append(tmux)
        theirs: dict[str, object] = {}

        def run_tmux() -> None:
            try:
                theirs["lines"] = tmux.capture(list(argv), list(inputs), size[0], size[1],
                                               delay, timeout, ansi, history)
            except Exception as e:  # noqa: BLE001 - re-raised in the test's thread
                theirs["error"] = e

        thread = threading.Thread(target=run_tmux)
        thread.start()
        args = ["--size", f"{size[0]}x{size[1]}", "--delay", str(delay),
                "--timeout", str(timeout)]
        for text in inputs:
            args += ["--input", text]
        if ansi:
            args.append("--ansi")
        if history:
            args += ["--history", str(history)]
        result = gt_capture([*args, "--", *argv], our_env, our_dir)
        thread.join()
        if "error" in theirs:
            raise theirs["error"]
        assert result.ok, result.error
        ours, tmux_lines = result.data.history + result.data.lines, theirs["lines"]
        if ansi:
            # Equal means the same characters in the same styles, however SGR spells them.
            return Screens([repr(x) for x in styled_screen(ours)],
                           [repr(x) for x in styled_screen(tmux_lines)])
        return Screens(ours, tmux_lines)

    yield compare
    for tmux in made:
        tmux.close()
