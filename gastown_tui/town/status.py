"""One view of the whole town (`gt status`, and later the app's status bar and the dashboard's
header): per rig its agents by state, the dispatch and merge queues and today's cost; the
oldest stalled agent; what needs a person.

Agents' states come from the running host's `agents` reply when there is one (busy, idle,
waiting, stuck, ...); without a host, from the ledger's hooks (created, active, suspended,
stuck), and the result says which it is.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import time
from typing import TYPE_CHECKING, Any, Mapping

from .needs import NeedsItem, needs_items

if TYPE_CHECKING:
    from .costs import CostReport
    from .model import Town


@dataclasses.dataclass
class AgentState:
    name: str
    rig: str
    state: str
    bead: str = ""
    idle: float | None = None    # seconds without progress, when known
    stalled: bool = False
    reason: str = ""             # what a waiting or limited agent waits on
    resets_at: float | None = None   # when a limited agent's limit ends (epoch seconds)


@dataclasses.dataclass
class RigStatus:
    rig: str
    agents: dict[str, int]       # state -> how many
    queued: int                  # issues in the dispatch queue
    merges: dict[str, int]       # open merge requests by state
    tokens_today: int = 0
    cost_today: float | None = 0.0   # None: only unpriced models today


@dataclasses.dataclass
class TownStatus:
    town: str
    live: bool                   # states from a running host (else from the ledger's hooks)
    note: str                    # where the states come from, in words
    rigs: list[RigStatus]
    mayor: str | None            # the Mayor's state, when a host runs one
    agents: dict[str, int]
    queued: int
    merges: dict[str, int]
    tokens_today: int
    cost_today: float | None
    unpriced_today: int          # tokens today of models without a price
    oldest_stalled: AgentState | None
    needs: list[NeedsItem]


@dataclasses.dataclass
class _Mail:
    id: str
    sender: str
    subject: str
    unread: bool = True


def town_status(town: "Town", live: list[dict[str, Any]] | None, note: str = "",
                environ: Mapping[str, str] | None = None,
                costs: "CostReport | None" = None) -> TownStatus:
    """The status of `town`; `live` is the running host's `agents` reply, None without one
    (`note` then says why, e.g. that no host runs). `costs`: today's report by rig, when the
    caller keeps one (the app reads it less often than the rest)."""
    from .costs import cost_report, today_start
    from .mail import inbox
    from .mq import all_mrs
    from .queue import list_queue

    agents = _from_host(live) if live is not None else _from_hooks(town)
    rig_names = [r.name for r in town.rigs()]
    queue = list_queue(town)
    mrs = all_mrs(town, include_closed=True)
    report = costs if costs is not None else cost_report(town, "rig", today_start(), environ)
    costs = {row.key: row for row in report.rows}
    rigs = []
    for name in rig_names:
        spent = costs.get(name)
        rigs.append(RigStatus(
            name, _count(a.state for a in agents if a.rig == name),
            sum(1 for q in queue if q.rig == name),
            _count(m.label for m in mrs if m.rig == name and m.open),
            spent.tokens.total if spent else 0, spent.cost if spent else 0.0))
    mayor = next((a.state for a in agents if a.name == "mayor"), None)
    spent_all = list(costs.values())
    cost = None if spent_all and all(r.cost is None for r in spent_all) else \
        sum(r.cost or 0.0 for r in spent_all)
    stalled = [a for a in agents if a.stalled or a.state == "stuck"]
    oldest = max(stalled, key=lambda a: a.idle or 0.0) if stalled else None
    mail = [_Mail(m.id, m.sender, m.subject) for m in inbox(town, "overseer", unread=True)]
    return TownStatus(
        town.name, live is not None, note or ("agents from the running host" if live is not None
                                              else "no host runs: agents from the ledger's "
                                              "hooks"),
        rigs, mayor, _count(a.state for a in agents if a.name != "mayor"), len(queue),
        _count(m.label for m in mrs if m.open), sum(r.tokens.total for r in spent_all),
        cost, sum(r.unpriced for r in spent_all), oldest,
        needs_items(agents, [m for m in mrs if m.needs_you], mail))


def _from_host(rows: list[dict[str, Any]]) -> list[AgentState]:
    return [AgentState(str(r.get("name")), str(r.get("rig") or ""),
                       str(r.get("state") or "unknown"), str(r.get("hook") or ""),
                       r.get("last_activity"), bool(r.get("stalled")),
                       str(r.get("reason") or ""), r.get("resets_at"))
            for r in rows if r.get("role") != "queued"]


def _from_hooks(town: "Town") -> list[AgentState]:
    from .hooks import all_hooks

    now = time.time()
    out = []
    for hook in all_hooks(town):
        if not hook.live and not hook.stuck:
            continue
        idle = None
        if hook.last_activity:
            try:
                idle = now - _dt.datetime.fromisoformat(hook.last_activity).timestamp()
            except ValueError:
                idle = None
        out.append(AgentState(hook.session, hook.rig, "stuck" if hook.stuck else hook.state,
                              hook.issue or "", idle, hook.stuck))
    return out


def _count(states) -> dict[str, int]:
    out: dict[str, int] = {}
    for state in states:
        out[state] = out.get(state, 0) + 1
    return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))

