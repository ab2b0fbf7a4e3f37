"""A client and a host of different versions: each side says so in one line, nothing breaks.

Both sides are real: the current host in this process answering an old client's request, and
a stand-in for an old host (protocol 1: replies without a version) on the town's socket,
reached by the `gt` command line and by the app's client."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import threading
import time

import pytest

from gastown_tui.host import api
from gastown_tui.host.client import HostClient
from gastown_tui.host.host import Host
from gastown_tui.host.remote import RemoteHost
from gastown_tui.host.runtime import HostError, runtime_dir, socket_path

from .host_helpers import raw_request, run_gt

ONE_LINE = "this gt speaks host protocol"


def test_an_old_client_gets_one_line_from_a_new_host(town):
    async def main():
        host = Host(town, mode="test")
        await host.start()
        try:
            def old_clients():
                unversioned = raw_request(host.socket, b'{"id": 1, "op": "agents", "args": {}}\n')
                v1 = raw_request(host.socket, b'{"v": 1, "id": 7, "op": "ping", "args": {}}\n')
                # The host still answers a current client after both.
                return unversioned, v1, HostClient(town.root).call("ping")

            return await asyncio.to_thread(old_clients)
        finally:
            await host.stop()

    unversioned, v1, ping = asyncio.run(main())
    for reply, req_id in ((unversioned, 1), (v1, 7)):
        assert reply["ok"] is False and reply["id"] == req_id
        assert reply["error"].startswith(
            f"{ONE_LINE} 1 and the running host {api.PROTOCOL}: restart the host")
        assert "\n" not in reply["error"]
    assert ping["pid"] == os.getpid()


class OldHost:
    """Listens on the town's socket and answers every request as protocol 1 did: no "v"."""

    def __init__(self, town_root) -> None:
        runtime_dir(town_root)
        self.path = socket_path(town_root)
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.bind(str(self.path))
        self.sock.listen(8)
        self.requests: list[dict] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            # A client that reads the first answer and hangs up (it speaks another protocol)
            # leaves the answers to its other requests unsent.
            with conn, contextlib.suppress(BrokenPipeError, ConnectionResetError):
                reader = conn.makefile("rb")
                for line in reader:
                    req = json.loads(line)
                    self.requests.append(req)
                    conn.sendall(json.dumps({"id": req.get("id"), "ok": True,
                                             "result": {"pid": 1}}).encode() + b"\n")

    def close(self) -> None:
        self.sock.close()
        self.thread.join(5)
        self.path.unlink(missing_ok=True)


@pytest.fixture
def old_host(town):
    host = OldHost(town.root)
    yield host
    host.close()


def test_a_new_client_gets_one_line_from_an_old_host(town, old_host):
    with pytest.raises(HostError) as e:
        HostClient(town.root).call("ping")
    assert str(e.value).startswith(f"{ONE_LINE} {api.PROTOCOL} and the running host 1:")

    async def app_client():
        remote = RemoteHost(town.root)
        try:
            await remote.connect()
        finally:
            await remote.close()

    with pytest.raises(HostError) as e:
        asyncio.run(app_client())
    assert str(e.value).startswith(f"{ONE_LINE} {api.PROTOCOL} and the running host 1:")
    assert all(r.get("v") == api.PROTOCOL for r in old_host.requests)


def test_an_early_attach_to_an_old_host_stops_at_its_first_reply(town, old_host):
    """`gt` begins attaching before the app loads (host/early.py): an old host's first reply
    ends that at once, with the line the app then says too."""
    from gastown_tui.host.early import EarlyAttach

    started = time.monotonic()
    early = EarlyAttach(town.root)
    assert early.take(10) is None and isinstance(early.error, HostError)
    assert str(early.error).startswith(f"{ONE_LINE} {api.PROTOCOL} and the running host 1:")
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("argv", [["peek", "nux"], ["nudge", "nux", "hello"]])
def test_the_command_line_says_it_in_one_line(town, old_host, argv):
    out = run_gt(town.root, *argv)
    assert out.returncode == 1, out
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and ONE_LINE in lines[0] and "Traceback" not in out.stderr, out
    assert "gt down" in lines[0]
