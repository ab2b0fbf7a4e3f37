"""Snapshots of each main view with fixed content (snapshot_apps/demo_town.py)."""

from __future__ import annotations

import pytest
from snapshot_apps.demo_town import make_app

from gastown_tui.host.api import HostGone

SIZE = (160, 44)


async def booted(pilot) -> None:
    """The fixed panes are mounted by a worker that ends by focusing the first pane."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def focus(pilot, name: str) -> None:
    await booted(pilot)
    pilot.app.main.focus_pane(name)
    await pilot.pause()


def test_main_view(snap_compare):
    assert snap_compare(make_app(), terminal_size=SIZE,
                        run_before=lambda pilot: focus(pilot, "demo/nux"))


def test_zoomed_pane(snap_compare):
    assert snap_compare(make_app(), terminal_size=SIZE, press=["ctrl+b", "z"],
                        run_before=lambda pilot: focus(pilot, "demo/furiosa"))


def test_sling_modal(snap_compare):
    async def open_sling(pilot):
        await booted(pilot)
        work = pilot.app.main.query_one("#work")
        work.focus()
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, press=["s"], run_before=open_sling)


def test_needs_me_view(snap_compare):
    assert snap_compare(make_app(), terminal_size=SIZE, press=["ctrl+b", "w"],
                        run_before=booted)


def test_help_screen(snap_compare):
    assert snap_compare(make_app(), terminal_size=SIZE, press=["ctrl+b", "question_mark"],
                        run_before=booted)


def test_host_died_banner(snap_compare):
    """The host died under the attached app: a banner across the top names the key that
    starts it again; the panes' last screens and the panels stay below it."""
    async def host_died(pilot):
        await focus(pilot, "demo/nux")
        pilot.app.host_gone(HostGone(stopped=False))
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=host_died)


def test_command_result(snap_compare):
    async def show(pilot):
        await booted(pilot)
        pilot.app.main.show_result("convoy list", "ID        TITLE        DONE\n"
                                   "hq-cv-a1  Auth system  2/5", None)
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=show)


def test_scrollback_search(snap_compare):
    async def search(pilot):
        await focus(pilot, "demo/slit")
        await pilot.press("ctrl+b", "left_square_bracket", "slash", "R", "e", "a", "d", "enter")

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=search)


@pytest.mark.parametrize("theme", ["gastown-light", "gastown-high-contrast"])
def test_themes(snap_compare, theme):
    assert snap_compare(make_app(theme=theme), terminal_size=SIZE,
                        run_before=lambda pilot: focus(pilot, "demo/nux"))


def test_theme_picker(snap_compare):
    assert snap_compare(make_app(), terminal_size=SIZE, press=["ctrl+b", "t"],
                        run_before=booted)


def test_command_bar_completion(snap_compare):
    assert snap_compare(make_app(), terminal_size=SIZE,
                        press=["ctrl+b", "colon", "c", "o", "n", "tab"], run_before=booted)


def test_review_view(snap_compare):
    from ui_helpers import until

    async def open_review(pilot):
        await booted(pilot)
        await pilot.press("ctrl+b", "r")
        await until(pilot, lambda: getattr(pilot.app.screen, "view", None) is not None
                    and pilot.app.screen.view.diff is not None, what="the first diff")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=open_review)
