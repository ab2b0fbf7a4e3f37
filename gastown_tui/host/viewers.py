"""A client watching the host's terminals over the socket (an attached app, the dashboard): the
screens it shows pushed as frames, and its keys, paste, mouse and pane sizes taken in.

Frames are coalesced to the client's frame rate, all the screens that changed in one write; a
screen the client typed into in the last second goes out as soon as it changed (its echo is
what the person waits for), and a screen it shows without focus at most every `BACKGROUND_S`
(the app redraws such panes no more often than that anyway). A client that stops reading (its terminal stopped with ctrl+z)
never slows the host or the others: once its unsent bytes pass `HIGH_WATER`, nothing more is
written to it, only which screens changed is remembered, and when it has read what was sent
it gets every screen it shows whole (and the list of sessions) again.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Callable

from ..term.events import (Bell, Exited, LinesChanged, SessionAdded, SessionClosed,
                           StateChanged, TitleChanged)
from . import api
from .context import Context
from .protocol import encode
from .screens import FrameEncoder, StyleTable

ECHO_S = 1.0
BACKGROUND_S = 0.1
HIGH_WATER = 512 * 1024
LOW_WATER = 64 * 1024
STALL_CHECK_S = 0.1


class Viewer:
    def __init__(self, host: Context, client: str, write: Callable[[bytes], None],
                 buffered: Callable[[], int], fps: float = 30.0) -> None:
        self.host = host
        self.client = client
        self._write = write
        self._buffered = buffered
        self.interval = 1.0 / min(120.0, max(1.0, fps))
        self.shown: set[str] = set()
        self.encoders: dict[str, FrameEncoder] = {}
        self.dirty: dict[str, set[int] | None] = {}
        self.table = StyleTable()
        self.typed: dict[str, float] = {}
        self.focused: str | None = None
        self.sent_at: dict[str, float] = {}
        self.stalled = False
        self.closed = False
        self.sessions_due = True
        self.bytes_sent = 0
        self._handle: asyncio.TimerHandle | None = None
        self._handle_at = 0.0
        self._last_flush = 0.0
        self._unsubscribe = host.mux.subscribe(self.on_term_event)
        self._no_notices = host.subscribe(self.on_town_event)
        host.viewers.add(self)
        self.schedule(now=True)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._unsubscribe()
        self._no_notices()
        self.host.viewers.discard(self)
        if self._handle is not None:
            self._handle.cancel()
        self.host.sizes.forget(self.client)

    # ---- what the client sends ---------------------------------------------------------

    def notice(self, req: Any) -> None:
        """One of the client's notices (api.Show, Input, Paste, Mouse, Resize, Focus)."""
        host = self.host
        if isinstance(req, api.Show):
            self.show(req.names)
            return
        session = host.session(req.target)
        if session is None:
            return  # it ended meanwhile: input for it has nowhere to go
        name = req.target
        if isinstance(req, api.Resize):
            host.sizes.report(self.client, name, req.cols, req.rows)
            return
        if isinstance(req, api.Focus):
            self.focused = name
            host.mux.focus(name)
            return
        if not session.alive:
            return
        if isinstance(req, api.Input):
            host.type_keys(name, req.data.encode("latin-1", "replace"))
        elif isinstance(req, api.Paste):
            host.paste_text(name, req.text)
        elif isinstance(req, api.Mouse):
            host.mux.mouse(name, req.kind, req.button, req.x, req.y, shift=req.shift,
                           alt=req.alt, ctrl=req.ctrl)
            return
        self.typed[name] = time.monotonic()
        host.sizes.typed(self.client, name)

    def show(self, names: list[str]) -> None:
        wanted = {n for n in names if self.host.session(n) is not None}
        for name in self.shown - wanted:
            self.encoders.pop(name, None)
            self.dirty.pop(name, None)
            self.host.sizes.hide(self.client, name)
        for name in wanted - self.shown:
            self.encoders[name] = FrameEncoder()
            self.dirty[name] = None
            self.sent_at.pop(name, None)
        self.shown = wanted
        self.schedule(now=True)

    # ---- what the terminals do ---------------------------------------------------------

    def _hot(self, name: str) -> bool:
        return time.monotonic() - self.typed.get(name, -ECHO_S) < ECHO_S

    def on_term_event(self, ev: Any) -> None:
        name = ev.session
        if isinstance(ev, LinesChanged):
            if name in self.shown:
                self._mark(name, ev.rows)
                self.schedule(now=self._hot(name))
        elif isinstance(ev, (TitleChanged, Bell)):
            if name in self.shown:
                self._mark(name, ())
                self.schedule()
        elif isinstance(ev, StateChanged):
            self._push({"push": api.PUSH_STATE, "name": name, "old": ev.old, "new": ev.new})
        elif isinstance(ev, Exited):
            if name in self.shown:
                self._mark(name, ())
            self._push({"push": api.PUSH_EXITED, "name": name, "code": ev.exit_code,
                        "signal": ev.exit_signal})
            self.sessions_due = True
            self.schedule()
        elif isinstance(ev, (SessionAdded, SessionClosed)):
            if isinstance(ev, SessionClosed):
                self.shown.discard(name)
                self.encoders.pop(name, None)
                self.dirty.pop(name, None)
                self.typed.pop(name, None)
            self.sessions_due = True
            self.schedule(now=True)

    def on_town_event(self, event: dict) -> None:
        """Notices for a person (`notifier.py`), which the client tells its terminal, the
        merge queue's news, which it shows, and a setting changed in another shell (`gt config
        set theme X`), which it reads at once; the rest of the town's events it reads from the
        ledger and the agents' rows."""
        kind = str(event.get("kind") or "")
        if kind in ("notice", "config_set") or kind.startswith("mr_"):
            self._push({"push": api.PUSH_EVENT, "event": event})

    def _mark(self, name: str, rows: Any) -> None:
        if name not in self.dirty:
            self.dirty[name] = set(rows)
        elif self.dirty[name] is not None:
            self.dirty[name].update(rows)

    def _push(self, obj: dict) -> None:
        """A small push that goes out at once, unless the client is not reading (the list of
        sessions it gets when it reads again carries the same news)."""
        if not self.closed and not self.stalled:
            data = encode(obj)
            self.bytes_sent += len(data)
            self._write(data)

    # ---- frames ------------------------------------------------------------------------

    def schedule(self, now: bool = False) -> None:
        if self.closed:
            return
        loop = self.host.loop
        at = loop.time() if now else max(loop.time(), self._last_flush + self.interval)
        if self._handle is not None:
            if self._handle_at <= at:
                return
            self._handle.cancel()
        self._handle_at = at
        self._handle = loop.call_at(at, self.flush)

    def flush(self) -> None:
        self._handle = None
        if self.closed:
            return
        loop = self.host.loop
        buffered = self._buffered()
        if buffered > (LOW_WATER if self.stalled else HIGH_WATER):
            self.stalled = True
            self._handle_at = loop.time() + STALL_CHECK_S
            self._handle = loop.call_at(self._handle_at, self.flush)
            return
        if self.stalled or self.table.full:
            # It reads again (or its style table overflowed): everything it shows, whole.
            self.stalled = False
            self.table.reset()
            self.sessions_due = True
            for name in self.shown:
                self.encoders[name] = FrameEncoder()
                self.dirty[name] = None
                self.sent_at.pop(name, None)
        self._last_flush = loop.time()
        chunks = []
        if self.sessions_due:
            self.sessions_due = False
            chunks.append(encode({"push": api.PUSH_SESSIONS,
                                  "sessions": api.to_wire(self.sessions())}))
        dirty, self.dirty = self.dirty, {}
        now = self._last_flush
        later = None
        for name, rows in dirty.items():
            session = self.host.session(name)
            encoder = self.encoders.get(name)
            if session is None or encoder is None:
                continue
            due = self.sent_at.get(name, float("-inf")) + BACKGROUND_S
            if name != self.focused and now < due and not self._hot(name):
                self.dirty[name] = rows  # a pane without focus: its turn comes
                later = due if later is None else min(later, due)
                continue
            self.sent_at[name] = now
            frame = encoder.frame(name, session.screen, session.alive, rows, self.table)
            if frame is not None:
                chunks.append(encode(frame))
        if chunks:
            data = b"".join(chunks)
            self.bytes_sent += len(data)
            self._write(data)
        if later is not None:
            self._handle_at = later
            self._handle = loop.call_at(later, self.flush)

    def sessions(self) -> list[api.SessionInfo]:
        return [api.SessionInfo(s.name, s.cols, s.rows, str(s.state), bool(s.alive))
                for s in self.host.mux.sessions()]
