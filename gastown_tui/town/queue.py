"""The dispatch queue: work slung past `max_polecats` waits here for a free polecat.

A queued issue says so itself: status `hooked` (so `bd ready` never offers it and a second sling
refuses it) with its rig's queue, `<rig>/queue`, as assignee. How it was slung (target, agent
preset, base, convoy, who, when, and the status and assignee it had) is kept in the rig's queue
bead (an agent bead labelled `gt:queue`, its notes a JSON object by issue id), written in the
same ledger transaction as the issue, so the queue survives any crash whole. The order is the
issues' priority (a person may change it while they wait), then the time they were queued.

Everything that changes the queue, or takes room from it, holds `sling_lock`: two slings, a
sling and the host starting queued work, or a removal and a start can never interleave. The
host starts queued work as polecats free up, through `dispatch.dispatch`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping

from . import hooks as hooks_mod
from .errors import TownError, usage

if TYPE_CHECKING:
    from ..beads import Issue, Ledger
    from .model import Rig, Town

QUEUE_LABEL = "gt:queue"
QUEUED_STATUS = "hooked"
DEFAULT_LIMIT = 30


def queue_address(rig: str) -> str:
    return f"{rig}/queue"


def is_queued(issue: "Issue", rig: str) -> bool:
    return issue.status == QUEUED_STATUS and issue.assignee == queue_address(rig)


@dataclasses.dataclass
class Queued:
    """One issue waiting for a polecat; `position` counts from 1 across the whole town."""

    issue: str
    title: str
    rig: str
    priority: int
    queued_at: str
    by: str
    target: str
    agent: str | None = None
    base: str | None = None
    convoy: bool = True
    position: int = 0
    reason: str = ""      # why it was queued when the town had room (its agent's usage limit)

    @property
    def polecat(self) -> str | None:
        """The polecat it was slung to by name (RIG/NAME), if any."""
        _rig, _sep, name = self.target.partition("/")
        return name.rpartition("/")[2] or None


@contextlib.contextmanager
def sling_lock(town: "Town") -> Iterator[None]:
    """The town's one lock for putting work on hooks or in the queue (never nest it: a second
    flock on a new descriptor in the same process waits for the first)."""
    from .paths import locked

    with locked(town.runtime_dir / "dispatch"):
        yield


# ---------------------------------------------------------------------- capacity


def capacity(town: "Town") -> tuple[int | None, int]:
    """The town's `max_polecats` (None: no limit) and how many polecats are at work: live
    work (created, active, or suspended and due to resume) counts; stuck work waits for a
    person and does not."""
    limit = town.config().get("max_polecats", DEFAULT_LIMIT)
    at_work = sum(1 for h in hooks_mod.all_hooks(town)
                  if h.kind == "polecats" and h.live and not h.stuck)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        return None, at_work  # a hand-edited value that is no whole number above 0 sets none
    return limit, at_work


# ---------------------------------------------------------------------- storage


def _queue_bead(led: "Ledger", rig: str) -> "Issue | None":
    found = led.list(issue_type="agent", assignee=queue_address(rig), label=QUEUE_LABEL,
                     include_closed=True, limit=1)
    return found[0] if found else None


def _entries(bead: "Issue | None") -> dict[str, dict[str, Any]]:
    if bead is None or not bead.notes:
        return {}
    try:
        data = json.loads(bead.notes)
    except ValueError:
        return {}  # a hand-mangled record: the issues' own status still says what is queued
    return {k: v for k, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) \
        else {}


def _write(led: "Ledger", rig: str, change: Callable[[dict[str, dict[str, Any]]], None]) -> None:
    """Change the rig's queue record inside the caller's transaction; entries of issues that
    left the queue some other way (`bd close`, `bd update --status`) are dropped on the way."""
    bead = _queue_bead(led, rig)
    entries = _entries(bead)
    change(entries)
    queued = {i.id for i in led.list(status=QUEUED_STATUS, assignee=queue_address(rig))}
    entries = {k: v for k, v in entries.items() if k in queued}
    notes = json.dumps(entries, sort_keys=True, separators=(",", ":"))
    if bead is None and entries:
        led.create(f"dispatch queue of {rig}", issue_type="agent", assignee=queue_address(rig),
                   labels=[QUEUE_LABEL], role_type="queue", rig=rig, notes=notes)
    elif bead is not None and notes != (bead.notes or ""):
        led.update(bead.id, notes=notes)


def rig_queue(rig: "Rig") -> list[Queued]:
    """A rig's queued issues, unordered (positions are town-wide: see `list_queue`)."""
    led = rig.ledger()
    entries = _entries(_queue_bead(led, rig.name))
    out = []
    for issue in led.list(status=QUEUED_STATUS, assignee=queue_address(rig.name)):
        e = entries.get(issue.id, {})
        out.append(Queued(issue.id, issue.title, rig.name, issue.priority,
                          str(e.get("at") or issue.updated_at or ""), str(e.get("by") or "?"),
                          str(e.get("target") or rig.name), e.get("agent"), e.get("base"),
                          bool(e.get("convoy", True)), reason=str(e.get("reason") or "")))
    return out


def list_queue(town: "Town", rigs: list[str] | None = None) -> list[Queued]:
    """Every queued issue of the town in the order they start: priority, then age."""
    out: list[Queued] = []
    for rig in town.rigs():
        try:
            out.extend(rig_queue(rig))
        except TownError:
            continue  # an incomplete rig is reported by `gt hooks repair`, not here
    out.sort(key=lambda q: (q.priority, q.queued_at, q.issue))
    for n, q in enumerate(out, 1):
        q.position = n
    return [q for q in out if rigs is None or q.rig in rigs]


# ---------------------------------------------------------------------- changes


def enqueue(town: "Town", rig: "Rig", issue: "Issue", *, target: str, agent: str | None,
            base: str | None, convoy: bool, actor: str, reason: str = "") -> Callable[[], None]:
    """Queue `issue` (checked slingable by the caller); returns the undo. The issue must still
    be as the caller read it: a sling that took it meanwhile wins."""
    from .hooks import now

    led = rig.ledger(actor)
    prev = (issue.status, issue.assignee)
    with led.transaction():
        current = led.get(issue.id)
        if (current.status, current.assignee) != prev:
            raise TownError(f"{issue.id} was just taken ({current.status}, "
                            f"{current.assignee or 'no assignee'}): see `gt hooks list`")
        led.update(issue.id, status=QUEUED_STATUS, assignee=queue_address(rig.name),
                   actor=actor)
        entry = {"at": now(), "by": actor, "target": target, "agent": agent, "base": base,
                 "convoy": convoy, "status": prev[0], "assignee": prev[1]}
        if reason:
            entry["reason"] = reason
        _write(led, rig.name, lambda entries: entries.__setitem__(issue.id, entry))

    def undo() -> None:
        with led.transaction():
            _restore(led, rig.name, issue.id, prev, actor)

    return undo


def _restore(led: "Ledger", rig: str, issue_id: str, prev: tuple[str, str | None],
             actor: str) -> None:
    from ..beads import LedgerError

    try:
        queued = is_queued(led.get(issue_id), rig)
    except LedgerError:
        queued = False  # deleted meanwhile: only its entry is left to drop
    if queued:
        led.update(issue_id, status=prev[0], assignee=prev[1], actor=actor)
    _write(led, rig, lambda entries: entries.pop(issue_id, None))


def forget(led: "Ledger", rig: str, issue_id: str) -> None:
    """The entry of an issue that leaves the queue for a hook, inside the sling's transaction."""
    _write(led, rig, lambda entries: entries.pop(issue_id, None))


def _previous(led: "Ledger", rig: str, issue_id: str) -> tuple[str, str | None]:
    """The status and assignee the issue had before it was queued (open, unassigned if the
    record lost them: back where `bd ready` offers it)."""
    e = _entries(_queue_bead(led, rig)).get(issue_id, {})
    status = e.get("status")
    if status not in ("open", "in_progress", "blocked", "deferred"):
        status = "open"
    return status, e.get("assignee") or None


def queued_entry(town: "Town", issue_id: str) -> Queued | None:
    """The queue's entry for `issue_id` (an id or a unique start of one), if it is queued."""
    from ..beads import LedgerError

    rig = town.rig_for_prefix(issue_id.strip())
    if rig is None or not issue_id.strip():
        return None
    try:
        full = rig.ledger().get(issue_id.strip()).id
    except LedgerError:
        return None
    return next((q for q in list_queue(town) if q.issue == full), None)


def find_queued(town: "Town", issue_id: str) -> Queued:
    """The queued issue `issue_id`, or a one-line refusal that names what is queued."""
    if not issue_id.strip():
        raise usage("give the id of a queued issue: see `gt queue list`")
    hit = queued_entry(town, issue_id)
    if hit is None:
        holder = hooks_mod.hooked_elsewhere(town, issue_id.strip())
        if holder is not None:
            raise usage(f"{issue_id.strip()} is on the hook of {holder.address}, not in the "
                        f"dispatch queue: `gt unsling {holder.rig}/{holder.polecat}` takes "
                        "it off")
        queue = list_queue(town)
        known = ", ".join(q.issue for q in queue[:8]) + (" ..." if len(queue) > 8 else "")
        raise usage(f"{issue_id.strip()} is not in the dispatch queue "
                    f"({'queued: ' + known if queue else 'the queue is empty'}); "
                    "see `gt queue list`")
    return hit


def remove(town: "Town", issue_id: str, actor: str) -> tuple[Queued, str]:
    """Take a queued issue out of the queue; it goes back to the status it had (open: ready
    again). Returns the entry and that status."""
    with sling_lock(town):
        entry = find_queued(town, issue_id)
        led = town.rig(entry.rig).ledger(actor)
        with led.transaction():
            if not is_queued(led.get(entry.issue), entry.rig):
                raise TownError(f"{entry.issue} left the queue meanwhile: see `gt hooks list`")
            prev = _previous(led, entry.rig, entry.issue)
            _restore(led, entry.rig, entry.issue, prev, actor)
    return entry, prev[0]


def held_by(town: "Town", rig: str, agent: str | None,
            hold: Mapping[str, str] | None) -> str:
    """Why work for `rig` slung with `agent` (None: the rig's or town's choice) must wait
    although the town has room: its preset is held by a usage limit; "" when it need not."""
    if not hold:
        return ""
    from .presets import chosen_agent_name

    try:
        return hold.get(chosen_agent_name(town, rig, agent), "")
    except TownError:
        return ""


def drop(town: "Town", entry: Queued, actor: str = "gt") -> str:
    """Take an entry that cannot start out of the queue (its issue back to its old status);
    returns that status. Inside `sling_lock`."""
    led = town.rig(entry.rig).ledger(actor)
    with led.transaction():
        prev = _previous(led, entry.rig, entry.issue)
        _restore(led, entry.rig, entry.issue, prev, actor)
    return prev[0]
