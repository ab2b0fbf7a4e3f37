"""The sidebar panels as a person sees them."""

from __future__ import annotations

from textual.widgets import Checkbox
from ui_helpers import rendered

from gastown_tui.ui.app import AppOptions, GastownApp
from gastown_tui.ui.model import TownView, WorkRow

CHECKBOX = Checkbox.BUTTON_LEFT + Checkbox.BUTTON_INNER + Checkbox.BUTTON_RIGHT


def work_lines(app) -> list[str]:
    return [line for line in rendered(app).splitlines()
            if "bd create" in line or "dm-1" in line]


async def test_the_empty_work_panel_shows_its_hint_without_a_checkbox(environ):
    app = GastownApp(AppOptions(environ=environ, live=False, view=TownView(town="t")))
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        [hint] = work_lines(app)
        assert "│bd create \"title\" in a rig adds some" in hint and CHECKBOX not in hint
        # Ready beads get their checkboxes; when the last one goes, the hint is bare again.
        app.main.show_view(TownView(town="t", work=[WorkRow("dm-1", "Add login", "demo", 1)]))
        await pilot.pause()
        [row] = work_lines(app)
        assert CHECKBOX in row and "dm-1 Add login" in row
        app.main.show_view(TownView(town="t"))
        await pilot.pause()
        [hint] = work_lines(app)
        assert CHECKBOX not in hint and "│bd create" in hint


async def test_a_suspended_hook_says_why_in_the_hooks_panel(environ):
    from gastown_tui.ui.model import HookRow

    why = "worktree /t/r/polecats/nux was deleted: `gt hooks repair` restores it"
    view = TownView(town="t", hooks=[HookRow("r/nux", "r", "suspended", "r-1", reason=why),
                                     HookRow("r/ace", "r", "active", "r-2")])
    app = GastownApp(AppOptions(environ=environ, live=False, view=view))
    async with app.run_test(size=(200, 40)) as pilot:
        await pilot.pause()
        shown = rendered(app)   # the sidebar wraps the reason
        assert "worktree /t/r/polecats/nux was" in shown and "`gt hooks repair` restores it" \
            in shown
        assert shown.count("restores it") == 1 and "r/ace r-2" in shown
