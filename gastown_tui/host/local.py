"""`HostAPI` in process: the app that runs the host itself (`gt app --embedded`), or bare
terminals with no host at all (a multiplexer of its own: tests, benchmarks).

Requests go straight to the host's handlers (the same ones the socket answers), screens are the
host's own `term.screen.Screen` objects and its multiplexer's events, and input takes the same
paths as a watching client's: keys held while a nudge types, sizes through the window-size
rule (this app is one client among those attached over the socket).
"""

from __future__ import annotations

from typing import Any, Callable

from .api import Agents, HostAPI, HostGone, TownEvent
from .rows import session_infos
from .runtime import HostError

CLIENT = "app"  # this process's name among the host's clients (window sizes)


class LocalHost(HostAPI):
    def __init__(self, host: Any = None, mux: Any = None) -> None:
        self.host = host
        self.mux = host.mux if host is not None else mux

    async def request(self, req: Any) -> Any:
        if self.host is None:
            if isinstance(req, Agents):
                return session_infos(self.mux)
            raise HostError("no host runs in this app: open it inside a town")
        return await self.host.answer(req)

    def subscribe(self, callback: Callable[[Any], None]) -> Callable[[], None]:
        unsubscribes = [self.mux.subscribe(callback)]
        if self.host is not None:
            def town_event(event: dict) -> None:
                callback(TownEvent(event))
                if event.get("kind") == "host_stopped":
                    callback(HostGone(stopped=True))

            unsubscribes.append(self.host.subscribe(town_event))

        def unsubscribe() -> None:
            for off in unsubscribes:
                off()

        return unsubscribe

    def names(self) -> list[str]:
        return [s.name for s in self.mux.sessions()]

    def _session(self, name: str) -> Any:
        try:
            return self.mux.get(name)
        except LookupError:
            return None

    def screen(self, name: str) -> Any:
        session = self._session(name)
        return session.screen if session is not None else None

    def alive(self, name: str) -> bool:
        session = self._session(name)
        return bool(session is not None and session.alive)

    def show(self, names: list[str]) -> None:
        """Every screen is here already."""

    def type_keys(self, name: str, data: bytes) -> None:
        if not self.alive(name):
            return
        if self.host is not None:
            self.host.type_keys(name, data)
            self.host.sizes.typed(CLIENT, name)
        else:
            self.mux.write(name, data)

    def paste(self, name: str, text: str) -> None:
        if not self.alive(name):
            return
        if self.host is not None:
            self.host.paste_text(name, text)
            self.host.sizes.typed(CLIENT, name)
        else:
            self.mux.paste(name, text)

    def mouse(self, name: str, kind: str, button: str, x: int, y: int, *, shift: bool = False,
              alt: bool = False, ctrl: bool = False) -> None:
        if self.alive(name):
            self.mux.mouse(name, kind, button, x, y, shift=shift, alt=alt, ctrl=ctrl)

    def resize(self, name: str, cols: int, rows: int) -> None:
        if self._session(name) is None:
            return
        if self.host is not None:
            self.host.sizes.report(CLIENT, name, cols, rows)
        else:
            self.mux.resize(name, cols, rows)

    def focus(self, name: str) -> None:
        if self._session(name) is not None:
            self.mux.focus(name)

    async def history(self, name: str) -> Any:
        return self.screen(name)

    async def close(self) -> None:
        """The host (if any) is the app's to stop: see `stop`."""

    async def stop(self) -> None:
        """Stop the town (hooks snapshotted and suspended) or end the bare terminals."""
        if self.host is not None:
            await self.host.stop()
        else:
            await self.mux.shutdown()
