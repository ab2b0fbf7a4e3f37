"""What needs a person: agents waiting on a question or stuck, merge requests a person should
look at, and unread mail to the overseer. One computation for the app's needs-you view, its
status line, the dashboard and `gt status`, each passing the rows it already has."""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable

# Agent states (as the host reports them, plus `stuck`) that wait for a person.
NEEDS_STATES = ("waiting", "stuck")


@dataclasses.dataclass(frozen=True)
class NeedsItem:
    kind: str            # agent | merge | mail
    key: str             # agent name, merge request id or mail id
    text: str


def needs_items(agents: Iterable[Any] = (), merges: Iterable[Any] = (),
                mail: Iterable[Any] = ()) -> list[NeedsItem]:
    """Agents first (name, state, bead), then merge requests (id, needs_you), then unread
    mail (id, sender, subject, unread): any objects with those attributes."""
    items = [NeedsItem("agent", a.name, f"{a.name} is {a.state}"
                       + (f" on {a.bead}" if a.bead else ""))
             for a in agents if a.state in NEEDS_STATES]
    items += [NeedsItem("merge", m.id, m.needs_you) for m in merges if m.needs_you]
    items += [NeedsItem("mail", m.id, f"mail from {m.sender}: {m.subject}")
              for m in mail if m.unread]
    return items
