"""Where a town's host keeps its runtime files, and the lock that makes it the only host.

`<town>/.runtime/` (mode 0700) holds `host.lock` (an flock held for the host's whole life, so a
host killed with -9 leaves no stale lock: the kernel drops it), `host.json` (pid, socket, start
time, mode: who to name when a second host is refused) and `host.pid` for scripts, `host.log`
for detached hosts and `events.jsonl`. The pid and json files are only trusted while the lock
is held. The socket lives there too unless the path would pass the kernel's ~108-byte
limit for Unix sockets; then it goes to a private per-user directory under the system temp dir,
named by a hash of the town path so both sides compute the same place.
"""

from __future__ import annotations

import dataclasses
import errno
import fcntl
import json
import os
import tempfile
import time
from pathlib import Path

from ..files import write_atomic

SOCKET_NAME = "host.sock"
SERVE_NAME = "serve.sock"   # the command server's (commands/served.py)
SERVE_LOG_NAME = "serve.log"
LOCK_NAME = "host.lock"
INFO_NAME = "host.json"
PID_NAME = "host.pid"
LOG_NAME = "host.log"
EVENTS_NAME = "events.jsonl"
MAYOR_NAME = "mayor.json"
MAX_SOCKET_PATH = 100


class HostError(Exception):
    """A host failure a person can act on (shown as one line by the command layer)."""

    user_error = True

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


class HostUnresponsive(HostError):
    """The host's socket took the connection but the host did not answer: it hangs (stopped,
    or stuck in a long call). Connecting again would only wait as long again."""

    def __init__(self, waited_s: float):
        super().__init__(f"the town's host did not answer in {waited_s:g} s: it is stuck or "
                         "stopped; see .runtime/host.log")


class HostNotRunning(HostError):
    def __init__(self, message: str = ""):
        super().__init__(message or "no host is running for this town: start one with "
                         "`gt up --headless` or `gt`")


def runtime_dir(town_root: Path) -> Path:
    """The runtime directory, created private (0700) and kept private if it already exists."""
    path = Path(town_root) / ".runtime"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o700)
    return path


def socket_path(town_root: Path) -> Path:
    town_root = Path(town_root).resolve()
    path = town_root / ".runtime" / SOCKET_NAME
    if len(os.fsencode(str(path))) <= MAX_SOCKET_PATH:
        return path
    import hashlib  # only for long town paths; `gt` in an agent pane starts without it

    digest = hashlib.sha1(os.fsencode(str(town_root)), usedforsecurity=False).hexdigest()[:16]
    private = Path(tempfile.gettempdir()) / f"gastown-{os.getuid()}"
    private.mkdir(mode=0o700, exist_ok=True)
    if private.stat().st_uid != os.getuid():
        raise HostError(f"{private} belongs to another user: remove it or set TMPDIR")
    os.chmod(private, 0o700)
    return private / f"{digest}.sock"


def serve_socket_path(town_root: Path) -> Path | None:
    """The town's command server socket, or None when its path would be too long for one:
    the `gt` and `bd` of agents look for it at `$GT_TOWN_ROOT/.runtime/serve.sock` without
    importing anything (fast.py), so a long town path goes without a server."""
    path = Path(town_root).resolve() / ".runtime" / SERVE_NAME
    return path if len(os.fsencode(str(path))) <= MAX_SOCKET_PATH else None


def log_path(town_root: Path) -> Path:
    return runtime_dir(town_root) / LOG_NAME


def events_path(town_root: Path) -> Path:
    return runtime_dir(town_root) / EVENTS_NAME


@dataclasses.dataclass
class HostInfo:
    pid: int
    socket: str
    started: float
    mode: str  # headless | detached | app | demo

    def describe(self) -> str:
        since = time.strftime("%H:%M:%S", time.localtime(self.started))
        return f"pid {self.pid}, {self.mode}, started {since}, socket {self.socket}"


def read_info(town_root: Path) -> HostInfo | None:
    try:
        data = json.loads((Path(town_root) / ".runtime" / INFO_NAME).read_text())
        return HostInfo(int(data["pid"]), str(data["socket"]), float(data["started"]),
                        str(data.get("mode", "headless")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


class HostLock:
    """The one-host-per-town lock. `acquire` refuses with the running host's description."""

    def __init__(self, town_root: Path):
        self.town_root = Path(town_root)
        self._fd: int | None = None

    def acquire(self, mode: str, socket: Path) -> HostInfo:
        rt = runtime_dir(self.town_root)
        fd = os.open(rt / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        if not _try_lock(fd):
            os.close(fd)
            running = read_info(self.town_root)
            who = running.describe() if running else "its pid is unknown"
            raise HostError(f"a host is already running for this town ({who}): use it, or "
                            "stop it with `gt down`") from None
        self._fd = fd
        info = HostInfo(os.getpid(), str(socket), time.time(), mode)
        for name, text in ((INFO_NAME, json.dumps(dataclasses.asdict(info))),
                           (PID_NAME, f"{info.pid}\n")):
            write_atomic(rt / name, text, private=True, sync=False)
        return info

    def release(self) -> None:
        if self._fd is None:
            return
        info = read_info(self.town_root)
        if info is not None and info.pid == os.getpid():
            for name in (INFO_NAME, PID_NAME):
                (self.town_root / ".runtime" / name).unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None


def _try_lock(fd: int) -> bool:
    # `host_running` probes with a shared lock for an instant; a few retries keep such a probe
    # from making a starting host refuse.
    for attempt in range(10):
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            time.sleep(0.02)
    return False


def host_running(town_root: Path) -> HostInfo | None:
    """The running host, judged by the lock (not by a pid file that a crash can leave behind)."""
    path = Path(town_root) / ".runtime" / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return read_info(town_root) or HostInfo(0, str(socket_path(town_root)), 0.0, "unknown")
    finally:
        os.close(fd)
    return None


def wanted_mayor(town_root: Path) -> str | None:
    """The agent preset of a Mayor that should be running (started and not stopped), so every
    host (a restarted one, or the app taking over) brings it back."""
    try:
        data = json.loads((Path(town_root) / ".runtime" / MAYOR_NAME).read_text())
        return str(data.get("agent") or "") or None
    except (OSError, ValueError, AttributeError):
        return None


def want_mayor(town_root: Path, agent: str | None) -> None:
    path = runtime_dir(town_root) / MAYOR_NAME
    if agent is None:
        path.unlink(missing_ok=True)
        return
    write_atomic(path, json.dumps({"agent": agent}), private=True, sync=False)
