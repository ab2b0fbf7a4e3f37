"""What needs a person: agents waiting on a question or stuck, merge requests a person should
look at, and unread mail to the overseer. One computation for the app's needs-you view, its
status line, the dashboard and `gt status`, each passing the rows it already has."""

from __future__ import annotations

import dataclasses
import datetime as _dt
from typing import Any, Iterable

from .addresses import shown_address

# Agent states (as the host reports them, plus `stuck`) that wait for a person.
NEEDS_STATES = ("waiting", "stuck")


def until(epoch: float | None) -> str:
    """A reset time as a person reads it: `until 15:00` today, else `until Dec 9 15:09`."""
    if epoch is None:
        return ""
    when = _dt.datetime.fromtimestamp(epoch)
    same_day = when.date() == _dt.date.today()
    return "until " + when.strftime("%H:%M" if same_day else "%b %-d %H:%M")


def why(reason: str, resets_at: float | None) -> str:
    """What a waiting or limited agent waits on, in words ("" when its screen does not say)."""
    return ", ".join(part for part in (reason, until(resets_at)) if part)


def status(state: str, reason: str = "", resets_at: float | None = None) -> str:
    """The state with what it is about: `waiting: trust this folder?`, `limited: usage limit,
    until 15:00`, else the bare state."""
    detail = why(reason, resets_at)
    return f"{state}: {detail}" if detail else state


@dataclasses.dataclass(frozen=True)
class NeedsItem:
    kind: str            # agent | merge | mail
    key: str             # agent name, merge request id or mail id
    text: str


def needs_items(agents: Iterable[Any] = (), merges: Iterable[Any] = (),
                mail: Iterable[Any] = ()) -> list[NeedsItem]:
    """Agents first (name, state, bead; reason and resets_at when they have them), then merge
    requests (id, needs_you), then unread mail (id, sender, subject, unread): any objects with
    those attributes."""
    items = [NeedsItem("agent", a.name, f"{a.name} is "
                       + status(a.state, getattr(a, "reason", ""), getattr(a, "resets_at", None))
                       + (f" on {a.bead}" if a.bead else ""))
             for a in agents if a.state in NEEDS_STATES]
    items += [NeedsItem("merge", m.id, m.needs_you) for m in merges if m.needs_you]
    items += [NeedsItem("mail", m.id, f"mail from {shown_address(m.sender)}: {m.subject}")
              for m in mail if m.unread]
    return items
