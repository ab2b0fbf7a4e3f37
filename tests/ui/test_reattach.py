"""Re-attaching to a running town: the connection `gt` begins before Textual loads
(`hosting.attach_early`) brings the agents and the screens of the first page, and the app's
main screen is made with them, so its first frame shows them; without a host the app attaches
(and starts one) the usual way."""

from __future__ import annotations

import time

from ui_helpers import until

from gastown_tui.ui.app import AppOptions, GastownApp

MARKER = "bash --norc --noprofile -c 'echo marker-$GT_POLECAT; exec sleep 600'"


def _three_agents(town_root, environ) -> list[str]:
    """A running host with three agents, each of which has printed its marker."""
    from gastown_tui.host.api import Agents, Peek, Sling
    from gastown_tui.host.client import HostClient
    from gastown_tui.host.headless import start_detached
    from gastown_tui.town import find_town
    from gastown_tui.town.config import set_agent

    town = find_town(town_root, {})
    set_agent(town, "marker", MARKER)
    led = town.rig("demo").ledger("overseer")
    led.create("Third task", priority=2)
    beads = [b.id for b in led.ready()]
    start_detached(town_root, environ)
    client = HostClient(town_root, timeout=60)
    client.request(Sling(beads, "demo", "marker", no_convoy=True))
    names = [r.name for r in client.request(Agents())]
    deadline = time.monotonic() + 30
    while not all(any(line.startswith("marker-") for line in
                      client.request(Peek(name, 5)).lines) for name in names):
        assert time.monotonic() < deadline, "the agents did not print their markers"
        time.sleep(0.1)
    return names


async def test_the_first_frame_after_re_attaching_has_the_agents_and_their_screens(
        town_root, environ, monkeypatch):
    from gastown_tui.host.early import EARLY_TIMEOUT_S, EarlyAttach
    from gastown_tui.ui.hosting import attach_early

    names = _three_agents(town_root, environ)
    # The terminal the early connection measures: at 100x30 the grid's page holds two panes.
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("LINES", "30")
    early = attach_early(town_root, environ)
    app = GastownApp(AppOptions(town_root=town_root, environ=environ, early=early))
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.main.is_mounted, what="the main screen")
        # As the screen is made, before anything more came from the host:
        assert app.api.first_agents is not None and len(early.shown) == 2
        assert sorted(p.session_name for p in app.main.grid.panes) == sorted(names)
        assert app.main.grid.visible_names() == early.shown
        for name in early.shown:
            text = "\n".join(app.main.grid.pane(name).screen_model.text_lines())
            assert f"marker-{name.rpartition('/')[2]}" in text
        assert "3 agents" in str(app.main.status.content)
        # Laid out, the grid shows the panes the early connection asked the screens of.
        await pilot.pause()
        assert app.main.grid.visible_names() == early.shown
        await app.detach_app()
    # A screen asked for that never comes (its session ended meanwhile) holds nothing up.
    started = time.monotonic()
    late = EarlyAttach(town_root, lambda names: ["demo/gone", names[0]])
    assert late.take(EARLY_TIMEOUT_S) is not None and late.error is None
    assert time.monotonic() - started < EARLY_TIMEOUT_S / 2
    late.close()


async def test_with_no_host_running_the_app_attaches_the_usual_way(town_root, environ):
    from gastown_tui.host.runtime import HostNotRunning, host_running
    from gastown_tui.ui.hosting import attach_early

    early = attach_early(town_root, environ)
    app = GastownApp(AppOptions(town_root=town_root, environ=environ, early=early))
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.api is not None, timeout=30, what="attached")
        assert isinstance(early.error, HostNotRunning) and app.api.first_agents is None
        assert app.attached and host_running(town_root) is not None
        await app.stop_town()


async def test_a_host_that_hangs_is_reported_after_one_wait_not_two(town_root, environ,
                                                                    monkeypatch):
    # The host's socket takes the connection (the kernel answers it) but the host is
    # stopped: the early connection waits its time once and the app says so, instead of
    # connecting again and waiting as long once more.
    import os
    import signal

    import gastown_tui.host.early as early_module
    import gastown_tui.host.remote as remote_module
    from gastown_tui.host.headless import start_detached, stop
    from gastown_tui.host.remote import CONNECT_TIMEOUT_S
    from gastown_tui.host.runtime import read_info
    from gastown_tui.ui.hosting import attach_early

    monkeypatch.setattr(early_module, "EARLY_TIMEOUT_S", 1.0)
    start_detached(town_root, environ)
    pid = read_info(town_root).pid
    os.kill(pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        early = attach_early(town_root, environ)
        app = GastownApp(AppOptions(town_root=town_root, environ=environ, early=early))
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: app.failure is not None, timeout=30,
                        what="the app to give up")
        took = time.monotonic() - started
        assert "did not answer in 1 s" in app.failure and "host.log" in app.failure
        assert took < 1.0 + CONNECT_TIMEOUT_S / 2, f"waited {took:.1f} s"
        # Without the early connection (`gt app`): the usual connect waits its time, once.
        monkeypatch.setattr(remote_module, "CONNECT_TIMEOUT_S", 1.0)
        started = time.monotonic()
        app = GastownApp(AppOptions(town_root=town_root, environ=environ))
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: app.failure is not None, timeout=30,
                        what="the app to give up")
        assert "did not answer in 1 s" in app.failure
        assert time.monotonic() - started < 1.0 + CONNECT_TIMEOUT_S / 2
    finally:
        os.kill(pid, signal.SIGCONT)
        stop(town_root)
