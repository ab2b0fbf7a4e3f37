"""The synchronous client `gt` commands use to reach the host over its control socket.

Commands are short-lived processes (often run by agents inside panes), so this is a blocking
socket with a deadline, not an event loop: connect, one request line, one reply line.
"""

from __future__ import annotations

import errno
import socket
import time
from pathlib import Path
from typing import Any, Iterator

from .api import PROTOCOL, reply_from_wire, to_wire, version_problem
from .protocol import MAX_LINE, ProtocolError, decode, encode, request
from .runtime import HostError, HostNotRunning, socket_path

DEFAULT_TIMEOUT = 10.0


class HostClient:
    def __init__(self, town_root: Path, timeout: float = DEFAULT_TIMEOUT):
        self.town_root = Path(town_root)
        self.timeout = timeout
        self.path = socket_path(self.town_root)

    def _connect(self) -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(str(self.path))
        except (FileNotFoundError, ConnectionRefusedError):
            sock.close()
            raise HostNotRunning() from None
        except OSError as e:
            sock.close()
            if e.errno in (errno.ENOENT, errno.ECONNREFUSED, errno.ENOTSOCK):
                raise HostNotRunning() from None
            raise HostError(f"cannot reach the host at {self.path}: {e.strerror}") from None
        return sock

    def request(self, req: Any, timeout: float | None = None) -> Any:
        """Send one typed request (api.py) and return its typed reply."""
        return reply_from_wire(req, self.call(type(req).op, timeout, **to_wire(req)))

    def call(self, op: str, timeout: float | None = None, **args: Any) -> Any:
        """Send one request by its name and wire arguments and return the result as JSON data;
        the host's own errors come back as `HostError` with the host's message and exit
        code."""
        sock = self._connect()
        if timeout is not None:
            sock.settimeout(timeout)
        try:
            sock.sendall(encode(request(op, args)))
            reply = decode(_read_line(sock, self.path, timeout or self.timeout))
        except ProtocolError as e:
            raise HostError(f"the host's reply is not readable ({e}): is the host the same "
                            "version as this gt?") from None
        finally:
            sock.close()
        if reply.get("v") != PROTOCOL:
            raise HostError(version_problem(PROTOCOL, reply.get("v")))
        if reply.get("ok"):
            return reply.get("result")
        raise HostError(str(reply.get("error") or "the host refused the request"),
                        int(reply.get("exit_code") or 1))

    def events(self, replay: int = 0) -> Iterator[dict[str, Any]]:
        """Subscribe and yield events until the host closes the stream."""
        sock = self._connect()
        sock.settimeout(None)
        try:
            sock.sendall(encode(request("subscribe", {"replay": replay})))
            reader = sock.makefile("rb")
            first = reader.readline(MAX_LINE)
            if not first:
                raise HostError("the host closed the event stream")
            reply = decode(first)
            if reply.get("v") != PROTOCOL:
                raise HostError(version_problem(PROTOCOL, reply.get("v")))
            if not reply.get("ok"):
                raise HostError(str(reply.get("error")))
            for line in reader:
                if not line.strip():
                    continue
                event = decode(line).get("event")
                if isinstance(event, dict):
                    yield event
        finally:
            sock.close()


def _read_line(sock: socket.socket, path: Path, timeout: float) -> bytes:
    """One reply line, within `timeout` seconds in all (not per recv)."""
    chunks: list[bytes] = []
    size = 0
    deadline = time.monotonic() + timeout
    while True:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = sock.recv(65536)
        except socket.timeout:
            raise HostError(f"the host did not answer within {timeout:g} s ({path}): it may be "
                            "busy or hung; see .runtime/host.log") from None
        if not data:
            raise HostError("the host closed the connection without answering "
                            "(it may be stopping)")
        chunks.append(data)
        size += len(data)
        if b"\n" in data:
            return b"".join(chunks).split(b"\n", 1)[0]
        if size > MAX_LINE:
            raise HostError("the host's reply is too long: is something else listening on "
                            f"{path}?")
