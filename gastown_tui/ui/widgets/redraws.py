"""Redraws of terminal panes without focus, batched across panes.

A pane with focus redraws its changed rows at once (its echo is what the person waits for);
the others hand their changes to `BackgroundRedraws`, which draws them all in one frame every
BACKGROUND_S.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .terminal import TerminalPane

BACKGROUND_S = 0.2  # how often a pane without focus redraws while its program streams


class BackgroundRedraws:
    """One timer for every pane without focus: their changes are drawn together, in one frame
    every BACKGROUND_S, instead of one frame per pane (each frame costs a compositor pass)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.pending: set[TerminalPane] = set()
        self.timer: Any = None

    @classmethod
    def of(cls, app: Any) -> "BackgroundRedraws":
        batch = getattr(app, "_gastown_background_redraws", None)
        if batch is None:
            batch = cls(app)
            app._gastown_background_redraws = batch
        return batch

    def add(self, pane: TerminalPane) -> None:
        self.pending.add(pane)
        if self.timer is None:
            self.timer = self.app.set_timer(BACKGROUND_S, self.flush)

    def flush(self) -> None:
        self.timer = None
        panes, self.pending = self.pending, set()
        for pane in panes:
            if pane.is_attached:
                pane.flush_pending()
