"""When terminal panes reach the terminal: the echo of a key at once, the rest spread over frames.

A pane with focus redraws its changed rows at once (its echo is what the person waits for), and
while keys are being typed into it those rows are put on the terminal right away (`draw_now`)
instead of at the screen's next frame; the other panes hand their changes to
`BackgroundRedraws`, which draws each of them at most every BACKGROUND_S, PANES_PER_SLOT panes
per SLOT_S.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

BACKGROUND_S = 0.2  # how often a pane without focus redraws while its program streams
# Textual draws one frame from the box around every region refreshed since the last one: 8 busy
# panes drawn together made 10-30 ms frames that a key's echo waited behind, while one pane per
# frame paid a frame's fixed work 40 times a second (app CPU +6% of a core). PANES_PER_SLOT
# panes every SLOT_S (longer than a 60 fps frame, so two slots rarely share one) sits between,
# and 8 panes still fit in one BACKGROUND_S.
SLOT_S = 0.04
PANES_PER_SLOT = 2
# Output of a focused pane this soon after a key is taken as the key's echo (`draw_now`).
ECHO_WINDOW_S = 0.5


def draw_now(widget: Any) -> None:
    """Put `widget`'s refreshed regions on the terminal now. A refresh normally reaches the
    terminal after four message hops and the screen's frame timer: 5-30 ms on a loop busy with
    30 streaming sessions, most of a key's echo time. Only this widget is drawn; other widgets
    waiting for the next frame keep waiting for it. Skipped (the normal frame draws it) while
    a layout is pending or another screen is on top."""
    if not widget.is_attached:
        return
    screen = widget.screen
    app = widget.app
    if app.screen is not screen or app._batch_count or screen._layout_required:
        return
    compositor = screen._compositor
    if widget not in compositor.visible_widgets:
        return
    waiting = set(screen._dirty_widgets)
    compositor.update_widgets({widget})
    screen._compositor_refresh()
    screen._dirty_widgets.update(waiting - {widget})


class Redrawn(Protocol):
    """What the queue needs of a pane (`terminal.TerminalPane`)."""

    background_drawn_at: float

    @property
    def is_attached(self) -> bool: ...

    def flush_pending(self) -> None: ...


class BackgroundRedraws:
    """One queue for every pane without focus: the panes that have waited longest and are due
    are drawn in the next free slot. Plain loop callbacks, not Textual timers (each is a task)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.pending: dict[Redrawn, None] = {}  # in the order they started waiting
        self.handle: asyncio.TimerHandle | None = None
        self.next_slot = 0.0

    @classmethod
    def of(cls, app: Any) -> "BackgroundRedraws":
        batch = getattr(app, "_gastown_background_redraws", None)
        if batch is None:
            batch = cls(app)
            app._gastown_background_redraws = batch
        return batch

    def add(self, pane: Redrawn) -> None:
        self.pending[pane] = None  # a pane already waiting keeps its place
        self._arm()

    def _arm(self) -> None:
        if self.handle is not None or not self.pending:
            return
        loop = asyncio.get_running_loop()
        due = min(pane.background_drawn_at for pane in self.pending) + BACKGROUND_S
        self.handle = loop.call_at(max(due, self.next_slot, loop.time()), self._draw_slot)

    def _draw_slot(self) -> None:
        self.handle = None
        now = asyncio.get_running_loop().time()
        due = [p for p in self.pending if p.background_drawn_at + BACKGROUND_S <= now]
        for pane in due[:PANES_PER_SLOT]:
            del self.pending[pane]
            self.next_slot = now + SLOT_S
            if pane.is_attached:
                pane.background_drawn_at = now
                pane.flush_pending()
        self._arm()
