"""`gt demo`'s temporary folder: said at start, gone when the demo ends (the app stopping the
town, or the host stopping after the app detached), gone at the next `gt demo` when app and
host were killed, kept with --keep, and never removed while a host runs for its town."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from gastown_town_test_fixtures import Terminal, clean_environ, end_host

from gastown_tui.host import demo_folder
from gastown_tui.host.demo import build_town
from gastown_tui.host.headless import start_detached, stop
from gastown_tui.host.runtime import host_running

SCRIPTS = str(Path(sys.executable).parent)


def demo_env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "tmp").mkdir()
    (tmp_path / "home").mkdir()
    return clean_environ(TMPDIR=str(tmp_path / "tmp"), HOME=str(tmp_path / "home"),
                         TERM="xterm-256color", GT_DEMO_STEP_SECONDS="0.5",
                         PATH=SCRIPTS + os.pathsep + os.environ["PATH"])


def folders(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "tmp").glob("gastown-demo-*"))


@pytest.mark.parametrize("leave", ["detach", "stop"])
def test_the_demo_says_where_it_is_and_goes_when_it_ends(tmp_path, leave):
    env = demo_env(tmp_path)
    term = Terminal(["gt", "demo", "--agents", "1"], env, tmp_path)
    town = None
    try:
        assert term.read_until(b"Convoys", 90), term.text()
        [folder] = folders(tmp_path)
        town = folder / "town"
        assert term.read_until(b"demo town at", 30), term.text()   # the toast saying where
        assert term.read_until(folder.name.encode(), 10), term.text()
        time.sleep(0.5)
        term.type(b"\x02")
        time.sleep(0.3)
        term.type(b"d" if leave == "detach" else b"q")
        if leave == "stop":
            assert term.read_until(b"Stop the town", 20), term.text()
            term.type(b"s")
        assert term.finish(60) == 0, term.text()
        said = " ".join(term.text().split())
        if leave == "detach":
            assert "runs on in" in said and folder.exists() and host_running(town)
            assert demo_folder.sweep(tmp_path / "tmp") == []     # its host runs: kept
            stop(town)
            deadline = time.monotonic() + 20
            while folder.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
        else:
            assert "removed the demo town's folder" in said, said[-600:]
        assert folders(tmp_path) == []
    finally:
        term.close()
        if town is not None and town.exists():
            end_host(town)


def test_the_next_demo_removes_what_killed_demos_left_and_nothing_else(tmp_path, monkeypatch):
    env = demo_env(tmp_path)
    tmp = tmp_path / "tmp"
    make = ("import sys; from gastown_tui.host import demo_folder; "
            "print(demo_folder.make(keep=sys.argv[1] == 'keep'))")
    # Made by `gt demo` processes that are gone now (killed with their app).
    left, with_host = (Path(subprocess.run([sys.executable, "-c", make, "no"], env=env,
                                           capture_output=True, text=True,
                                           check=True).stdout.strip()) for _ in range(2))
    kept = Path(subprocess.run([sys.executable, "-c", make, "keep"], env=env,
                               capture_output=True, text=True, check=True).stdout.strip())
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    building = demo_folder.make(keep=False).parent     # its maker (this test) lives
    build_town(with_host, 1, lambda _line: None)
    info = start_detached(with_host, env)
    try:
        assert sorted(demo_folder.sweep(tmp)) == [left.parent]
        assert with_host.exists() and kept.parent.exists() and building.exists()
        os.kill(info["pid"], signal.SIGKILL)              # the host dies too
        deadline = time.monotonic() + 10
        while host_running(with_host) is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert demo_folder.sweep(tmp) == [with_host.parent]
        assert kept.parent.exists() and building.exists()
    finally:
        end_host(with_host)
