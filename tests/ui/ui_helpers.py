"""Waiting helpers for Pilot tests: real programs answer in their own time."""

from __future__ import annotations

import asyncio
import time
from typing import Callable

from textual import events


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


def post_keys(app, text: str) -> None:
    """Put keys in the app's queue all at once, as a busy machine or a fast typist does: the
    app reads the next ones before the widget that heard a key has acted on it."""
    names = {" ": "space", "\r": "enter", "!": "exclamation_mark", ",": "comma"}
    for char in text:
        app.post_message(events.Key(names.get(char, char), char))


async def settle(pilot, seconds: float = 0.1) -> None:
    await pilot.pause(seconds)
    await asyncio.sleep(0)


# A bash that prints predictably: no rc files, a fixed prompt.
BASH_ENV = {"PATH": "/usr/bin:/bin", "TERM": "xterm-256color", "LANG": "C.UTF-8", "PS1": "$ ",
            "HOME": "/tmp"}
BASH = ["bash", "--norc", "--noprofile"]


def follow_slings(town_root) -> None:
    """`sling_focus = follow`: the new agent's pane takes the focus after a sling (the tests
    that type into it next)."""
    from gastown_tui.town import find_town
    from gastown_tui.town.config import set_setting

    set_setting(find_town(town_root, {}), "sling_focus", "follow")
