"""Real towns, real hosts and real `gt dashboard` servers for the web tests (and the screenshot
and benchmark scripts): processes are started in sessions of their own and ended by pid."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from gastown_tui.host.client import HostClient

GT = [sys.executable, "-c", "from gastown_tui.commands.gt import main; main()"]
# The convoy title as the page shows it: long titles wrap in the narrow Convoys panel.
CONVOY = "Demo: improve the"
# A busy demo agent's status line, at the bottom of its screen where a pane's window follows
# the cursor.
DEMO_BUSY = "esc to interrupt"


def clean_env(**extra: str) -> dict[str, str]:
    """This machine's environment without town variables (a test's town is the cwd)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GT_", "BD_", "BEADS_"))}
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def end(proc: subprocess.Popen, grace: float = 5.0) -> None:
    """SIGTERM to the process group we started, then SIGKILL if it lingers."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(grace)


def descendants(pid: int) -> list[int]:
    """Every process under `pid` (children, their children, ...), from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def make_town(root: Path, agents: int = 2) -> tuple[list[str], str]:
    """A demo town (sample rig, `agents` issues, one convoy); no host yet."""
    from gastown_tui.host import demo

    _town, ids, convoy = demo.build_town(root, agents, lambda line: None)
    return ids, convoy


SHELL_AGENT = "websh"
SHELL_PROMPT = "websh> "


def define_shell_agent(root: Path) -> None:
    """A bash agent with a known prompt and no rc files, whatever this machine's user has."""
    from gastown_tui.town import find_town
    from gastown_tui.town.config import set_agent

    set_agent(find_town(root, {}), SHELL_AGENT,
              f"env PS1='{SHELL_PROMPT}' bash --norc --noprofile -i")


def start_host(root: Path, step_seconds: float = 60.0) -> subprocess.Popen:
    """A headless host whose demo agents take `step_seconds` per step (they stay busy and
    on screen for the whole test instead of finishing their work and leaving)."""
    env = clean_env(GT_DEMO_STEP_SECONDS=str(step_seconds))
    log = open(root.parent / "host-test.log", "ab")
    proc = subprocess.Popen([sys.executable, "-m", "gastown_tui.host", str(root)], cwd=root,
                            env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                            start_new_session=True)
    log.close()
    client = HostClient(root, timeout=2)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert proc.poll() is None, (root.parent / "host-test.log").read_text()[-2000:]
        try:
            client.call("ping")
            return proc
        except Exception:  # noqa: BLE001 - not listening yet
            time.sleep(0.05)
    end(proc)
    raise AssertionError("the host did not answer within 20 s")


def sling(root: Path, issue: str, agent: str) -> str:
    """Sling one issue to a new polecat running `agent`; its session name."""
    done = HostClient(root, timeout=30).call("sling", issues=[issue], target="sample",
                                             agent=agent, no_convoy=True)
    return f"sample/{done[0]['polecat']}"


def host_screen(root: Path, name: str) -> str:
    return "\n".join(HostClient(root).call("peek", target=name, lines=200)["lines"])


class Dashboard:
    """`gt dashboard` as a person runs it, on a free loopback port unless told otherwise."""

    def __init__(self, root: Path, *args: str, port: int | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.port = port or free_port()
        # Output goes to a file: a pipe nobody reads would block the server once full.
        self.log = root.parent / f"dashboard-{self.port}.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen([*GT, "dashboard", "--port", str(self.port), *args],
                                         cwd=root, env=clean_env(**(env or {})),
                                         stdin=subprocess.DEVNULL,
                                         stdout=out,
                                         stderr=out, start_new_session=True)
        self.url = ""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and self.proc.poll() is None:
            for line in self.output().splitlines():
                if line.startswith("dashboard for "):
                    self.url = line.rsplit(" on ", 1)[1].strip()
                    return
            time.sleep(0.05)
        self.close()
        raise AssertionError("gt dashboard did not start: " + self.output())

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    @property
    def token(self) -> str | None:
        return self.url.split("?token=", 1)[1] if "?token=" in self.url else None

    def close(self) -> None:
        end(self.proc)

    def __enter__(self) -> "Dashboard":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
