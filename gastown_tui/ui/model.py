"""What the sidebar shows: plain rows gathered from the town and the host, rendered by panels.

Panels only ever see these dataclasses, so snapshot tests can hand them fixed content and the
gathering (ledger reads, host state) stays in one place (`gather.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..town.needs import NEEDS_STATES, NeedsItem as NeedsMeItem, needs_items, status, why

# Agent states as the terminal engine and the host report them, plus `stuck` (hooked work with
# no progress for the stall time) and `suspended` (hook parked, no process).
STATE_ICONS = {
    "busy": ("●", "$success"),
    "waiting": ("◆", "$warning"),
    "idle": ("○", "$text-muted"),
    "limited": ("◷", "$warning"),
    "stuck": ("▲", "$error"),
    "exited": ("✕", "$error"),
    "suspended": ("‖", "$text-muted"),
    "unknown": ("·", "$text-muted"),
}


@dataclass(frozen=True)
class AgentRow:
    name: str            # the session name (also the pane's)
    role: str            # polecat | crew | mayor | ...
    rig: str
    state: str
    bead: str = ""       # the bead on its hook
    title: str = ""      # the bead's title
    unread: int = 0      # unread mail addressed to the agent
    address: str = ""    # its mail address, e.g. demo/polecats/nux
    parked: bool = False  # its hook is suspended (also when it shows as stuck): x resumes it
    cost: str = ""       # today's cost ("-": nothing recorded); "" in views without costs
    reason: str = ""     # what a waiting or limited agent waits on, as its screen says
    resets_at: float | None = None  # when its usage limit resets (epoch seconds), if known

    @property
    def needs_me(self) -> bool:
        return self.state in NEEDS_STATES

    @property
    def detail(self) -> str:
        """What a waiting or limited agent waits on and until when ("" when unsaid)."""
        return why(self.reason, self.resets_at)

    @property
    def status(self) -> str:
        """The state in words: `waiting: trust this folder?`, `limited: usage limit, until
        15:00`."""
        return status(self.state, self.reason, self.resets_at)


@dataclass(frozen=True)
class ConvoyRow:
    id: str
    title: str
    done: int
    total: int
    landed: bool


@dataclass(frozen=True)
class HookRow:
    agent: str
    rig: str
    state: str           # created | active | suspended | completed | archived | queued
    bead: str
    branch: str = ""
    ahead: int = 0
    dirty: bool = False
    kind: str = "polecats"  # polecats | crew: the middle of its mail address; queue: waiting
    reason: str = ""        # why it is suspended, when it says
    merge: str = ""         # its merge request's state (queued, waiting review, conflict, ...)
    since: str = ""      # when the work was slung to it (the hook's creation, RFC 3339)


@dataclass(frozen=True)
class MailRow:
    id: str
    sender: str
    subject: str
    unread: bool
    urgent: bool = False
    sent: str = ""       # when (RFC 3339)


@dataclass(frozen=True)
class WorkRow:
    id: str
    title: str
    rig: str
    priority: int = 2
    issue_type: str = "task"


@dataclass(frozen=True)
class MergeRow:
    """A merge request of a rig's queue (`gt mq list`)."""
    id: str
    rig: str
    state: str           # queued, gating, waiting review, merged, conflict, gate failed, ...
    issue: str = ""
    agent: str = ""
    reason: str = ""
    needs_you: str = ""  # why a person should look (rejected too often, its agent stuck)


def plural(count: int, word: str) -> str:
    """"1 convoy", "2 convoys", "0 agents"."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


@dataclass(frozen=True)
class Counts:
    """The numbers the status line and the panels' titles show, worked out once from one
    view, so they always agree; with the view's `status` they are `gt status`'s own."""

    agents: int
    busy: int
    waiting: int
    limited: int         # stopped by a usage or rate limit until it resets
    convoys: int         # open ones; landed ones are listed (dimmed) but not counted
    landed: int
    unread: int
    reviews: int         # merge requests waiting for a person's review
    needs_you: int
    queued: int = 0      # issues in the dispatch queue
    merging: int = 0     # open merge requests in the rigs' queues
    tokens_today: int = 0
    cost_today: float | None = 0.0   # None: only unpriced models today
    unpriced_today: int = 0          # tokens today of models without a price


@dataclass
class TownView:
    town: str = ""
    agents: list[AgentRow] = field(default_factory=list)
    convoys: list[ConvoyRow] = field(default_factory=list)
    hooks: list[HookRow] = field(default_factory=list)
    # Work in the dispatch queue (state queued, agent "<rig>/queue#<place>"), in start order.
    queued: list[HookRow] = field(default_factory=list)
    mail: list[MailRow] = field(default_factory=list)
    work: list[WorkRow] = field(default_factory=list)
    merges: list[MergeRow] = field(default_factory=list)
    unread_by: dict[str, int] = field(default_factory=dict)  # mail address -> unread count
    costs: dict[str, str] = field(default_factory=dict)  # agent address -> today's cost
    # `town.status.TownStatus` for the status line (None: counted from these rows instead)
    status: Any = None
    theme: str | None = None  # the town's `theme` setting

    @property
    def unread(self) -> int:
        return sum(1 for m in self.mail if m.unread)

    def needs_me(self) -> list[NeedsMeItem]:
        return needs_items(self.agents, self.merges, self.mail)

    def agent(self, name: str) -> AgentRow | None:
        return next((a for a in self.agents if a.name == name), None)

    def counts(self) -> Counts:
        s = self.status
        if s is None:
            states: dict[str, int] = {}
            for a in self.agents:
                states[a.state] = states.get(a.state, 0) + 1
            agents, needs = len(self.agents), len(self.needs_me())
        else:
            # `gt status`'s numbers (`town.status.town_status`), the same function.
            states, agents, needs = s.agents, sum(s.agents.values()), len(s.needs)
        return Counts(agents=agents,
                      busy=states.get("busy", 0),
                      waiting=states.get("waiting", 0),
                      limited=states.get("limited", 0),
                      convoys=sum(1 for c in self.convoys if not c.landed),
                      landed=sum(1 for c in self.convoys if c.landed),
                      unread=self.unread,
                      reviews=sum(1 for m in self.merges if m.state == "waiting review"),
                      needs_you=needs,
                      queued=s.queued if s is not None else 0,
                      merging=sum(s.merges.values()) if s is not None else 0,
                      tokens_today=s.tokens_today if s is not None else 0,
                      cost_today=s.cost_today if s is not None else 0.0,
                      unpriced_today=s.unpriced_today if s is not None else 0)


def agent_rows(infos: list, view: TownView, fixed: list[AgentRow] = ()) -> list[AgentRow]:
    """The Agents panel's rows: `fixed` ones first (an app started with fixed content), then
    the host's (`host.api.AgentInfo`, states worked out by the host), then the agents parked
    on a suspended hook, which stay listed (‖) so the key that suspended them resumes them.
    The app and the dashboard both use this."""
    rows = list(fixed)
    shown = {row.name for row in rows}
    # The bead on an agent's hook as the Hooks panel shows it (the ledger's, read in the same
    # refresh), so its row, its pane's title and the panel agree.
    hooked = {hook.agent: hook.bead for hook in view.hooks}
    for info in infos:
        if info.name in shown:
            continue
        address = info.address or ""
        rows.append(AgentRow(name=info.name, role=info.role, rig=info.rig or "",
                             state=info.state, bead=hooked.get(info.name, info.hook or ""),
                             unread=view.unread_by.get(address, 0), address=address,
                             cost=view.costs.get(address, "-") if view.costs else "",
                             parked=info.state == "suspended"
                             or info.hook_state == "suspended",
                             reason=getattr(info, "reason", ""),
                             resets_at=getattr(info, "resets_at", None)))
        shown.add(info.name)
    for hook in view.hooks:
        if hook.state == "suspended" and hook.agent not in shown:
            address = f"{hook.rig}/{hook.kind}/{hook.agent.rpartition('/')[2]}"
            rows.append(AgentRow(name=hook.agent, role="crew" if hook.kind == "crew"
                                 else "polecat", rig=hook.rig, state="suspended",
                                 bead=hook.bead, unread=view.unread_by.get(address, 0),
                                 address=address, parked=True))
    return rows
