"""The app in a real terminal (tmux), driven as a person would: `gt demo`, then slinging a new
issue from the keyboard; the app attached to its town's host: detaching, closing the terminal
(SIGHUP) and `kill -9` of the app leave every agent running, re-attaching shows the truth, two
apps type into one agent, and `gt down` closes both."""

from __future__ import annotations

import os
import re
import shutil
import signal
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

    def start(self, command: str, cwd: Path, name: str = "main") -> None:
        self.run("new-session", "-d", "-s", name, "-x", "170", "-y", "48", "-c", str(cwd),
                 command)

    def keys(self, *keys: str, target: str = "main") -> None:
        """Type like a person: one key at a time, not faster than a fast typist."""
        for key in keys:
            self.run("send-keys", "-t", target, key)
            time.sleep(0.15)

    def type(self, text: str, target: str = "main") -> None:
        """Text pasted in one go (as a fast typist or a paste), then Enter."""
        self.run("send-keys", "-t", target, "-l", text)
        self.keys("Enter", target=target)

    def screen(self, target: str = "main") -> str:
        return self.run("capture-pane", "-p", "-t", target)

    def wait_for(self, text: str, timeout: float = 30.0, target: str = "main") -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen(target)
            if text in shown:
                return shown
            time.sleep(0.2)
        events = ""
        if self.town is not None and (self.town / ".runtime" / "events.jsonl").exists():
            lines = (self.town / ".runtime" / "events.jsonl").read_text().splitlines()
            events = "\nlast town events:\n" + "\n".join(lines[-8:])
        raise AssertionError(f"{text!r} never showed; the screen was:\n{self.screen(target)}"
                             f"{events}")

    def pane_pid(self, target: str = "main") -> int | None:
        out = self.run("list-panes", "-t", target, "-F", "#{pane_pid}").strip()
        return int(out) if out.isdigit() else None

    def kill(self) -> None:
        self.run("kill-server")


@pytest.fixture
def tmux(environ, tmp_path):
    # The server's socket lives in the test's own folder, so nothing is left in /tmp.
    sockets = tmp_path / "tmux"
    sockets.mkdir()
    # A parallel run sets COLUMNS=80: the app in tmux must read its window's size, not that.
    env = {k: v for k, v in environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(TERM="xterm-256color", LANG="C.UTF-8", TMUX_TMPDIR=str(sockets))
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
    tmux.keys("C-b", "s")
    tmux.keys("5")
    # The new bead is P1, so it heads the list (the demo leaves a P2 one there too).
    tmux.keys("Home")
    tmux.keys("s")
    tmux.wait_for("enter slings", timeout=10)
    tmux.keys("Enter")
    tmux.wait_for(f"· {bead}", timeout=30)  # a pane titled with the new bead
    # Its title follows within a frame or two (the Hooks panel can name the bead first).
    tmux.wait_for("Write a haiku", timeout=30)
    hooks = [h for h in all_hooks(find_town(town, {})) if h.issue == bead]
    assert hooks and hooks[0].state in ("active", "completed")
    tmux.wait_for("Done: " + bead, timeout=60)  # the agent finished and mailed the overseer
    # The command bar from the sidebar, typed in one burst: nothing typed after `:` is lost.
    tmux.keys("C-b", "s")
    tmux.run("send-keys", "-t", "main", "-l", ":convoy list --all")
    tmux.keys("Enter")
    shown = tmux.wait_for("gt convoy list --all", timeout=20)
    assert "Demo: improve the sample project" in shown and "Traceback" not in shown
    tmux.keys("C-b", "q")
    tmux.wait_for("Stop the town (s)", timeout=10)
    tmux.keys("s")
    _wait_host_gone(town)


COUNTER = ("bash --norc --noprofile -c 'i=0; while :; do i=$((i+1)); echo count-$i; "
           "read -t 0.5 line && echo got-$line; done'")


def counter_town(town_root: Path) -> list[str]:
    """The town's agents count aloud twice a second and say back each line typed to them."""
    from gastown_tui.town import find_town
    from gastown_tui.town.config import set_agent, set_setting

    town = find_town(town_root, {})
    set_agent(town, "counter", COUNTER)
    set_setting(town, "default_agent", "counter")
    return [b.id for b in town.rig("demo").ledger().ready()]


def agents(town_root: Path) -> dict[str, int]:
    from gastown_tui.host.api import Agents
    from gastown_tui.host.client import HostClient

    return {r.name: r.pid for r in HostClient(town_root).request(Agents())}


def count(town_root: Path, name: str) -> int:
    from gastown_tui.host.api import Peek
    from gastown_tui.host.client import HostClient

    lines = HostClient(town_root).request(Peek(name, 40)).lines
    return max(int(line[6:]) for line in lines if line.startswith("count-"))


def wait_until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (got := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
    return got


def test_the_town_keeps_running_when_apps_detach_die_or_close(tmux, town_root):
    """`gt` attaches (starting the host); agents slung from its command bar count aloud;
    ctrl+b d, kill -9 of an app and closing its terminal each leave every agent running with
    the same pid; each new `gt` shows the count as it is now; two apps type into one agent
    and both see it; `gt down` closes both with a message."""
    from gastown_tui.host.runtime import host_running

    beads = counter_town(town_root)
    tmux.town = town_root
    wrapped = "gt; echo gt-exited-$?; sleep 600"  # the app's last words stay on screen
    tmux.start(wrapped, town_root)
    tmux.wait_for("Work 2 ready", timeout=30)
    assert host_running(town_root).mode == "detached"
    tmux.keys("C-b", "s")
    tmux.keys(":")
    tmux.type(f"sling {' '.join(beads)} demo --no-convoy")
    tmux.wait_for("count-3", timeout=30)
    pids = wait_until(lambda: len(a := agents(town_root)) == 2 and a, 20, "two agents")

    tmux.keys("C-b", "d")  # detach: the app ends, the town does not
    tmux.wait_for("detached: the town keeps running", timeout=15)
    tmux.wait_for("gt-exited-0", timeout=5)
    name = sorted(pids)[0]
    before = count(town_root, name)
    wait_until(lambda: count(town_root, name) > before + 2, 10, "the count to go on")
    assert agents(town_root) == pids

    tmux.start("gt", town_root, name="second")  # re-attach, and then kill -9 it
    now = count(town_root, name)
    # Both agents listed (how many count as busy flickers as their screens scroll).
    tmux.wait_for("/2 busy", timeout=30, target="second")
    shown = wait_until(lambda: [int(n) for n in re.findall(r"count-(\d+)",
                                                           tmux.screen("second"))], 15,
                       "a count on screen")
    assert max(shown) >= now  # the screen as it is now, not as it was at the detach
    os.kill(tmux.pane_pid("second"), signal.SIGKILL)
    before = count(town_root, name)
    wait_until(lambda: count(town_root, name) > before + 2, 10, "the count after kill -9")
    assert agents(town_root) == pids

    tmux.start(wrapped, town_root, name="one")  # two apps on one agent
    tmux.start(wrapped, town_root, name="two")
    for who in ("one", "two"):
        tmux.wait_for("count-", timeout=30, target=who)
    tmux.type("hello-from-one", target="one")
    tmux.type("hello-from-two", target="two")
    for who in ("one", "two"):
        tmux.wait_for("got-hello-from-one", timeout=15, target=who)
        tmux.wait_for("got-hello-from-two", timeout=15, target=who)
    assert agents(town_root) == pids

    down = subprocess.run(["gt", "down"], cwd=town_root, env=tmux.env, capture_output=True,
                          text=True, timeout=60)
    assert down.returncode == 0, down.stderr
    for who in ("one", "two"):
        tmux.wait_for("the town's host was stopped (gt down)", timeout=20, target=who)
    _wait_host_gone(town_root)


def test_closing_the_terminal_leaves_the_agents_running(tmux, tmp_path, town_root, environ):
    from gastown_tui.host.api import Sling
    from gastown_tui.host.client import HostClient
    from gastown_tui.host.headless import stop
    from gastown_tui.town import find_town
    from gastown_tui.town.hooks import all_hooks

    tmux.env = dict(tmux.env, GT_DEMO_STEP_SECONDS="30")
    tmux.start("gt", town_root)
    tmux.wait_for("Work 2 ready", timeout=30)
    bead = find_town(town_root, {}).rig("demo").ledger().ready()[0].id
    [slung] = HostClient(town_root, timeout=60).request(Sling([bead], "demo", "demo",
                                                              no_convoy=True))
    tmux.wait_for(f"· {bead}", timeout=30)
    app_pid = tmux.pane_pid()
    assert app_pid
    tmux.kill()  # the terminal goes away: the app gets SIGHUP
    wait_until(lambda: not os.path.exists(f"/proc/{app_pid}"), 10, "the app to end")
    hooks = [h for h in all_hooks(find_town(town_root, {})) if h.issue == bead]
    assert hooks[0].state == "active" and hooks[0].pid == slung.pid
    assert agents(town_root) == {f"demo/{slung.polecat}": slung.pid}
    stop(town_root)


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
    tmux.wait_for("Stop the town (s)", timeout=10)
    tmux.keys("s")
    _wait_host_gone(tmp_path / "newtown")


def test_a_256_colour_terminal_gets_the_nearest_colours(tmux, tmp_path):
    """tmux as a 256-colour terminal (screen-256color, no Tc, no COLORTERM): the colours the
    app sends for what Claude Code, Codex and Gemini CLI drew, as tmux keeps them."""
    import sys

    from snapshot_apps.program_colours import LINES

    from gastown_tui.ui.color_depth import nearest_256

    app = Path(__file__).resolve().parent / "snapshot_apps" / "program_colours.py"
    tmux.start("sh", tmp_path)
    tmux.run("set-option", "-g", "default-terminal", "screen-256color")
    tmux.run("new-window", "-t", "main", "-n", "colours",
             f"env -u COLORTERM {sys.executable} {app}")
    tmux.wait_for("gemini-background", target="main:colours")
    shown = tmux.run("capture-pane", "-e", "-p", "-t", "main:colours")
    for label, (part, r, g, b) in LINES.items():
        sgr = re.search(r"\x1b\[([0-9;]*)m" + label, shown).group(1)
        assert re.search(rf"(^|;){part};5;{nearest_256((r, g, b))}($|;)", sgr), (label, sgr)
    assert "48;5;22mclaude-added" in shown and "48;5;52mclaude-removed" in shown
