"""The temporary folder `gt demo` makes its town in (`<tmp>/gastown-demo-XXXX/town`), and its
removal when the demo is over.

A folder made without `--keep` carries a mark naming the `gt demo` process that made it. It is
removed by whoever sees the demo end: that process once its app has stopped the town, or the
town's host when it stops after the app detached (`ctrl+b d`, then `gt down`). When both were
killed, the next `gt demo` removes it. Nothing is removed while a host runs for the town, the
next `gt demo` leaves alone a folder whose maker still lives, and folders without the mark
(`--keep`, or a PATH given) are never touched.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from ..files import pid_alive
from .runtime import host_running

PREFIX = "gastown-demo-"
MARK = ".gastown-demo"


def make(keep: bool) -> Path:
    """A fresh folder for a demo town; the town's own path inside it is returned."""
    folder = Path(tempfile.mkdtemp(prefix=PREFIX))
    if not keep:
        (folder / MARK).write_text(json.dumps({"maker": os.getpid()}) + "\n")
    return folder / "town"


def is_temporary(town_root: Path) -> bool:
    folder = Path(town_root).parent
    return folder.name.startswith(PREFIX) and (folder / MARK).is_file()


def _maker(folder: Path) -> int:
    try:
        return int(json.loads((folder / MARK).read_text()).get("maker", 0))
    except (OSError, ValueError, AttributeError, TypeError):
        return 0


def _alive_maker(folder: Path) -> bool:
    pid = _maker(folder)
    return pid > 0 and pid_alive(pid)


def remove_if_done(town_root: Path) -> bool:
    """Remove a temporary demo's folder unless a host still runs for its town; True when it
    was removed. Its maker calls this when its app has ended, the host when it stops: one of
    them sees no host running."""
    town_root = Path(town_root)
    if not is_temporary(town_root) or host_running(town_root) is not None:
        return False
    shutil.rmtree(town_root.parent, ignore_errors=True)
    return not town_root.parent.exists()


def sweep(tmp: Path | None = None) -> list[Path]:
    """Remove the folders of demos that ended without cleaning up (app and host killed);
    never one whose maker still lives (it may be building its town)."""
    tmp = Path(tmp or tempfile.gettempdir())
    removed = []
    for folder in sorted(tmp.glob(PREFIX + "*")):
        if folder.is_dir() and not _alive_maker(folder) and remove_if_done(folder / "town"):
            removed.append(folder)
    return removed
