"""The bridge between the host's terminals (a `host.api.HostAPI`: in process, or over the socket)
and a view's panes (the app's main screen, the dashboard's grid).

The API's events arrive on the view's own loop and are applied directly: changed rows go to the
pane, sessions that appear or close add or remove panes, state, title and exit changes ask for a
(debounced) sidebar refresh, and the host going away is the view's to tell. The view says which
panes are on show (`show`), so a remote host sends only those screens.
"""

from __future__ import annotations

from typing import Any

from ..host.api import HostGone, TownEvent
from ..term.events import (Bell, Exited, LinesChanged, SessionAdded, SessionClosed,
                           StateChanged, TitleChanged)


class SessionSink:
    """A pane's input path to one session, through the host: keystrokes and pastes are held
    while a nudge is being typed and never interleave with it; sizes go to the host's
    window-size rule."""

    def __init__(self, api: Any, name: str, read_only: bool = False, refuse: Any = None):
        self.api = api
        self.name = name
        self.read_only = read_only
        self.refuse = refuse

    def type_keys(self, data: bytes) -> None:
        if self.read_only:
            self.refuse()
            return
        self.api.type_keys(self.name, data)

    def paste(self, text: str) -> None:
        if self.read_only:
            self.refuse()
            return
        self.api.paste(self.name, text)

    def mouse(self, kind: str, button: str, x: int, y: int, *, shift: bool = False,
              alt: bool = False, ctrl: bool = False) -> None:
        if not self.read_only:
            self.api.mouse(self.name, kind, button, x, y, shift=shift, alt=alt, ctrl=ctrl)

    def resize(self, cols: int, rows: int) -> None:
        # A read-only viewer never changes what the others see.
        if not self.read_only:
            self.api.resize(self.name, cols, rows)

    async def history(self) -> Any:
        return await self.api.history(self.name)


class LiveSessions:
    """Subscribes to a HostAPI and keeps a view's panes in step with its terminals. The view
    (`app`) has: add_pane(name, screen, sink, focus) and add_panes([(name, screen, sink)],
    focus) (async), choose_focus(names), remove_pane(name) (async),
    pane_changed(name, rows), request_refresh(), agent_state_changed(name, old, new),
    pane_bell(name), wants_focus(name), release_keys_soon(), town_event(event) and
    host_gone(HostGone)."""

    def __init__(self, app: Any, api: Any, read_only: bool = False):
        self.app = app
        self.api = api
        self.read_only = read_only
        self._shown: list[str] | None = None
        self._unsubscribe = api.subscribe(self.on_event)

    def close(self) -> None:
        self._unsubscribe()

    def sink(self, name: str) -> SessionSink:
        return SessionSink(self.api, name, self.read_only,
                           getattr(self.app, "refuse_input", None))

    def attach_existing(self) -> None:
        """Panes for every session the host has now, mounted together (one layout pass)."""
        self.app.call_later(self._add_all, self.api.names())

    def existing(self) -> list[tuple[str, Any, SessionSink]]:
        """(name, screen, sink) of every session the host has now, for panes the view makes
        itself (the app's first frame); sessions that come or go after are news as usual."""
        return [(name, screen, self.sink(name)) for name in self.api.names()
                if (screen := self.api.screen(name)) is not None]

    async def _add_all(self, names: list[str]) -> None:
        items = [(name, screen, self.sink(name)) for name in names
                 if (screen := self.api.screen(name)) is not None]
        focus = self.app.choose_focus([name for name, _screen, _sink in items])
        if items:
            await self.app.add_panes(items, focus)
            if focus is not None:
                self.app.release_keys_soon()

    def show(self, names: list[str]) -> None:
        """The panes on view now: only their screens need to come."""
        if names != self._shown:
            self._shown = list(names)
            self.api.show(names)

    async def _add(self, name: str) -> None:
        screen = self.api.screen(name)
        if screen is None:
            return
        focus = self.app.wants_focus(name)
        await self.app.add_pane(name, screen, self.sink(name), focus=focus)
        if focus:
            self.app.release_keys_soon()  # keys typed ahead for it (a sling's) follow it

    def on_event(self, event: Any) -> None:
        app = self.app
        if isinstance(event, LinesChanged):
            app.pane_changed(event.session, set(event.rows))
        elif isinstance(event, SessionAdded):
            app.call_later(self._add, event.session)
            app.request_refresh()
        elif isinstance(event, SessionClosed):
            app.call_later(app.remove_pane, event.session)
            app.request_refresh()
        elif isinstance(event, StateChanged):
            app.agent_state_changed(event.session, event.old, event.new)
        elif isinstance(event, (Exited, TitleChanged)):
            app.request_refresh()
        elif isinstance(event, Bell):
            app.pane_bell(event.session)
        elif isinstance(event, TownEvent):
            app.town_event(event.event)
        elif isinstance(event, HostGone):
            app.host_gone(event)
