"""What `gt agents` shows, in a module that imports no click: the registry's command and the
fast path of `fast.py` (agents call `gt agents` in loops) render the same rows."""

from __future__ import annotations

import datetime as dt

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
    # What a waiting or limited agent waits on ("trust this folder?", "session limit"), and
    # when a limit resets (epoch seconds), as its screen says. Absent from older hosts.
    reason: str = ""
    resets_at: float | None = None


def until(epoch: float | None) -> str:
    """A reset time as a person reads it: 15:00 today, else Dec 9 15:09."""
    if epoch is None:
        return ""
    when = dt.datetime.fromtimestamp(epoch)
    same_day = when.date() == dt.date.today()
    return "until " + when.strftime("%H:%M" if same_day else "%b %-d %H:%M")


def why(reason: str, resets_at: float | None) -> str:
    return ", ".join(part for part in (reason, until(resets_at)) if part) or "-"


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
        if not self.rows:
            return "no agents running (sling work with `gt sling ISSUE RIG`)"
        return table([[r.name, r.role, r.agent or "-", str(r.pid or "-"), r.state,
                       r.hook or "-", r.hook_state or "-", age(r.uptime),
                       age(r.last_activity), why(r.reason, r.resets_at)] for r in self.rows],
                     ["NAME", "ROLE", "AGENT", "PID", "STATE", "HOOK", "HOOK STATE", "UPTIME",
                      "LAST ACTIVE", "WHY"])
