"""Where the dashboard's data comes from: the host's control socket (agents, live screens) and
the town's ledgers (convoys, hooks, mail, work, configuration). No subprocesses, no Textual.

Calls here block; the app makes them on worker threads. The ledger is re-read only when a file
under a `.beads/` directory or the town config changed (a few `stat`s per poll), or when the
last read is older than `LEDGER_MAX_AGE_S` (worktree status, which no ledger write announces).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..host.client import HostClient
from ..host.runtime import HostError, HostNotRunning
from ..town.paths import CONFIG_FILE, RIGS_FILE
from ..ui.model import AgentRow, TownView

HOST_TIMEOUT_S = 3.0
ACTION_TIMEOUT_S = 30.0  # a suspend waits for the agent's program to end (KILL after 5 s)
LEDGER_MAX_AGE_S = 10.0
NOT_LIVE = ("Agents are not live: no host runs this town. Start one with `gt up --headless` "
            "(or open the app with `gt`); this page connects to it by itself.")


@dataclass
class Live:
    """One poll of the host: None fields when no host answered."""

    running: bool
    agents: list[dict[str, Any]] = field(default_factory=list)
    screens: dict[str, Any] = field(default_factory=dict)
    problem: str = ""   # a host that runs but did not answer


def agent_rows(host_agents: list[dict[str, Any]], view: TownView) -> list[AgentRow]:
    """The Agents panel's rows from the host's `agents` reply (live) and the ledger's view.
    A parked (suspended) agent stays listed, as in the app, so the key that suspended it
    resumes it."""
    rows = []
    for a in host_agents:
        name, rig, role = str(a.get("name")), str(a.get("rig") or ""), str(a.get("role") or "")
        short = name.rsplit("/", 1)[-1]
        address = {"mayor": "mayor/", "polecat": f"{rig}/polecats/{short}",
                   "crew": f"{rig}/crew/{short}"}.get(role, "")
        state = str(a.get("state") or "unknown")
        rows.append(AgentRow(name=name, role=role, rig=rig, state=state,
                             bead=str(a.get("hook") or ""), unread=view.unread_by.get(address, 0),
                             address=address, parked=state == "suspended"
                             or a.get("hook_state") == "suspended",
                             reason=str(a.get("reason") or ""), resets_at=a.get("resets_at")))
    shown = {row.name for row in rows}
    return rows + [row for row in parked_rows(view)
                   if row.state == "suspended" and row.name not in shown]


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
        self.client = HostClient(self.root, timeout=HOST_TIMEOUT_S)
        self._print: tuple | None = None
        self._read_at = 0.0

    def live(self, known: dict[str, str], only: list[str] | None = None) -> Live:
        """Agents and the screens that changed, among `only` (the ones on view) if given."""
        try:
            screens = self.client.call("screens", known=known, only=only)
            agents = self.client.call("agents")
        except HostNotRunning:
            return Live(running=False)
        except HostError as e:
            problem = str(e)
            if "unknown request 'screens'" in problem:
                problem = ("the running host is older than this dashboard: restart it "
                           "(`gt down`, then `gt up --headless`)")
            return Live(running=True, problem=problem)
        return Live(running=True, agents=list(agents or []), screens=dict(screens or {}))

    def keys(self, name: str, data: bytes) -> None:
        self.client.call("keys", target=name, data=data.decode("utf-8", "replace"))

    def paste(self, name: str, text: str) -> None:
        self.client.call("keys", target=name, paste=text)

    def act(self, what: str, name: str) -> dict[str, Any]:
        """suspend, resume, stop, restart or handoff, as the app's keys do them; the host's
        one line (`said`) comes back. Ending a terminal can take a few seconds."""
        return self.client.call(what, timeout=ACTION_TIMEOUT_S, target=name,
                                by="the dashboard")

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
