"""Fixtures for the host tests: real towns with real git rigs in temp dirs, and process reaping."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

import pygit2
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from host_helpers import make_sample_repo  # noqa: E402


@pytest.fixture
def tmp_path():
    """A private temp dir per test, removed afterwards. pytest's shared base dir is pruned by
    other pytest runs on this machine (other engineers' suites), which pulled towns away from
    under live hosts; a directory of our own cannot be."""
    path = Path(tempfile.mkdtemp(prefix="gt-host-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def sample_repo(tmp_path: Path) -> Path:
    return make_sample_repo(tmp_path / "sample")


@pytest.fixture
def town(tmp_path: Path, sample_repo: Path):
    from gastown_tui.town import find_town
    from gastown_tui.town.install import install
    from gastown_tui.town.rigs import add_rig

    root = tmp_path / "t"
    install(root)
    t = find_town(root, {})
    add_rig(t, "demo", str(sample_repo))
    return find_town(root, {})


@pytest.fixture
def reap():
    """Pids to end when the test ends, whatever happened: SIGTERM, then SIGKILL after 3 s."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            try:
                if os.waitpid(pid, os.WNOHANG)[0]:
                    break
            except ChildProcessError:
                if not os.path.exists(f"/proc/{pid}"):
                    break
            time.sleep(0.05)
        else:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture
def repo_of(town):
    def get(rig: str = "demo") -> pygit2.Repository:
        return pygit2.Repository(str(town.rig(rig).repo_path))
    return get
