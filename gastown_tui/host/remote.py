"""`HostAPI` over the control socket: an attached app or the dashboard, in another process.

One connection: it says hello (with the protocol version), asks to watch, then carries requests
and their replies (matched by id, any number at once), the client's notices (keys, paste,
mouse, pane sizes, the screens it shows) and the host's pushes (the sessions, frames of the
screens shown, state changes, goodbye). Screens are `screens.MirrorScreen` copies that the
frames keep up to date; changes reach subscribers as `term.events` events, as they would from
a multiplexer in process. When the connection ends, subscribers get `HostGone`: `stopped` if
the host said goodbye first (`gt down`), else it died.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from pathlib import Path
from typing import Any, Awaitable, Callable

from ..term.events import (Bell, Exited, LinesChanged, SessionAdded, SessionClosed,
                           StateChanged, TitleChanged)
from . import api
from .protocol import MAX_LINE, ProtocolError, decode, encode, request
from .runtime import HostError, HostNotRunning, HostUnresponsive, socket_path
from .screens import HistoryScreen, MirrorScreen, StyleBook

CONNECT_TIMEOUT_S = 5.0


class RemoteHost(api.HostAPI):
    def __init__(self, town_root: Path, client: str = "app", fps: float = 60.0) -> None:
        self.town_root = Path(town_root)
        self.path = socket_path(self.town_root)
        self.client = client
        self.fps = fps
        self.info: api.HostInfo | None = None
        self.mirrors: dict[str, MirrorScreen] = {}
        self.states: dict[str, str] = {}
        self.book = StyleBook()
        self.bytes_received = 0
        self.goodbye: str | None = None
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future] = {}
        self._subs: list[Callable[[Any], None]] = []
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._task: asyncio.Task | None = None
        self._closed = False
        self._listed = asyncio.Event()  # the first list of sessions came
        self.first_agents: list[api.AgentInfo] | None = None  # (`adopt`: the agents' rows)

    # ---- connecting --------------------------------------------------------------------

    async def connect(self) -> api.HostInfo:
        """Connect, check the protocol and start watching. HostNotRunning when no host
        listens; HostError with one line when it speaks another protocol."""
        try:
            self._reader, self._writer = await asyncio.wait_for(
                asyncio.open_unix_connection(str(self.path), limit=MAX_LINE), CONNECT_TIMEOUT_S)
        except (FileNotFoundError, ConnectionRefusedError):
            raise HostNotRunning() from None
        except (OSError, asyncio.TimeoutError) as e:
            raise HostError(f"cannot reach the host at {self.path}: {e}") from None
        self._task = asyncio.get_running_loop().create_task(self._read())
        return await self._settle(self._greet())

    async def _greet(self) -> None:
        self.info = await self.request(api.Hello(api.PROTOCOL, self.client))
        await self.request(api.Watch(self.fps))

    async def _settle(self, greeting: Awaitable[None]) -> api.HostInfo:
        """`greeting` answered, then every session known before the caller looks (it shows
        them all at once). On a failure the connection is closed; a host that never lists its
        sessions is one line."""
        try:
            await asyncio.wait_for(greeting, CONNECT_TIMEOUT_S)
        except asyncio.TimeoutError:
            await self.close()
            raise HostUnresponsive(CONNECT_TIMEOUT_S) from None
        except BaseException:
            await self.close()
            raise
        try:
            await asyncio.wait_for(self._listed.wait(), CONNECT_TIMEOUT_S)
        except asyncio.TimeoutError:
            await self.close()
            raise HostError("the host did not list its sessions; see .runtime/host.log") \
                from None
        except BaseException:
            await self.close()
            raise
        return self.info

    async def adopt(self, early: Any) -> api.HostInfo:
        """Take over a connection `host.early.EarlyAttach` made (hello, watch and the agents'
        rows asked for, the first screens maybe come): the bytes it read are read again here
        first, as if they had just come. The agents' rows it got wait in `first_agents`. Fails
        as `connect` does; the caller then connects anew."""
        from .early import AGENTS_ID, EARLY_TIMEOUT_S, FIRST_FREE_ID, HELLO_ID, WATCH_ID

        loop = asyncio.get_running_loop()
        if not early.done.is_set():
            await loop.run_in_executor(None, early.done.wait, EARLY_TIMEOUT_S)
        sock = early.take(0)
        if sock is None:
            raise early.error or HostError("the early connection to the host failed")
        reader = asyncio.StreamReader(limit=MAX_LINE, loop=loop)
        reader.feed_data(bytes(early.data))  # before the socket's own bytes can come
        protocol = asyncio.StreamReaderProtocol(reader, loop=loop)
        try:
            sock.setblocking(False)
            transport, _ = await loop.create_unix_connection(lambda: protocol, sock=sock)
        except BaseException:
            sock.close()
            raise
        self._reader = reader
        self._writer = asyncio.StreamWriter(transport, protocol, reader, loop)
        self._ids = itertools.count(FIRST_FREE_ID)
        asked = {i: loop.create_future() for i in (HELLO_ID, WATCH_ID, AGENTS_ID)}
        self._waiting.update(asked)
        self._task = loop.create_task(self._read())

        async def greeted() -> None:
            self.info = await self._answer(api.Hello(api.PROTOCOL, self.client), HELLO_ID,
                                           asked[HELLO_ID])
            await self._answer(api.Watch(self.fps), WATCH_ID, asked[WATCH_ID])
            self.first_agents = await self._answer(api.Agents(), AGENTS_ID, asked[AGENTS_ID])

        return await self._settle(greeted())

    async def close(self) -> None:
        self._closed = True
        if self._writer is not None:
            with contextlib.suppress(Exception):
                self._writer.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
        self._fail_waiting("the connection to the host was closed")

    # ---- requests and notices ------------------------------------------------------------

    async def request(self, req: Any) -> Any:
        if self._writer is None or self._closed:
            raise HostError("not connected to the host")
        req_id = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        self._waiting[req_id] = future
        self._writer.write(encode(request(type(req).op, api.to_wire(req), req_id)))
        return await self._answer(req, req_id, future)

    async def _answer(self, req: Any, req_id: int, future: asyncio.Future) -> Any:
        try:
            reply = await future
        finally:
            self._waiting.pop(req_id, None)
        if reply.get("v") != api.PROTOCOL:
            raise HostError(api.version_problem(api.PROTOCOL, reply.get("v")))
        if not reply.get("ok"):
            raise HostError(str(reply.get("error") or "the host refused the request"),
                            int(reply.get("exit_code") or 1))
        return api.reply_from_wire(req, reply.get("result"))

    def _notice(self, req: Any) -> None:
        if self._writer is not None and not self._closed:
            self._writer.write(encode(request(type(req).op, api.to_wire(req), None)))

    def show(self, names: list[str]) -> None:
        self._notice(api.Show(list(names)))

    def type_keys(self, name: str, data: bytes) -> None:
        if self.alive(name):
            self._notice(api.Input(name, data.decode("latin-1")))

    def paste(self, name: str, text: str) -> None:
        if self.alive(name):
            self._notice(api.Paste(name, text))

    def mouse(self, name: str, kind: str, button: str, x: int, y: int, *, shift: bool = False,
              alt: bool = False, ctrl: bool = False) -> None:
        if self.alive(name):
            self._notice(api.Mouse(name, kind, button, x, y, shift, alt, ctrl))

    def resize(self, name: str, cols: int, rows: int) -> None:
        if name in self.mirrors:
            self._notice(api.Resize(name, max(1, int(cols)), max(1, int(rows))))

    def focus(self, name: str) -> None:
        if name in self.mirrors:
            self._notice(api.Focus(name))

    async def history(self, name: str) -> Any:
        mirror = self.mirrors.get(name)
        reply = await self.request(api.GetHistory(name))
        return HistoryScreen(reply, mirror.columns if mirror is not None else 80)

    # ---- screens -----------------------------------------------------------------------

    def subscribe(self, callback: Callable[[Any], None]) -> Callable[[], None]:
        self._subs.append(callback)

        def unsubscribe() -> None:
            if callback in self._subs:
                self._subs.remove(callback)

        return unsubscribe

    def names(self) -> list[str]:
        return list(self.mirrors)

    def screen(self, name: str) -> Any:
        return self.mirrors.get(name)

    def alive(self, name: str) -> bool:
        mirror = self.mirrors.get(name)
        return mirror is not None and mirror.alive

    def _emit(self, event: Any) -> None:
        for callback in list(self._subs):
            try:
                callback(event)
            except Exception as e:  # noqa: BLE001 - one bad subscriber must not stop the rest
                asyncio.get_running_loop().call_exception_handler({
                    "message": f"host watcher failed on {event!r}", "exception": e})

    async def _read(self) -> None:
        reader = self._reader
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                self.bytes_received += len(line)
                try:
                    obj = decode(line)
                except ProtocolError:
                    continue
                push = obj.get("push")
                if push is not None:
                    self._on_push(push, obj)
                    continue
                future = self._waiting.get(obj.get("id"))
                if future is not None and not future.done():
                    future.set_result(obj)
                elif obj.get("id") is None and not obj.get("ok", True):
                    # A refusal of something sent without an id: the protocols differ.
                    self.goodbye = None
                    self._fail_waiting(str(obj.get("error")))
        except (ConnectionError, ValueError, asyncio.LimitOverrunError):
            pass
        finally:
            if not self._closed:
                self._closed = True
                self._fail_waiting(self.goodbye or "the host went away")
                self._emit(api.HostGone(self.goodbye is not None, self.goodbye or ""))

    def _fail_waiting(self, why: str) -> None:
        for future in list(self._waiting.values()):
            if not future.done():
                future.set_exception(HostError(why))
        self._waiting.clear()

    def _on_push(self, kind: str, obj: dict) -> None:
        if kind == api.PUSH_FRAME:
            self._on_frame(obj)
        elif kind == api.PUSH_SESSIONS:
            self._on_sessions(obj.get("sessions") or [])
        elif kind == api.PUSH_STATE:
            name = str(obj.get("name"))
            self.states[name] = str(obj.get("new"))
            self._emit(StateChanged(name, str(obj.get("old")), str(obj.get("new"))))
        elif kind == api.PUSH_EXITED:
            name = str(obj.get("name"))
            mirror = self.mirrors.get(name)
            if mirror is not None:
                mirror.alive = False
            self._emit(Exited(name, obj.get("code"), obj.get("signal")))
        elif kind == api.PUSH_EVENT:
            self._emit(api.TownEvent(obj.get("event") or {}))
        elif kind == api.PUSH_GOODBYE:
            self.goodbye = str(obj.get("reason") or "the host stopped")

    def _on_sessions(self, sessions: list) -> None:
        try:
            infos = [api.build(api.SessionInfo, s, "the host's push") for s in sessions]
        except api.MessageError:
            return
        self._listed.set()
        names = {i.name for i in infos}
        for name in [n for n in self.mirrors if n not in names]:
            del self.mirrors[name]
            self.states.pop(name, None)
            self._emit(SessionClosed(name))
        for info in infos:
            mirror = self.mirrors.get(info.name)
            if mirror is None:
                mirror = self.mirrors[info.name] = MirrorScreen(info.cols, info.rows)
                mirror.alive = info.alive
                self.states[info.name] = info.state
                self._emit(SessionAdded(info.name))
            elif self.states.get(info.name) != info.state:
                old, self.states[info.name] = self.states.get(info.name, "unknown"), info.state
                self._emit(StateChanged(info.name, old, info.state))
            mirror.alive = info.alive

    def _on_frame(self, frame: dict) -> None:
        name = frame.get("n")
        mirror = self.mirrors.get(name)
        if mirror is None:
            return
        title, bells = mirror.title, mirror.bell_count
        rows = mirror.apply(frame, self.book)
        if rows or "c" in frame:
            self._emit(LinesChanged(name, frozenset(rows), mirror.cursor_x, mirror.cursor_y,
                                    not mirror.cursor_hidden))
        if mirror.title != title:
            self._emit(TitleChanged(name, mirror.title))
        if mirror.bell_count > bells:
            self._emit(Bell(name, mirror.bell_count - bells))
