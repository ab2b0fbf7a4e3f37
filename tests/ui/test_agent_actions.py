"""Agent actions from the Agents panel on a real town with the demo agent: nudge (typed into
the live pane and submitted), restart and handoff (a fresh session on the same hook), stop (the
hook is suspended, its work kept)."""

from __future__ import annotations

from ui_helpers import follow_slings, until

from gastown_tui.ui.app import AppOptions, GastownApp
from gastown_tui.ui.screens.prompt import PromptScreen
from gastown_tui.ui.screens.sling import SlingScreen
from gastown_tui.ui.widgets.terminal import TerminalPane


async def sling_one(app, pilot) -> TerminalPane:
    work = app.main.query_one("#work")
    await until(pilot, lambda: work.rows, what="ready work")
    work.focus()
    await pilot.press("s")
    await until(pilot, lambda: isinstance(app.screen, SlingScreen), what="sling modal")
    await pilot.press("enter")
    return await until(pilot, lambda: isinstance(app.focused, TerminalPane) and app.focused,
                       timeout=20, what="the agent's pane")


async def test_nudge_restart_handoff_and_stop_from_the_agents_panel(town_root, environ):
    from gastown_tui.town import find_town
    from gastown_tui.town.config import set_setting
    from gastown_tui.town.hooks import all_hooks
    from gastown_tui.town.mail import inbox

    town = find_town(town_root, {})
    set_setting(town, "nudge_mode", "immediate")
    follow_slings(town_root)
    environ = dict(environ, GT_DEMO_STEP_SECONDS="30")  # the agent stays on its hook
    app = GastownApp(AppOptions(town_root=town_root, environ=environ, poll_seconds=0.3,
                                embedded=True))
    async with app.run_test(size=(180, 50)) as pilot:
        pane = await sling_one(app, pilot)
        name = pane.session_name
        agents = app.main.query_one("#agents")
        await until(pilot, lambda: agents.rows, what="the agent row")

        def text() -> str:
            return "\n".join(app.mux.get(name).screen.text_lines())

        await until(pilot, lambda: "Gas Town demo agent" in text(), timeout=15,
                    what="the agent's screen")
        agents.focus()
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="nudge prompt")
        await pilot.press(*[c if c != " " else "space" for c in "please add tests"], "enter")
        await until(pilot, lambda: "you: please add tests" in text(), timeout=20,
                    what="the nudge typed and submitted")

        first_pid = app.host.agents[name].pid
        agents.focus()
        await pilot.press("R")
        await until(pilot, lambda: name in app.host.agents
                    and app.host.agents[name].pid not in (None, first_pid), timeout=20,
                    what="a fresh session")
        await until(pilot, lambda: app.main.grid.pane(name) is not None, what="its pane")

        second_pid = app.host.agents[name].pid
        address = f"{app.host.agents[name].rig}/polecats/{app.host.agents[name].polecat}"
        agents.focus()
        await pilot.press("H")
        await until(pilot, lambda: name in app.host.agents
                    and app.host.agents[name].pid not in (None, second_pid), timeout=20,
                    what="the session after the handoff")
        assert any(m.subject.startswith("Handoff: ") for m in inbox(find_town(town_root, {}),
                                                                   address))

        await until(pilot, lambda: app.main.grid.pane(name) is not None, what="its pane")
        await until(pilot, lambda: agents.rows, what="the agent row again")
        agents.focus()
        await pilot.press("K")

        def hook_state():
            hooks = [h for h in all_hooks(find_town(town_root, {})) if h.session == name]
            return hooks[0].state if hooks else None

        await until(pilot, lambda: hook_state() == "suspended", timeout=15, what="stopped")
        await until(pilot, lambda: app.main.grid.pane(name) is None, what="the pane to go")
        await app.stop_town()
    assert hook_state() == "suspended"
