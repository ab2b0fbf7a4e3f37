"""An agent's `gt` and `bd` commands in flight, so its terminal is never ended under them.

The host ends a finished agent's terminal (after `gt done`, when its polecat gets new work);
ending it while `gt done` still mailed, snapshotted or submitted its work killed it half-way
on a slow disk or a loaded machine. So each `gt`/`bd` process an agent runs (GT_TOWN_ROOT and
BD_ACTOR in its environment) holds a shared flock on `<town>/.runtime/inflight/<address>`
until it exits, and the host ends the terminal only when it can take that lock itself. A lock,
not a record: whatever started the command (a shell, the agent's tool runner) and however it
ends (the kernel drops a killed process's lock), nothing is left to clean up. Start-up time
matters here (agents call `gt` constantly): an open and an flock, nothing imported.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Mapping

FOLDER = "inflight"
_held: int | None = None


def lock_path(town_root: str | Path, address: str) -> Path | None:
    """The lock file of the agent at `address` (`rig/polecats/name` or `rig/crew/name`);
    None for anything else (a person's shell, the Mayor)."""
    parts = address.split("/")
    if len(parts) != 3 or parts[1] not in ("polecats", "crew") or not all(parts) \
            or any(p.startswith(".") for p in parts):
        return None
    return Path(town_root) / ".runtime" / FOLDER / "+".join(parts)


def hold(environ: Mapping[str, str] = os.environ) -> None:
    """At a command's start: hold the agent's lock (shared) until the process exits. Quiet
    when it cannot: a town no host has run in has no terminal to end."""
    global _held
    root, address = environ.get("GT_TOWN_ROOT"), environ.get("BD_ACTOR")
    if _held is not None or not root or not address:
        return
    path = lock_path(root, address)
    if path is None:
        return
    try:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except FileNotFoundError:
            if not path.parent.parent.is_dir():
                return
            os.makedirs(path.parent, 0o700, exist_ok=True)
            fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(fd, fcntl.LOCK_SH)
    except OSError:
        return
    _held = fd


def running(town_root: str | Path, address: str) -> bool:
    """Whether a `gt` or `bd` command of the agent at `address` still runs."""
    path = lock_path(town_root, address)
    if path is None:
        return False
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
    return False
