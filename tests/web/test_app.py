"""The dashboard app driven by Textual's Pilot (no browser): configuration changes go through the
registry, a read-only dashboard changes nothing, and without a host the banner says so."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from gastown_tui.ui.messages import BeadChosen, RunCommand
from gastown_tui.web.app import DashboardApp
from gastown_tui.web.config import ConfigView
from web_helpers import clean_env, make_town


@pytest.fixture
def town_root(tmp_path: Path) -> Path:
    root = tmp_path / "town"
    make_town(root, 1)
    return root


def setting(root: Path, key: str):
    from gastown_tui.town import find_town
    from gastown_tui.town.config import get_setting

    return get_setting(find_town(root, {}), key)


async def until(check, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


def make_app(root: Path, tmp_path: Path, read_only: bool = False) -> DashboardApp:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return DashboardApp(root, read_only=read_only, environ=clean_env(HOME=str(home)))


def test_banner_and_ledger_views_without_a_host(town_root, tmp_path):
    async def scenario():
        app = make_app(town_root, tmp_path)
        async with app.run_test(size=(150, 45)):
            banner = app.query_one("#banner")
            await until(lambda: banner.display and app.view.convoys)
            assert "gt up --headless" in str(banner.render())
            assert app.view.convoys[0].title.startswith("Demo: improve")
            assert app.query_one("#empty").display
            # The header: `gt status`'s numbers, from the same function.
            from gastown_tui.commands.gt_status import summary
            from gastown_tui.town import find_town
            from gastown_tui.town.status import town_status

            await until(lambda: app.town_status is not None)
            header = str(app.query_one("#title").render())
            wanted = summary(town_status(find_town(town_root, {}), None, "", app.environ))
            assert wanted[0].endswith("agents") and all(p in header for p in wanted), \
                (wanted, header)

    asyncio.run(scenario())


def test_configuration_changes_go_through_the_registry(town_root, tmp_path):
    from textual.widgets import Button, Input, Select

    async def scenario():
        app = make_app(town_root, tmp_path)
        async with app.run_test(size=(150, 45)) as pilot:
            view = app.query_one(ConfigView)
            await until(lambda: view.data is not None)
            assert view.data.default_agent == "demo"
            # Once loaded, the blank entry of each list no longer says it is loading.
            for select in app.query(Select):
                blank = select.query_one("SelectOverlay").get_option_at_index(0).prompt
                assert str(blank) == "(not set)"
            app.query_one("#default-agent", Select).value = "shell"
            await until(lambda: setting(town_root, "default_agent") == "shell")
            app.query_one("#theme", Select).value = "textual-light"
            await until(lambda: setting(town_root, "theme") == "textual-light")
            # The dashboard follows the town's theme once it has re-read the config.
            await until(lambda: app.theme == "textual-light")

            app.query_one("#agent-name", Input).value = "codex-low"
            app.query_one("#agent-command", Input).value = "codex --thinking low"
            app.query_one("#agent-save", Button).press()
            await until(lambda: view.data is not None
                        and any(p.name == "codex-low" for p in view.data.presets))
            app.query_one("#agent-remove", Button).press()
            await until(lambda: all(p.name != "codex-low" for p in view.data.presets))
            # A new list of agents refills the default-agent select: that refill is not a
            # choice, so no `config default-agent` runs for it (it once ran with the
            # select's empty value and failed).
            await pilot.pause(1.0)
            result = app.query_one("#result")
            assert not result.has_class("-error"), str(result.query_one("#result-text").render())
            assert app.query_one("#default-agent", Select).value == "shell"

    asyncio.run(scenario())


def test_read_only_changes_nothing(town_root, tmp_path):
    from textual.widgets import Button, Select

    async def scenario():
        app = make_app(town_root, tmp_path, read_only=True)
        async with app.run_test(size=(150, 45)) as pilot:
            view = app.query_one(ConfigView)
            await until(lambda: view.data is not None)
            assert app.query_one("#default-agent", Select).disabled
            assert app.query_one("#agent-save", Button).disabled
            app.query_one("#default-agent", Select).value = "shell"
            app.post_message(RunCommand("config set theme textual-light"))
            work = app.view.work[0] if app.view.work else None
            assert work is not None
            app.post_message(BeadChosen(work.id, work.rig))
            # A read command still runs (the Convoys panel's Enter).
            app.post_message(RunCommand(f"convoy show {app.view.convoys[0].id}"))
            await pilot.pause(1.0)
            shown = [n.message for n in app._notifications]
            assert any("read-only dashboard: gt config is off" in m for m in shown)
            assert any("read-only dashboard: sling is off" in m for m in shown)
            result = app.query_one("#result")
            await until(lambda: result.has_class("-shown"))
            assert "convoy show" in str(result.border_title)
            assert len(app.screen_stack) == 1  # no sling dialog opened

    asyncio.run(scenario())
    assert setting(town_root, "default_agent") == "demo"
    assert setting(town_root, "theme") == "gastown-dark"


def test_every_shipped_theme_reaches_wcag_aa_on_the_dashboard(town_root, tmp_path):
    """As in the app (tests/ui/test_contrast.py): text 4.5:1, borders and other graphics 3:1,
    in the frames the dashboard draws: each sidebar panel focused, a result, the Configuration
    and Review tabs."""
    from contrast import low_pairs
    from textual.widgets import TabbedContent

    from gastown_tui.ui.theme import SHIPPED_DIR, load_themes

    themes = sorted(t.name for t in load_themes([SHIPPED_DIR]).themes)

    async def scenario():
        app = make_app(town_root, tmp_path)
        low: dict[str, dict] = {theme: {} for theme in themes}
        async with app.run_test(size=(150, 45)) as pilot:
            await until(lambda: app.view.convoys and app.view.work)
            app.post_message(RunCommand(f"convoy show {app.view.convoys[0].id}"))
            await until(lambda: app.query_one("#result").has_class("-shown"))
            states = [(panel, None) for panel in ("agents", "convoys", "hooks", "mail", "work",
                                                   "review-panel")]
            for panel, tab in states + [("default-agent", "config"), ("theme", "config"),
                                        ("review-queue", "review")]:
                if tab is not None:
                    app.query_one(TabbedContent).active = tab
                    await pilot.pause()
                app.query_one(f"#{panel}").focus()
                for theme in themes:
                    app.theme = theme
                    await pilot.pause()
                    low_pairs(app, f"{tab or 'terminals'} tab, {panel} focused", low[theme])
        return {theme: sorted(str(x) for x in found.values()) for theme, found in low.items()}

    low = asyncio.run(scenario())
    assert {theme: pairs for theme, pairs in low.items() if pairs} == {}


def test_enter_zooms_an_agents_terminal_and_ctrl_b_leaves_it(live_town, tmp_path):
    from gastown_tui.ui.widgets.terminal import TerminalPane
    from gastown_tui.web.app import AgentsPanel

    async def scenario():
        app = make_app(live_town.root, tmp_path)
        async with app.run_test(size=(150, 45)) as pilot:
            grid = app.query_one("#grid")
            panel = app.query_one(AgentsPanel)
            await until(lambda: len(grid.panes) >= 2 and panel.highlighted_row is not None)
            assert isinstance(app.focused, AgentsPanel)
            # The cost column: these agents record nothing, so "-", never a guess.
            await until(lambda: all(r.cost == "-" for r in panel.rows))
            first = panel.highlighted_row.name
            await pilot.press("enter")
            await until(lambda: grid.zoomed == first)
            assert isinstance(app.focused, TerminalPane)
            assert app.focused.session_name == first
            await pilot.press("ctrl+b")
            assert isinstance(app.focused, AgentsPanel)
            await pilot.press("enter")  # the same agent again: back to the grid
            await until(lambda: grid.zoomed is None)
            await pilot.press("ctrl+b", "f2")
            assert app.query_one("#tabs").active == "config"

    asyncio.run(scenario())


def test_keys_typed_right_after_enter_on_an_agent_reach_its_terminal(live_town, tmp_path):
    """Type-ahead: Enter on an agent and the next keys arrive together (a busy machine, a
    fast typist). They go to the agent's program in order, not to the Agents panel, whose
    letters are actions."""
    from textual import events

    from gastown_tui.web.app import AgentsPanel
    from web_helpers import host_screen

    async def scenario():
        app = make_app(live_town.root, tmp_path)
        async with app.run_test(size=(150, 45)):
            panel = app.query_one(AgentsPanel)
            grid = app.query_one("#grid")
            await until(lambda: any(r.name == live_town.shell_agent for r in panel.rows)
                        and grid.pane(live_town.shell_agent) is not None)
            panel.highlighted = [r.name for r in panel.rows].index(live_town.shell_agent)
            await until(lambda: panel.highlighted_row.name == live_town.shell_agent)
            # All in the app's queue at once, before the panel has handled the Enter.
            for key, char in [("enter", "\r"), *((c, c) for c in "echo type-ahead"),
                              ("enter", "\r")]:
                app.post_message(events.Key(key, char))
            await until(lambda: "\ntype-ahead" in host_screen(live_town.root,
                                                             live_town.shell_agent),
                        timeout=20)
            assert app.focused is grid.pane(live_town.shell_agent)

    asyncio.run(scenario())


def test_restart_from_the_agents_panel_and_read_only_refusals(live_town, tmp_path):
    from gastown_tui.host.client import HostClient
    from gastown_tui.web.app import AgentsPanel

    def pid_of(name: str):
        rows = {r["name"]: r for r in HostClient(live_town.root).call("agents")}
        return rows[name]["pid"] if name in rows else None

    async def scenario(read_only: bool):
        app = make_app(live_town.root, tmp_path, read_only=read_only)
        async with app.run_test(size=(150, 45)) as pilot:
            panel = app.query_one(AgentsPanel)
            await until(lambda: panel.highlighted_row is not None)
            name = panel.highlighted_row.name
            before = pid_of(name)
            await pilot.press("R")
            if read_only:
                await pilot.pause(1.0)
                assert any("read-only dashboard: restart is off" in n.message
                           for n in app._notifications)
                assert pid_of(name) == before
                await pilot.press("enter", "x", "y")  # into the agent's terminal: refused
                await pilot.pause(0.3)
                told = [n.message for n in app._notifications
                        if "typing into terminals is off" in n.message]
                assert len(told) == 1
            else:
                await until(lambda: pid_of(name) not in (None, before), timeout=20)

    asyncio.run(scenario(read_only=True))
    asyncio.run(scenario(read_only=False))


def test_nudge_from_the_agents_panel_types_into_the_agent(live_town, tmp_path):
    from gastown_tui.town import find_town
    from gastown_tui.town.config import set_setting
    from gastown_tui.web.app import AgentsPanel
    from web_helpers import host_screen

    # A bare bash has no idle detection of its own: do not wait for it to look idle.
    set_setting(find_town(live_town.root, {}), "nudge_mode", "immediate")

    async def scenario():
        app = make_app(live_town.root, tmp_path)
        async with app.run_test(size=(150, 45)) as pilot:
            panel = app.query_one(AgentsPanel)
            await until(lambda: any(r.name == live_town.shell_agent for r in panel.rows))
            panel.highlighted = [r.name for r in panel.rows].index(live_town.shell_agent)
            await pilot.press("u")
            await until(lambda: len(app.screen_stack) == 2)
            await pilot.press(*"echo nudged", "enter")
            # bash ran it: its output is a line of its own, after the typed command.
            await until(lambda: "\nnudged" in host_screen(live_town.root,
                                                         live_town.shell_agent), timeout=20)

    asyncio.run(scenario())


def test_slinging_from_the_work_panel_starts_an_agent_the_grid_shows(live_town, tmp_path):
    from textual.widgets import Select

    from gastown_tui.host.client import HostClient
    from web_helpers import SHELL_AGENT

    async def scenario():
        app = make_app(live_town.root, tmp_path)
        async with app.run_test(size=(150, 45)) as pilot:
            grid = app.query_one("#grid")
            await until(lambda: app.live and app.view.work
                        and app.query_one(ConfigView).data is not None
                        and {p.session_name for p in grid.panes} == set(app.api.names()))
            bead = app.view.work[0]
            before = set(app.api.names())
            app.post_message(BeadChosen(bead.id, bead.rig))
            # The dialog is up once its agent select has drawn its current value.
            await until(lambda: len(app.screen_stack) == 2
                        and app.screen.query("#sling-agent #label"))
            app.screen.query_one("#sling-agent", Select).value = SHELL_AGENT
            await pilot.pause()
            app.screen.action_submit()
            await until(lambda: set(app.api.names()) - before, timeout=40)
            (name,) = set(app.api.names()) - before
            await until(lambda: grid.pane(name) is not None)
            return name, bead.id

    name, bead = asyncio.run(scenario())
    rows = {r["name"]: r for r in HostClient(live_town.root).call("agents")}
    assert rows[name]["hook"] == bead and rows[name]["agent"] == SHELL_AGENT


def test_the_sling_dialog_offers_the_agent_the_rig_would_start(town_root, tmp_path):
    """The rig's own `agent` setting wins over the town's default agent, as in `gt sling`."""
    from textual.widgets import Select

    from gastown_tui.town import find_town
    from gastown_tui.town.config import set_setting

    set_setting(find_town(town_root, {}), "agent", "shell", rig="sample")

    async def scenario():
        app = make_app(town_root, tmp_path)
        async with app.run_test(size=(150, 45)):
            await until(lambda: app.view.work)
            bead = app.view.work[0]
            app.post_message(BeadChosen(bead.id, bead.rig))
            await until(lambda: len(app.screen_stack) == 2
                        and app.screen.query("#sling-agent #label"))
            agent = app.screen.query_one("#sling-agent", Select)
            await until(lambda: agent.value is not Select.NULL)  # set once it has mounted
            assert agent.value == "shell"
            # The dashboard keeps polling under the dialog.
            await asyncio.sleep(1.5)
            app.screen.action_cancel()
            await until(lambda: len(app.screen_stack) == 1)

    asyncio.run(scenario())


def test_host_stopping_and_starting_again_under_an_open_dashboard(town_root, tmp_path):
    from web_helpers import end, sling, start_host

    async def scenario():
        host = start_host(town_root)
        app = make_app(town_root, tmp_path)
        async with app.run_test(size=(150, 45)):
            await until(lambda: app.live and app.view.work)
            issue = app.view.work[0]
            name = await asyncio.to_thread(sling, town_root, issue.id, "demo")
            grid = app.query_one("#grid")
            await until(lambda: grid.pane(name) is not None)
            assert not app.query_one("#banner").display
            await asyncio.to_thread(end, host, 20)
            await until(lambda: app.query_one("#banner").display and not grid.panes)
            assert "gt up --headless" in str(app.query_one("#banner").render())
            host = start_host(town_root)  # resumes the suspended hook
            try:
                await until(lambda: grid.pane(name) is not None, timeout=20)
                assert not app.query_one("#banner").display
            finally:
                await asyncio.to_thread(end, host, 20)

    asyncio.run(scenario())
