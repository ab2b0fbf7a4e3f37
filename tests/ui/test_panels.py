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


async def test_queued_work_shows_in_the_hooks_panel_and_takes_no_agent_action(environ):
    from gastown_tui.ui.model import HookRow

    view = TownView(town="t", hooks=[HookRow("demo/nux", "demo", "active", "dm-1",
                                             "polecat/nux/dm-1")],
                    queued=[HookRow("demo/queue#1", "demo", "queued", "dm-7", kind="queue"),
                            HookRow("demo/queue#2", "demo", "queued", "dm-3", kind="queue")])
    app = GastownApp(AppOptions(environ=environ, live=False, view=view))
    async with app.run_test(size=(140, 40)) as pilot:
        hooks = app.main.query_one("#hooks")
        await pilot.pause()
        assert hooks.border_title == "Hooks 1 · 2 queued"
        text = rendered(app)
        assert "… demo/queue#1 dm-7" in text and "… demo/queue#2 dm-3" in text
        hooks.focus()
        hooks.highlighted = 1
        await pilot.press("x")
        await pilot.press("enter")
        await pilot.pause()
        # x and Enter explain the row; neither tries to suspend or focus an agent (that
        # would say "suspend demo/queue#1: ..." or open nothing).
        said = [n.message for n in app._notifications]
        assert len(said) == 2 and all("gt queue remove dm-7" in m for m in said), said
        # The queue moved on: dm-7 started, dm-3 is first now; the highlight stays on dm-3.
        hooks.highlighted = 2
        app.main.show_view(TownView(town="t", hooks=view.hooks + [
            HookRow("demo/slit", "demo", "active", "dm-7", "polecat/slit/dm-7")],
            queued=[HookRow("demo/queue#1", "demo", "queued", "dm-3", kind="queue")]))
        await pilot.pause()
        assert hooks.border_title == "Hooks 2 · 1 queued"
        assert hooks.highlighted_row.bead == "dm-3"


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
