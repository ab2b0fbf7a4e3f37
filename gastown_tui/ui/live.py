"""The bridge between the multiplexer (owned by the host, or by the app in tests) and the panes.

Multiplexer events arrive on Textual's own loop (the app created the host there), so they are
applied directly: changed rows go to the pane, sessions that appear or close add or remove panes,
and state, title and exit changes ask the app for a (debounced) sidebar refresh.
"""

from __future__ import annotations

from typing import Any

from ..term.events import (Bell, Event, Exited, LinesChanged, SessionAdded, SessionClosed,
                           StateChanged, TitleChanged)


class SessionSink:
    """A pane's input path to one session. Keystrokes and pastes go through the host when one
    runs, so they are held while a nudge is being typed and never interleave with it."""

    def __init__(self, mux: Any, name: str, host: Any = None):
        self.mux = mux
        self.name = name
        self.host = host

    def _alive(self) -> bool:
        try:
            session = self.mux.get(self.name)
        except LookupError:
            return False
        return bool(session.alive)

    def type_keys(self, data: bytes) -> None:
        if not self._alive():
            return
        if self.host is not None:
            self.host.type_keys(self.name, data)
        else:
            self.mux.write(self.name, data)

    def paste(self, text: str) -> None:
        if not self._alive():
            return
        if self.host is not None:
            self.host.paste_text(self.name, text)
        else:
            self.mux.paste(self.name, text)

    def mouse(self, kind: str, button: str, x: int, y: int, *, shift: bool = False,
              alt: bool = False, ctrl: bool = False) -> None:
        if self._alive():
            self.mux.mouse(self.name, kind, button, x, y, shift=shift, alt=alt, ctrl=ctrl)

    def resize(self, cols: int, rows: int) -> None:
        try:
            self.mux.resize(self.name, cols, rows)
        except LookupError:
            pass


class LiveSessions:
    """Subscribes to a multiplexer and keeps the main screen's panes in step with it."""

    def __init__(self, app: Any, mux: Any, host: Any = None):
        self.app = app
        self.mux = mux
        self.host = host
        self._unsubscribe = mux.subscribe(self.on_event)

    def close(self) -> None:
        self._unsubscribe()

    def sink(self, name: str) -> SessionSink:
        return SessionSink(self.mux, name, self.host)

    def attach_existing(self) -> None:
        for session in self.mux.sessions():
            self.app.call_later(self._add, session.name)

    async def _add(self, name: str) -> None:
        try:
            session = self.mux.get(name)
        except LookupError:
            return
        focus = self.app.wants_focus(name)
        await self.app.main.add_pane(name, session.screen, self.sink(name), focus=focus)
        if focus:
            self.app.release_keys_soon()  # keys typed ahead for it (a sling's) follow it

    def on_event(self, event: Event) -> None:
        main = self.app.main
        if isinstance(event, LinesChanged):
            main.pane_changed(event.session, set(event.rows))
        elif isinstance(event, SessionAdded):
            self.app.call_later(self._add, event.session)
            self.app.request_refresh()
        elif isinstance(event, SessionClosed):
            self.app.call_later(main.remove_pane, event.session)
            self.app.request_refresh()
        elif isinstance(event, StateChanged):
            self.app.agent_state_changed(event.session, event.old, event.new)
        elif isinstance(event, (Exited, TitleChanged)):
            self.app.request_refresh()
        elif isinstance(event, Bell):
            pane = main.grid.pane(event.session)
            if pane is not None and not pane.has_focus:
                self.app.bell()
