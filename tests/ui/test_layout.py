"""The app's layout as a person meets it at 80x24 and on big screens: what opens over the panes
never resizes them, the sidebar's width, the status line that shortens, a grid without holes
and direction keys by geometry, and a pane order that survives restarts."""

from __future__ import annotations

import sys

import pytest
from ui_helpers import BASH_ENV, rendered, screen_text, until

from gastown_tui.ui.app import AppOptions, GastownApp

# Prints WINCH each time its terminal is resized: what an agent notices of a resize.
WINCH_WATCHER = [sys.executable, "-c",
                 "import signal, time\n"
                 "signal.signal(signal.SIGWINCH, lambda *a: print('WINCH', flush=True))\n"
                 "print('watching', flush=True)\n"
                 "while True:\n    time.sleep(1)\n"]


def bare_app(environ, **options) -> GastownApp:
    return GastownApp(AppOptions(environ=environ, start_host=False, **options))


def layout_of(app) -> dict:
    """Every pane's size and its terminal's, the page, the panes on view, and how many
    resizes the watching agent has seen."""
    grid = app.main.grid
    return {"panes": {p.session_name: tuple(p.size) for p in grid.panes},
            "terminals": {s.name: (s.screen.columns, s.screen.lines)
                          for s in app.mux.sessions()},
            "page": (grid.page, grid.pages()), "shown": grid.visible_names(),
            "winch": screen_text(app, "watcher").count("WINCH")}


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
async def test_the_command_bar_completions_and_results_never_resize_a_pane(environ, size):
    app = bare_app(environ)
    async with app.run_test(size=size) as pilot:
        app.mux.spawn("watcher", WINCH_WATCHER, env=BASH_ENV, cols=80, rows=24)
        for i in range(4):
            app.mux.spawn(f"cat{i}", ["cat"], env=BASH_ENV, cols=80, rows=24)
        grid = app.main.grid
        await until(pilot, lambda: len(grid.panes) == 5, what="five panes")
        await until(pilot, lambda: "watching" in screen_text(app, "watcher"), what="watcher")
        await until(pilot, lambda: all(
            app.mux.get(n).screen.columns == grid.pane(n).size.width
            for n in grid.visible_names()), what="terminals sized to their panes")
        await pilot.pause(0.3)
        before = layout_of(app)

        async def unchanged(step: str) -> None:
            await pilot.pause(0.2)
            assert layout_of(app) == before, step

        await pilot.press("ctrl+b", "colon")
        assert app.focused is app.main.query_one("#command-input")
        await unchanged("the command bar opened")
        await pilot.press("c", "o", "tab")
        assert app.main.query_one("#completions").display
        await unchanged("completions shown")
        await pilot.press("escape")
        await unchanged("the bar closed")
        app.main.show_result("agents", "\n".join(f"row {i} " + "x" * 150 for i in range(60)),
                             None)
        await unchanged("a long result shown")
        await pilot.press("escape")
        await unchanged("the result closed")
        await pilot.press("ctrl+b", "colon", "n", "o", "p", "e", "enter")
        await until(pilot, lambda: app.main.query_one("#result").has_class("-shown"),
                    what="the error result")
        await unchanged("a command ran and its error shows")
        await pilot.press("escape")
        await unchanged("the error closed")
        await app.stop_town()


def demo_app(tmp_path, config: str = "", **options) -> GastownApp:
    """The snapshot apps' demo town (fixed content, no processes), with a user config."""
    from snapshot_apps.demo_town import make_app

    home = tmp_path / "home"
    (home / ".config" / "gastown").mkdir(parents=True, exist_ok=True)
    (home / ".config" / "gastown" / "config.toml").write_text(config)
    return make_app(environ={"HOME": str(home)}, **options)


async def booted(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()
    app.main.focus_pane("demo/nux")
    await pilot.pause()


def status_row(app) -> str:
    return rendered(app).splitlines()[-1]


async def test_at_80x24_the_sidebar_leaves_the_panes_room_and_resizes_and_hides(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await booted(app, pilot)
        sidebar = app.main.query_one("#sidebar")
        pane = app.main.grid.pane("demo/nux")
        assert sidebar.size.width == 24 and pane.size.width >= 50
        await pilot.press("ctrl+b", "greater_than_sign", "ctrl+b", "greater_than_sign")
        await pilot.pause()
        assert sidebar.size.width == 32
        assert any("gt config set sidebar_width 32" in n.message for n in app._notifications)
        await pilot.press("ctrl+b", "less_than_sign")
        await pilot.pause()
        assert sidebar.size.width == 28
        await pilot.press("ctrl+b", "b")
        await pilot.pause()
        assert not sidebar.display and pane.size.width == 78  # the whole width, less borders
        assert app.focused is pane
        await pilot.press("ctrl+b", "b")
        await pilot.pause()
        assert sidebar.display and sidebar.size.width == 28
        await pilot.press("ctrl+b", "b", "ctrl+b", "s")  # hidden, then asked for: it shows
        await pilot.pause()
        assert sidebar.display and app.focused.id == "agents"


async def test_the_sidebar_width_is_a_setting_checked_like_the_others(tmp_path):
    app = demo_app(tmp_path, "sidebar_width = 30\n")
    async with app.run_test(size=(80, 24)) as pilot:
        await booted(app, pilot)
        assert app.main.query_one("#sidebar").size.width == 30
    app = demo_app(tmp_path, "sidebar_width = 3\n")
    async with app.run_test(size=(80, 24)) as pilot:
        await booted(app, pilot)
        assert app.main.query_one("#sidebar").size.width == 24
        assert any("sidebar_width must be \"auto\" or a number of columns from 16 to 120, "
                   "not 3" in n.message for n in app._notifications)


def test_gt_config_set_refuses_a_sidebar_width_that_is_no_width(town_root, environ):
    from gastown_tui.commands.gt import run
    from gastown_tui.commands.core import Env

    env = Env(cwd=town_root, environ=environ)
    bad = run("config set sidebar_width wide", env)
    assert bad.exit_code == 2 and "number of columns" in bad.error
    assert run("config set sidebar_width 36", env).error is None
    assert run("config get sidebar_width", env).data == 36
    assert run("config set sidebar_width auto", env).data["value"] == "auto"


async def test_a_result_takes_the_whole_width_and_scrolls_both_ways(tmp_path):
    app = demo_app(tmp_path)
    wide = "AGENT  " + "  ".join(f"COLUMN{i}" for i in range(15)) + "  LAST"
    async with app.run_test(size=(80, 24)) as pilot:
        await booted(app, pilot)
        app.main.show_result("agents", wide + "\n" + "\n".join(
            f"row{i}" for i in range(40)), None)
        await pilot.pause()
        result = app.main.query_one("#result")
        assert result.size.width >= 76 and "AGENT  COLUMN0  COLUMN1" in rendered(app)
        await pilot.press(*["right"] * 80)
        await pilot.pause()
        assert result.scroll_x > 0 and "COLUMN14  LAST" in rendered(app)
        await pilot.press("pagedown")
        await pilot.pause()
        assert result.scroll_y > 0


@pytest.mark.parametrize("width", [60, 80, 160])
async def test_the_status_line_shortens_instead_of_being_cut(tmp_path, width):
    app = demo_app(tmp_path)
    async with app.run_test(size=(width, 24)) as pilot:
        await booted(app, pilot)
        row = status_row(app)
        assert row.endswith(("C-b ? help", "C-b ?")) and "2 needs you" in row, row
        if width == 80:
            assert row.endswith("C-b ? help") and "page 1/2" in row, row
        if width >= 160:
            assert "4 agents (2 busy, 1 waiting) · 2 convoys · ✉ 1" in row, row
        await pilot.press("ctrl+b")
        assert status_row(app).endswith("C-b …"), status_row(app)
        await pilot.press("escape")


def demo_panes_app(tmp_path, count: int, view=None) -> GastownApp:
    """The demo town with its first `count` agents' screens as panes."""
    from snapshot_apps import demo_town

    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    panes = dict(list(demo_town.PANES.items())[:count])
    return GastownApp(AppOptions(view=view or demo_town.VIEW, live=False, panes=panes,
                                 pane_size=(70, 18), environ={"HOME": str(home)}))


async def test_three_panes_at_200x50_fill_the_grid_and_directions_go_by_geometry(tmp_path):
    app = demo_panes_app(tmp_path, 3)
    async with app.run_test(size=(200, 50)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        grid = app.main.grid
        regions = {p.session_name: p.region for p in grid.panes}
        assert sum(r.area for r in regions.values()) == grid.region.area  # no hole
        nux, furiosa, slit = (grid.pane(n) for n in ("demo/nux", "demo/furiosa", "demo/slit"))
        assert regions["demo/nux"].height == grid.region.height
        assert regions["demo/furiosa"].x == regions["demo/slit"].x > regions["demo/nux"].x
        app.main.focus_pane("demo/furiosa")  # top right
        await pilot.pause()
        await pilot.press("ctrl+b", "down")
        assert app.focused is slit
        await pilot.press("ctrl+b", "left")
        assert app.focused is nux
        await pilot.press("ctrl+b", "right")  # back where it came from, not the top one
        assert app.focused is slit
        await pilot.press("ctrl+b", "up")
        assert app.focused is furiosa
        await pilot.press("ctrl+b", "left", "ctrl+b", "right")
        assert app.focused is furiosa
        await pilot.press("ctrl+b", "up")  # nothing above: it stays
        assert app.focused is furiosa


async def test_the_sidebar_panels_share_the_rows_under_them(tmp_path):
    from snapshot_apps import demo_town

    from gastown_tui.ui.model import HookRow, WorkRow

    app = demo_panes_app(tmp_path, 3)
    async with app.run_test(size=(200, 50)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        sidebar = app.main.query_one("#sidebar")
        panels = list(sidebar.children)
        work, hooks = app.main.query_one("#work"), app.main.query_one("#hooks")
        # Room for everything: each panel shows all its rows, the last reaches the bottom.
        assert sum(p.outer_size.height for p in panels) == sidebar.size.height
        assert panels[-1].region.bottom == sidebar.region.bottom
        assert all(p.max_scroll_y == 0 for p in panels)
        # More than fits: hooks and work share the rows fairly; the sidebar does not scroll.
        view = demo_town.VIEW
        app.main.show_view(type(view)(**{
            **view.__dict__,
            "work": [WorkRow(f"dm-w{i:02}", f"Task {i}", "demo") for i in range(40)],
            "hooks": view.hooks + [HookRow(f"demo/p{i}", "demo", "active", f"dm-h{i}",
                                           f"polecat/p{i}/dm-h{i}") for i in range(12)]}))
        await pilot.pause()
        assert sum(p.outer_size.height for p in panels) == sidebar.size.height
        assert sidebar.max_scroll_y == 0 and abs(work.size.height - hooks.size.height) <= 1
        assert app.main.query_one("#agents").max_scroll_y == 0  # it wants little: it gets it
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.3)
        assert sum(p.outer_size.height for p in panels) == sidebar.size.height
        # Six panels in 23 rows: each keeps its border and a row at least, none is hidden.
        assert all(p.outer_size.height >= 3 for p in panels) and sidebar.max_scroll_y == 0


async def test_the_prefix_works_over_every_screen(tmp_path):
    from gastown_tui.ui.screens.help import HelpScreen
    from gastown_tui.ui.screens.needs import NeedsMeScreen
    from gastown_tui.ui.screens.themes import ThemeScreen

    app = demo_app(tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await booted(app, pilot)
        await pilot.press("ctrl+b", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("ctrl+b", "question_mark")  # the key that opened it closes it
        assert app.screen is app.main
        await pilot.press("ctrl+b", "question_mark", "ctrl+b", "n")  # a pane key: help closes
        assert app.screen is app.main and app.focused is app.main.grid.pane("demo/furiosa")
        await pilot.press("ctrl+b", "w", "ctrl+b", "t")  # a view over a view
        assert isinstance(app.screen, ThemeScreen)
        assert isinstance(app.screen_stack[-2], NeedsMeScreen)
        await pilot.press("ctrl+b", "colon")  # the bar is on the main screen: both close
        assert app.screen is app.main and app.focused is app.main.query_one("#command-input")
        await pilot.press("escape", "ctrl+b", "space")
        await until(pilot, lambda: type(app.screen).__name__ == "CommandPalette",
                    what="the palette")
        await pilot.press("ctrl+b", "z")
        assert app.screen is app.main and app.main.grid.zoomed == "demo/furiosa"


async def test_the_prefix_works_on_the_review_view_and_needs_you_opens_it(tmp_path):
    from dataclasses import replace

    from snapshot_apps.demo_town import VIEW

    from gastown_tui.ui.model import MergeRow
    from gastown_tui.ui.screens.help import HelpScreen
    from gastown_tui.ui.screens.needs import NeedsMeScreen
    from gastown_tui.ui.screens.review import ReviewScreen

    sent_back = MergeRow("dm-mr-2c7", "demo", "conflict", "dm-2c7", "demo/polecats/slit",
                         "conflicts with main in src/app.py", needs_you="sent back 3 times")
    view = replace(VIEW, merges=[m for m in VIEW.merges if m.id != sent_back.id] + [sent_back])
    app = demo_app(tmp_path, view=view)
    async with app.run_test(size=(160, 45)) as pilot:
        await booted(app, pilot)
        await pilot.press("ctrl+b", "r")
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("ctrl+b", "r")  # the key that opened it closes it
        assert app.screen is app.main
        await pilot.press("ctrl+b", "r", "ctrl+b", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("ctrl+b", "question_mark")
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("ctrl+b", "z")  # a pane key: the view closes first
        assert app.screen is app.main and app.main.grid.zoomed == "demo/nux"
        await pilot.press("ctrl+b", "z")

        # The needs-you view's merge item opens the Review view on that request.
        items = app.view.needs_me()
        number = next(i for i, item in enumerate(items, 1) if item.kind == "merge")
        await pilot.press("ctrl+b", "w")
        assert isinstance(app.screen, NeedsMeScreen)
        await pilot.press(str(number))
        screen = await until(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen,
                             what="the Review view")
        await until(pilot, lambda: screen.view.shown is not None
                    and screen.view.shown.key == sent_back.id, what="the request chosen")
        assert not app.main.query_one("#result").display  # no `gt mq show` result behind it


async def test_ctrl_b_q_over_help_asks_before_stopping_running_agents(town_root, environ):
    from gastown_tui.ui.screens.help import HelpScreen
    from gastown_tui.ui.screens.prompt import ConfirmScreen

    app = GastownApp(AppOptions(town_root=town_root, environ=environ, embedded=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.mux is not None, what="the host")
        app.mux.spawn("sh", ["cat"], env=BASH_ENV)
        await until(pilot, lambda: app.main.grid.pane("sh"), what="the pane")
        await pilot.press("ctrl+b", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("ctrl+b", "q")
        assert isinstance(app.screen, ConfirmScreen)
        assert "1 agent is running" in str(app.screen.query_one("#question").render())
        await pilot.press("escape")
        assert isinstance(app.screen, HelpScreen) and app.is_running
        await pilot.press("ctrl+b", "q", "y")
        await until(pilot, lambda: app.return_code is not None, timeout=30,
                    what="the town to stop")
        assert app.mux is None


async def test_panes_keep_the_sling_order_across_a_restart(town_root, environ):
    """zed is slung before amy: both apps show zed first, though the host resumes its hooks
    (and lists its sessions) by name."""
    from gastown_tui.host.api import Sling
    from gastown_tui.town import find_town

    environ = dict(environ, GT_DEMO_STEP_SECONDS="30")  # the agents stay at work
    led = find_town(town_root, {}).rig("demo").ledger("overseer")
    beads = [led.create("Zebra crossing").id, led.create("Ant farm").id]

    def order(app) -> tuple[list[str], list[str]]:
        return ([p.session_name for p in app.main.grid.panes],
                [r.name for r in app.main.query_one("#agents").rows])

    app = GastownApp(AppOptions(town_root=town_root, environ=environ, embedded=True,
                                poll_seconds=0.5))
    async with app.run_test(size=(200, 50)) as pilot:
        await until(pilot, lambda: app.api is not None, what="the host")
        for bead, target in zip(beads, ("demo/zed", "demo/amy")):
            await app.api.request(Sling([bead], target, no_convoy=True))
        await until(pilot, lambda: order(app) == (["demo/zed", "demo/amy"],) * 2, timeout=20,
                    what="both agents, zed first")
        await app.stop_town()
    app = GastownApp(AppOptions(town_root=town_root, environ=environ, embedded=True,
                                poll_seconds=0.5))
    async with app.run_test(size=(200, 50)) as pilot:
        await until(pilot, lambda: len(app.main.grid.panes) == 2 and all(
            r.state != "suspended" for r in app.view.agents) and app.view.hooks, timeout=30,
            what="both agents resumed")
        await pilot.pause(0.5)
        assert order(app) == (["demo/zed", "demo/amy"],) * 2
        await app.stop_town()
