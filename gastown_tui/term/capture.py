"""A headless screenshot of any program: run it in a pty of this engine, type, print the screen.

`capture(argv, ...)` is what `gt term capture` runs. Steps: start the program; before each input,
wait until at least `delay` seconds have passed since the previous step and the screen has been
quiet for `delay` (so a slow start does not eat keystrokes); send the input; finally wait until
the program exits, or the screen has been quiet for `delay`, or `timeout` passes. The screen is
then read like `tmux capture-pane -p` (`-e` with `ansi`, `-S -N` with `history`) and the program
and its process group are ended.

`replay(data, ...)` is `gt term replay`: the screen a session's raw transcript draws.

Inputs use a small escape language, `\\r \\n \\t \\e \\xNN \\\\`, so keys can be written on a
command line (`--input 'ihello\\e:wq\\r'`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import re
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from .mux import Multiplexer

__all__ = ["Capture", "capture", "capture_async", "parse_escapes", "parse_size", "replay"]

_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{2}|.|$)", re.DOTALL)
_SIMPLE = {"r": b"\r", "n": b"\n", "t": b"\t", "e": b"\x1b", "\\": b"\\"}
_POLL_S = 0.01


def parse_escapes(text: str) -> bytes:
    """Bytes for an input string: `\\r \\n \\t \\e \\xNN \\\\`; other text as UTF-8."""
    out = bytearray()
    pos = 0
    for m in _ESCAPE.finditer(text):
        out += text[pos:m.start()].encode("utf-8", "surrogateescape")
        code = m.group(1)
        if code in _SIMPLE:
            out += _SIMPLE[code]
        elif len(code) == 3 and code[0] == "x":
            out.append(int(code[1:], 16))
        else:
            if not code:
                raise ValueError(f"input '{text}' ends with a lone '\\': write '\\\\' for a "
                                 "backslash")
            raise ValueError(f"unknown escape '\\{code}' in input '{text}': use \\r \\n \\t "
                             "\\e \\xNN or \\\\")
        pos = m.end()
    out += text[pos:].encode("utf-8", "surrogateescape")
    return bytes(out)


def parse_size(text: str) -> tuple[int, int]:
    """`COLSxROWS` (e.g. 80x24) to (cols, rows)."""
    m = re.fullmatch(r"\s*(\d{1,4})\s*[xX]\s*(\d{1,4})\s*", text)
    if not m or not (1 <= int(m.group(1)) <= 2000 and 1 <= int(m.group(2)) <= 1000):
        raise ValueError(f"bad size {text!r}: use COLSxROWS, e.g. 80x24 (up to 2000x1000)")
    return int(m.group(1)), int(m.group(2))


@dataclass
class Capture:
    """The screen a program left, and how it ended."""

    lines: list[str]
    history: list[str] = field(default_factory=list)
    cols: int = 80
    rows: int = 24
    exited: bool = False
    exit_code: int | None = None
    exit_signal: int | None = None
    timed_out: bool = False
    title: str = ""
    # Lines with their SGR sequences (`ansi`): the renderer must keep those escapes.
    ansi: bool = field(default=False, metadata={"json": False})

    @property
    def keeps_escapes(self) -> bool:
        return self.ansi

    def render_text(self) -> str:
        return "\n".join(self.history + self.lines)


async def capture_async(argv: Sequence[str], *, cols: int = 80, rows: int = 24,
                        inputs: Sequence[bytes] = (), delay: float = 0.5,
                        timeout: float = 10.0, ansi: bool = False, history: int = 0,
                        cwd: str | os.PathLike[str] | None = None,
                        env: Mapping[str, str] | None = None) -> Capture:
    if not (delay >= 0 and timeout > 0) or history < 0:  # also refuses nan
        raise ValueError("delay and history must be >= 0 and timeout > 0")
    mux = Multiplexer()
    loop = mux.loop
    try:
        s = mux.spawn("capture", argv, cwd=cwd, env=env, cols=cols, rows=rows)
        deadline = loop.time() + timeout
        step_at = loop.time()

        async def settle() -> bool:
            """Wait for exit or quiet; False when the timeout passed first."""
            while True:
                now = loop.time()
                if s.finished:
                    return True
                if now >= deadline:
                    return False
                quiet = now - max(s.last_output, step_at)
                if quiet >= delay and not s.pty.pending:
                    return True
                await asyncio.sleep(_POLL_S)

        in_time = True
        for data in inputs:
            in_time = await settle()
            if not in_time or not s.alive:
                break
            mux.write("capture", data)
            step_at = loop.time()
        if in_time:
            in_time = await settle()
        # Whatever was read by now is on the screen, even if the frame was not published.
        while s.pty.pending:
            s.feed()
        screen = s.screen
        result = Capture(
            lines=screen.ansi_lines() if ansi else screen.text_lines(),
            history=_history(screen, history, ansi), cols=cols, rows=rows, exited=s.finished, exit_code=s.exit_code,
            exit_signal=s.exit_signal, timed_out=not in_time, title=screen.title, ansi=ansi)
    finally:
        await mux.shutdown(grace=0.5)
    return result


def capture(argv: Sequence[str], **kwargs) -> Capture:
    """`capture_async` in a fresh event loop (for scripts and the CLI). Called from inside a
    running loop (the app's command bar runs commands in-process), it runs on a thread with a
    loop of its own, since a loop cannot be nested."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(capture_async(argv, **kwargs))
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="gt-capture") as pool:
        return pool.submit(asyncio.run, capture_async(argv, **kwargs)).result()


def replay(data: bytes, *, cols: int = 80, rows: int = 24, ansi: bool = False,
           history: int = 0) -> Capture:
    """The screen a raw transcript (see `Transcript`) draws on a terminal of this size."""
    from .screen import Screen

    if history < 0:
        raise ValueError("history must be >= 0")
    screen = Screen(cols, rows)
    screen.feed(data)
    return Capture(lines=screen.ansi_lines() if ansi else screen.text_lines(),
                   history=_history(screen, history, ansi), cols=cols, rows=rows,
                   title=screen.title, ansi=ansi)


def _history(screen, n: int, ansi: bool) -> list[str]:
    n = min(n, screen.history_size)
    if not n:
        return []
    return screen.history_ansi(n) if ansi else screen.history_text(n)
