"""Running a host without the app: `gt up --headless` in the foreground, `--detach` in the
background (a new session with its output in `.runtime/host.log`), and `gt down`."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

from ..files import pid_alive
from .api import Ping, Shutdown
from .client import HostClient
from .runtime import HostError, HostNotRunning, host_running, log_path, read_info

START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 20.0


async def serve(town_root: Path, mode: str = "headless",
                on_started: Callable[[object], None] | None = None,
                on_event: Callable[[dict], None] | None = None) -> None:
    """Run a host until SIGINT/SIGTERM or a `shutdown` request."""
    from ..town import Town
    from .host import Host

    host = Host(Town(town_root), mode=mode)
    if on_event is not None:
        host.subscribe(on_event)
    await host.start()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, host.request_stop)
    if on_started is not None:
        on_started(host)
    try:
        await host.stopped.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.remove_signal_handler(sig)
        await host.stop()


QUIET_KINDS = {"agent_state"}  # many a second with 30 agents; `gt events -f` shows them


def narrate(town_root: Path, say: Callable[[str], None], mode: str = "headless") -> int:
    """Run a host that tells `say` what happens: on the terminal in the foreground, into
    `.runtime/host.log` when detached."""
    from .events import describe

    def started(host) -> None:
        say(f"host running for {town_root} (pid {os.getpid()}); "
            + ("Ctrl-C or `gt down` stops it" if mode == "headless" else "`gt down` stops it"))

    def event(ev: dict) -> None:
        if ev.get("kind") not in QUIET_KINDS:
            say(describe(ev))

    asyncio.run(serve(town_root, mode, started, event))
    from . import demo_folder

    if demo_folder.remove_if_done(town_root):
        say(f"removed the demo town's folder {town_root.parent} (`gt demo --keep` keeps it)")
    return 0


def run_foreground(town_root: Path, say: Callable[[str], None]) -> int:
    return narrate(town_root, say)


def start_detached(town_root: Path, environ: dict[str, str] | None = None) -> dict:
    """Start a background host (with `environ`, default this process's) and wait until its
    socket answers."""
    town_root = Path(town_root).resolve()  # the host runs in the town: a relative path would not
    running = host_running(town_root)
    if running is not None:
        raise HostError(f"a host is already running for this town ({running.describe()}): "
                        "use it, or stop it with `gt down`")
    log = open(log_path(town_root), "ab")
    try:
        proc = subprocess.Popen([sys.executable, "-m", "gastown_tui.host", str(town_root)],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                start_new_session=True, cwd=str(town_root), env=environ)
    finally:
        log.close()
    client = HostClient(town_root, timeout=2)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise HostError(f"the host exited at start (code {proc.returncode}); see "
                            f"{log_path(town_root)}")
        try:
            info = client.request(Ping())
            return {"pid": proc.pid, "log": str(log_path(town_root)),
                    "socket": str(client.path), "agents": info.agents}
        except HostNotRunning:
            time.sleep(0.05)
    raise HostError(f"the host (pid {proc.pid}) did not answer within {START_TIMEOUT_S:g} s; "
                    f"see {log_path(town_root)}")


def stop(town_root: Path, timeout: float = STOP_TIMEOUT_S) -> dict:
    """Ask the running host to stop and wait until it has."""
    info = read_info(town_root)
    if host_running(town_root) is None:
        raise HostNotRunning()
    client = HostClient(town_root)
    pid = client.request(Shutdown()).pid or (info.pid if info else 0)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if host_running(town_root) is None:
            return {"pid": pid, "stopped": True}
        time.sleep(0.05)
    alive = pid_alive(pid) if pid else True
    raise HostError(f"the host (pid {pid}) did not stop within {timeout:g} s"
                    + ("; it is still running" if alive else ""))
