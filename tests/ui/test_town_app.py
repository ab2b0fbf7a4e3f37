"""The app on a real town (git rig, SQLite ledgers, the demo agent), most tests with the host in
the app (--embedded, no other process): slinging from the keyboard into a live pane, the command
bar, the needs-me jump; and attached to a host that outlives it."""

from __future__ import annotations

import subprocess
import tempfile

from ui_helpers import follow_slings, post_keys, rendered, until

from gastown_tui.ui.app import AppOptions, GastownApp
from gastown_tui.ui.screens.sling import SlingScreen
from gastown_tui.ui.widgets.result import ResultView
from gastown_tui.ui.widgets.terminal import TerminalPane


def town_app(town_root, environ) -> GastownApp:
    return GastownApp(AppOptions(town_root=town_root, environ=environ, poll_seconds=0.5,
                                embedded=True))


async def open_sling_modal(app, pilot):
    """Wait for ready work, focus the Work panel, press s: the sling modal; the Work panel."""
    work = app.main.query_one("#work")
    await until(pilot, lambda: work.rows, what="ready work")
    work.focus()
    await pilot.pause()
    await pilot.press("s")
    await until(pilot, lambda: isinstance(app.screen, SlingScreen), what="sling modal")
    return work


async def test_sling_from_the_keyboard_ends_in_a_live_focused_pane(town_root, environ):
    from gastown_tui.town import find_town
    from gastown_tui.town.hooks import all_hooks

    follow_slings(town_root)
    app = town_app(town_root, environ)
    async with app.run_test(size=(180, 50)) as pilot:
        work = await open_sling_modal(app, pilot)
        bead = work.rows[0]
        assert app.screen.query_one("#sling-rig").value == "demo"
        assert app.screen.query_one("#sling-agent").value == "demo"
        await pilot.press("enter")
        pane = await until(pilot, lambda: isinstance(app.focused, TerminalPane) and app.focused,
                           timeout=20, what="the new agent's pane to take focus")
        assert pane.session_name.startswith("demo/")
        await until(pilot, lambda: bead.id in "\n".join(pane.screen_model.text_lines()),
                    timeout=20, what="the agent to show its hook")
        town = find_town(town_root, {})
        hooked = [h for h in all_hooks(town) if h.issue == bead.id]
        assert hooked and hooked[0].session == pane.session_name
        # The agent finishes: its mail to the overseer shows up with a toast.
        await until(pilot, lambda: app.view.unread, timeout=30, what="mail to the overseer")
        assert any(n.title == "mail" for n in app._notifications) or "✉" in rendered(app)
        await app.stop_town()


async def test_keys_typed_right_after_the_sling_reach_the_new_agent(town_root, environ):
    """Enter in the sling modal, then at once the first words for the agent: they wait for
    its pane, then reach it in order. In Work, s would sling again, space select, t pick a
    theme, w show what needs you. An Enter the modal refuses holds nothing back."""
    environ = dict(environ, GT_DEMO_STEP_SECONDS="30")  # the agent stays at its prompt
    follow_slings(town_root)
    app = town_app(town_root, environ)
    async with app.run_test(size=(180, 50)) as pilot:
        work = await open_sling_modal(app, pilot)
        rig = app.screen.query_one("#sling-rig")
        rig.value = ""
        post_keys(app, "\rdemo")
        await until(pilot, lambda: rig.value == "demo", timeout=5, what="the keys in the form")
        assert any("a bead and a rig" in n.message for n in app._notifications)
        post_keys(app, "\rsling tests, then wait\r")
        pane = await until(pilot, lambda: isinstance(app.focused, TerminalPane) and app.focused,
                           timeout=20, what="the new agent's pane to take focus")
        await until(pilot, lambda: "you: sling tests, then wait"
                    in "\n".join(pane.screen_model.text_lines()), timeout=20,
                    what="the words typed into the agent")
        assert app.screen is app.main and len(app.main.grid.panes) == 1
        assert not work.selected
        await app.stop_town()


async def test_the_sling_modal_slings_from_any_field_and_the_focus_stays(town_root, environ):
    """Enter slings from the agent field too; an agent not installed is marked and not the
    default; the focus stays in Work (sling_focus = stay, the default); a single sling's own
    "Work: <title>" convoy stays out of the Convoys panel, a named one is listed."""
    from gastown_tui.town import find_town
    from gastown_tui.town.config import set_agent, set_setting
    from gastown_tui.town.convoys import list_convoys

    town = find_town(town_root, {})
    set_agent(town, "ghost", "no-such-agent-program --yolo")
    set_setting(town, "default_agent", "ghost", environ=environ)
    environ = dict(environ, GT_DEMO_STEP_SECONDS="30")
    app = town_app(town_root, environ)
    async with app.run_test(size=(180, 50)) as pilot:
        work = await open_sling_modal(app, pilot)
        second = work.rows[1].id
        agent = app.screen.query_one("#sling-agent")
        labels = dict((value, str(label)) for label, value in agent._options)
        assert labels["ghost"] == "ghost  (not installed)"
        assert agent.value not in (None, "ghost") and "not installed" not in labels[agent.value]
        agent.value = "demo"
        agent.focus()
        await pilot.pause()
        await pilot.press("enter")  # on the agent field: slings, does not open its list
        await until(pilot, lambda: app.screen is app.main, what="the modal to close")
        assert app.focused is work
        await until(pilot, lambda: len(app.main.grid.panes) == 1, timeout=20, what="its pane")
        await pilot.pause(0.5)
        assert app.focused is work  # it stayed where the person was
        await until(pilot, lambda: len(work.rows) == 1, timeout=10, what="Work to refresh")
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, SlingScreen), what="sling modal")
        assert app.screen.query_one("#sling-beads").value == second
        app.screen.query_one("#sling-agent").value = "demo"
        app.screen.query_one("#sling-convoy").value = "Docs"
        await pilot.press("enter")
        await until(pilot, lambda: len(app.main.grid.panes) == 2, timeout=20, what="2 panes")
        convoys = list_convoys(find_town(town_root, {}), include_closed=True)
        assert sorted(c.title for c in convoys) == ["Docs", "Work: Add login form"]
        panel = app.main.query_one("#convoys")
        await until(pilot, lambda: [r.title for r in panel.rows] == ["Docs"], timeout=10,
                    what="only the named convoy in the panel")
        assert panel.border_title == "Convoys 1" and "· 1 convoy " in rendered(app)
        await app.stop_town()


async def test_sling_selected_beads_under_a_new_convoy(town_root, environ):
    from gastown_tui.town import find_town
    from gastown_tui.town.convoys import list_convoys

    app = town_app(town_root, environ)
    async with app.run_test(size=(180, 50)) as pilot:
        work = app.main.query_one("#work")
        await until(pilot, lambda: len(work.rows) == 2, what="two ready beads")
        work.focus()
        await pilot.press("space", "down", "space", "S")
        await until(pilot, lambda: isinstance(app.screen, SlingScreen), what="sling modal")
        convoy = app.screen.query_one("#sling-convoy")
        convoy.value = "Login and docs"
        await pilot.press("enter")
        await until(pilot, lambda: len(app.main.grid.panes) == 2, timeout=30,
                    what="two agent panes")
        convoys = list_convoys(find_town(town_root, {}), include_closed=True)
        ours = [c for c in convoys if c.title == "Login and docs"]
        assert ours and ours[0].total == 2
        assert not any(c.title.startswith("Work: ") for c in convoys)
        await app.stop_town()


async def test_work_past_max_polecats_waits_in_the_hooks_panel_then_starts(town_root,
                                                                            environ):
    from gastown_tui.town import find_town
    from gastown_tui.town.config import set_setting

    set_setting(find_town(town_root, {}), "max_polecats", "1")
    app = town_app(town_root, environ)
    async with app.run_test(size=(180, 50)) as pilot:
        work = app.main.query_one("#work")
        await until(pilot, lambda: len(work.rows) == 2, what="two ready beads")
        second = work.rows[1].id
        work.focus()
        await pilot.press("space", "down", "space", "S")
        await until(pilot, lambda: isinstance(app.screen, SlingScreen), what="sling modal")
        await pilot.press("enter")
        await until(pilot, lambda: any(f"Queued {second}" in n.message
                                       for n in app._notifications), timeout=30,
                    what="the sling to say the second bead is queued")
        hooks = app.main.query_one("#hooks")
        await until(pilot, lambda: hooks.border_title == "Hooks 1 · 1 queued", timeout=10,
                    what="the queue in the Hooks panel")
        assert f"… demo/queue#1 {second}" in rendered(app)
        # the first agent finishes; its place goes to the queued bead, which gets a pane
        await until(pilot, lambda: any(r.bead == second and r.state != "queued"
                                       for r in hooks.rows), timeout=40,
                    what="the queued bead to start")
        assert "queued" not in hooks.border_title
        await app.stop_town()


async def test_command_bar_runs_the_registry_with_completion(town_root, environ):
    app = town_app(town_root, environ)
    async with app.run_test(size=(160, 45)) as pilot:
        await until(pilot, lambda: app.mux is not None, what="the host")
        await pilot.press("colon")
        bar_input = app.main.query_one("#command-input")
        assert app.focused is bar_input
        await pilot.press("c", "o", "n", "v", "tab")
        assert bar_input.value == "convoy "
        # The bar sits just above the status line, and what is typed shows.
        assert rendered(app).splitlines()[-2].strip() == "convoy"
        await pilot.press("l", "tab")
        assert bar_input.value == "convoy list "
        await pilot.press("enter")
        result = app.main.query_one(ResultView)
        await until(pilot, lambda: result.has_class("-shown"), what="the result")
        assert "gt convoy list" in str(result.border_title)
        await pilot.press("escape")
        assert not result.has_class("-shown")
        await pilot.press("colon", *"convoy frobnicate", "enter")
        await until(pilot, lambda: result.has_class("-error"), what="an error")
        text = rendered(app)
        assert "error:" in text and "Traceback" not in text
        await pilot.press("escape", "colon", "up")
        assert bar_input.value == "convoy frobnicate"
        # After a word that is no command, tab offers nothing (not the commands again).
        completions = app.main.query_one("#completions")
        await pilot.press("ctrl+u", *"convoy", "space", "tab")
        assert completions.has_class("-shown") and completions.option_count == 6
        await pilot.press("escape", "colon", *"show", "space", "tab")
        assert not completions.has_class("-shown") and bar_input.value == "show "
        await pilot.press("space", "tab")
        assert not completions.has_class("-shown") and bar_input.value == "show  "
        await pilot.press("escape")
        await app.stop_town()


async def test_the_command_bar_runs_and_completes_bd_commands_too(town_root, environ):
    app = town_app(town_root, environ)
    async with app.run_test(size=(160, 45)) as pilot:
        await until(pilot, lambda: app.mux is not None, what="the host")
        await pilot.press("colon", *"bd rea", "tab")
        bar_input = app.main.query_one("#command-input")
        assert bar_input.value == "bd ready "
        await pilot.press("enter")
        result = app.main.query_one(ResultView)
        await until(pilot, lambda: result.has_class("-shown"), what="the result")
        assert str(result.border_title) == "bd ready" and not result.has_class("-error")
        assert "Add login form" in rendered(app)
        await pilot.press("escape", "colon", *"gt convoy list", "enter")
        await until(pilot, lambda: result.has_class("-shown"), what="the result")
        assert str(result.border_title) == "gt convoy list"
        await app.stop_town()


async def test_a_refresh_under_way_when_the_screens_close_stops_cleanly(town_root, environ):
    """A test that times out leaves `async with` without quitting: Textual closes the screens
    while a sidebar refresh may still be reading the town. That refresh must end quietly, so
    the test fails with its own error, not the refresh's."""
    import threading
    import time

    import pytest
    from textual import events

    from gastown_tui.ui.widgets.panels import WorkPanel

    app = town_app(town_root, environ)
    release = threading.Event()

    def hook(message) -> None:
        # The town's read finishes once the sidebar's panels are being taken down.
        if isinstance(message, events.Unmount) and isinstance(message._sender, WorkPanel):
            release.set()
            time.sleep(0.5)

    with pytest.raises(AssertionError, match="timed out waiting for nothing"):
        async with app.run_test(size=(160, 45), message_hook=hook) as pilot:
            await until(pilot, lambda: app.main.query_one("#work").rows, what="ready work")
            app.reader._pool.submit(release.wait, 10)  # the reader's one thread is busy
            app.refresh_view()
            await until(pilot, lambda: False, timeout=0.1, what="nothing")
    assert release.is_set()


async def test_needs_me_badge_and_jump_to_the_mail(town_root, environ):
    from gastown_tui.town import find_town
    from gastown_tui.town.mail import send_mail

    send_mail(find_town(town_root, {}), "demo/polecats/nux", "overseer", "Which database?",
              "Postgres or SQLite?")
    app = town_app(town_root, environ)
    async with app.run_test(size=(160, 45)) as pilot:
        await until(pilot, lambda: app.view.unread == 1, what="the unread mail")
        assert "1 needs you" in rendered(app)
        await pilot.press("w")
        await until(pilot, lambda: type(app.screen).__name__ == "NeedsMeScreen", what="view")
        assert "Which database?" in rendered(app)
        await pilot.press("enter")
        result = app.main.query_one(ResultView)
        await until(pilot, lambda: result.has_class("-shown"), what="the mail")
        assert "Postgres or SQLite?" in rendered(app)
        await until(pilot, lambda: app.view.unread == 0, what="the mail to be read")
        await app.stop_town()


async def test_the_app_attaches_to_a_running_host_and_leaves_it_running(town_root, environ):
    """`gt` with a headless host running attaches to it: the agent it runs shows in a pane,
    same process, nothing restarted; detaching leaves it running, its hook active."""
    from gastown_tui.host.api import Agents, Sling
    from gastown_tui.host.client import HostClient
    from gastown_tui.host.headless import start_detached, stop
    from gastown_tui.host.runtime import host_running
    from gastown_tui.town import find_town
    from gastown_tui.town.hooks import all_hooks
    from gastown_tui.ui.app import DETACHED

    environ = dict(environ, GT_DEMO_STEP_SECONDS="30")  # the agent stays busy on its hook
    start_detached(town_root, environ)
    bead = find_town(town_root, {}).rig("demo").ledger().ready()[0].id
    [slung] = HostClient(town_root, timeout=60).request(Sling([bead], "demo", "demo",
                                                              no_convoy=True))
    name = f"demo/{slung.polecat}"
    app = GastownApp(AppOptions(town_root=town_root, environ=environ, poll_seconds=0.5))
    async with app.run_test(size=(160, 45)) as pilot:
        pane = await until(pilot, lambda: app.main.grid.pane(name), timeout=20,
                           what="the running agent's pane")
        assert app.attached and app.host is None and host_running(town_root).mode == "detached"
        await until(pilot, lambda: f"demo agent · demo/polecats/{slung.polecat}" in "\n".join(
            pane.screen_model.text_lines()), timeout=20, what="the agent's screen, mirrored")
        await until(pilot, lambda: [r.name for r in app.main.query_one("#agents").rows]
                    == [name], what="its row")
        await app.detach_app()
        assert list(app._exit_renderables) == [DETACHED]
    hooks = [h for h in all_hooks(find_town(town_root, {})) if h.issue == bead]
    assert hooks[0].state == "active" and hooks[0].pid == slung.pid
    rows = HostClient(town_root).request(Agents())
    assert [(r.name, r.pid) for r in rows] == [(name, slung.pid)]
    stop(town_root)

async def test_a_host_that_dies_under_the_app_can_be_started_again(town_root, environ):
    """kill -9 of the host: a banner in the attached app says so and names the key that
    starts it again, while the panels stay usable (no question in the way); the new host
    resumes the hook, the app shows the agent again and the banner goes."""
    import os
    import signal

    from gastown_tui.host.runtime import host_running
    from gastown_tui.town import find_town
    from gastown_tui.town.hooks import all_hooks

    follow_slings(town_root)
    environ = dict(environ, GT_DEMO_STEP_SECONDS="30")
    app = GastownApp(AppOptions(town_root=town_root, environ=environ, poll_seconds=0.5))
    async with app.run_test(size=(160, 45)) as pilot:
        await open_sling_modal(app, pilot)
        await pilot.press("enter")
        pane = await until(pilot, lambda: isinstance(app.focused, TerminalPane) and app.focused,
                           timeout=20, what="the agent's pane")
        name, first = pane.session_name, host_running(town_root).pid
        banner = app.main.banner
        assert not banner.display
        await until(pilot, lambda: any(pane.screen_model.text_lines()), timeout=20,
                    what="the agent's screen")
        os.kill(first, signal.SIGKILL)
        await until(pilot, lambda: banner.display and "stopped unexpectedly" in rendered(app)
                    and "C-b R restarts it" in " ".join(rendered(app).split()), timeout=15,
                    what="the banner naming the key that restarts the host")
        assert app.screen is app.main and app.host_down
        # Still usable: the panels take keys, and the pane keeps the agent's last screen.
        await pilot.press("ctrl+b", "s")
        assert app.focused.parent.id == "sidebar"
        assert app.main.grid.pane(name) is pane and any(pane.screen_model.text_lines())
        await pilot.press("ctrl+b", "R")
        await until(pilot, lambda: not app.host_down and app.main.grid.pane(name),
                    timeout=30, what="the agent back in its pane")
        assert not banner.display
        assert host_running(town_root).pid not in (None, first)
        hooks = [h for h in all_hooks(find_town(town_root, {})) if h.session == name]
        assert hooks[0].state == "active"
        await app.stop_town()


async def test_the_banner_goes_when_another_client_starts_the_host(town_root, environ):
    """The host dies under two attached apps; one starts it again: the other attaches to the
    new host by itself and its banner goes."""
    import os
    import signal

    from gastown_tui.host.headless import start_detached
    from gastown_tui.host.runtime import host_running

    environ = dict(environ, GT_DEMO_STEP_SECONDS="30")
    start_detached(town_root, environ)
    first = host_running(town_root).pid
    app = GastownApp(AppOptions(town_root=town_root, environ=environ, poll_seconds=0.2))
    async with app.run_test(size=(160, 45)) as pilot:
        await until(pilot, lambda: app.api is not None and app.attached, timeout=20,
                    what="attached")
        os.kill(first, signal.SIGKILL)
        await until(pilot, lambda: app.main.banner.display, timeout=15, what="the banner")
        start_detached(town_root, environ)  # as another `gt` does
        await until(pilot, lambda: not app.host_down, timeout=15, what="attached again")
        assert not app.main.banner.display
        assert host_running(town_root).pid not in (None, first)
        await app.stop_town()


async def test_agent_actions_from_the_keyboard_suspend_resume_and_peek(town_root, environ):
    from gastown_tui.town import find_town
    from gastown_tui.town.hooks import all_hooks

    follow_slings(town_root)
    environ = dict(environ, GT_DEMO_STEP_SECONDS="30")  # the agent stays on its hook
    app = town_app(town_root, environ)
    async with app.run_test(size=(180, 50)) as pilot:
        await open_sling_modal(app, pilot)
        await pilot.press("enter")
        pane = await until(pilot, lambda: isinstance(app.focused, TerminalPane) and app.focused,
                           timeout=20, what="the agent's pane")
        name = pane.session_name
        agents = app.main.query_one("#agents")
        await until(pilot, lambda: agents.rows, what="the agent row")
        agents.focus()
        await pilot.press("v")
        result = app.main.query_one(ResultView)
        await until(pilot, lambda: result.has_class("-shown"), timeout=10, what="peek")
        assert "gt peek" in str(result.border_title) and not result.has_class("-error")
        await pilot.press("escape")
        # Back where the person was: the next key is the sidebar's, not typed into a pane.
        assert app.focused is agents
        await pilot.press("x")

        def hook_state():
            hooks = [h for h in all_hooks(find_town(town_root, {})) if h.session == name]
            return hooks[0].state if hooks else None

        await until(pilot, lambda: hook_state() == "suspended", timeout=15, what="suspended")
        await until(pilot, lambda: app.main.grid.pane(name) is None, what="the pane to go")
        hooks = app.main.query_one("#hooks")
        await until(pilot, lambda: any(r.state == "suspended" for r in hooks.rows),
                    what="the suspended hook row")
        # The parked agent stays in Agents, so the same key resumes it.
        await until(pilot, lambda: [(r.name, r.state) for r in agents.rows]
                    == [(name, "suspended")], what="the parked agent's row")
        assert app.focused is agents
        await pilot.press("x")
        await until(pilot, lambda: hook_state() == "active", timeout=15, what="resumed")
        await until(pilot, lambda: app.main.grid.pane(name) is not None, what="pane again")
        await until(pilot, lambda: [(r.agent, r.state) for r in hooks.rows]
                    == [(name, "active")], what="the active hook row")
        hooks.focus()
        await pilot.press("x")
        await until(pilot, lambda: hook_state() == "suspended", timeout=15,
                    what="suspended from Hooks")
        await until(pilot, lambda: [(r.agent, r.state) for r in hooks.rows]
                    == [(name, "suspended")], what="the hook row suspended")
        await pilot.press("x")
        await until(pilot, lambda: hook_state() == "active", timeout=15,
                    what="resumed from Hooks")
        await app.stop_town()
    assert hook_state() == "suspended"


async def test_the_palette_runs_registry_commands_or_fills_the_bar(town_root, environ):
    """A command that needs no arguments runs when picked; one that does fills the bar."""
    from textual.command import CommandPalette

    app = town_app(town_root, environ)
    async with app.run_test(size=(160, 45)) as pilot:
        await until(pilot, lambda: app.mux is not None, what="the host")
        app.main.focus_sidebar()
        await pilot.press("ctrl+b", "space")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
        await pilot.press(*"bd ready")
        await until(pilot, lambda: "bd ready" in rendered(app), what="the command")
        await pilot.press("enter")
        result = app.main.query_one(ResultView)
        await until(pilot, lambda: result.has_class("-shown"), what="the result")
        assert "Add login form" in rendered(app)
        await pilot.press("escape", "ctrl+b", "space")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
        await pilot.press(*"mail send")
        await until(pilot, lambda: "gt mail send" in rendered(app), what="the command")
        await pilot.press("enter")
        bar_input = app.main.query_one("#command-input")
        await until(pilot, lambda: bar_input.value == "mail send ", what="the bar filled")
        await app.stop_town()


async def test_theme_picker_previews_and_saves_the_choice(town_root, environ):
    from gastown_tui.town import find_town

    app = town_app(town_root, environ)
    async with app.run_test(size=(160, 45)) as pilot:
        await until(pilot, lambda: app.mux is not None, what="the host")
        await pilot.press("ctrl+b", "t")
        await until(pilot, lambda: type(app.screen).__name__ == "ThemeScreen", what="picker")
        names = app.screen.names
        target = names.index("gastown-light")
        current = names.index(app.theme)
        await pilot.press(*(["down"] * (target - current) if target > current
                            else ["up"] * (current - target)))
        assert app.theme == "gastown-light"  # previewed while moving
        await pilot.press("enter")
        await until(pilot, lambda: find_town(town_root, {}).config().get("theme")
                    == "gastown-light", what="the setting saved")
        await pilot.press("ctrl+b", "t")
        await until(pilot, lambda: type(app.screen).__name__ == "ThemeScreen", what="picker")
        await pilot.press("down", "escape")
        assert app.theme == "gastown-light"  # escape restores
        await app.stop_town()


async def test_command_bar_completes_bead_ids_and_rigs(town_root, environ):
    from gastown_tui.town import find_town

    # A polecat's agent bead (the ledger's record of the agent) is no work to sling.
    agent_bead = find_town(town_root, {}).rig("demo").ledger().create(
        "polecat nux", issue_type="agent").id
    app = town_app(town_root, environ)
    async with app.run_test(size=(160, 45)) as pilot:
        await until(pilot, lambda: app.main.query_one("#work").rows, what="ready work")
        ready = [r.id for r in app.main.query_one("#work").rows]
        await pilot.press("colon", *"sling ", "tab")
        options = app.main.query_one("#completions")
        assert options.has_class("-shown")
        shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert all(any(s.startswith(bead) for s in shown) for bead in ready)
        assert any(s.startswith("demo") for s in shown)
        assert not any(s.startswith(agent_bead) for s in shown)
        await pilot.press("tab")  # takes the highlighted one
        assert app.main.query_one("#command-input").value.split()[1] in ready
        await pilot.press("escape")
        await app.stop_town()


async def test_a_second_app_attaches_to_the_first_ones_host(town_root, environ):
    """An app running the town itself (--embedded) serves the others as any host does: a second
    app attaches, sees its agent and can type into it; a second embedded one is refused."""
    from gastown_tui.ui.widgets.terminal import TerminalPane

    follow_slings(town_root)
    environ = dict(environ, GT_DEMO_STEP_SECONDS="30")
    first = town_app(town_root, environ)
    async with first.run_test(size=(160, 45)) as pilot:
        await until(pilot, lambda: first.host is not None, what="the first app's host")
        refused = town_app(town_root, environ)
        async with refused.run_test(size=(160, 45)) as pilot2:
            await until(pilot2, lambda: refused.failure, what="a second host to be refused")
        assert "a host already runs this town" in refused.failure and refused.host is None
        await open_sling_modal(first, pilot)
        await pilot.press("enter")
        pane = await until(pilot, lambda: isinstance(first.focused, TerminalPane)
                           and first.focused, timeout=20, what="the agent's pane")
        second = GastownApp(AppOptions(town_root=town_root, environ=environ, poll_seconds=0.5))
        async with second.run_test(size=(160, 45)) as pilot2:
            other = await until(pilot2, lambda: second.main.grid.pane(pane.session_name),
                                timeout=20, what="the agent in the second app")
            second.main.focus_pane(pane.session_name)
            await pilot2.press(*"from two", "enter")
            await until(pilot2, lambda: "you: from two" in "\n".join(
                pane.screen_model.text_lines()), timeout=20, what="the words in the agent")
            await until(pilot2, lambda: "you: from two" in "\n".join(
                other.screen_model.text_lines()), timeout=20, what="the echo in the second")
            await second.detach_app()
        assert first.host is not None and first.host.session(pane.session_name).alive
        await first.stop_town()


async def test_gt_down_from_elsewhere_ends_the_app_and_keeps_the_work(town_root, environ):
    import asyncio

    from gastown_tui.host.client import HostClient
    from gastown_tui.town import find_town
    from gastown_tui.town.hooks import all_hooks
    from gastown_tui.ui.app import HOST_STOPPED

    environ = dict(environ, GT_DEMO_STEP_SECONDS="30")
    app = town_app(town_root, environ)
    async with app.run_test(size=(160, 45)) as pilot:
        await until(pilot, lambda: app.host is not None, what="the app's host")
        bead = find_town(town_root, {}).rig("demo").ledger().ready()[0].id
        await pilot.press("colon", *f"sling {bead} demo --no-convoy", "enter")
        await until(pilot, lambda: app.main.grid.panes, timeout=20, what="the agent's pane")
        # Another shell runs `gt down`: the host suspends the hook and the app ends.
        await asyncio.get_running_loop().run_in_executor(
            None, lambda: HostClient(town_root, timeout=30).call("shutdown"))
        said = await until(pilot, lambda: list(app._exit_renderables), timeout=20,
                           what="the app to end with a message")
        assert said == [HOST_STOPPED] and app.host is None
    hooks = [h for h in all_hooks(find_town(town_root, {})) if h.issue == bead]
    assert hooks[0].state == "suspended"


def test_commands_from_inside_the_app_never_open_a_second_app(town_root, environ, tmp_path,
                                                             monkeypatch):
    from gastown_tui.commands.core import Env
    from gastown_tui.commands.gt import run
    from gastown_tui.commands.calls import IN_APP

    env = Env(cwd=town_root, environ=dict(environ, **{IN_APP: "1"}))
    result = run("app", env)
    assert result.exit_code == 1 and "this is the app already" in result.error
    result = run(f"demo {tmp_path / 'demo'}", env)
    assert result.exit_code == 1 and "demo --headless" in result.error
    assert not (tmp_path / "demo").exists()  # nothing half-made
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    result = run("demo", env)  # no PATH: not even an empty temporary folder is left
    assert result.exit_code == 1 and "demo --headless" in result.error
    assert list(temp.iterdir()) == []


def test_gt_demo_without_a_terminal_says_so_and_makes_nothing(environ, tmp_path):
    temp = tmp_path / "tmp"
    temp.mkdir()
    out = subprocess.run(["gt", "demo"], stdin=subprocess.DEVNULL, capture_output=True,
                         text=True, env=dict(environ, TMPDIR=str(temp)), timeout=60)
    assert out.returncode == 1 and "needs a terminal" in out.stderr
    assert "gt demo --headless" in out.stderr and "Traceback" not in out.stderr
    assert list(temp.iterdir()) == []


def test_a_sling_request_says_what_it_does_in_gt_words():
    from gastown_tui.ui.screens.sling import SlingRequest

    assert SlingRequest(("dm-1",), "demo", "claude").command() == "sling dm-1 demo --agent claude"
    assert SlingRequest(("dm-1", "dm-2"), "demo", "", "Login and docs").command() == \
        "sling dm-1 dm-2 demo (convoy 'Login and docs')"


async def test_a_failed_convoy_sling_makes_no_convoy(town_root, environ):
    from gastown_tui.town import find_town
    from gastown_tui.town.convoys import list_convoys

    app = town_app(town_root, environ)
    async with app.run_test(size=(180, 50)) as pilot:
        work = app.main.query_one("#work")
        await until(pilot, lambda: len(work.rows) == 2, what="two ready beads")
        work.focus()
        await pilot.press("space", "down", "space", "S")
        await until(pilot, lambda: isinstance(app.screen, SlingScreen), what="sling modal")
        app.screen.query_one("#sling-rig").value = "no-such-rig"
        await pilot.press("enter")
        result = app.main.query_one(ResultView)
        await until(pilot, lambda: result.has_class("-error"), timeout=20, what="the error")
        assert "Traceback" not in rendered(app)
        await app.stop_town()
    assert list_convoys(find_town(town_root, {}), include_closed=True) == []
    assert len(find_town(town_root, {}).rig("demo").ledger().ready()) == 2


async def test_mayor_attach_in_the_command_bar_focuses_the_mayors_pane(town_root, environ):
    app = town_app(town_root, environ)
    async with app.run_test(size=(160, 45)) as pilot:
        await until(pilot, lambda: app.host is not None, what="the host")
        app.main.focus_sidebar()
        await pilot.press("colon", *"mayor attach", "enter")
        # The Mayor starts in this app's host and its pane takes the focus, ready for typing.
        pane = await until(pilot, lambda: app.main.grid.pane("mayor"), timeout=20,
                           what="the Mayor's pane")
        await until(pilot, lambda: app.focused is pane, what="the focus on it")
        assert "no terminal" not in rendered(app)
        app.main.focus_sidebar()
        await pilot.press("colon", *"mayor attach", "enter")  # again: just back to it
        await until(pilot, lambda: app.focused is pane, what="the focus back on it")
        # Words typed right after the Enter wait for the pane, not for the sidebar (where R
        # restarts and x suspends): the Mayor gets them, in order.
        app.main.focus_sidebar()
        await pilot.press("colon", *"mayor attach")
        post_keys(app, "\rsort the work\r")
        await until(pilot, lambda: "you: sort the work" in "\n".join(
            pane.screen_model.text_lines()), timeout=20, what="the words in the Mayor's pane")
        assert app.focused is pane
        await app.stop_town()


async def test_a_new_agents_hook_line_names_its_bead_from_the_first_frame(town_root, environ):
    """The pane's `Hook:` line, the Hooks panel and the Agents panel say the same bead from the
    start (the demo agent takes its time over `gt prime`, as real agents do)."""
    environ = dict(environ, GT_DEMO_STEP_SECONDS="5")
    app = town_app(town_root, environ)
    async with app.run_test(size=(180, 50)) as pilot:
        work = await open_sling_modal(app, pilot)
        bead = work.rows[0].id
        await pilot.press("enter")
        pane = await until(pilot, lambda: app.main.grid.panes and app.main.grid.panes[0],
                           timeout=20, what="the agent's pane")

        def hook_line() -> str:
            return next((line for line in pane.screen_model.text_lines() if "Hook:" in line),
                        "")

        line = await until(pilot, hook_line, timeout=20, what="the agent's first frame")
        assert bead in line and "(empty)" not in line, line
        hooks = app.main.query_one("#hooks")
        await until(pilot, lambda: any(r.bead == bead for r in hooks.rows), timeout=10,
                    what="the Hooks panel")
        await until(pilot, lambda: app.view.agents and app.view.agents[0].bead == bead,
                    timeout=10, what="the Agents panel")
        await app.stop_town()


async def test_the_mail_panel_replies_marks_read_archives_and_says_when(town_root, environ):
    from gastown_tui.town import find_town, send_mail
    from gastown_tui.town.mail import inbox
    from gastown_tui.ui.screens.prompt import PromptScreen

    town = find_town(town_root, {})
    send_mail(town, "mayor/", "overseer", "Which store?", "Redis or SQLite?")
    send_mail(town, "mayor/", "overseer", "Old news", "ignore")
    app = town_app(town_root, environ)
    async with app.run_test(size=(160, 45)) as pilot:
        mail = app.main.query_one("#mail")
        await until(pilot, lambda: len(mail.rows) == 2, what="the mail")
        assert "│●  now mayor/ Old news" in rendered(app)  # newest first, how long ago
        mail.focus()
        await pilot.press("m")  # mark read
        await until(pilot, lambda: not mail.rows[0].unread, what="marked read")
        await pilot.press("m")
        await until(pilot, lambda: mail.rows[0].unread, what="marked unread again")
        await pilot.press("a")  # archive: out of the panel
        await until(pilot, lambda: [r.subject for r in mail.rows] == ["Which store?"],
                    what="archived")
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="the reply box")
        assert "Reply to mayor/: Which store?" in rendered(app)
        await pilot.press(*"SQLite", "enter")
        await until(pilot, lambda: any(m.subject == "Re: Which store?"
                                       for m in inbox(find_town(town_root, {}), "mayor/")),
                    what="the reply in the Mayor's inbox")
        mail.focus()
        await pilot.press("enter")
        result = app.main.query_one(ResultView)
        await until(pilot, lambda: result.has_class("-shown"), what="the letter")
        assert "Date:    just now (" in rendered(app) and "+00:00" not in rendered(app)
        await app.stop_town()
