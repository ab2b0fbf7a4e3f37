"""Fixtures for the dashboard tests: one live demo town (a headless host with a busy demo agent
and a bash agent) shared by the module, private temp dirs, and processes ended by pid."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from web_helpers import (SHELL_AGENT, define_shell_agent, end, make_town, sling,  # noqa: E402
                         start_host)


@pytest.fixture
def tmp_path():
    """A private temp dir per test (pytest's shared base is pruned by other suites' runs)."""
    path = Path(tempfile.mkdtemp(prefix="gt-web-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


class LiveTown:
    def __init__(self, root: Path, demo_agent: str, shell_agent: str, issues: list[str]):
        self.root = root
        self.demo_agent = demo_agent
        self.shell_agent = shell_agent
        self.issues = issues


@pytest.fixture(scope="module")
def live_town():
    """A demo town with its host running: one demo agent busy on its first step for the whole
    module, and one bash agent to type into."""
    base = Path(tempfile.mkdtemp(prefix="gt-web-town-"))
    root = base / "town"
    host = None
    try:  # (a town or host that fails to start leaves no folder behind either)
        ids, _convoy = make_town(root, 2)
        define_shell_agent(root)
        host = start_host(root)
        demo_agent = sling(root, ids[0], "demo")
        shell_agent = sling(root, ids[1], SHELL_AGENT)
        yield LiveTown(root, demo_agent, shell_agent, ids)
    finally:
        if host is not None:
            end(host, grace=20)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    path = tmp_path / "chromium-profile"
    path.mkdir()
    return path
