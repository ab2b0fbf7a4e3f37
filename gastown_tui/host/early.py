"""The first part of attaching to a running host, on a thread, begun before the app loads
Textual: re-attaching is mostly waiting for imports, and the connection's round trips (hello,
watch, the list of sessions, the agents' rows, the first screens) fit inside that wait.

`EarlyAttach` connects, says hello, asks to watch and for the agents' rows, and when the list of
sessions comes asks for the screens `choose(names)` picks (the panes the first frame will
show), then reads until those screens came. `RemoteHost.adopt` takes the socket and every byte
read so far, which it reads again as if they had just come: so the app's first frame can show
the agents and their screens at once. Any failure (no host, a timeout, another protocol) leaves
`error` set and the socket closed; the app then attaches the usual way, which reports it, but
for a host that took the connection and never answered (`HostUnresponsive`): that is reported
at once, not after waiting as long again.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Callable

from . import api
from .protocol import ProtocolError, decode, encode, request
from .runtime import HostError, HostNotRunning, HostUnresponsive, socket_path

EARLY_TIMEOUT_S = 5.0
# How long the screens asked for may take once the rest came: one that does not come (its
# session ended meanwhile) must not hold the app; those late come the usual way.
FRAMES_WAIT_S = 0.3
# The ids of the requests sent first; the connection's own requests continue after them.
HELLO_ID, WATCH_ID, AGENTS_ID = 1, 2, 3
FIRST_FREE_ID = 4


class EarlyAttach:
    def __init__(self, town_root: Path, choose: Callable[[list[str]], list[str]] | None = None,
                 client: str = "app", fps: float = 60.0) -> None:
        self.path = socket_path(Path(town_root))
        self.client = client
        self.fps = fps
        self.choose = choose
        self.sock: socket.socket | None = None
        self.data = bytearray()   # every byte read, in order
        self.error: BaseException | None = None
        self.shown: list[str] = []
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gt-early-attach", daemon=True)
        self._thread.start()

    def take(self, timeout: float = EARLY_TIMEOUT_S) -> socket.socket | None:
        """The connected socket (its bytes read so far in `data`) once the thread is done; None
        when it failed. Only the first caller gets it."""
        self.done.wait(timeout)
        if not self.done.is_set() or self.error is not None:
            self.close()
            return None
        sock, self.sock = self.sock, None
        return sock

    def close(self) -> None:
        """Let go of the connection if nobody took it (the app ended before it attached)."""
        sock, self.sock = self.sock, None
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass

    def _run(self) -> None:
        try:
            self._attach()
        except BaseException as e:  # noqa: BLE001 - the app's own attach reports it
            self.error = e
            self.close()
        finally:
            self.done.set()

    def _attach(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock = sock
        deadline = time.monotonic() + EARLY_TIMEOUT_S
        sock.settimeout(EARLY_TIMEOUT_S)
        try:
            sock.connect(str(self.path))
        except (FileNotFoundError, ConnectionRefusedError):
            raise HostNotRunning() from None
        sock.sendall(b"".join(encode(request(type(req).op, api.to_wire(req), req_id))
                              for req_id, req in ((HELLO_ID, api.Hello(api.PROTOCOL, self.client)),
                                                  (WATCH_ID, api.Watch(self.fps)),
                                                  (AGENTS_ID, api.Agents()))))
        replies = {HELLO_ID, WATCH_ID, AGENTS_ID}
        listed = False
        frames: set[str] = set()
        frames_by = deadline
        rest = b""
        while replies or not listed or frames:
            waiting_for_frames = listed and not replies
            until = min(deadline, frames_by) if waiting_for_frames else deadline
            sock.settimeout(max(0.01, until - time.monotonic()))
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                if waiting_for_frames:
                    return
                raise HostUnresponsive(EARLY_TIMEOUT_S) from None
            if not chunk:
                raise HostError("the host closed the connection")
            self.data += chunk
            *lines, rest = (rest + chunk).split(b"\n")
            for line in lines:
                try:
                    obj = decode(line)
                except ProtocolError:
                    continue
                push = obj.get("push")
                if push == api.PUSH_SESSIONS and not listed:
                    listed = True
                    frames = set(self._show(sock, obj.get("sessions") or []))
                    frames_by = time.monotonic() + FRAMES_WAIT_S
                elif push == api.PUSH_FRAME:
                    frames.discard(obj.get("n"))
                elif push is None:
                    if obj.get("v") != api.PROTOCOL:
                        raise HostError(api.version_problem(api.PROTOCOL, obj.get("v")))
                    if not obj.get("ok"):
                        raise HostError(str(obj.get("error")))
                    replies.discard(obj.get("id"))

    def _show(self, sock: socket.socket, sessions: list) -> list[str]:
        names = [s.get("name") for s in sessions if isinstance(s, dict)]
        names = [n for n in names if isinstance(n, str)]
        if self.choose is None or not names:
            return []
        self.shown = list(self.choose(names))
        if self.shown:
            sock.sendall(encode(request(api.Show.op, api.to_wire(api.Show(self.shown)), None)))
        return self.shown
