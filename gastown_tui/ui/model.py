"""What the sidebar shows: plain rows gathered from the town and the host, rendered by panels.

Panels only ever see these dataclasses, so snapshot tests can hand them fixed content and the
gathering (ledger reads, host state) stays in one place (`gather.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..town.needs import NEEDS_STATES, NeedsItem as NeedsMeItem, needs_items

# Agent states as the terminal engine and the host report them, plus `stuck` (hooked work with
# no progress for the stall time) and `suspended` (hook parked, no process).
STATE_ICONS = {
    "busy": ("●", "$success"),
    "waiting": ("◆", "$warning"),
    "idle": ("○", "$text-muted"),
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

    @property
    def needs_me(self) -> bool:
        return self.state in NEEDS_STATES


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


@dataclass(frozen=True)
class MailRow:
    id: str
    sender: str
    subject: str
    unread: bool
    urgent: bool = False


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

    @property
    def unread(self) -> int:
        return sum(1 for m in self.mail if m.unread)

    def needs_me(self) -> list[NeedsMeItem]:
        return needs_items(self.agents, self.merges, self.mail)

    def agent(self, name: str) -> AgentRow | None:
        return next((a for a in self.agents if a.name == name), None)


def agent_rows(infos: list, view: TownView, fixed: list[AgentRow] = ()) -> list[AgentRow]:
    """The Agents panel's rows: `fixed` ones first (an app started with fixed content), then
    the host's (`host.api.AgentInfo`, states worked out by the host), then the agents parked
    on a suspended hook, which stay listed (‖) so the key that suspended them resumes them.
    The app and the dashboard both use this."""
    rows = list(fixed)
    shown = {row.name for row in rows}
    for info in infos:
        if info.name in shown:
            continue
        address = info.address or ""
        rows.append(AgentRow(name=info.name, role=info.role, rig=info.rig or "",
                             state=info.state, bead=info.hook or "",
                             unread=view.unread_by.get(address, 0), address=address,
                             parked=info.state == "suspended"
                             or info.hook_state == "suspended"))
        shown.add(info.name)
    for hook in view.hooks:
        if hook.state == "suspended" and hook.agent not in shown:
            address = f"{hook.rig}/{hook.kind}/{hook.agent.rpartition('/')[2]}"
            rows.append(AgentRow(name=hook.agent, role="crew" if hook.kind == "crew"
                                 else "polecat", rig=hook.rig, state="suspended",
                                 bead=hook.bead, unread=view.unread_by.get(address, 0),
                                 address=address, parked=True))
    return rows
