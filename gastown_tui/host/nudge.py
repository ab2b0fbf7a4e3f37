"""Verified nudges: typing a message into a live agent's terminal and making sure it was submitted.

Per session, one nudge at a time. The text is cleaned of control characters and typed literally
in small chunks; the host then checks that it shows on the screen, submits Enter on its own, and
checks that the screen changed, retrying Enter with back-off. Modes: `immediate`; `wait-idle`
(wait until the agent is idle, else queue); `queue` (delivered when the agent is next idle).

A person's keys for that pane (`type_keys`, the app's input path) are never interleaved with a
nudge: a nudge waits while the person is mid-line, then holds their keys while it types and
replays them afterwards, in order. A person who stopped in the middle of a line (to think, or
to walk away) gets it back: the nudge erases it first and types it again after its Enter, so
the half line is neither submitted with the nudge nor lost.
"""

from __future__ import annotations

import asyncio
import collections
import re
import time
from typing import Any

from .context import Terminals
from .runtime import HostError

MODES = ("immediate", "wait-idle", "queue")
CONTROL = re.compile(r"[\x00-\x1f\x7f\x80-\x9f]")
# Whole escape sequences (CSI, OSC, two-byte ESC forms), so no stray "[31m" is typed.
ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]")
CHUNK = 48
TYPE_GAP_S = 0.005
SHOW_TIMEOUT_S = 3.0
SUBMIT_TRIES = 4
PERSON_PAUSE_S = 1.5
PERSON_MAX_WAIT_S = 10.0


def clean(text: str) -> str:
    """One line of printable text: newlines become spaces, control characters go."""
    text = ESCAPES.sub("", text)
    text = re.sub(r"[ \t]*[\r\n\t]+[ \t]*", " ", text)
    return CONTROL.sub("", text).strip()


# Agent UIs draw input boxes: a long entry wraps between border glyphs, so whitespace and box
# drawing are left out when looking for the typed text on screen.
NOT_TEXT = re.compile(r"[\s\u2500-\u257f|]+")


def _squash(text: str) -> str:
    return NOT_TEXT.sub("", text)


LINE_END = re.compile(rb"[\r\n\x03\x15]")


def _typed_text(keys: bytes) -> str | None:
    """The text that plain typing (printable characters and backspaces) leaves on the input
    line, or None when other keys were used and the line cannot be known from the keys alone."""
    out: list[str] = []
    for ch in keys.decode(errors="replace"):
        if ch in "\x7f\b":
            if out:
                out.pop()
        elif ch >= " " and not CONTROL.match(ch):
            out.append(ch)
        else:
            return None
    return "".join(out)


class Nudger:
    def __init__(self, host: Terminals):
        self.host = host
        self._locks: dict[str, asyncio.Lock] = {}
        self._held: dict[str, bytearray] = {}
        self._last_key: dict[str, float] = {}
        # What the person typed since their last Enter (or ctrl+c / ctrl+u): their unsent line.
        self._line: dict[str, bytearray] = {}
        self._queue: dict[str, collections.deque] = {}
        self._draining: set[str] = set()

    # ------------------------------------------------------------------ the person's keys

    def type_keys(self, name: str, data: bytes | str) -> None:
        raw = data.encode() if isinstance(data, str) else bytes(data)
        if name in self._held:
            self._held[name] += raw
            return
        self.host.mux.write(name, raw)
        self._note_keys(name, raw)

    def paste(self, name: str, text: str) -> None:
        """A person's paste: bracketed when the program asked for it, held like keys."""
        if name not in self._held:
            self.host.mux.paste(name, text)
            self._note_keys(name, text.encode())
            return
        from ..term.keys import encode_paste

        session = self.host.session(name)
        bracketed = bool(session is not None and session.screen.modes.bracketed_paste)
        self._held[name] += encode_paste(text, bracketed=bracketed)

    def _note_keys(self, name: str, raw: bytes) -> None:
        self._last_key[name] = time.monotonic()
        parts = LINE_END.split(raw)
        line = self._line.setdefault(name, bytearray())
        if len(parts) > 1:
            line.clear()
        line += parts[-1]

    async def _person_done(self, name: str) -> None:
        """Wait (bounded) while the person is in the middle of typing a line in this pane."""
        deadline = time.monotonic() + PERSON_MAX_WAIT_S
        while (self._line.get(name) and time.monotonic() < deadline
               and time.monotonic() - self._last_key.get(name, 0) < PERSON_PAUSE_S):
            await asyncio.sleep(0.05)

    def _take_unsent_line(self, name: str) -> bytes:
        """Erase the person's unsent line from the program's input, so the nudge is typed on an
        empty line; returns the keys that type it again. Keys that left no text (arrows in a
        menu) are left alone: there is nothing to erase, and replaying them would move again."""
        keys = bytes(self._line.get(name, b""))
        if not CONTROL.sub("", ESCAPES.sub("", keys.decode(errors="replace"))):
            return b""
        text = _typed_text(keys)
        if text is None:
            # Cursor moves or other editing keys: where the cursor sits is unknown, so the line
            # is killed whole (readline's and the agent CLIs' ctrl+u).
            self.host.mux.send_key(name, "end")
            self.host.mux.send_key(name, "ctrl+u")
        else:
            self.host.mux.write(name, "\x7f" * len(text))
        self._line[name] = bytearray()
        return keys

    # ------------------------------------------------------------------ nudging

    async def nudge(self, name: str, text: str, mode: str | None = None) -> dict[str, Any]:
        mode = mode or str(self.host.town.config().get("nudge_mode") or "wait-idle")
        if mode not in MODES:
            raise HostError(f"unknown nudge mode {mode!r}: use {', '.join(MODES)}", exit_code=2)
        text = clean(text)
        if not text:
            raise HostError("the nudge is empty after removing control characters", exit_code=2)
        session = self.host.session(name)
        if session is None or not session.alive:
            raise HostError(f"{name} is not running: see `gt agents`")
        if mode == "queue":
            return self.enqueue(name, text)
        if mode == "wait-idle":
            if not await self._wait_idle(name, self.host.settings.nudge_wait_seconds):
                return self.enqueue(name, text)
        return await self.deliver(name, text, mode)

    async def _wait_idle(self, name: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            session = self.host.session(name)
            if session is None or not session.alive:
                raise HostError(f"{name} exited while the nudge waited for it")
            if str(session.state) == "idle":
                return True
            await asyncio.sleep(0.1)
        return False

    def enqueue(self, name: str, text: str) -> dict[str, Any]:
        self._queue.setdefault(name, collections.deque()).append(text)
        self.host.publish("nudge_queued", agent=name, chars=len(text))
        session = self.host.session(name)
        if session is not None and str(session.state) == "idle":
            self.on_state(name, "idle")
        return {"agent": name, "mode": "queue", "delivered": False, "queued": True,
                "position": len(self._queue[name])}

    def on_state(self, name: str, state: str) -> None:
        if state == "idle" and self._queue.get(name) and name not in self._draining:
            self._draining.add(name)
            self.host.spawn_task(self._drain(name))

    async def _drain(self, name: str) -> None:
        try:
            queue = self._queue.get(name)
            while queue:
                session = self.host.session(name)
                if session is None or not session.alive or str(session.state) != "idle":
                    return
                text = queue.popleft()
                try:
                    await self.deliver(name, text, "queue")
                except HostError as e:
                    self.host.publish("nudge_failed", agent=name, error=str(e))
        finally:
            self._draining.discard(name)

    async def deliver(self, name: str, text: str, mode: str) -> dict[str, Any]:
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            await self._person_done(name)
            self._held[name] = bytearray()
            unsent = b""
            try:
                unsent = self._take_unsent_line(name)
                result = await self._type_and_submit(name, text)
            finally:
                held = unsent + bytes(self._held.pop(name, b""))
                session = self.host.session(name)
                if held and session is not None and session.alive:
                    self.host.mux.write(name, held)
                    self._note_keys(name, held)
        result.update(agent=name, mode=mode, delivered=True, queued=False)
        self.host.publish("nudge", agent=name, mode=mode, chars=len(text),
                          attempts=result["attempts"])
        return result

    def _screen(self, name: str) -> list[str]:
        session = self.host.session(name)
        if session is None or not session.alive:
            raise HostError(f"{name} exited during the nudge")
        return list(session.screen.text_lines())

    async def _type_and_submit(self, name: str, text: str) -> dict[str, Any]:
        mux = self.host.mux
        for i in range(0, len(text), CHUNK):
            mux.write(name, text[i:i + CHUNK])
            await asyncio.sleep(TYPE_GAP_S)
        tail = _squash(text)[-24:]
        if not tail:
            # Nothing on screen could tell this text apart (only bars and spaces).
            mux.send_key(name, "enter")
            return {"attempts": 1, "verified": False}
        deadline = time.monotonic() + SHOW_TIMEOUT_S
        while tail not in _squash("".join(self._screen(name))):
            if time.monotonic() > deadline:
                # Clear what was typed so a half nudge is never submitted later by someone.
                mux.send_key(name, "ctrl+u")
                raise HostError(f"the nudge did not show on {name}'s screen within "
                                f"{SHOW_TIMEOUT_S:g} s; it was not submitted")
            await asyncio.sleep(0.05)
        delay = 0.3
        for attempt in range(1, SUBMIT_TRIES + 1):
            mux.send_key(name, "enter")
            deadline = time.monotonic() + delay
            while time.monotonic() < deadline:
                await asyncio.sleep(0.05)
                if tail not in _squash(self._input_area(name, len(text))):
                    return {"attempts": attempt, "verified": True}
            delay *= 2
        raise HostError(f"{name} did not take the nudge after {SUBMIT_TRIES} Enters; the text "
                        "is typed but not submitted")

    def _input_area(self, name: str, chars: int) -> str:
        """The rows where typed text sits: the cursor's row and those a long entry wraps onto.
        Submitted text leaves them (a spinner elsewhere on screen must not count as success)."""
        session = self.host.session(name)
        if session is None or not session.alive:
            raise HostError(f"{name} exited during the nudge")
        screen = session.screen
        lines = screen.text_lines()
        span = chars // max(1, screen.columns) + 1
        y = screen.cursor_y
        return "".join(lines[max(0, y - span):y + 1])
