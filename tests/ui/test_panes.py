"""Terminal panes with a real bash: every key reaches the program except the prefix, focus and
zoom with the prefix, cycling, resize, paste, and scrollback search and copy."""

from __future__ import annotations

from textual import events
from ui_helpers import BASH, BASH_ENV, post_keys, rendered, screen_text, until

from gastown_tui.ui.app import AppOptions, GastownApp
from gastown_tui.ui.widgets.terminal import TerminalPane


def make_app(environ) -> GastownApp:
    return GastownApp(AppOptions(environ=environ, start_host=False))


async def start_bash(app, pilot, name: str) -> TerminalPane:
    app.mux.spawn(name, BASH, env=BASH_ENV, cols=80, rows=24)
    pane = await until(pilot, lambda: app.main.grid.pane(name), what=f"pane {name}")
    await until(pilot, lambda: "$" in screen_text(app, name), what="a prompt")
    return pane


async def type_line(pilot, text: str) -> None:
    await pilot.press(*[c if c != " " else "space" for c in text], "enter")


async def test_keys_reach_the_program_but_not_the_prefix(environ):
    app = make_app(environ)
    async with app.run_test(size=(140, 40)) as pilot:
        pane = await start_bash(app, pilot, "sh")
        assert app.focused is pane
        await type_line(pilot, "cat -v")
        await pilot.pause(0.2)
        # ctrl+p, escape, tab and : are the app's keys elsewhere; in a pane they are the
        # program's (: is a priority binding of the main screen).
        await pilot.press("ctrl+p", "escape", "tab", "colon", "x", "ctrl+b", "z")
        await pilot.press("ctrl+b", "ctrl+b", "enter")
        # cat -v shows ctrl+p as ^P, escape as ^[, the tab as spaces, and the doubled prefix ^B.
        await until(pilot, lambda: "^P^[" in screen_text(app, "sh")
                    and ":x^B" in screen_text(app, "sh"), what="keys echoed")
        assert app.main.query_one("#command-input").has_focus is False
        assert "z" not in screen_text(app, "sh").split("cat -v")[1]
        assert app.main.grid.zoomed == "sh"  # ctrl+b z zoomed instead of typing
        await pilot.press("ctrl+c")
        await until(pilot, lambda: screen_text(app, "sh").rstrip().endswith("$"),
                    what="cat interrupted by ctrl+c")
        await app.stop_town()


async def test_the_prefix_key_is_configurable(environ):
    app = GastownApp(AppOptions(environ=environ, start_host=False, prefix_key="C-a"))
    async with app.run_test(size=(140, 40)) as pilot:
        pane = await start_bash(app, pilot, "sh")
        assert "C-a ? help" in rendered(app)
        await type_line(pilot, "cat -v")
        await pilot.pause(0.2)
        # ctrl+b is an ordinary key now; ctrl+a z zooms; ctrl+a twice types ctrl+a.
        await pilot.press("ctrl+b", "ctrl+a", "z", "ctrl+a", "ctrl+a", "enter")
        await until(pilot, lambda: "^B^A" in screen_text(app, "sh"), what="keys echoed")
        assert app.main.grid.zoomed == "sh"
        await pilot.press("ctrl+a", "colon")
        assert app.focused is app.main.query_one("#command-input")
        await pilot.press("escape")
        assert app.focused is pane
        await pilot.press("ctrl+c")
        await app.stop_town()


async def test_a_prefix_that_is_no_key_falls_back_with_a_notice(environ):
    app = GastownApp(AppOptions(environ=environ, live=False, prefix_key="ctrl-bogus"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.prefix_key == "ctrl+b"
        assert any("ctrl-bogus" in n.message for n in app._notifications)


async def test_only_changed_lines_are_rebuilt(environ):
    app = make_app(environ)
    async with app.run_test(size=(140, 40)) as pilot:
        pane = await start_bash(app, pilot, "sh")
        await type_line(pilot, "printf 'one\\ntwo\\n'")
        await until(pilot, lambda: "two" in screen_text(app, "sh"), what="output")
        await pilot.pause(0.3)
        screen = app.mux.get("sh").screen
        prompt_row = screen.cursor_y
        before = {y: pane._strips[y][-1] for y in range(prompt_row + 1) if y in pane._strips}
        assert len(before) == prompt_row + 1  # every drawn row is cached
        await pilot.press("x")
        await until(pilot, lambda: "$ x" in screen_text(app, "sh").splitlines()[prompt_row],
                    what="the echo")
        await pilot.pause(0.1)
        after = {y: pane._strips.get(y, (None,))[-1] for y in before}
        assert all(after[y] is before[y] for y in range(prompt_row))  # untouched rows kept
        assert after[prompt_row] is not before[prompt_row]
        assert "$ x" in after[prompt_row].text
        await app.stop_town()


async def test_focus_moves_between_panes_and_the_sidebar(environ):
    app = make_app(environ)
    async with app.run_test(size=(200, 50)) as pilot:
        left = await start_bash(app, pilot, "left")
        right = await start_bash(app, pilot, "right")
        left.focus()
        await pilot.pause()
        await pilot.press("ctrl+b", "right")
        assert app.focused is right
        await pilot.press("ctrl+b", "h")
        assert app.focused is left
        await pilot.press("ctrl+b", "n")
        assert app.focused is right
        await pilot.press("ctrl+b", "n")
        assert app.focused is left
        await pilot.press("ctrl+b", "p")
        assert app.focused is right
        await pilot.press("ctrl+b", "s")
        assert app.focused.id == "agents"
        await pilot.press("ctrl+b", "l")
        assert app.focused is left
        await pilot.press("ctrl+b", "left")
        assert app.focused.id == "agents"
        await pilot.click(TerminalPane, offset=(10, 5))
        assert isinstance(app.focused, TerminalPane)
        await app.stop_town()


def no_action_ran(app) -> None:
    """None of the Agents panel's or the main screen's letters acted (nudge prompt, peek
    result, restart/suspend/stop/handoff notices, theme picker, needs-me view)."""
    from gastown_tui.ui.widgets.result import ResultView

    assert app.screen is app.main
    assert not app.main.query_one(ResultView).has_class("-shown")
    said = [n.message for n in app._notifications]
    assert not any(w in m for m in said for w in ("restart", "suspend", "stop", "handoff")), said


async def test_keys_typed_right_after_enter_on_an_agent_reach_its_terminal(environ):
    app = make_app(environ)
    async with app.run_test(size=(200, 50)) as pilot:
        await start_bash(app, pilot, "other")
        await start_bash(app, pilot, "sh")
        agents = app.main.query_one("#agents")
        await until(pilot, lambda: [r.name for r in agents.rows] == ["other", "sh"],
                    what="the agent rows")
        agents.focus()
        agents.highlighted = 1
        await until(pilot, lambda: app.focused is agents and agents.highlighted_row.name == "sh",
                    what="the row")
        # u nudges, v peeks, H hands off, R restarts, x suspends, K stops, t picks a theme,
        # w shows what needs you, 1 goes to the Agents panel: all letters for the program now.
        post_keys(app, "\recho uvHRxKtw1 typed\r")
        await until(pilot, lambda: "\nuvHRxKtw1 typed" in screen_text(app, "sh"),
                    what="the line typed into the agent's bash")
        assert app.focused is app.main.grid.pane("sh")
        no_action_ran(app)
        await app.stop_town()


async def test_keys_typed_right_after_enter_on_a_hook_reach_its_terminal(environ):
    from gastown_tui.ui.model import HookRow, TownView

    view = TownView(town="t", hooks=[HookRow(agent="sh", rig="r", kind="polecats",
                                             bead="r-1", state="active")])
    app = GastownApp(AppOptions(environ=environ, start_host=False, view=view))
    async with app.run_test(size=(200, 50)) as pilot:
        await start_bash(app, pilot, "sh")
        hooks = app.main.query_one("#hooks")
        await until(pilot, lambda: hooks.rows, what="the hook row")
        hooks.focus()
        hooks.highlighted = 0
        await until(pilot, lambda: app.focused is hooks, what="the Hooks panel")
        post_keys(app, "\recho x typed\r")  # x suspends the hook in the Hooks panel
        await until(pilot, lambda: "\nx typed" in screen_text(app, "sh"),
                    what="the line typed into the agent's bash")
        no_action_ran(app)
        await app.stop_town()


async def test_keys_typed_right_after_ctrl_b_n_reach_the_next_agent(environ):
    app = make_app(environ)
    async with app.run_test(size=(200, 50)) as pilot:
        left = await start_bash(app, pilot, "left")
        await start_bash(app, pilot, "right")
        app.main.focus_pane("left")
        await until(pilot, lambda: app.focused is left, what="the left pane")
        app.post_message(events.Key("ctrl+b", "\x02"))
        post_keys(app, "necho for-right\r")
        await until(pilot, lambda: "\nfor-right" in screen_text(app, "right"),
                    what="the line typed into the next agent")
        assert "for-right" not in screen_text(app, "left")
        await app.stop_town()


async def test_keys_typed_right_after_a_needs_me_jump_reach_that_agent(environ):
    from gastown_tui.ui.model import AgentRow, TownView
    from gastown_tui.ui.screens.needs import NeedsMeScreen

    view = TownView(town="t", agents=[AgentRow("ask", "polecat", "r", "waiting", "r-1")])
    app = GastownApp(AppOptions(environ=environ, start_host=False, view=view))
    async with app.run_test(size=(200, 50)) as pilot:
        await start_bash(app, pilot, "other")
        await start_bash(app, pilot, "ask")
        agents = app.main.query_one("#agents")
        # ! in the sidebar, then the answer: x would suspend, K stop the highlighted agent.
        app.main.focus_sidebar()
        await until(pilot, lambda: app.focused is agents, what="the Agents panel")
        post_keys(app, "!echo one xK\r")
        await until(pilot, lambda: "\none xK" in screen_text(app, "ask"), what="the first line")
        # The needs-me view's Enter from another agent's pane, then the answer.
        app.main.focus_pane("other")
        await pilot.press("ctrl+b", "w")
        await until(pilot, lambda: isinstance(app.screen, NeedsMeScreen), what="the view")
        post_keys(app, "\recho two\r")
        await until(pilot, lambda: "\ntwo" in screen_text(app, "ask"), what="the second line")
        # Its number (1) jumps too; q would close the view, 1 would jump again.
        app.main.focus_pane("other")
        await pilot.press("ctrl+b", "w")
        await until(pilot, lambda: isinstance(app.screen, NeedsMeScreen), what="the view")
        post_keys(app, "1echo q1 three\r")
        await until(pilot, lambda: "\nq1 three" in screen_text(app, "ask"), what="the third")
        assert "echo" not in screen_text(app, "other")
        no_action_ran(app)
        await app.stop_town()


async def test_closing_the_bar_or_a_result_returns_focus_where_it_was(environ):
    from gastown_tui.ui.widgets.result import ResultView

    app = make_app(environ)
    async with app.run_test(size=(200, 50)) as pilot:
        pane = await start_bash(app, pilot, "sh")
        await pilot.press("ctrl+b", "s")
        agents = app.main.query_one("#agents")
        assert app.focused is agents
        await pilot.press("colon", "escape")
        assert app.focused is agents
        # A command run from the sidebar: its result closes back to the sidebar, so the next
        # keys act there and are never typed into an agent's terminal.
        result = app.main.query_one(ResultView)
        await pilot.press("colon", *"convoy frobnicate", "enter")
        await until(pilot, lambda: result.has_class("-shown"), what="the result")
        await pilot.press("escape")
        assert app.focused is agents
        await pilot.press("ctrl+b", "l")
        assert app.focused is pane
        await pilot.press("ctrl+b", "colon", *"convoy frobnicate", "enter")
        await until(pilot, lambda: result.has_class("-shown"), what="the result")
        await pilot.press("escape")
        assert app.focused is pane
        await pilot.press("ctrl+b", "colon", "escape")
        assert app.focused is pane
        await app.stop_town()


async def test_when_the_focused_agent_exits_its_keys_go_nowhere_until_it_is_back(environ):
    app = make_app(environ)
    async with app.run_test(size=(200, 50)) as pilot:
        first = await start_bash(app, pilot, "first")
        await start_bash(app, pilot, "second")
        first.focus()
        await pilot.pause()
        await type_line(pilot, "exit")
        await until(pilot, lambda: not app.mux.get("first").alive, what="bash to exit")
        app.mux.close("first")  # what the host's supervisor does with an exited agent
        await until(pilot, lambda: app.main.grid.pane("first") is None, what="the pane to go")
        # The rest of what the person types lands in no agent's terminal and no sidebar list.
        await type_line(pilot, "xK")
        assert app.focused is None
        assert "xK" not in screen_text(app, "second")
        # The agent comes back (a respawn): in its old place, with the focus.
        app.mux.spawn("first", BASH, env=BASH_ENV, cols=80, rows=24)
        back = await until(pilot, lambda: app.main.grid.pane("first"), what="the pane again")
        await until(pilot, lambda: app.focused is back, what="the focus back")
        assert [p.session_name for p in app.main.grid.panes] == ["first", "second"]
        await app.stop_town()


async def test_the_agents_panel_keeps_the_grid_order_after_a_respawn(environ):
    """The multiplexer lists a respawned session last; the panel and the grid keep one order."""
    app = make_app(environ)
    async with app.run_test(size=(200, 50)) as pilot:
        for name in ("first", "second", "third"):
            await start_bash(app, pilot, name)
        panel = app.main.query_one("#agents")
        grid_order = lambda: [p.session_name for p in app.main.grid.panes]  # noqa: E731
        panel_order = lambda: [r.name for r in panel.rows]  # noqa: E731
        await until(pilot, lambda: len(panel.rows) == 3, what="three agent rows")
        app.mux.write("first", b"exit\r")
        await until(pilot, lambda: not app.mux.get("first").alive, what="bash to exit")
        app.mux.close("first")
        await until(pilot, lambda: app.main.grid.pane("first") is None, what="the pane to go")
        app.mux.spawn("first", BASH, env=BASH_ENV, cols=80, rows=24)
        await until(pilot, lambda: app.main.grid.pane("first"), what="the pane again")
        assert [s.name for s in app.mux.sessions()][-1] == "first"  # the host's order
        await until(pilot, lambda: len(panel.rows) == 3 and app.view.agent("first"),
                    what="the row again")
        await pilot.pause(0.3)
        assert grid_order() == ["first", "second", "third"]
        assert panel_order() == grid_order()
        await app.stop_town()


async def test_zoom_fills_the_area_and_the_program_sees_the_new_size(environ):
    app = make_app(environ)
    async with app.run_test(size=(200, 50)) as pilot:
        first = await start_bash(app, pilot, "one")
        second = await start_bash(app, pilot, "two")
        second.focus()
        await pilot.pause(0.2)
        half = second.size.width
        await pilot.press("ctrl+b", "z")
        await pilot.pause(0.2)
        assert first.has_class("-hidden") and not second.has_class("-hidden")
        assert second.size.width > half + 40
        await type_line(pilot, "stty size")
        size = f"{second.size.height} {second.size.width}"
        await until(pilot, lambda: size in screen_text(app, "two"), what="stty size " + size)
        assert "zoomed two" in rendered(app)
        assert not app.main.query_one("#sidebar").display  # the whole width, as in tmux
        assert second.size.width == app.size.width - 2
        await pilot.press("ctrl+b", "z")
        await pilot.pause(0.2)
        assert not first.has_class("-hidden") and second.size.width == half
        assert app.main.query_one("#sidebar").display
        await pilot.press("ctrl+b", "z", "ctrl+b", "s")  # the sidebar ends the zoom
        await pilot.pause(0.2)
        assert app.main.grid.zoomed is None and app.focused.id == "agents"
        await app.stop_town()


async def test_more_agents_than_fit_are_paged(environ):
    app = make_app(environ)
    async with app.run_test(size=(130, 30)) as pilot:
        names = [f"a{i}" for i in range(5)]
        for name in names:
            await start_bash(app, pilot, name)
        grid = app.main.grid
        assert grid.pages() > 1
        visible = grid.visible_names()
        hidden = [n for n in names if n not in visible]
        app.main.focus_pane(hidden[0])
        await pilot.pause()
        assert hidden[0] in grid.visible_names()
        assert "page 2/" in rendered(app)
        # Output that arrives while a pane is off the page shows when its page comes back.
        app.main.focus_pane(visible[0])
        await pilot.pause()
        app.mux.write(hidden[0], b"echo while-away-$((6*7))\r")
        await until(pilot, lambda: "while-away-42" in screen_text(app, hidden[0]),
                    what="output on the hidden page")
        app.main.focus_pane(hidden[0])
        await until(pilot, lambda: "while-away-42" in rendered(app), what="it drawn")
        await app.stop_town()


async def test_paste_is_bracketed_when_the_program_asks(environ):
    app = make_app(environ)
    async with app.run_test(size=(140, 40)) as pilot:
        pane = await start_bash(app, pilot, "sh")
        await type_line(pilot, "printf '\\033[?2004h'; cat -v")
        await until(pilot, lambda: app.mux.get("sh").screen.modes.bracketed_paste,
                    what="bracketed paste on")
        pane.post_message(events.Paste("hello\nworld"))
        await pilot.press("enter")
        await until(pilot, lambda: "^[[200~hello" in screen_text(app, "sh"), what="paste markers")
        await pilot.press("ctrl+c")
        await app.stop_town()


async def test_scrollback_search_and_copy(environ):
    app = make_app(environ)
    async with app.run_test(size=(140, 40)) as pilot:
        pane = await start_bash(app, pilot, "sh")
        await type_line(pilot, "seq 1 300")
        await until(pilot, lambda: "300" in screen_text(app, "sh"), what="seq output")
        await pilot.press("ctrl+b", "left_square_bracket")
        assert pane.copy is not None and "scrollback" in str(pane.border_title)
        await pilot.press("slash", "1", "5", "7", "enter")
        text = app.mux.get("sh").screen
        lines = text.history_text(text.history_size) + text.text_lines()
        assert lines[pane.copy.cursor] == "157"
        await pilot.press("slash", "2", "5", "enter")
        first = lines[pane.copy.cursor]
        await pilot.press("n")
        second = lines[pane.copy.cursor]
        assert "25" in first and "25" in second and first != second
        await pilot.press("N")
        assert lines[pane.copy.cursor] == first
        await pilot.press("space", "j", "j", "enter")
        assert pane.copy is None
        await until(pilot, lambda: app.clipboard, what="the copy")
        assert app.clipboard.splitlines()[0] == first and len(app.clipboard.splitlines()) == 3
        # Keys go to the program again once scrollback mode is left.
        await type_line(pilot, "echo back")
        await until(pilot, lambda: "back" in screen_text(app, "sh").split("echo back")[-1],
                    what="echo after scrollback")
        await app.stop_town()


async def test_scrollback_selects_by_character_shows_its_position_and_hides_no_row(environ):
    """v selects by character with h l w b moves as tmux's copy-mode-vi; the position shows
    as tmux's [n/total]; what the mode says goes in the border, so a match on the bottom row
    (after N) stays in sight."""
    app = make_app(environ)
    async with app.run_test(size=(140, 40)) as pilot:
        pane = await start_bash(app, pilot, "sh")
        await type_line(pilot, "seq 1 100; printf 'one two-three zz-last'")
        await until(pilot, lambda: "zz-last$" in screen_text(app, "sh"), what="the output")
        await pilot.press("ctrl+b", "left_square_bracket")
        await until(pilot, lambda: pane.copy is not None, what="scrollback")
        history = pane.copy_screen.history_size
        assert str(pane.border_subtitle) == f"[0/{history}]"
        await pilot.press("slash", *"zz", "enter", "N")
        copy = pane.copy
        assert copy.cursor == copy.top + copy.height - 1  # the match is on the bottom row
        rows = [line for line in rendered(app).splitlines() if "│" in line]
        bottom = pane.region.y + pane.region.height - 2  # the last row inside the border
        assert "one two-three zz-last" in rendered(app).splitlines()[bottom], rows
        assert "match 2/2" in str(pane.border_subtitle)  # (the typed command has one too)
        await pilot.press("b", "b", "b", "v", "w", "w", "l", "y")  # from "two" to "-th"
        await until(pilot, lambda: app.clipboard, what="the copy")
        assert app.clipboard == "two-th"
        await pilot.press("ctrl+b", "left_square_bracket", "g")
        await until(pilot, lambda: pane.copy is not None, what="scrollback again")
        assert str(pane.border_subtitle) == f"[{history}/{history}]"
        await pilot.press("q")
        await app.stop_town()


async def test_copied_lines_stay_in_the_app_and_paste_with_the_prefix(environ):
    """Not every terminal takes OSC 52 (VTE, tmux's default `set-clipboard external`): the copy
    stays in the app's paste buffer, and `ctrl+b ]` pastes it as a paste (bracketed here)."""
    from gastown_tui.ui.screens.help import binding_rows

    app = make_app(environ)
    async with app.run_test(size=(140, 40)) as pilot:
        await start_bash(app, pilot, "sh")
        await type_line(pilot, "echo alpha-1; echo beta-2")
        await until(pilot, lambda: "beta-2\n" in screen_text(app, "sh"), what="the output")
        await pilot.press("ctrl+b", "left_square_bracket", "slash", *"alpha-1", "enter")
        await pilot.press("space", "j", "enter")
        await until(pilot, lambda: app.clipboard == "alpha-1\nbeta-2", what="the copy kept")
        toast = app._notifications
        assert any("copied 2 lines: C-b ] pastes them" in n.message
                   and "terminal's clipboard too" in n.message for n in toast)
        await type_line(pilot, "printf '\\033[?2004h'; cat -v")
        await until(pilot, lambda: app.mux.get("sh").screen.modes.bracketed_paste,
                    what="bracketed paste on")
        await pilot.press("ctrl+b", "right_square_bracket", "enter")
        await until(pilot, lambda: "^[[200~alpha-1" in screen_text(app, "sh"),
                    what="the buffer pasted with paste markers")
        assert any(r[3] == "prefix.paste" and r[1] == "]" for r in binding_rows(app))
        await pilot.press("ctrl+c")
        await app.stop_town()


async def test_the_wheel_scrolls_back_unless_the_program_wants_the_mouse(environ):
    app = make_app(environ)
    async with app.run_test(size=(140, 40)) as pilot:
        pane = await start_bash(app, pilot, "sh")
        await type_line(pilot, "seq 1 100")
        await until(pilot, lambda: "100" in screen_text(app, "sh"), what="seq output")
        pane.post_message(events.MouseScrollUp(pane, 5, 5, 0, -1, 0, False, False, False))
        await pilot.pause(0.1)
        assert pane.copy is not None
        await pilot.press("q")
        await type_line(pilot, "printf '\\033[?1000h\\033[?1006h'; cat -v")
        await until(pilot, lambda: app.mux.get("sh").screen.modes.mouse == 1000,
                    what="mouse mode on")
        await pilot.click(TerminalPane, offset=(3, 2))
        await until(pilot, lambda: "^[[<0;" in screen_text(app, "sh"), what="mouse report")
        await pilot.press("ctrl+c")
        await app.stop_town()


async def test_needs_me_jump_focuses_the_waiting_agent(environ):
    from gastown_tui.ui.model import AgentRow, TownView

    view = TownView(town="t", agents=[AgentRow("ask", "polecat", "r", "waiting", "r-1")])
    app = GastownApp(AppOptions(environ=environ, start_host=False, view=view))
    async with app.run_test(size=(160, 45)) as pilot:
        await start_bash(app, pilot, "other")
        await start_bash(app, pilot, "ask")
        app.main.focus_pane("other")
        await pilot.pause()
        assert "1 needs you" in rendered(app)
        await pilot.press("ctrl+b", "exclamation_mark")
        assert app.focused is app.main.grid.pane("ask")
        app.main.focus_sidebar()
        await pilot.press("w")
        await until(pilot, lambda: type(app.screen).__name__ == "NeedsMeScreen", what="view")
        assert "ask is waiting on r-1" in rendered(app)
        await pilot.press("escape")
        app.main.focus_pane("other")
        await pilot.press("ctrl+b", "w")
        await until(pilot, lambda: type(app.screen).__name__ == "NeedsMeScreen", what="view")
        await pilot.press("1")  # the item's number jumps to it
        await until(pilot, lambda: app.focused is app.main.grid.pane("ask"), what="the jump")
        await app.stop_town()


async def test_the_grid_follows_the_window_size(environ):
    app = make_app(environ)
    async with app.run_test(size=(220, 60)) as pilot:
        for i in range(4):
            await start_bash(app, pilot, f"s{i}")
        grid = app.main.grid
        assert len(grid.visible_names()) == 4
        await pilot.resize_terminal(100, 30)
        await pilot.pause(0.3)
        assert len(grid.visible_names()) < 4 and grid.pages() > 1
        await pilot.resize_terminal(220, 60)
        await pilot.pause(0.3)
        assert len(grid.visible_names()) == 4
        sizes = {(p.size.width, p.size.height) for p in grid.panes}
        assert len(sizes) <= 2 and min(w for w, _ in sizes) >= 40
        await until(pilot, lambda: all(app.mux.get(p.session_name).screen.columns == p.size.width
                                       for p in grid.panes), what="sessions resized")
        await app.stop_town()
