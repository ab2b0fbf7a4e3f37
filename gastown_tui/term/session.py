"""A named terminal of the multiplexer: a pty, the screen it draws on, and its agent state.

A `Session` is made by `Multiplexer.spawn`; read it, do not construct it. It exposes:

    .name, .argv, .pid, .alive, .exit_code, .exit_signal
    .screen            the `Screen` (read it only from the loop's thread)
    .title             the window title the program set (OSC 0/2)
    .state             an `AgentState`: busy / waiting / idle / limited / exited / unknown
    .reading           the state with what it is about (`Reading`: reason, resets_at)
    .last_activity     wall-clock time (time.time()) of the program's last output
    .cols, .rows, .preset, .pending_bytes, .bytes_parsed

Parsing and publishing are the multiplexer's frame scheduler's work (`feed`, `publish`); the
session only remembers what was last published so it can tell what changed.
"""

from __future__ import annotations

import time
from typing import Callable, Sequence

from .events import Bell, Event, Exited, LinesChanged, StateChanged, TitleChanged
from .pty import PtySession
from .state import AgentState, Observation, Preset, Reading, StateTracker

__all__ = ["Session", "FEED_BYTES", "SYNC_TIMEOUT_S", "STATE_INTERVAL_S"]

FEED_BYTES = 8 * 1024
SYNC_TIMEOUT_S = 1.0
# State needs the screen's text; 5 checks a second per session is plenty for a person and for
# nudges, and keeps 30 busy sessions from spending a core on it.
STATE_INTERVAL_S = 0.2


class Session:
    def __init__(self, name: str, argv: Sequence[str], preset: Preset, history: int) -> None:
        self.name = name
        self.argv = list(argv)
        self.preset = preset
        self._history = history
        self.pty: PtySession | None = None
        self.screen = None
        self.tracker = StateTracker(preset)
        self.last_activity = time.time()
        self.last_output = time.monotonic()
        self.bytes_parsed = 0
        self.closed = False
        self._title = ""
        self._bells = 0
        self._cursor: tuple[int, int, bool] | None = None
        self._modes: tuple | None = None
        self._sync_since: float | None = None
        self._exit_sent = False
        self._state_due = 0.0
        self.last_publish = -1.0

    def attach(self, pty: PtySession, screen_factory: Callable[..., object]) -> None:
        self.pty = pty
        self.screen = screen_factory(pty.cols, pty.rows, history=self._history,
                                     on_reply=self._reply)

    def _reply(self, data: bytes) -> None:
        # The screen answers device queries (DA, DSR, DECRQM...) while parsing; the program
        # is waiting for these bytes on its input.
        if self.pty is not None:
            self.pty.write(data)

    # -- what other layers read ------------------------------------------------------------

    @property
    def pid(self) -> int:
        return self.pty.pid

    @property
    def alive(self) -> bool:
        return self.pty.alive

    @property
    def exit_code(self) -> int | None:
        return self.pty.exit_code

    @property
    def exit_signal(self) -> int | None:
        return self.pty.exit_signal

    @property
    def state(self) -> AgentState:
        return self.tracker.state

    @property
    def reading(self) -> Reading:
        return self.tracker.reading

    @property
    def title(self) -> str:
        return self.screen.title

    @property
    def cols(self) -> int:
        return self.screen.columns

    @property
    def rows(self) -> int:
        return self.screen.lines

    @property
    def pending_bytes(self) -> int:
        return len(self.pty.pending)

    @property
    def finished(self) -> bool:
        """The program is gone and every byte it wrote has been parsed."""
        return self.pty.finished and not self.pty.pending

    def __repr__(self) -> str:
        return (f"Session({self.name!r}, pid={self.pty.pid if self.pty else None}, "
                f"state={self.state.value}, alive={self.alive if self.pty else None})")

    # -- scheduler side --------------------------------------------------------------------

    def noted_output(self) -> None:
        self.last_output = time.monotonic()
        self.last_activity = time.time()

    def feed(self, limit: int = FEED_BYTES) -> int:
        """Parse up to `limit` pending bytes; returns how many."""
        data = self.pty.take(limit)
        if data:
            self.screen.feed(data)
            self.bytes_parsed += len(data)
        return len(data)

    def held(self, now: float) -> bool:
        """True while the program holds synchronized output (2026) and the hold is < 1 s old.
        A program that died holding it has nothing more to draw: its last frame is shown."""
        if not self.screen.modes.synchronized or self.finished:
            self._sync_since = None
            return False
        if self._sync_since is None:
            self._sync_since = now
        return now - self._sync_since < SYNC_TIMEOUT_S

    def publish(self, now: float, out: list[Event]) -> None:
        """Append the events for what changed since the last publish."""
        screen = self.screen
        if not self.held(now):
            dirty = screen.dirty
            cursor = (screen.cursor_x, screen.cursor_y, not screen.cursor_hidden)
            m = screen.modes
            modes = (m.application_cursor, m.application_keypad, m.bracketed_paste, m.mouse,
                     m.mouse_sgr, m.focus_events, m.alternate)
            if dirty or cursor != self._cursor or modes != self._modes:
                out.append(LinesChanged(self.name, frozenset(dirty), *cursor))
                screen.clear_dirty()
                self._cursor = cursor
                self._modes = modes
            if screen.title != self._title:
                self._title = screen.title
                out.append(TitleChanged(self.name, self._title))
        if screen.bell_count != self._bells:
            out.append(Bell(self.name, screen.bell_count - self._bells))
            self._bells = screen.bell_count
        if self.finished and not self._exit_sent:
            self._exit_sent = True
            self.update_state(now, out, force=True)
            out.append(Exited(self.name, self.pty.exit_code, self.pty.exit_signal))

    def update_state(self, now: float, out: list[Event], force: bool = False) -> float | None:
        """Re-detect the state (at most every STATE_INTERVAL_S unless forced); returns the
        seconds after which the quiet-time debounce wants another look, if it does."""
        if not force and now < self._state_due:
            return self._state_due - now
        if not force and self.held(now):
            # Half a frame is on the screen: look again once the program has drawn it all.
            return STATE_INTERVAL_S
        self._state_due = now + STATE_INTERVAL_S
        quiet_for = max(0.0, now - self.last_output)
        fg = self.pty.foreground_pgrp()
        obs = Observation(self.screen.text_lines(), self.screen.title, self.screen.cursor_y,
                          quiet_for, exited=self.finished,
                          foreground_job=None if fg is None else fg != self.pty.pid)
        old = self.tracker.state
        if self.tracker.update(obs):
            now_reading = self.tracker.reading
            out.append(StateChanged(self.name, old.value, now_reading.state.value,
                                    now_reading.reason, now_reading.resets_at))
        if self.tracker.state is AgentState.EXITED:
            return None
        return self.tracker.recheck_after(quiet_for)
