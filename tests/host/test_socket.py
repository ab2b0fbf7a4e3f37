"""The control socket and the host lock, with real sockets and real hosts in this process."""

from __future__ import annotations

import asyncio
import os
import socket
import stat
import threading

import pytest

from gastown_tui.host.client import HostClient
from gastown_tui.host.host import Host
from gastown_tui.host.runtime import (HostError, HostNotRunning, host_running, runtime_dir,
                                      socket_path)
from gastown_tui.town import find_town
from gastown_tui.town.install import install

from .host_helpers import raw_request


def test_no_host_says_how_to_start_one(town):
    with pytest.raises(HostNotRunning, match=r"start one with `gt up --headless` or `gt`"):
        HostClient(town.root).call("ping")
    assert host_running(town.root) is None


def test_socket_modes_requests_and_errors(town):
    async def main():
        host = Host(town, mode="test")
        await host.start()
        try:
            rt = runtime_dir(town.root)
            assert stat.S_IMODE(os.stat(rt).st_mode) == 0o700
            assert stat.S_IMODE(os.stat(host.socket).st_mode) == 0o600

            def client_side():
                c = HostClient(town.root)
                out = {"ping": c.call("ping")}
                with pytest.raises(HostError, match="unknown request") as e:
                    c.call("frobnicate")
                out["unknown_code"] = e.value.exit_code
                out["bad_json"] = raw_request(host.socket, b"{not json\n")
                out["not_object"] = raw_request(host.socket, b"[1,2]\n")
                with pytest.raises(HostError, match="no running agent"):
                    c.call("peek", target="nobody")
                with pytest.raises(HostError, match="needs a text 'target'"):
                    c.call("peek")
                return out

            out = await asyncio.to_thread(client_side)
            assert out["ping"]["pid"] == os.getpid()
            assert out["unknown_code"] == 2
            assert out["bad_json"]["ok"] is False and "bad request" in out["bad_json"]["error"]
            assert out["not_object"]["ok"] is False
        finally:
            await host.stop()
        assert not host.socket.exists()

    asyncio.run(main())


def test_second_host_refuses_and_names_the_first(town):
    async def main():
        first = Host(town, mode="test")
        await first.start()
        try:
            second = Host(find_town(town.root, {}), mode="test")
            with pytest.raises(HostError, match=rf"already running.*pid {os.getpid()}"):
                await second.start()
            # the refused host did not take the socket away from the running one
            assert (await asyncio.to_thread(HostClient(town.root).call, "ping"))["pid"]
        finally:
            await first.stop()
        third = Host(find_town(town.root, {}), mode="test")
        await third.start()
        await third.stop()

    asyncio.run(main())


def test_stale_socket_file_is_replaced(town):
    path = socket_path(town.root)
    runtime_dir(town.root)
    leftover = socket.socket(socket.AF_UNIX)
    leftover.bind(str(path))
    leftover.close()  # a socket file with no listener: what a killed host leaves
    with pytest.raises(HostNotRunning):
        HostClient(town.root).call("ping")

    async def main():
        host = Host(town, mode="test")
        await host.start()
        try:
            assert (await asyncio.to_thread(HostClient(town.root).call, "ping"))["mode"] == "test"
        finally:
            await host.stop()

    asyncio.run(main())


def test_long_town_path_uses_a_private_socket_dir(tmp_path):
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    install(deep)
    path = socket_path(deep)
    assert len(str(path)) <= 100
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700

    async def main():
        host = Host(find_town(deep, {}), mode="test")
        await host.start()
        try:
            assert (await asyncio.to_thread(HostClient(deep).call, "ping"))["mode"] == "test"
        finally:
            await host.stop()

    asyncio.run(main())


def test_event_stream(town):
    async def main():
        host = Host(town, mode="test")
        await host.start()
        got = []
        ready = threading.Event()

        def follow():
            stream = HostClient(town.root).events()
            for ev in stream:
                if ev["kind"] == "marker":
                    ready.set()
                    continue
                got.append(ev)
                if len(got) == 2:
                    return

        t = threading.Thread(target=follow, daemon=True)
        t.start()
        for _ in range(100):
            host.publish("marker")
            await asyncio.sleep(0.02)
            if ready.is_set():
                break
        host.publish("one", n=1)
        host.publish("two", n=2)
        await asyncio.to_thread(t.join, 5)
        await host.stop()
        assert [e["kind"] for e in got] == ["one", "two"]
        from gastown_tui.host.events import read_events

        kinds = [e["kind"] for e in read_events(town.root, 0)]
        assert "host_started" in kinds and "two" in kinds and kinds[-1] == "host_stopped"

    asyncio.run(main())
