"""Hooks: a polecat's worktree, the bead on it and its state record, kept in the rig ledger.

Each polecat (or crew member an issue was slung to) has one agent bead in its rig's ledger
(`issue_type=agent`, assignee = its address) holding `hook_bead` (the issue), `agent_state`
(the hook state) and `last_activity`; the rest (branch, worktree, agent preset, timestamps of
each state, respawn count) is a JSON object in the bead's `notes`. Any process can read and
change it, so hook state survives hosts, agents and crashes.

States: created → active → suspended ⇄ active → completed → archived, and an archived (or
idle) polecat gets a fresh hook (→ created) when new work is slung to it; `gt unsling` archives
live work.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from ..records import Factory, record
from .errors import TownError

if TYPE_CHECKING:
    from ..beads import Issue, Ledger
    from .model import Rig, Town

STATES = ("created", "active", "suspended", "completed", "archived")
LIVE_STATES = ("created", "active", "suspended")
# Live work goes straight to archived only when a person takes it off the hook (`gt unsling`).
ALLOWED = {
    "created": {"active", "suspended", "archived"},
    "active": {"suspended", "completed", "archived"},
    "suspended": {"active", "completed", "archived"},
    "completed": {"archived", "created"},
    "archived": {"created"},
}
AGENT_LABEL = "gt:agent"
MAX_RESPAWNS = 3


def now() -> str:
    from ..beads.model import now as _now

    return _now()


@record
class Hook:
    polecat: str
    rig: str
    kind: str  # polecats | crew
    issue: str | None
    state: str
    branch: str | None = None
    worktree: str | None = None
    agent: str | None = None
    base: str | None = None
    convoy: str | None = None
    times: dict[str, str] = Factory(dict)
    respawns: int = 0
    stuck: bool = False
    pid: int | None = None
    last_activity: str | None = None
    bead_id: str = ""
    reason: str | None = None   # why it is suspended (the host stopped, its worktree went)
    # Why this idle polecat could not be cleared for new work (a file that cannot be
    # removed, a lock another process holds): slings pass it by until `gt hooks repair`.
    unusable: str | None = None

    @property
    def address(self) -> str:
        return f"{self.rig}/{self.kind}/{self.polecat}"

    @property
    def session(self) -> str:
        """The terminal session's name in the host."""
        return f"{self.rig}/{self.polecat}"

    @property
    def live(self) -> bool:
        return self.state in LIVE_STATES

    @property
    def path(self) -> Path | None:
        return Path(self.worktree) if self.worktree else None

    def details(self) -> dict[str, Any]:
        return {"branch": self.branch, "worktree": self.worktree, "agent": self.agent,
                "base": self.base, "convoy": self.convoy, "times": self.times,
                "respawns": self.respawns, "stuck": self.stuck, "pid": self.pid,
                "kind": self.kind, **({"reason": self.reason} if self.reason else {}),
                **({"unusable": self.unusable} if self.unusable else {})}


def address_of(rig: str, name: str, kind: str = "polecats") -> str:
    return f"{rig}/{kind}/{name}"


def from_bead(bead: "Issue") -> Hook:
    try:
        extra = json.loads(bead.notes) if bead.notes else {}
    except ValueError:
        extra = {}
    if not isinstance(extra, dict):
        extra = {}
    parts = (bead.assignee or "").split("/")
    name = parts[2] if len(parts) == 3 else bead.title.split()[-1]
    kind = extra.get("kind") or (parts[1] if len(parts) == 3 else "polecats")
    return Hook(polecat=name, rig=bead.rig or parts[0], kind=kind, issue=bead.hook_bead,
                state=bead.agent_state or "archived", branch=extra.get("branch"),
                worktree=extra.get("worktree"), agent=extra.get("agent"),
                base=extra.get("base"), convoy=extra.get("convoy"),
                times=dict(extra.get("times") or {}), respawns=int(extra.get("respawns") or 0),
                stuck=bool(extra.get("stuck")), pid=extra.get("pid"),
                last_activity=bead.last_activity, bead_id=bead.id,
                reason=str(extra["reason"]) if extra.get("reason") else None,
                unusable=str(extra["unusable"]) if extra.get("unusable") else None)


def agent_bead(led: "Ledger", address: str) -> "Issue | None":
    found = led.list(issue_type="agent", assignee=address, limit=1)
    return found[0] if found else None


def load(town: "Town", rig: str, name: str, kind: str = "polecats") -> Hook | None:
    bead = agent_bead(town.rig(rig).ledger(), address_of(rig, name, kind))
    return from_bead(bead) if bead else None


def rig_hooks(rig: "Rig") -> list[Hook]:
    led = rig.ledger()
    return sorted((from_bead(b) for b in led.list(issue_type="agent", label=AGENT_LABEL)),
                  key=lambda h: h.polecat)


def all_hooks(town: "Town", rigs: Iterable[str] | None = None) -> list[Hook]:
    out: list[Hook] = []
    for rig in town.rigs():
        if rigs is not None and rig.name not in rigs:
            continue
        try:
            out.extend(rig_hooks(rig))
        except TownError:
            continue  # an incomplete rig is reported by `gt hooks repair`, not here
    return out


def find(town: "Town", target: str) -> Hook:
    """A hook by `NAME`, `RIG/NAME` or address; refuses ambiguous or unknown names."""
    parts = target.strip("/").split("/")
    if len(parts) == 3:
        parts = [parts[0], parts[2]]
    hooks = all_hooks(town, [parts[0]] if len(parts) == 2 else None)
    name = parts[-1]
    hits = [h for h in hooks if h.polecat == name]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        known = ", ".join(f"{h.rig}/{h.polecat}" for h in hooks) or "none yet"
        raise TownError(f"no polecat {target!r} in this town (known: {known})", exit_code=2)
    raise TownError(f"{name!r} names polecats in several rigs: say which with RIG/{name}",
                    exit_code=2)


def save(town: "Town", hook: Hook, actor: str | None = None, led: "Ledger | None" = None,
         **changes: Any) -> Hook:
    """Write `changes` (Hook attributes) to the hook's agent bead; returns the new hook.
    Inside a transaction pass its `led`: another connection would wait on that one's lock."""
    for key, value in changes.items():
        setattr(hook, key, value)
    led = led or town.rig(hook.rig).ledger(actor)
    fields: dict[str, Any] = {"notes": json.dumps(hook.details(), sort_keys=True),
                              "hook_bead": hook.issue, "agent_state": hook.state}
    if "last_activity" in changes:
        fields["last_activity"] = hook.last_activity
    if hook.bead_id:
        led.update(hook.bead_id, **fields)
    else:
        bead = led.create(f"polecat {hook.polecat}" if hook.kind == "polecats"
                          else f"crew {hook.polecat}", issue_type="agent",
                          assignee=hook.address, labels=[AGENT_LABEL], role_type=hook.kind,
                          rig=hook.rig, **fields)
        hook.bead_id = bead.id
    return hook


def transition(town: "Town", hook: Hook, state: str, actor: str | None = None,
               led: "Ledger | None" = None, **changes: Any) -> Hook:
    if state not in STATES:
        raise ValueError(state)
    if state != hook.state and state not in ALLOWED.get(hook.state, ()):
        raise TownError(f"hook of {hook.polecat} is {hook.state}; it cannot become {state}")
    times = dict(hook.times)
    times[state] = now()
    if state != "suspended":
        changes.setdefault("reason", None)   # a reason says why it is suspended, no more
    return save(town, hook, actor, led, state=state, times=times, **changes)


def hooked_elsewhere(town: "Town", issue_id: str) -> Hook | None:
    """The live hook already holding `issue_id`, if any."""
    for hook in all_hooks(town):
        if hook.issue == issue_id and hook.live:
            return hook
    return None


def my_hook(town: "Town", environ, cwd: Path) -> Hook | None:
    """The hook of the agent running this command: GT_RIG + GT_POLECAT (or GT_CREW), else the
    polecat whose worktree holds `cwd`."""
    rig = environ.get("GT_RIG", "")
    if rig and environ.get("GT_POLECAT"):
        return load(town, rig, environ["GT_POLECAT"])
    if rig and environ.get("GT_CREW"):
        return load(town, rig, environ["GT_CREW"], "crew")
    try:
        rel = Path(cwd).resolve().relative_to(town.root.resolve())
    except ValueError:
        return None
    parts = rel.parts
    if len(parts) >= 3 and parts[1] in ("polecats", "crew"):
        try:
            return load(town, parts[0], parts[2], parts[1])
        except TownError:
            return None
    return None
