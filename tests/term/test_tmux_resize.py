"""Resizing a live terminal, against tmux: the same program, the same keystrokes and the same
resizes under tmux (`resize-window`) and the multiplexer (`resize`); screens and the scrollback
must match. Widths change only where no line wraps: tmux reflows wrapped lines, this engine
does not (ARCHITECTURE.md's screen keeps rows as they were drawn)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import shlex
import time

from gastown_tui.term.capture import parse_escapes
from gastown_tui.term.mux import Multiplexer

from .conftest import TmuxOracle, make_term_env, plain_lines

BASH = ["bash", "--norc", "--noprofile"]


def _quiet_tmux(tmux: TmuxOracle, delay: float = 0.4) -> None:
    last, changed = None, time.monotonic()
    deadline = changed + 10
    while time.monotonic() < deadline:
        state = tmux.run("capture-pane", "-p", "-e", "-t", "oracle", "-S", "-100")
        if state != last:
            last, changed = state, time.monotonic()
        elif time.monotonic() - changed >= delay:
            return
        time.sleep(0.03)


def _tmux_run(work, steps) -> list[list[str]]:
    env = make_term_env(work / ".home")
    tmux = TmuxOracle(work, env)
    shots = []
    try:
        tmux.run("start-server", ";", "set", "-g", "status", "off", ";", "new-session", "-d", "-s", "oracle", "-x", "80",
                 "-y", "24", "-c", str(work),
                 shlex.join(["env", "-i", *[f"{k}={v}" for k, v in env.items()], *BASH]))
        tmux.started = True
        for kind, arg in steps:
            _quiet_tmux(tmux)
            if kind == "type":
                tmux.run("send-keys", "-t", "oracle", "-H",
                         *[f"{b:02x}" for b in parse_escapes(arg)])
            elif kind == "resize":
                tmux.run("resize-window", "-t", "oracle", "-x", str(arg[0]), "-y", str(arg[1]))
            else:
                lines = tmux.run("capture-pane", "-p", "-e", "-t", "oracle", "-S",
                                 str(-arg)).split("\n")[:-1]
                shots.append(plain_lines(lines))
        return shots
    finally:
        tmux.close()


def _our_run(work, steps) -> list[list[str]]:
    env = make_term_env(work / ".home")

    async def main():
        mux = Multiplexer()
        shots = []
        try:
            s = mux.spawn("sh", BASH, cwd=work, env=env, cols=80, rows=24)
            for kind, arg in steps:
                last = None
                while True:
                    await asyncio.sleep(0.03)
                    now = (s.bytes_parsed, time.monotonic())
                    if last is None or now[0] != last[0]:
                        last = now
                    elif now[1] - last[1] >= 0.4 and not s.pending_bytes:
                        break
                if kind == "type":
                    mux.write("sh", parse_escapes(arg))
                elif kind == "resize":
                    mux.resize("sh", *arg)
                else:
                    screen = s.screen
                    n = min(arg, screen.history_size)
                    shots.append((screen.history_text(n) if n else []) + screen.text_lines())
            return shots
        finally:
            await mux.shutdown()

    return asyncio.run(main())


def test_resizes_match_tmux(tmp_path):
    steps = [("type", r"seq 1 40\r"), ("shot", 10),
             ("resize", (80, 12)), ("shot", 10),
             ("resize", (80, 30)), ("shot", 10),
             ("resize", (100, 30)), ("type", r"echo wider\r"), ("shot", 10),
             ("resize", (60, 10)), ("type", r"stty size\r"), ("shot", 10)]
    (tmp_path / "tmux").mkdir()
    (tmp_path / "ours").mkdir()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        tmux_future = pool.submit(_tmux_run, tmp_path / "tmux", steps)
        ours = _our_run(tmp_path / "ours", steps)
        theirs = tmux_future.result()
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert a == b, f"screen {i} differs:\nours: {a}\ntmux: {b}"
    assert len(ours) == len(theirs) == 5
    assert "10 60" in ours[-1] and "wider" in ours[-2]
