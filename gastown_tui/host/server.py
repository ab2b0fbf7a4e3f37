"""The control socket's server side: an asyncio Unix server for JSON-line requests (`api.py`).

Each request is checked into its typed form and answered by `answer` (the host's handlers) in a
task of its own, so a slow one (a sling) never holds up the keys a watching client sends on the
same connection; notices (keys, sizes, what the client shows) are taken in order, at once. A
handler raises an exception with `user_error = True` (HostError, TownError, ...) for a refusal
the client shows as one line. `watch` turns the connection into a watching one (pushes, see
`viewers.py`); `subscribe` into a stream of town events. A client that goes away mid-request
leaves the host as it was: the request finishes and its answer goes nowhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
from pathlib import Path
from typing import Any, Awaitable, Callable

from . import api
from .events import EventBus
from .protocol import MAX_LINE, ProtocolError, decode, encode, reply_error, reply_ok
from .runtime import HostError

log = logging.getLogger("gastown_tui.host")
_clients = itertools.count(1)


class Connection:
    """One client: writes that never block the host, and what it watches."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.id = f"client-{next(_clients)}"
        self.viewer: Any = None
        self.closed = False

    def write(self, data: bytes) -> None:
        if self.closed:
            return
        try:
            self.writer.write(data)
        except (ConnectionError, RuntimeError, OSError):
            self.closed = True

    def send(self, obj: dict[str, Any]) -> None:
        self.write(encode(obj))

    def buffered(self) -> int:
        transport = self.writer.transport
        return transport.get_write_buffer_size() if transport is not None else 0


class ControlServer:
    def __init__(self, path: Path, bus: EventBus, answer: Callable[[Any], Awaitable[Any]],
                 watch: Callable[[Connection, api.Watch], Any]) -> None:
        self.path = Path(path)
        self.bus = bus
        self.answer = answer
        self.watch = watch
        self._server: asyncio.base_events.Server | None = None
        self._conns: set[asyncio.Task] = set()
        self._requests: set[asyncio.Task] = set()
        self.connections: set[Connection] = set()

    async def start(self) -> None:
        # Only the lock holder gets here, so a socket file left by a killed host is stale.
        if self.path.is_dir() and not self.path.is_symlink():
            try:
                self.path.rmdir()   # an empty folder in its place is nobody's work
            except OSError:
                raise HostError(f"{self.path} is a directory, not the host's socket: move it "
                                "away and start the host again") from None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        old = os.umask(0o177)
        try:
            self._server = await asyncio.start_unix_server(self._serve, path=str(self.path),
                                                           limit=MAX_LINE)
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)

    def say_goodbye(self, reason: str) -> None:
        """The host stops on purpose: watching clients are told before their screens go, so
        they can tell `gt down` from a host that died."""
        for conn in list(self.connections):
            if conn.viewer is not None:
                conn.viewer.close()
                conn.send({"push": api.PUSH_GOODBYE, "reason": reason})

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._requests):
                task.cancel()
            # Event streams were told to end: give them a moment to send their last events.
            if self._conns:
                await asyncio.wait(list(self._conns), timeout=0.5)
            for task in list(self._conns):
                task.cancel()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
            self._server = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._conns.add(task)
        conn = Connection(writer)
        self.connections.add(conn)
        try:
            while True:
                try:
                    line = await reader.readline()
                except (ValueError, asyncio.LimitOverrunError):
                    conn.send(reply_error(None, "request line too long"))
                    break
                if not line:
                    break
                if not line.strip():
                    continue
                try:
                    req = decode(line)
                except ProtocolError as e:
                    conn.send(reply_error(None, f"bad request: {e}", 2))
                    continue
                if req.get("v") != api.PROTOCOL:
                    conn.send(reply_error(req.get("id"),
                                          api.version_problem(req.get("v"), api.PROTOCOL)))
                    continue
                if req.get("op") == "subscribe":
                    await self._stream(req, conn)
                    break
                self._take(req, conn)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            conn.closed = True
            self.connections.discard(conn)
            if conn.viewer is not None:
                conn.viewer.close()
            if task is not None:
                self._conns.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    def _take(self, req: dict[str, Any], conn: Connection) -> None:
        req_id = req.get("id")
        op = req.get("op")
        try:
            typed = api.request_from_wire(op if isinstance(op, str) else repr(op),
                                          req.get("args"))
        except api.MessageError as e:
            if req_id is not None:
                conn.send(reply_error(req_id, str(e), 2))
            return
        if type(typed).op in api.NOTICES:
            if conn.viewer is not None:
                try:
                    conn.viewer.notice(typed)
                except Exception:  # noqa: BLE001 - one bad notice must never stop the host
                    log.exception("notice %s failed", op)
            return
        if isinstance(typed, api.Watch):
            if conn.viewer is None:
                conn.viewer = self.watch(conn, typed)
            conn.send(reply_ok(req_id, api.to_wire(api.Done())))
            return
        task = asyncio.get_running_loop().create_task(self._answer(req_id, typed, conn))
        self._requests.add(task)
        task.add_done_callback(self._requests.discard)

    async def _answer(self, req_id: Any, req: Any, conn: Connection) -> None:
        try:
            reply = reply_ok(req_id, api.to_wire(await self.answer(req)))
        except asyncio.CancelledError:
            raise
        except TypeError as e:
            reply = reply_error(req_id, f"bad arguments for {type(req).op}: {e}", 2)
        except Exception as e:  # noqa: BLE001 - one bad request must never stop the host
            if getattr(e, "user_error", False):
                reply = reply_error(req_id, str(e), int(getattr(e, "exit_code", 1)))
            else:
                from ..files import os_error_message

                message = os_error_message(e)   # a full disk, a read-only file: not a bug
                if message is not None:
                    reply = reply_error(req_id, message)
                else:
                    log.exception("request %s failed", type(req).op)
                    reply = reply_error(req_id, "internal error in the host: "
                                        f"{type(e).__name__}: {e}")
        conn.send(reply)

    async def _stream(self, req: dict[str, Any], conn: Connection) -> None:
        args = req.get("args") or {}
        replay = int(args.get("replay") or 0) if isinstance(args, dict) else 0
        queue = self.bus.open_queue()
        writer = conn.writer
        try:
            writer.write(encode(reply_ok(req.get("id"), "subscribed")))
            for event in self.bus.recent(replay):
                writer.write(encode({"event": event}))
            await writer.drain()
            while True:
                event = await queue.get()
                if event is None:
                    break
                writer.write(encode({"event": event}))
                await writer.drain()
        finally:
            self.bus.close_queue(queue)
