"""Redraws of terminal panes without focus, spread over frames.

A pane with focus redraws its changed rows at once (its echo is what the person waits for);
the others hand their changes to `BackgroundRedraws`, which draws each of them at most every
BACKGROUND_S, one pane per SLOT_S.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .terminal import TerminalPane

BACKGROUND_S = 0.2  # how often a pane without focus redraws while its program streams
# Textual draws one frame from the union box of every region refreshed since the last one, and
# every widget inside that box is rendered again: 8 busy panes drawn in one frame cost 10-30 ms,
# and a key's echo waits behind that frame. One pane per slot (a bit longer than a 60 fps
# frame) keeps each frame small; 9 panes still fit in one BACKGROUND_S.
SLOT_S = 0.02


class BackgroundRedraws:
    """One queue for every pane without focus: the pane that has waited longest and is due is
    drawn in the next free slot. Plain loop callbacks, not Textual timers (a timer is a task)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.pending: dict[TerminalPane, None] = {}  # in the order they started waiting
        self.handle: asyncio.TimerHandle | None = None
        self.next_slot = 0.0

    @classmethod
    def of(cls, app: Any) -> "BackgroundRedraws":
        batch = getattr(app, "_gastown_background_redraws", None)
        if batch is None:
            batch = cls(app)
            app._gastown_background_redraws = batch
        return batch

    def add(self, pane: TerminalPane) -> None:
        self.pending[pane] = None  # a pane already waiting keeps its place
        self._arm()

    def _arm(self) -> None:
        if self.handle is not None or not self.pending:
            return
        loop = asyncio.get_running_loop()
        due = min(pane.background_drawn_at for pane in self.pending) + BACKGROUND_S
        self.handle = loop.call_at(max(due, self.next_slot, loop.time()), self._draw_one)

    def _draw_one(self) -> None:
        self.handle = None
        now = asyncio.get_running_loop().time()
        pane = next((p for p in self.pending if p.background_drawn_at + BACKGROUND_S <= now),
                    None)
        if pane is not None:
            del self.pending[pane]
            self.next_slot = now + SLOT_S
            if pane.is_attached:
                pane.background_drawn_at = now
                pane.flush_pending()
        self._arm()
