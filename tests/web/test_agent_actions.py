"""The Agents panel's x (suspend/resume), K (stop) and H (handoff) in the dashboard, driven by
Textual's Pilot against a real headless host with a bash agent: done by the host over its
control socket, as the app does them, and refused by a read-only dashboard."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from gastown_tui.host.client import HostClient
from gastown_tui.town import find_town
from gastown_tui.town.hooks import all_hooks
from gastown_tui.town.mail import inbox
from gastown_tui.web.app import AgentsPanel, DashboardApp
from web_helpers import (SHELL_AGENT, SHELL_PROMPT, clean_env, define_shell_agent, end,
                         host_screen, make_town, sling, start_host)


@pytest.fixture
def shell_town(tmp_path: Path):
    """A town whose one agent is a bash on its hook, under a headless host."""
    root = tmp_path / "town"
    ids, _convoy = make_town(root, 1)
    define_shell_agent(root)
    host = start_host(root)
    try:
        name = sling(root, ids[0], SHELL_AGENT)
        yield root, name
    finally:
        end(host, grace=20)


async def until(check, timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


def test_suspend_resume_handoff_and_stop_from_the_agents_panel(shell_town, tmp_path):
    root, name = shell_town
    polecat = name.rsplit("/", 1)[1]
    address = f"sample/polecats/{polecat}"

    def hook_state():
        hooks = [h for h in all_hooks(find_town(root, {})) if h.session == name]
        return hooks[0].state if hooks else None

    def pid():
        rows = {r["name"]: r for r in HostClient(root).call("agents")}
        return rows[name]["pid"] if name in rows else None

    def told(app, words: str) -> list[str]:
        return [n.message for n in app._notifications if words in n.message]

    async def scenario(read_only: bool):
        home = tmp_path / "home"
        home.mkdir(exist_ok=True)
        app = DashboardApp(root, read_only=read_only, environ=clean_env(HOME=str(home)))
        async with app.run_test(size=(150, 45)) as pilot:
            panel = app.query_one(AgentsPanel)
            grid = app.query_one("#grid")
            await until(lambda: [r.name for r in panel.rows] == [name]
                        and grid.pane(name) is not None)
            await until(lambda: SHELL_PROMPT.strip() in host_screen(root, name))
            if read_only:
                before = pid()
                await pilot.press("x", "K", "H")
                await until(lambda: len(told(app, "read-only dashboard")) == 3)
                for what in ("suspend", "stop", "handoff"):
                    assert told(app, f"read-only dashboard: {what} is off")
                assert hook_state() == "active" and pid() == before
                return

            await pilot.press("x")
            await until(lambda: hook_state() == "suspended")
            await until(lambda: told(app, f"{name} suspended; its work is kept"))
            # The pane goes; the parked agent stays listed, so x again resumes it.
            await until(lambda: grid.pane(name) is None
                        and [(r.name, r.state) for r in panel.rows] == [(name, "suspended")])
            await pilot.press("x")
            await until(lambda: hook_state() == "active" and grid.pane(name) is not None)
            await until(lambda: told(app, f"{name} resumed on its hook"))

            before = pid()
            await until(lambda: SHELL_PROMPT.strip() in host_screen(root, name))
            await pilot.press("H")
            await until(lambda: pid() not in (None, before))
            mail = inbox(find_town(root, {}), address)
            assert [(m.sender, m.subject.split(":")[0]) for m in mail] == [("overseer",
                                                                              "Handoff")]
            await until(lambda: told(app, f"{name} got a handoff note and restarts on its hook"))
            await until(lambda: grid.pane(name) is not None)

            await pilot.press("K")
            await until(lambda: hook_state() == "suspended")
            await until(lambda: [(r.name, r.state) for r in panel.rows] == [(name, "suspended")])
            # K on a parked agent: the host's one line, shown as an error.
            await pilot.press("K")
            await until(lambda: told(app, "is suspended already"))
            errors = [n for n in app._notifications if n.severity == "error"]
            assert [n.message for n in errors] == [
                f"stop {name}: {name} is suspended already: resume it with "
                f"`gt hooks resume {name}`"]
            await pilot.press("x")
            await until(lambda: hook_state() == "active" and grid.pane(name) is not None)

    asyncio.run(scenario(read_only=True))
    asyncio.run(scenario(read_only=False))
