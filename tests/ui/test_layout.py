"""The app's layout as a person meets it at 80x24 and on big screens: what opens over the panes
never resizes them, the sidebar's width, the status line that shortens, a grid without holes
and direction keys by geometry, and a pane order that survives restarts."""

from __future__ import annotations

import sys

import pytest
from ui_helpers import BASH_ENV, screen_text, until

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
