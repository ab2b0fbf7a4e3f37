"""What the sidebar shows: plain rows gathered from the town and the host, rendered by panels.

Panels only ever see these dataclasses, so snapshot tests can hand them fixed content and the
gathering (ledger reads, host state) stays in one place (`gather.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
NEEDS_ME_STATES = ("waiting", "stuck")


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
    reason: str = ""     # what a waiting or limited agent waits on, as its screen says
    resets_at: float | None = None  # when its usage limit resets (epoch seconds), if known

    @property
    def needs_me(self) -> bool:
        return self.state in NEEDS_ME_STATES

    @property
    def status(self) -> str:
        """The state in words: `waiting: trust this folder?`, `limited: session limit, until
        15:00`."""
        from ..commands.live_views import why

        detail = why(self.reason, self.resets_at)
        return self.state if detail == "-" else f"{self.state}: {detail}"


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
    state: str           # created | active | suspended | completed | archived
    bead: str
    branch: str = ""
    ahead: int = 0
    dirty: bool = False
    kind: str = "polecats"  # polecats | crew: the middle of its mail address


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
class NeedsMeItem:
    kind: str            # agent | mail
    key: str             # agent name or mail id
    text: str


@dataclass
class TownView:
    town: str = ""
    agents: list[AgentRow] = field(default_factory=list)
    convoys: list[ConvoyRow] = field(default_factory=list)
    hooks: list[HookRow] = field(default_factory=list)
    mail: list[MailRow] = field(default_factory=list)
    work: list[WorkRow] = field(default_factory=list)
    unread_by: dict[str, int] = field(default_factory=dict)  # mail address -> unread count

    @property
    def unread(self) -> int:
        return sum(1 for m in self.mail if m.unread)

    def needs_me(self) -> list[NeedsMeItem]:
        items = [NeedsMeItem("agent", a.name, f"{a.name} is {a.status}"
                             + (f" on {a.bead}" if a.bead else ""))
                 for a in self.agents if a.needs_me]
        items += [NeedsMeItem("mail", m.id, f"mail from {m.sender}: {m.subject}")
                  for m in self.mail if m.unread]
        return items

    def agent(self, name: str) -> AgentRow | None:
        return next((a for a in self.agents if a.name == name), None)
