"""Fixtures for the ledger tests: a real ledger in a temp dir, and `bd` both in-process (the
same click tree and code path as the shell) and as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import gastown_tui
from gastown_tui.beads import Ledger
from gastown_tui.commands.bd import run
from gastown_tui.commands.core import Env


# Child `bd` processes import the same package as this test run, not whichever copy happens
# to be installed.
PACKAGE_ROOT = str(Path(gastown_tui.__file__).resolve().parents[1])


def clean_environ(home: Path, **extra: str) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
           "PYTHONPATH": PACKAGE_ROOT,
           "BD_ACTOR": "tester", "LANG": "C.UTF-8", "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    env.update(extra)
    return env


class BD:
    """Runs `bd` in a directory, in-process by default or as a real process."""

    def __init__(self, cwd: Path, environ: dict[str, str]):
        self.cwd = cwd
        self.environ = environ

    def __call__(self, *args: str, cwd: Path | None = None, **env: str):
        return run(list(args), Env(cwd=cwd or self.cwd, environ={**self.environ, **env}))

    def json(self, *args: str, **kw):
        res = self(*args, "--json", **kw)
        assert res.ok, res.error
        return json.loads(res.render())

    def proc(self, *args: str, cwd: Path | None = None, timeout: float = 60,
             **env: str) -> subprocess.CompletedProcess:
        code = "from gastown_tui.commands.bd import main; main()"
        return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd or self.cwd,
                              env={**self.environ, **env}, capture_output=True, text=True,
                              timeout=timeout)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    return h


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    w = tmp_path / "proj"
    w.mkdir()
    return w


@pytest.fixture
def bd(workdir: Path, home: Path) -> BD:
    runner = BD(workdir, clean_environ(home))
    res = runner("init", "--prefix", "tt")
    assert res.ok, res.error
    return runner


@pytest.fixture
def led(workdir: Path):
    ledger = Ledger.init(workdir / ".beads", "tt", actor="tester")
    yield ledger
    ledger.close_db()
