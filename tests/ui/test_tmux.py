"""The app in a real terminal (tmux), driven as a person would: `gt demo`, then slinging a new
issue from the keyboard; and closing the terminal (SIGHUP) suspends the hooks like `gt down`."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")


class Tmux:
    def __init__(self, env: dict[str, str]):
        self.socket = f"gt-ui-{uuid.uuid4().hex[:8]}"
        self.env = env
        self.town: Path | None = None  # its event log goes into failure messages

    def run(self, *args: str) -> str:
        return subprocess.run(["tmux", "-f", "/dev/null", "-L", self.socket, *args],
                              capture_output=True, text=True, env=self.env, timeout=10).stdout

    def start(self, command: str, cwd: Path) -> None:
        self.run("new-session", "-d", "-s", "main", "-x", "170", "-y", "48", "-c", str(cwd),
                 command)

    def keys(self, *keys: str) -> None:
        """Type like a person: one key at a time, not faster than a fast typist."""
        for key in keys:
            self.run("send-keys", "-t", "main", key)
            time.sleep(0.15)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "main")

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.2)
        events = ""
        if self.town is not None and (self.town / ".runtime" / "events.jsonl").exists():
            lines = (self.town / ".runtime" / "events.jsonl").read_text().splitlines()
            events = "\nlast town events:\n" + "\n".join(lines[-8:])
        raise AssertionError(f"{text!r} never showed; the screen was:\n{self.screen()}{events}")

    def pane_pid(self) -> int | None:
        out = self.run("list-panes", "-t", "main", "-F", "#{pane_pid}").strip()
        return int(out) if out.isdigit() else None

    def kill(self) -> None:
        self.run("kill-server")


@pytest.fixture
def tmux(environ, tmp_path):
    # The server's socket lives in the test's own folder, so nothing is left in /tmp.
    sockets = tmp_path / "tmux"
    sockets.mkdir()
    env = dict(environ, TERM="xterm-256color", LANG="C.UTF-8", TMUX_TMPDIR=str(sockets))
    t = Tmux(env)
    yield t
    t.kill()


def _wait_host_gone(town: Path, timeout: float = 20.0) -> None:
    from gastown_tui.host.runtime import host_running

    deadline = time.monotonic() + timeout
    while host_running(town) is not None:
        if time.monotonic() > deadline:
            raise AssertionError("the app's host did not stop")
        time.sleep(0.1)


def test_gt_demo_in_tmux_and_sling_from_the_keyboard(tmux, tmp_path, environ):
    from gastown_tui.town import find_town
    from gastown_tui.town.hooks import all_hooks

    town = tmp_path / "demo"
    # Steps slow enough that a person (and this test) can watch the agent work in its pane.
    tmux.env = dict(tmux.env, GT_DEMO_STEP_SECONDS="1")
    tmux.town = town
    tmux.start(f"gt demo {town} --agents 1", tmp_path)
    tmux.wait_for("Agents 1/1 busy", timeout=30)
    tmux.wait_for("✓ 1/1", timeout=60)  # the demo convoy landed
    tmux.wait_for("No agents are running", timeout=30)  # and its agent went home
    # Someone files a new issue while the app runs; it shows up under Work.
    rig_clone = town / "sample" / "mayor" / "rig"
    out = subprocess.run(["bd", "create", "Write a haiku about convoys", "-p", "1"],
                         cwd=rig_clone, env=environ, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    bead = out.stdout.split()[1].rstrip(":")
    tmux.wait_for(bead, timeout=20)
    tmux.keys("C-b", "d")
    tmux.keys("5")
    # The new bead is P1, so it heads the list (the demo leaves a P2 one there too).
    tmux.keys("Home")
    tmux.keys("s")
    tmux.wait_for("enter slings", timeout=10)
    tmux.keys("Enter")
    shown = tmux.wait_for(f"· {bead}", timeout=30)  # a pane titled with the new bead
    assert "Write a haiku" in shown
    hooks = [h for h in all_hooks(find_town(town, {})) if h.issue == bead]
    assert hooks and hooks[0].state in ("active", "completed")
    tmux.wait_for("Done: " + bead, timeout=60)  # the agent finished and mailed the overseer
    # The command bar from the sidebar, typed in one burst: nothing typed after `:` is lost.
    tmux.keys("C-b", "d")
    tmux.run("send-keys", "-t", "main", "-l", ":convoy list --all")
    tmux.keys("Enter")
    shown = tmux.wait_for("gt convoy list --all", timeout=20)
    assert "Demo: improve the sample project" in shown and "Traceback" not in shown
    tmux.keys("C-b", "q")
    _wait_host_gone(town)


def test_closing_the_terminal_suspends_hooks(tmux, tmp_path, town_root, environ):
    from gastown_tui.host.client import HostClient
    from gastown_tui.town import find_town
    from gastown_tui.town.hooks import all_hooks

    slow = dict(environ, GT_DEMO_STEP_SECONDS="30")
    tmux.env = dict(tmux.env, GT_DEMO_STEP_SECONDS="30")
    tmux.start("gt", town_root)
    tmux.wait_for("Work 2 ready", timeout=30)
    bead = find_town(town_root, {}).rig("demo").ledger().ready()[0].id
    HostClient(town_root, timeout=60).call("sling", issues=[bead], target="demo", agent="demo",
                                           no_convoy=True, actor="overseer")
    tmux.wait_for(f"· {bead}", timeout=30)
    app_pid = tmux.pane_pid()
    assert slow and app_pid
    tmux.kill()  # the terminal goes away: the app gets SIGHUP
    _wait_host_gone(town_root)
    hooks = [h for h in all_hooks(find_town(town_root, {})) if h.issue == bead]
    assert hooks[0].state == "suspended"
    try:
        os.kill(app_pid, 0)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            os.kill(app_pid, 0)
            time.sleep(0.1)
        raise AssertionError("the app kept running after its terminal closed")
    except ProcessLookupError:
        pass


def test_outside_a_town_gt_offers_to_create_one(tmux, tmp_path):
    from gastown_tui.town import find_town

    where = tmp_path / "elsewhere"
    where.mkdir()
    tmux.start("gt", where)
    tmux.wait_for("Create a town [c], open the demo [d] or quit [q]?", timeout=15)
    tmux.keys("c", "Enter")
    tmux.wait_for("Where?", timeout=10)
    tmux.run("send-keys", "-t", "main", "-l", str(tmp_path / "newtown"))  # pasted, as people do
    tmux.keys("Enter")
    tmux.wait_for("newtown · 0 agents", timeout=30)
    assert find_town(tmp_path / "newtown", {}).name == "newtown"
    tmux.keys("C-b", "q")
    _wait_host_gone(tmp_path / "newtown")
