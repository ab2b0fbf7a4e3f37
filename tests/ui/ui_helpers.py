"""Waiting helpers for Pilot tests: real programs answer in their own time."""

from __future__ import annotations

import asyncio
import time
from typing import Callable


async def until(pilot, check: Callable[[], object], timeout: float = 10.0,
                what: str = "condition") -> object:
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


def screen_text(app, name: str) -> str:
    return "\n".join(app.mux.get(name).screen.text_lines())


def rendered(app) -> str:
    """What the app shows, as text (the compositor's lines)."""
    return "\n".join(s.text.rstrip() for s in app.screen._compositor.render_strips())


async def settle(pilot, seconds: float = 0.1) -> None:
    await pilot.pause(seconds)
    await asyncio.sleep(0)


# A bash that prints predictably: no rc files, a fixed prompt.
BASH_ENV = {"PATH": "/usr/bin:/bin", "TERM": "xterm-256color", "LANG": "C.UTF-8", "PS1": "$ ",
            "HOME": "/tmp"}
BASH = ["bash", "--norc", "--noprofile"]
