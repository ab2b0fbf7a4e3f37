"""Where the dashboard's data comes from besides the host (which it watches over the control
socket, see `app.py`): the town's ledgers and settings (convoys, hooks, mail, work,
configuration). No subprocesses, no Textual.

Calls here block; the app makes them on worker threads. The ledger is re-read only when a file
under a `.beads/` directory or the town config changed (a few `stat`s per poll), or when the
last read is older than `LEDGER_MAX_AGE_S` (worktree status, which no ledger write announces).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from ..town.paths import CONFIG_FILE, RIGS_FILE
from ..ui.model import AgentRow, TownView

LEDGER_MAX_AGE_S = 10.0
NOT_LIVE = ("Agents are not live: no host runs this town. Start one with `gt up --headless` "
            "(or open the app with `gt`); this page connects to it by itself.")


def parked_rows(view: TownView) -> list[AgentRow]:
    """Without a host: the agents the ledger knows of (by their hooks), none of them live."""
    rows = []
    for h in view.hooks:
        address = f"{h.rig}/{h.kind}/{h.agent.rpartition('/')[2]}"
        rows.append(AgentRow(name=h.agent, role="crew" if h.kind == "crew" else "polecat",
                             rig=h.rig, state="suspended" if h.state == "suspended"
                             else "unknown", bead=h.bead,
                             unread=view.unread_by.get(address, 0), address=address,
                             parked=h.state == "suspended"))
    return rows


class TownSource:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._print: tuple | None = None
        self._read_at = 0.0

    def ledger_changed(self) -> bool:
        """True when the ledger or the config changed since the last call that said so (or
        the last read is too old); cheap enough to ask every poll."""
        now = time.monotonic()
        mark = self._fingerprint()
        if mark != self._print or now - self._read_at > LEDGER_MAX_AGE_S:
            self._print, self._read_at = mark, now
            return True
        return False

    def invalidate(self) -> None:
        """The dashboard itself changed something: read again at the next poll."""
        self._print = None

    def _fingerprint(self) -> tuple:
        dirs = [self.root / ".beads", *self.root.glob("*/mayor/rig/.beads")]
        marks: list[tuple] = []
        files = [self.root / CONFIG_FILE, self.root / RIGS_FILE]
        for path in [*files, *dirs]:
            try:
                entries = list(os.scandir(path)) if path.is_dir() else [path]
            except OSError:
                continue
            for entry in entries:
                try:
                    st = entry.stat()
                except OSError:
                    continue
                marks.append((str(entry), st.st_mtime_ns, st.st_size))
        return tuple(sorted(marks))
