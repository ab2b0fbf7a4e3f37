"""Shared helpers for host tests (imported by conftest)."""

from __future__ import annotations

from pathlib import Path

import pygit2


def make_sample_repo(path: Path) -> Path:
    repo = pygit2.init_repository(str(path), initial_head="main")
    (path / "README.md").write_text("# sample\n")
    (path / "hello.py").write_text("print('hello')\n")
    repo.index.add_all()
    repo.index.write()
    sig = pygit2.Signature("Test", "test@example.com")
    repo.create_commit("HEAD", sig, sig, "first", repo.index.write_tree(), [])
    return path


import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import time

GT = shutil.which("gt")


def gt_argv(*args: str) -> list[str]:
    if GT:
        return [GT, *args]
    return [sys.executable, "-c", "from gastown_tui.commands.gt import main; main()", *args]


def run_gt(cwd: Path, *args: str, env: dict | None = None, timeout: float = 60,
           check: bool = False) -> subprocess.CompletedProcess:
    full_env = dict(os.environ)
    for var in ("GT_TOWN_ROOT", "GT_ROLE", "GT_RIG", "GT_POLECAT", "BD_ACTOR", "BEADS_DIR"):
        full_env.pop(var, None)
    full_env.update(env or {})
    proc = subprocess.run(gt_argv(*args), cwd=str(cwd), env=full_env, capture_output=True,
                          text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"gt {' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
    return proc


def gt_json(cwd: Path, *args: str, env: dict | None = None):
    proc = run_gt(cwd, *args, "--json", env=env, check=True)
    return json.loads(proc.stdout)


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


async def async_wait_for(predicate, timeout: float = 20.0, interval: float = 0.05,
                         what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def new_issue(town, title: str = "Add a line to hello.py", rig: str = "demo", **kw) -> str:
    return town.rig(rig).ledger("overseer").create(title, **kw).id


def raw_request(path: Path, payload: bytes) -> dict:
    """One line sent to a host's socket as written, its one-line reply read back."""
    import json
    import socket

    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(5)
        s.connect(str(path))
        s.sendall(payload)
        return json.loads(s.makefile("rb").readline())


@contextlib.asynccontextmanager
async def running_host(town, environ: dict):
    """A test host of `town` started with `environ`: yields it and the list every event it
    publishes goes to, and stops it after, whatever happened."""
    from gastown_tui.host.host import Host

    host = Host(town, mode="test", environ=environ)
    seen: list[dict] = []
    host.subscribe(seen.append)
    await host.start()
    try:
        yield host, seen
    finally:
        await host.stop()
