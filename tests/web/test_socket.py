"""Watching the host over its socket, as the dashboard and attached apps do, on a real host in
another process: screens pushed as they change, keys back, a client that stops reading never
slowing another, a client dying mid-request, and a client of another protocol version."""

from __future__ import annotations

import asyncio
import json
import socket
import time

import pytest

from gastown_tui.host import api
from gastown_tui.host.client import HostClient
from gastown_tui.host.remote import RemoteHost
from gastown_tui.host.runtime import HostError, socket_path
from gastown_tui.host.screens import MirrorScreen, StyleBook
from web_helpers import SHELL_PROMPT, host_screen


def wait_for(check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


async def async_wait(check, timeout: float = 10.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


def text(api_: RemoteHost, name: str) -> str:
    return "\n".join(api_.screen(name).text_lines())


def test_screens_are_pushed_and_keys_go_back(live_town):
    shell, demo = live_town.shell_agent, live_town.demo_agent
    wait_for(lambda: SHELL_PROMPT.strip() in host_screen(live_town.root, shell))

    async def scenario():
        watcher = RemoteHost(live_town.root, client="test")
        info = await watcher.connect()
        try:
            assert info.protocol == api.PROTOCOL
            await async_wait(lambda: {shell, demo} <= set(watcher.names()), what="sessions")
            watcher.show([shell])
            await async_wait(lambda: SHELL_PROMPT.strip() in text(watcher, shell),
                             what="the shell's screen")
            # Only what is shown comes: the demo agent's busy screen is not sent.
            assert not text(watcher, demo).strip()
            watcher.type_keys(shell, b"echo sock-$((3*4))\r")
            await async_wait(lambda: "\nsock-12" in text(watcher, shell), what="the echo")
            watcher.paste(shell, "echo pasted-ok")
            watcher.type_keys(shell, b"\r")
            await async_wait(lambda: "\npasted-ok" in text(watcher, shell), what="the paste")
            # Scrollback on demand, for copy mode.
            history = await watcher.history(shell)
            assert "sock-12" in "\n".join(history.history_text(history.history_size)
                                          + history.text_lines())
        finally:
            await watcher.close()

    asyncio.run(scenario())


def test_keys_and_bad_requests_from_a_command(live_town):
    client = HostClient(live_town.root)
    shell = live_town.shell_agent
    client.request(api.Keys(shell, paste="echo cmd-paste"))
    client.request(api.Keys(shell, data="\r"))
    wait_for(lambda: "\ncmd-paste" in host_screen(live_town.root, shell))
    for args in ({"target": shell}, {"target": shell, "data": 5}):
        with pytest.raises(HostError) as e:
            client.call("keys", **args)
        assert e.value.exit_code == 2
    with pytest.raises(HostError) as e:
        client.request(api.Keys("nobody-here", data="x"))
    assert "nobody-here" in str(e.value)


class RawWatcher:
    """A watching client on a plain blocking socket, which reads only when told: a client
    whose terminal was stopped (ctrl+z) stops reading its socket."""

    def __init__(self, root, name: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(str(socket_path(root)))
        self.file = self.sock.makefile("rb")
        self.mirror = None
        self.book = StyleBook()
        for i, (op, args) in enumerate((("hello", {"version": api.PROTOCOL}),
                                        ("watch", {"fps": 30}))):
            self.send(op, args, i + 1)
            while "push" in (reply := json.loads(self.file.readline())):
                self.apply(reply)
            assert reply["ok"], reply
        self.send("show", {"names": [name]})
        # A big terminal in the focused pane (frames at the full rate), so its frames pass the
        # host's limit for an unread client soon.
        self.send("resize", {"target": name, "cols": 250, "rows": 100})
        self.send("focus", {"target": name})
        self.name = name
        self.refreshes = 0  # frames that bring the whole screen

    def send(self, op: str, args: dict, req_id: int | None = None) -> None:
        line = {"v": api.PROTOCOL, "op": op, "args": args}
        if req_id is not None:
            line["id"] = req_id
        self.sock.sendall(json.dumps(line).encode() + b"\n")

    def apply(self, push: dict) -> None:
        if push.get("push") == "frame":
            if self.mirror is None:
                self.mirror = MirrorScreen(1, 1)
            self.refreshes += "z" in push
            self.mirror.apply(push, self.book)

    def read_until(self, wanted: str, timeout: float) -> None:
        self.sock.settimeout(timeout)
        while self.mirror is None or wanted not in "\n".join(self.mirror.text_lines()):
            self.apply(json.loads(self.file.readline()))

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def test_a_client_that_stops_reading_never_slows_another(live_town):
    """One watcher stops reading while the shell floods its screen: the other watcher's echo
    still comes at once, and when the stopped one reads again it catches up with the screen
    as it is."""
    shell = live_town.shell_agent
    stopped = RawWatcher(live_town.root, shell)

    async def scenario():
        live = RemoteHost(live_town.root, client="live")
        await live.connect()
        try:
            await async_wait(lambda: shell in live.names(), what="the shell")
            live.show([shell])
            # Every row of its big screen changes in every frame for a few seconds.
            live.type_keys(shell, b"for i in $(seq 1 120); do for j in 1 2 3 4 5 6 7 8; do "
                           b"printf 'flood-%d-%0200d\\n' $i $j; done; sleep 0.025; done\r")
            await async_wait(lambda: "flood-120-" in text(live, shell), 60, "the flood")
            started = time.monotonic()
            live.type_keys(shell, b"echo after-$((40+2))\r")
            await async_wait(lambda: "\nafter-42" in text(live, shell), 10, "the echo")
            return time.monotonic() - started
        finally:
            await live.close()

    try:
        echo = asyncio.run(scenario())
        stopped.read_until("\nafter-42", 20)  # it reads again: the screen as it is now
    finally:
        stopped.close()
    assert stopped.refreshes >= 2  # its first frame, and the whole screen once it read again
    assert echo < 5.0  # (no speed claim: a host blocked on the stopped client never echoes)


def test_a_client_dying_mid_request_leaves_the_host_unharmed(live_town):
    path = socket_path(live_town.root)
    for _ in range(3):
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(str(path))
            s.sendall(json.dumps({"v": api.PROTOCOL, "id": 1, "op": "history",
                                  "args": {"target": live_town.shell_agent}}).encode() + b"\n"
                      + json.dumps({"v": api.PROTOCOL, "id": 2, "op": "agents",
                                    "args": {"all": True}}).encode() + b"\n")
        # closed before any answer came
    info = HostClient(live_town.root).request(api.Ping())
    assert info.agents >= 2
    assert live_town.shell_agent in {r.name for r in
                                     HostClient(live_town.root).request(api.Agents())}


def test_another_protocol_version_gets_one_line(live_town):
    path = socket_path(live_town.root)
    for request in ({"id": 1, "op": "ping", "args": {}},              # a gt from before
                    {"v": api.PROTOCOL + 1, "id": 1, "op": "ping"}):  # a newer gt
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(str(path))
            s.sendall(json.dumps(request).encode() + b"\n")
            reply = json.loads(s.makefile("rb").readline())
        assert reply["ok"] is False and "\n" not in reply["error"]
        assert "restart the host" in reply["error"] and "protocol" in reply["error"]
