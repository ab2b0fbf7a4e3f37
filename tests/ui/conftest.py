"""Fixtures for the app's tests: a clean environment (own HOME, no town variables), real towns
with a real git rig, a bash that prints predictably, and no blinking cursors in snapshots."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pygit2
import pytest
from gastown_town_test_fixtures import end_host

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(autouse=True)
def _no_blink(monkeypatch):
    """Blinking cursors make snapshots depend on timing."""
    from textual.widgets import Input

    monkeypatch.setattr(Input, "cursor_blink", False, raising=False)
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")


@pytest.fixture
def environ(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GT_", "BD_", "BEADS_", "XDG_CONFIG"))}
    env.update(HOME=str(home), GT_DEMO_STEP_SECONDS="0.2", GIT_AUTHOR_NAME="t",
               GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.com")
    return env




def make_repo(path: Path) -> Path:
    repo = pygit2.init_repository(str(path), initial_head="main")
    (path / "README.md").write_text("# sample\n")
    repo.index.add_all()
    repo.index.write()
    sig = pygit2.Signature("t", "t@example.com")
    repo.create_commit("HEAD", sig, sig, "init", repo.index.write_tree(), [])
    return path


@pytest.fixture
def town_root(tmp_path: Path, environ):
    """A town with rig `demo` (a real git repo), the demo agent as default, two ready beads.
    A host left running for it (an attached app's) is ended afterwards."""
    from gastown_tui.town import find_town
    from gastown_tui.town.config import set_setting
    from gastown_tui.town.install import install
    from gastown_tui.town.rigs import add_rig

    root = tmp_path / "town"
    install(root)
    town = find_town(root, {})
    add_rig(town, "demo", str(make_repo(tmp_path / "src")))
    set_setting(town, "default_agent", "demo", environ=environ)
    led = find_town(root, {}).rig("demo").ledger("overseer")
    led.create("Add login form", priority=1)
    led.create("Fix typo in README", priority=3)
    yield root
    end_host(root)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Run `async def` tests in a fresh event loop (the Pilot tests); no plugin needed."""
    import asyncio
    import inspect

    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    kwargs = {name: pyfuncitem.funcargs[name] for name in names}
    asyncio.run(pyfuncitem.obj(**kwargs))
    return True
