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
