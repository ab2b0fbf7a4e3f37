"""The control socket's server side: an asyncio Unix server dispatching JSON-line requests.

Handlers are `async def handler(args: dict) -> json-able` registered by name; a handler raises
an exception with `user_error = True` (HostError, TownError, ...) for a refusal the client shows
as one line. `subscribe` turns the connection into an event stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from pathlib import Path
from typing import Any, Awaitable, Callable

from .events import EventBus
from .protocol import MAX_LINE, ProtocolError, decode, encode, reply_error, reply_ok
from .runtime import HostError

Handler = Callable[[dict[str, Any]], Awaitable[Any]]
log = logging.getLogger("gastown_tui.host")


class ControlServer:
    def __init__(self, path: Path, bus: EventBus):
        self.path = Path(path)
        self.bus = bus
        self.handlers: dict[str, Handler] = {}
        self._server: asyncio.base_events.Server | None = None
        self._conns: set[asyncio.Task] = set()

    def register(self, op: str, handler: Handler) -> None:
        self.handlers[op] = handler

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

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
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
        try:
            while True:
                try:
                    line = await reader.readline()
                except (ValueError, asyncio.LimitOverrunError):
                    writer.write(encode(reply_error(None, "request line too long")))
                    break
                if not line:
                    break
                if not line.strip():
                    continue
                try:
                    req = decode(line)
                except ProtocolError as e:
                    writer.write(encode(reply_error(None, f"bad request: {e}", 2)))
                    await writer.drain()
                    continue
                if req.get("op") == "subscribe":
                    await self._stream(req, writer)
                    break
                writer.write(encode(await self._dispatch(req)))
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            if task is not None:
                self._conns.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    async def _dispatch(self, req: dict[str, Any]) -> dict[str, Any]:
        req_id = req.get("id")
        op = req.get("op")
        handler = self.handlers.get(op) if isinstance(op, str) else None
        if handler is None:
            known = ", ".join(sorted(self.handlers))
            return reply_error(req_id, f"unknown request {op!r} (known: {known})", 2)
        args = req.get("args") or {}
        if not isinstance(args, dict):
            return reply_error(req_id, "request args must be an object", 2)
        try:
            return reply_ok(req_id, await handler(args))
        except asyncio.CancelledError:
            raise
        except TypeError as e:
            return reply_error(req_id, f"bad arguments for {op}: {e}", 2)
        except Exception as e:  # noqa: BLE001 - one bad request must never stop the host
            if getattr(e, "user_error", False):
                return reply_error(req_id, str(e), int(getattr(e, "exit_code", 1)))
            from ..files import os_error_message

            message = os_error_message(e)   # a full disk, a read-only file: not a bug
            if message is not None:
                return reply_error(req_id, message)
            log.exception("request %s failed", op)
            return reply_error(req_id, f"internal error in the host: {type(e).__name__}: {e}")

    async def _stream(self, req: dict[str, Any], writer: asyncio.StreamWriter) -> None:
        args = req.get("args") or {}
        replay = int(args.get("replay") or 0) if isinstance(args, dict) else 0
        queue = self.bus.open_queue()
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
