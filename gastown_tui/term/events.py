"""What the multiplexer tells its subscribers. Small frozen dataclasses, one per kind of change.

Every event names its session. Events are delivered in order, from the frame scheduler, after the
screen has been updated, so a subscriber may read `session.screen` right away.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Event", "LinesChanged", "TitleChanged", "Bell", "Exited", "StateChanged",
           "SessionAdded", "SessionClosed"]


@dataclass(frozen=True, slots=True)
class Event:
    session: str


@dataclass(frozen=True, slots=True)
class LinesChanged(Event):
    """Rows of the visible screen to redraw (0-based), and where the cursor is now. Sent when
    rows changed, or only the cursor moved or a mode the input side reads changed (then `rows`
    is empty)."""

    rows: frozenset[int]
    cursor_x: int
    cursor_y: int
    cursor_visible: bool


@dataclass(frozen=True, slots=True)
class TitleChanged(Event):
    title: str


@dataclass(frozen=True, slots=True)
class Bell(Event):
    count: int


@dataclass(frozen=True, slots=True)
class Exited(Event):
    """The program ended and all its output has been parsed."""

    exit_code: int | None
    exit_signal: int | None


@dataclass(frozen=True, slots=True)
class StateChanged(Event):
    """The agent state changed, or what it is about did (`old` may equal `new`): `reason` says
    what a waiting or limited agent waits on, `resets_at` when a limit ends (epoch seconds)."""

    old: str
    new: str
    reason: str = ""
    resets_at: float | None = None


@dataclass(frozen=True, slots=True)
class SessionAdded(Event):
    pass


@dataclass(frozen=True, slots=True)
class SessionClosed(Event):
    pass
