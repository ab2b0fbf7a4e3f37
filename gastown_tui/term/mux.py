"""The headless multiplexer: named terminal sessions, one frame scheduler, events to subscribers.

    mux = Multiplexer(loop=None, fps=60, budget_ms=6)      # inside a running asyncio loop
    s = mux.spawn("mayor", ["claude"], cwd=..., env=..., cols=120, rows=40, preset="claude",
                  transcript=".runtime/mayor.raw")
    unsubscribe = mux.subscribe(callback)                   # callback(event) -> None
    mux.focus("mayor"); mux.send_key("mayor", "ctrl+c"); mux.paste("mayor", text)
    mux.write(name, data); mux.mouse(name, "press", "left", x, y); mux.resize(name, cols, rows)
    mux.terminate(name); mux.kill(name); mux.close(name); await mux.wait(name)
    await mux.shutdown()

Reads happen in the loop's reader callbacks and only queue bytes; parsing happens here, in ticks.
A tick parses pending output for at most `budget_ms`, the focused session first (so the person's
keystrokes echo at once; output in the focused pane is parsed as soon as it arrives, other
panes' output is batched per frame) and then the others round-robin, at most 8 KiB per `feed()`
call so no session waits behind another's flood; a flooding focused pane gets two thirds of the
budget while others wait; while the person types, a tick also looks for the focused program's
answer between the others' feeds and publishes it at once. While backlog remains, catch-up
ticks follow 2 ms apart, leaving the loop free for input and drawing in between. Each
session's changes are published at most `fps` times a second as events (`events.py`): changed
rows, title, bell, state, exit. A screen held with synchronized output (mode 2026) is not
published until the program releases it or 1 s passes, so a half-drawn frame never shows. Idle
sessions cost nothing: no timer runs unless output arrived or a state debounce is pending.
"""

from __future__ import annotations

import asyncio
import collections
import os
import time
from typing import Callable, Iterable, Mapping, Sequence

from .events import Event, SessionAdded, SessionClosed
from .keys import encode_focus, encode_key, encode_paste
from .mouse import encode_mouse
from .pty import PtySession
from .session import FEED_BYTES, Session
from .state import PRESETS, Preset, preset_for_argv

__all__ = ["Multiplexer", "SessionError", "TickStats"]

_CATCH_UP_S = 0.002
#: For this long after a key goes to the focused session, a tick looks for its answer between
#: the other sessions' feeds (one failed read each when there is none).
TYPING_S = 1.0
# A state look already armed for no later than this after the one asked for is kept (states
# settle over hundreds of milliseconds).
_STATE_SLACK_S = 0.02


class SessionError(LookupError):
    """A session name that does not exist, already exists, or a session that has ended."""

    user_error = True
    exit_code = 1

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class TickStats:
    """Scheduler figures for benchmarks and diagnostics: durations of recent ticks (seconds)."""

    def __init__(self, keep: int = 20_000) -> None:
        self.ticks = 0
        self.bytes_parsed = 0
        self.durations: collections.deque[float] = collections.deque(maxlen=keep)


class Multiplexer:
    def __init__(self, loop: asyncio.AbstractEventLoop | None = None, fps: float = 60,
                 budget_ms: float = 6) -> None:
        if fps <= 0 or budget_ms <= 0:
            raise ValueError("fps and budget_ms must be positive")
        self.loop = loop or asyncio.get_running_loop()
        self.interval = 1.0 / fps
        self.budget = budget_ms / 1000.0
        self.stats = TickStats()
        self._sessions: dict[str, Session] = {}
        self._focused: str | None = None
        self._rr = 0
        self._subs: list[Callable[[Event], None]] = []
        self._tick_handle: asyncio.TimerHandle | None = None
        self._tick_at = 0.0
        self._last_tick = -1.0
        self._typed_at = float("-inf")
        self._unpublished: set[str] = set()
        self._state_timers: dict[str, asyncio.TimerHandle] = {}
        self._exited: dict[str, asyncio.Event] = {}

    # -- sessions --------------------------------------------------------------------------

    def spawn(self, name: str, argv: Sequence[str], *, cwd: str | os.PathLike[str] | None = None,
              env: Mapping[str, str] | None = None, cols: int = 80, rows: int = 24,
              preset: str | Preset | None = None,
              transcript: str | os.PathLike[str] | None = None,
              history: int = 10_000) -> Session:
        """Start `argv` in a new terminal named `name` (TERM=xterm-256color)."""
        from .screen import Screen

        if not name:
            raise SessionError("a session needs a name")
        if name in self._sessions:
            raise SessionError(f"a session named {name!r} already exists: pick another name "
                               "or close it first")
        if isinstance(preset, str):
            if preset not in PRESETS:
                raise SessionError(f"unknown agent preset {preset!r}: use one of "
                                   f"{', '.join(sorted(PRESETS))}")
            preset = PRESETS[preset]
        session = Session(name, argv, preset or preset_for_argv(argv), history)
        pty = PtySession.spawn(argv, cwd=cwd, env=env, cols=cols, rows=rows, loop=self.loop,
                               transcript=transcript,
                               on_output=lambda: self._on_output(session),
                               on_exit=lambda: self._mark(session))
        session.attach(pty, Screen)
        self._sessions[name] = session
        self._exited[name] = asyncio.Event()
        if self._focused is None:
            self._focused = name
        self._dispatch([SessionAdded(name)])
        return session

    def get(self, name: str) -> Session:
        try:
            return self._sessions[name]
        except KeyError:
            raise SessionError(f"no session named {name!r}") from None

    def sessions(self) -> list[Session]:
        return list(self._sessions.values())

    @property
    def focused(self) -> str | None:
        return self._focused

    def focus(self, name: str | None) -> None:
        """Give `name` keyboard focus: its output is parsed first; focus reports (1004) sent."""
        if name is not None:
            self.get(name)
        old, self._focused = self._focused, name
        if old == name:
            return
        for who, focused in ((old, False), (name, True)):
            s = self._sessions.get(who) if who is not None else None
            if s is not None and s.alive:
                s.pty.write(encode_focus(focused, focus_events=s.screen.modes.focus_events))

    # -- input -----------------------------------------------------------------------------

    def _live(self, name: str) -> Session:
        s = self.get(name)
        if not s.alive or s.pty.closed:
            raise SessionError(f"session {name!r} has exited; close it or start it again")
        return s

    def write(self, name: str, data: bytes | str) -> None:
        """Send raw input bytes (a str is sent as UTF-8)."""
        self._live(name).pty.write(data.encode() if isinstance(data, str) else bytes(data))
        self._typed(name)

    def _typed(self, name: str) -> None:
        if name == self._focused:
            self._typed_at = self.loop.time()

    def send_key(self, name: str, key: str) -> None:
        """Send one key by name (see `keys.encode_key`), honouring application cursor mode."""
        s = self._live(name)
        s.pty.write(encode_key(key, application_cursor=s.screen.modes.application_cursor))
        self._typed(name)

    def send_keys(self, name: str, keys: Iterable[str]) -> None:
        for key in keys:
            self.send_key(name, key)

    def paste(self, name: str, text: str) -> None:
        """Paste text, bracketed when the program asked for it (mode 2004)."""
        s = self._live(name)
        s.pty.write(encode_paste(text, bracketed=s.screen.modes.bracketed_paste))
        self._typed(name)

    def mouse(self, name: str, kind: str, button: str, x: int, y: int, *, shift: bool = False,
              alt: bool = False, ctrl: bool = False) -> bool:
        """Report a mouse event if the program asked for mouse reporting; True if sent."""
        s = self._live(name)
        modes = s.screen.modes
        data = encode_mouse(kind, button, x, y, mode=modes.mouse, sgr=modes.mouse_sgr,
                            shift=shift, alt=alt, ctrl=ctrl)
        s.pty.write(data)
        return bool(data)

    def resize(self, name: str, cols: int, rows: int) -> None:
        """Change the terminal size; a collapsed pane (0 or less) gets 1 row or column, as
        tmux does, rather than an error in the middle of a layout."""
        s = self.get(name)
        cols, rows = max(1, int(cols)), max(1, int(rows))
        if (cols, rows) == (s.cols, s.rows):
            return
        # Screen first: the program redraws for the new size as soon as SIGWINCH arrives.
        s.screen.resize(cols, rows)
        s.pty.resize(cols, rows)
        self._mark(s)

    # -- ending ----------------------------------------------------------------------------

    def terminate(self, name: str) -> None:
        """Hang up on the session's program and its jobs (SIGHUP/SIGTERM)."""
        self.get(name).pty.terminate()

    def kill(self, name: str) -> None:
        self.get(name).pty.kill()

    async def wait(self, name: str, timeout: float | None = None) -> Session:
        """Until the session's program has exited and its last output was published."""
        s = self.get(name)
        await asyncio.wait_for(self._exited[name].wait(), timeout)
        return s

    def close(self, name: str) -> None:
        """Forget the session, killing its program if it still runs."""
        s = self.get(name)
        s.pty.close()
        s.closed = True
        del self._sessions[name]
        self._unpublished.discard(name)
        timer = self._state_timers.pop(name, None)
        if timer is not None:
            timer.cancel()
        self._exited.pop(name).set()
        if self._focused == name:
            self._focused = next(iter(self._sessions), None)
        self._dispatch([SessionClosed(name)])

    async def shutdown(self, grace: float = 1.0) -> None:
        """End every session: hang up, wait up to `grace` seconds, kill what is left, close."""
        live = [s for s in self._sessions.values() if s.alive]
        for s in live:
            s.pty.terminate()
        deadline = self.loop.time() + grace
        while any(s.alive for s in live) and self.loop.time() < deadline:
            await asyncio.sleep(0.02)
        ptys = [s.pty for s in self._sessions.values()]
        for name in list(self._sessions):
            self.close(name)
        # Killed programs are reaped by their exit watchers, which need the loop a moment more;
        # leaving before that would leave zombies behind.
        waits = [asyncio.ensure_future(p.wait()) for p in ptys if not p.reaped]
        if waits:
            _, stuck = await asyncio.wait(waits, timeout=grace + 1)
            for w in stuck:
                w.cancel()
        if self._tick_handle is not None:
            self._tick_handle.cancel()
            self._tick_handle = None

    # -- events ----------------------------------------------------------------------------

    def subscribe(self, callback: Callable[[Event], None]) -> Callable[[], None]:
        """Call `callback(event)` for every event; returns the function that unsubscribes."""
        self._subs.append(callback)

        def unsubscribe() -> None:
            if callback in self._subs:
                self._subs.remove(callback)

        return unsubscribe

    def _dispatch(self, events: list[Event]) -> None:
        for event in events:
            for callback in list(self._subs):
                try:
                    callback(event)
                except Exception as e:  # noqa: BLE001 - one bad subscriber must not stop frames
                    self.loop.call_exception_handler({
                        "message": f"multiplexer subscriber failed on {event!r}",
                        "exception": e})

    # -- scheduler -------------------------------------------------------------------------

    def _on_output(self, session: Session) -> None:
        session.noted_output()
        if session.name == self._focused:
            self._schedule(self.loop.time())
        else:
            self._schedule(self._last_tick + self.interval)

    def _mark(self, session: Session) -> None:
        if not session.closed:
            self._unpublished.add(session.name)
            self._schedule(session.last_publish + self.interval)

    def _schedule(self, at: float) -> None:
        at = max(at, self.loop.time())
        if self._tick_handle is not None:
            if self._tick_at <= at:
                return
            self._tick_handle.cancel()
        self._tick_at = at
        self._tick_handle = self.loop.call_at(at, self._tick)

    def _tick(self) -> None:
        self._tick_handle = None
        now = self.loop.time()
        self._last_tick = now
        started = time.perf_counter()
        parsed = self._parse(started + self.budget)
        self.stats.ticks += 1
        self.stats.bytes_parsed += parsed
        next_frame = self._publish(now)
        self.stats.durations.append(time.perf_counter() - started)
        if any(s.pty.pending for s in self._sessions.values()):
            self._schedule(self.loop.time() + _CATCH_UP_S)
        elif next_frame is not None:
            self._schedule(next_frame)

    def _parse(self, deadline: float) -> int:
        parsed = 0
        focused = self._sessions.get(self._focused) if self._focused else None
        others = [s for s in self._sessions.values() if s is not focused and s.pty.pending]
        if focused is not None:
            # The focused pane goes first, but a flood in it (`yes`, a huge `cat`) must not
            # stall every other program: it gets two thirds of the budget while others wait.
            share = deadline - (self.budget / 3 if others else 0.0)
            fed = self._feed_until(focused, share)
            if fed and others:
                # A key's echo goes out now, not after the others have had the budget.
                self._publish(self._last_tick, only=focused.name)
            parsed += fed
        if others:
            # Start each tick one session further on, so a tight budget still reaches every one.
            self._rr = (self._rr + 1) % len(others)
            others = others[self._rr:] + others[:self._rr]
            # While the person types, the focused program's answer (a key's echo) is looked
            # for between the others' feeds: it goes out at once, not after the whole tick.
            poll = focused if focused is not None and \
                self.loop.time() - self._typed_at < TYPING_S else None
            while others and time.perf_counter() < deadline:
                for s in others:
                    parsed += s.feed(FEED_BYTES)
                    self._unpublished.add(s.name)
                    if poll is not None and poll.pty.poll():
                        parsed += self._feed_until(poll, deadline)
                        self._publish(self.loop.time(), only=poll.name)
                    if time.perf_counter() >= deadline:
                        break
                others = [s for s in others if s.pty.pending]
        if focused is not None:
            parsed += self._feed_until(focused, deadline)
        return parsed

    def _feed_until(self, s: Session, deadline: float) -> int:
        parsed = 0
        while s.pty.pending and time.perf_counter() < deadline:
            parsed += s.feed(FEED_BYTES)
            self._unpublished.add(s.name)
        return parsed

    def _publish(self, now: float, only: str | None = None) -> float | None:
        """Publish sessions whose frame is due (each at most `fps` times a second, so a key's
        echo shows at once while a flood is still paced), or only the session `only`; returns
        when the next one is due."""
        events: list[Event] = []
        next_frame = None
        names = list(self._unpublished) if only is None else {only} & self._unpublished
        for name in names:
            s = self._sessions.get(name)
            if s is None:
                self._unpublished.discard(name)
                continue
            due = s.last_publish + self.interval
            if now < due:
                next_frame = due if next_frame is None else min(next_frame, due)
                continue
            self._unpublished.discard(name)
            s.last_publish = now
            s.publish(now, events)
            if s.held(now):
                self._unpublished.add(name)
                due = now + self.interval
                next_frame = due if next_frame is None else min(next_frame, due)
            self._arm_state(s, s.update_state(now, events))
            if s.finished and not self._exited[name].is_set():
                self._exited[name].set()
        self._dispatch(events)
        return next_frame

    def _arm_state(self, s: Session, delay: float | None) -> None:
        old = self._state_timers.get(s.name)
        if old is not None and delay is not None and \
                old.when() <= self.loop.time() + delay + _STATE_SLACK_S:
            # A streaming session asks for a look a little later at every frame: a timer per
            # frame (cancel, call_later) cost more than the look. The one armed stays; when it
            # fires early, `_state_check` finds the look not due yet and arms the rest.
            return
        old = self._state_timers.pop(s.name, None)
        if old is not None:
            old.cancel()
        if delay is not None:
            self._state_timers[s.name] = self.loop.call_later(delay, self._state_check, s)

    def _state_check(self, s: Session) -> None:
        self._state_timers.pop(s.name, None)
        if s.closed:
            return
        events: list[Event] = []
        self._arm_state(s, s.update_state(self.loop.time(), events))
        self._dispatch(events)
