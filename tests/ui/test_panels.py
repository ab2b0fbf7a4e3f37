"""The sidebar panels as a person sees them."""

from __future__ import annotations

import pytest
from ui_helpers import rendered

from gastown_tui.ui.app import AppOptions, GastownApp
from gastown_tui.ui.model import TownView, WorkRow
from gastown_tui.ui.widgets.panels import WorkPanel

CHECKBOX = "[ ]"


def work_lines(app) -> list[str]:
    """The Work panel's rows as shown, border included."""
    panel = app.main.query_one(WorkPanel).content_region
    return [line[:panel.right + 1] for line in
            rendered(app).splitlines()[panel.y:panel.bottom]]


async def test_the_empty_work_panel_shows_its_hint_without_a_checkbox(environ):
    app = GastownApp(AppOptions(environ=environ, live=False, view=TownView(town="t")))
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        [hint] = work_lines(app)
        assert '│bd create "title" in a rig adds work' in hint and CHECKBOX not in hint
        # Ready beads get their checkboxes; when the last one goes, the hint is bare again.
        app.main.show_view(TownView(town="t", work=[WorkRow("dm-1", "Add login", "demo", 1)]))
        await pilot.pause()
        [row] = work_lines(app)
        assert CHECKBOX in row and "dm-1 Add login" in row
        app.main.show_view(TownView(town="t"))
        await pilot.pause()
        [hint] = work_lines(app)
        assert CHECKBOX not in hint and "│bd create" in hint


@pytest.mark.parametrize("width", [42, 30, 24])
async def test_the_work_hint_fits_a_narrow_sidebar(environ, width):
    """Whole, however narrow the sidebar is set: a hint cut short says nothing."""
    app = GastownApp(AppOptions(environ=environ, live=False, view=TownView(town="t")))
    async with app.run_test(size=(120, 40)) as pilot:
        app.main.query_one("#sidebar").styles.width = width
        await pilot.pause()
        await pilot.pause()
        shown = " ".join(line.split("│")[1].strip() for line in work_lines(app))
        assert shown == 'bd create "title" in a rig adds work'


async def test_work_rows_show_a_plain_checkbox_state(environ):
    rows = [WorkRow("dm-1", "Add login", "demo", 1), WorkRow("dm-2", "Fix typo", "demo", 3)]
    app = GastownApp(AppOptions(environ=environ, live=False, view=TownView(town="t", work=rows)))
    async with app.run_test(size=(140, 40)) as pilot:
        work = app.main.query_one("#work")
        work.focus()
        await pilot.press("space")
        await pilot.pause()
        lines = work_lines(app)
        assert "│[x] demo P1 dm-1 Add login" in lines[0], lines
        assert "│[ ]      P3 dm-2 Fix typo" in lines[1], lines
        await pilot.press("space")
        await pilot.pause()
        assert "│[ ] demo P1 dm-1" in work_lines(app)[0]


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


async def test_the_status_line_and_the_panels_count_from_one_view_with_plurals(environ):
    from gastown_tui.ui.model import AgentRow, ConvoyRow, HookRow

    view = TownView(town="t", agents=[AgentRow("demo/nux", "polecat", "demo", "busy", "dm-1")],
                    convoys=[ConvoyRow("hq-cv-1", "Auth", 0, 2, False),
                             ConvoyRow("hq-cv-2", "Docs", 1, 1, True)],
                    hooks=[HookRow("demo/nux", "demo", "active", "dm-1")])
    app = GastownApp(AppOptions(environ=environ, live=False, view=view))
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        assert " t · 1 agent (1 busy) · 1 convoy  " in rendered(app).splitlines()[-1]
        assert app.main.query_one("#convoys").border_title == "Convoys 1 · 1 landed"
        assert app.main.query_one("#agents").border_title == "Agents 1/1 busy"
        # Five open and three landed: the same five in the status line and the panel.
        app.main.show_view(TownView(town="t", convoys=[
            ConvoyRow(f"hq-cv-{i}", f"C{i}", 1, 2, i >= 5) for i in range(8)]))
        await pilot.pause()
        assert " t · 0 agents · 5 convoys  " in rendered(app).splitlines()[-1]
        assert app.main.query_one("#convoys").border_title == "Convoys 5 · 3 landed"


def test_an_agents_bead_is_the_one_the_hooks_panel_shows():
    from gastown_tui.host.api import AgentInfo
    from gastown_tui.ui.model import HookRow, agent_rows

    view = TownView(town="t", hooks=[HookRow("demo/nux", "demo", "active", "dm-1")])
    info = AgentInfo("demo/nux", "polecat", "demo", "demo", 1, "busy", None, "active", False,
                     1.0, 0.5, "polecats", "demo/polecats/nux")
    [row] = agent_rows([info], view)
    assert row.bead == "dm-1"


async def test_long_mail_subjects_end_in_an_ellipsis_beside_the_scrollbar(environ):
    from gastown_tui.ui.model import MailRow

    mail = [MailRow(f"hq-m{i}", "demo/polecats/furiosa", f"Subject {i} " + "x" * 60, i % 2 == 0)
            for i in range(30)]
    app = GastownApp(AppOptions(environ=environ, live=False, view=TownView(town="t", mail=mail)))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        panel = app.main.query_one("#mail")
        assert panel.max_scroll_y > 0  # it scrolls
        region = panel.region
        lines = rendered(app).splitlines()[region.y + 1:region.bottom - 1]
        for line in lines:
            inner = line[region.x + 1:region.right - 1]
            text, bar = inner[:-1], inner[-1]  # the last column is the scrollbar's
            assert text.rstrip().endswith("…") and "demo/furiosa Subject" in text, line


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


async def test_what_a_waiting_or_limited_agent_waits_on_shows_beside_it(environ):
    import time

    from gastown_tui.town.needs import until
    from gastown_tui.ui.model import AgentRow

    resets = time.time() + 2 * 3600

    def view(reason: str) -> TownView:
        return TownView(town="t", agents=[
            AgentRow("r/nux", "polecat", "r", "waiting", "r-1", reason=reason),
            AgentRow("r/ace", "polecat", "r", "limited", "r-2", reason="session limit",
                     resets_at=resets),
            AgentRow("r/max", "polecat", "r", "busy", "r-3")])

    app = GastownApp(AppOptions(environ=environ, live=False, view=view("trust this folder?")))
    async with app.run_test(size=(200, 40)) as pilot:
        await pilot.pause()
        shown = rendered(app)
        assert "◆ r/nux r-1 trust this folder?" in shown
        assert f"◷ r/ace r-2 session limit, {until(resets)}" in shown
        [busy] = [line for line in shown.splitlines() if "r/max" in line]
        assert busy.split("r/max r-3", 1)[1].split("│", 1)[0].strip() == ""
        assert "3 agents (1 busy, 1 waiting, 1 limited)" in shown
        # Needs you lists the question; a limit waits on its reset, not on a person.
        assert [i.text for i in app.view.needs_me()] == [
            "r/nux is waiting: trust this folder? on r-1"]
        # A new question from an agent that was already waiting is news: one toast.
        app._notifications.clear()
        after = view("permission: Bash(rm -rf build/)")
        app._announce(app.view, after)
        app._announce(after, after)
        await pilot.pause()
        assert [n.message for n in app._notifications] == [
            "r/nux is waiting: permission: Bash(rm -rf build/)"]
