"""Shared fixtures for the town and command tests: real git repositories and real towns in
temp dirs, commands run in-process (`gt.run`) or as real `gt`/`bd` processes."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pygit2
import pytest

from gastown_tui.commands import bd as bd_cli
from gastown_tui.commands import gt as gt_cli
from gastown_tui.commands.core import Env
from gastown_tui.commands.render import to_jsonable

SIG = pygit2.Signature("Test Person", "test@example.com")
# Variables that would make a command act as an agent or elsewhere; tests start without them.
AGENT_VARS = ("GT_TOWN_ROOT", "GT_ROLE", "GT_RIG", "GT_POLECAT", "GT_CREW", "BD_ACTOR",
              "BEADS_DIR")


def clean_environ(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in AGENT_VARS}
    env.update(extra)
    return env


def make_repo(path: Path, branches: tuple[str, ...] = ("dev",)) -> pygit2.Repository:
    """A repository on `main` with two commits and extra branches."""
    repo = pygit2.init_repository(str(path), initial_head="main")
    commits = []
    for n in (1, 2):
        (path / "README.md").write_text(f"project, version {n}\n")
        repo.index.add_all()
        repo.index.write()
        tree = repo.index.write_tree()
        commits.append(repo.create_commit("HEAD", SIG, SIG, f"commit {n}", tree, commits[-1:]))
    for b in branches:
        repo.branches.local.create(b, repo[commits[0]])
    return repo


class Runner:
    """Runs `gt`/`bd` command lines in one place, in-process or as processes."""

    def __init__(self, cwd: Path, environ: dict[str, str]):
        self.cwd = Path(cwd)
        self.environ = environ

    def at(self, cwd: Path, **extra: str) -> "Runner":
        return Runner(cwd, {**self.environ, **extra})

    def env(self) -> Env:
        return Env(cwd=self.cwd, environ=dict(self.environ))

    def gt(self, line: str | list[str]):
        return gt_cli.run(line, self.env())

    def bd(self, line: str | list[str]):
        return bd_cli.run(line, self.env())

    def ok(self, line: str | list[str], prog: str = "gt"):
        result = (self.gt if prog == "gt" else self.bd)(line)
        assert result.exit_code == 0, f"{prog} {line}: {result.error or result.output}"
        return result.data

    def new_bead(self, title: str, *args: str) -> str:
        """Create a bead with `bd create` here; return its id."""
        return to_jsonable(self.ok(["create", title, *args], prog="bd"))["id"]

    def shell(self, prog: str, *args: str, input: str | None = None,
              check: bool = False) -> subprocess.CompletedProcess:
        exe = Path(sys.executable).with_name(prog)
        cmd = [str(exe) if exe.exists() else prog, *args]
        proc = subprocess.run(cmd, cwd=self.cwd, env=self.environ, input=input,
                              capture_output=True, text=True, timeout=60)
        if check:
            assert proc.returncode == 0, f"{cmd}: {proc.stderr}"
        return proc

    def shell_async(self, prog: str, *args: str) -> subprocess.Popen:
        """Start a command without waiting (the caller waits on it)."""
        exe = Path(sys.executable).with_name(prog)
        return subprocess.Popen([str(exe) if exe.exists() else prog, *args], cwd=self.cwd,
                                env=self.environ, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)

    def shell_json(self, prog: str, *args: str):
        proc = self.shell(prog, *args, "--json", check=True)
        return json.loads(proc.stdout)


def end_host(root: Path) -> None:
    """End the town's host if one still runs (a background host an attached app started, left
    by a failing test), by the pid it recorded: TERM (it suspends its hooks), then KILL."""
    import signal
    import time

    from gastown_tui.host.runtime import host_running

    running = host_running(root)
    if running is None or not running.pid or running.pid == os.getpid():
        return
    for sig, wait in ((signal.SIGTERM, 20.0), (signal.SIGKILL, 5.0)):
        try:
            os.kill(running.pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while host_running(root) is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        if host_running(root) is None:
            return


class Terminal:
    """A program (`argv`, found on env's PATH) in a pty of 140x40, its output read as it
    goes: what a person at a terminal runs, the app included."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.chdir(cwd)
            os.execvpe(argv[0], argv, env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))
        self.out = b""
        self.ended = False

    def read_until(self, what: bytes, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while what not in self.out and time.monotonic() < deadline:
            if not self._read(deadline - time.monotonic()):
                break
        return what in self.out

    def _read(self, wait: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], max(0.0, min(wait, 0.5)))
        if ready:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                return False
            if not chunk:
                return False
            self.out += chunk
        return True

    def type(self, data: bytes) -> None:
        os.write(self.fd, data)

    def finish(self, timeout: float) -> int | None:
        """bash's exit code once it ends; killed (None) if it runs past `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                while self._read(0.1):
                    pass
                self.ended = True
                return os.waitstatus_to_exitcode(status)
            self._read(0.2)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        self.ended = True
        return None

    def close(self) -> None:
        if not self.ended:
            self.finish(0)
        os.close(self.fd)

    def text(self) -> str:
        plain = re.sub(rb"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-B]|.)",
                       b"", self.out)
        return plain.decode(errors="replace").replace("\r", "")


def tree_snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under `root` (files with contents), to prove a failed command changed
    nothing. SQLite side files change on open and git indexes on a status check (stat data);
    both are left out."""
    snap: dict[str, bytes | None] = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.name.startswith("beads.db") or (p.name == "index" and "/.git/" in f"/{rel}/"):
            continue
        snap[rel] = p.read_bytes() if p.is_file() and p.suffix != ".db" else None
    return snap


@pytest.fixture
def src_repo(tmp_path: Path) -> Path:
    path = tmp_path / "src"
    make_repo(path)
    return path


@pytest.fixture
def runner(tmp_path: Path) -> Runner:
    return Runner(tmp_path, clean_environ())


@pytest.fixture
def town(tmp_path: Path, runner: Runner) -> Path:
    runner.ok(f"install {tmp_path / 'town'}")
    return tmp_path / "town"


@pytest.fixture
def at_town(town: Path, runner: Runner) -> Runner:
    return runner.at(town)


@pytest.fixture
def rig_town(town: Path, at_town: Runner, src_repo: Path) -> Runner:
    """A town with rig `my_proj` (prefix mp) and crew `alice`."""
    at_town.ok(f"rig add my_proj {src_repo}")
    at_town.ok("crew add alice --rig my_proj")
    return at_town
