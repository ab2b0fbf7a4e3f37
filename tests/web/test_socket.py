"""The host's two requests for remote viewers, `screens` and `keys`, on a real host."""

from __future__ import annotations

import time

import pytest

from gastown_tui.host.client import HostClient
from gastown_tui.host.runtime import HostError
from web_helpers import SHELL_PROMPT, host_screen


def wait_for(check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_screens_sends_what_changed_among_what_is_asked(live_town):
    client = HostClient(live_town.root)
    shell, demo = live_town.shell_agent, live_town.demo_agent
    wait_for(lambda: SHELL_PROMPT.strip() in host_screen(live_town.root, shell))
    first = client.call("screens", known={})
    assert set(first["names"]) >= {shell, demo}
    snap = first["screens"][shell]
    assert snap["alive"] and len(snap["lines"]) == snap["rows"]
    assert any(SHELL_PROMPT.strip() in line for line in snap["lines"])
    known = {name: s["version"] for name, s in first["screens"].items()}
    # Nothing typed into the shell: it is not sent again (the demo agent's spinner may be).
    assert shell not in client.call("screens", known=known)["screens"]
    # Only what the caller shows.
    assert set(client.call("screens", known={}, only=[shell])["screens"]) == {shell}
    assert client.call("screens", known={}, only=[])["screens"] == {}

    client.call("keys", target=shell, data="echo sock-$((3*4))\r")
    changed = wait_for(lambda: client.call("screens", known=known, only=[shell])["screens"])
    assert changed[shell]["version"] != known[shell]
    wait_for(lambda: "sock-12" in "\n".join(
        client.call("screens", known={}, only=[shell])["screens"][shell]["lines"]))


def test_keys_paste_and_bad_requests(live_town):
    client = HostClient(live_town.root)
    shell = live_town.shell_agent
    client.call("keys", target=shell, paste="echo pasted-ok")
    client.call("keys", target=shell, data="\r")
    wait_for(lambda: "\npasted-ok" in host_screen(live_town.root, shell))
    for args in ({"target": shell}, {"target": shell, "data": ""},
                 {"target": shell, "data": 5}):
        with pytest.raises(HostError) as e:
            client.call("keys", **args)
        assert e.value.exit_code == 2
    with pytest.raises(HostError) as e:
        client.call("keys", target="nobody-here", data="x")
    assert "nobody-here" in str(e.value)
    for args in ({"known": ["sample/nux"]}, {"known": {}, "only": "all"}):
        with pytest.raises(HostError) as e:
            client.call("screens", **args)
        assert e.value.exit_code == 2
