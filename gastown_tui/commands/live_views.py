"""What `gt agents` and `gt nudge` show, in a module that imports no click: the registry's
commands, the fast path of `fast.py` (agents call `gt agents` in loops) and the app's own
nudge render the same rows and lines."""

from __future__ import annotations

from ..town.needs import why
from .render import table, to_jsonable, view


@view
class AgentRow:
    name: str
    role: str
    rig: str | None
    agent: str | None
    pid: int | None
    state: str
    hook: str | None
    hook_state: str | None
    stalled: bool
    uptime: float | None
    last_activity: float | None
    # What a waiting or limited agent waits on ("trust this folder?", "usage limit"), and
    # when a limit resets (epoch seconds), as its screen says.
    reason: str = ""
    resets_at: float | None = None

    @classmethod
    def of(cls, info) -> "AgentRow":
        """The row for the host's `api.AgentInfo`."""
        return cls(*(getattr(info, n) for n in cls.__view_fields__))


def age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


@view
class Agents:
    rows: list[AgentRow]

    def to_json(self) -> list[dict]:
        return [to_jsonable(r) for r in self.rows]

    def render_text(self) -> str:
        # Work in the dispatch queue has no agent yet: a line under the table, in start order.
        running = [r for r in self.rows if r.role != "queued"]
        queued = [r.hook or "?" for r in self.rows if r.role == "queued"]
        text = table([[r.name, r.role, r.agent or "-", str(r.pid or "-"), r.state,
                       r.hook or "-", r.hook_state or "-", age(r.uptime),
                       age(r.last_activity), why(r.reason, r.resets_at) or "-"] for r in running],
                     ["NAME", "ROLE", "AGENT", "PID", "STATE", "HOOK", "HOOK STATE", "UPTIME",
                      "LAST ACTIVE", "WHY"], keep=["NAME", "PID", "HOOK"]) if running else \
            "no agents running (sling work with `gt sling ISSUE RIG`)"
        if queued:
            shown = ", ".join(queued[:10]) + (f" and {len(queued) - 10} more"
                                              if len(queued) > 10 else "")
            text += (f"\n{len(queued)} queued for a free polecat, next first: {shown} "
                     "(`gt queue list`)")
        return text


@view
class NudgeResult:
    agent: str
    mode: str
    delivered: bool
    queued: bool
    attempts: int | None = None

    def render_text(self) -> str:
        if self.delivered:
            return f"nudged {self.agent}: typed, submitted and seen on its screen"
        return f"queued for {self.agent}: delivered when it is next idle"
