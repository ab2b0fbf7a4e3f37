"""The dashboard on a town whose ledgers hold the hostile catalogue (tests/hostile_text.py):
convoy titles, mail subjects, ready beads' titles and agent settings show as text with their
controls as marks, and markup in them is shown, never applied."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

import pytest
from textual.content import Content
from textual.widgets import DataTable

from gastown_town_test_fixtures import make_repo
from gastown_tui.commands.core import Env
from gastown_tui.commands.gt import run
from gastown_tui.web.app import DashboardApp
from gastown_tui.web.config import ConfigView
from hostile_text import CATALOGUE, SHOWN, assert_safe, build_town
from web_helpers import clean_env


@pytest.fixture(scope="module")
def town():
    base = Path(tempfile.mkdtemp(prefix="gt-web-hostile-"))
    try:
        make_repo(base / "src")
        built = build_town(base, base / "src")
        # Agent settings are stored text too: a command line any agent can set.
        set_agent = run(["config", "agent", "set", "evil", CATALOGUE["osc52-clipboard"]],
                        Env(cwd=built.root))
        assert set_agent.ok, set_agent.error
        yield built
    finally:
        shutil.rmtree(base, ignore_errors=True)


def prompts(panel) -> list[str]:
    return [panel.get_option_at_index(i).prompt.plain for i in range(panel.option_count)]


def test_panels_and_configuration_show_stored_text_as_marks(town):
    async def scenario():
        home = town.root.parent / "home"
        home.mkdir(exist_ok=True)
        app = DashboardApp(town.root, environ=clean_env(HOME=str(home)))
        async with app.run_test(size=(200, 60)) as pilot:
            view = app.query_one(ConfigView)
            deadline = asyncio.get_running_loop().time() + 20
            while not (app.view.convoys and view.data is not None):
                assert asyncio.get_running_loop().time() < deadline, "the town was not read"
                await pilot.pause(0.05)
            await pilot.pause()
            convoys = prompts(app.query_one("#convoys"))
            mail = prompts(app.query_one("#mail"))
            work = prompts(app.query_one("#work"))
            for name in CATALOGUE:
                assert [p for p in convoys if p.endswith(f" 0/1 {SHOWN[name]}")], name
                assert [p for p in mail if p.endswith(f"mayor/ {SHOWN[name]}")], name
                assert [p for p in work if p.endswith(f"{town.beads[name]} {SHOWN[name]}")], name
            for lines in (convoys, mail, work):
                assert all("\n" not in p for p in lines)
            row = app.query_one("#presets", DataTable).get_row("evil")
            assert SHOWN["osc52-clipboard"] in row[1].plain  # (as a quoted command line)
            assert_safe(row[1].plain, where="the agent's command")
            shown = "\n".join(s.text for s in app.screen._compositor.render_strips())
            assert_safe(shown, where="the dashboard")
            title = app.query_one("#title").visual
            assert isinstance(title, Content) and title.plain.startswith("Gas Town · town")

    asyncio.run(scenario())
