"""PaneGrid: the terminal panes of the active agents in a grid that fits the window.

The grid shows as many panes as fit at a useful size (`MIN_COLS` x `MIN_ROWS` inside the
border); more agents than fit are paged, and moving focus to an agent on another page shows that
page. One pane can be zoomed to the whole area.
"""

from __future__ import annotations

import math

from textual.containers import Container

from ..messages import PanesShown
from .linecache import SteadyLines
from .terminal import TerminalPane

MIN_COLS = 40   # a pane narrower than this wraps most agent UIs into noise
MIN_ROWS = 8
BORDER = 2


def grid_shape(count: int, width: int, height: int) -> tuple[int, int]:
    """(columns, rows) of panes for `count` panes in `width` x `height` cells.

    Picks the shape that shows the most panes (up to `count`) at the minimum size, then the one
    whose panes are closest to a terminal's usual 80x24 aspect with the fewest empty cells.
    """
    if count <= 0:
        return 1, 1
    max_c = max(1, width // (MIN_COLS + BORDER))
    max_r = max(1, height // (MIN_ROWS + BORDER))
    best: tuple[tuple[int, float], int, int] | None = None
    for cols in range(1, max_c + 1):
        for rows in range(1, max_r + 1):
            shown = min(count, cols * rows)
            if cols * rows - shown >= max(cols, rows):
                continue  # a whole row or column would stay empty
            pane_w, pane_h = width / cols, height / rows
            aspect = abs(math.log((pane_w / max(pane_h, 1)) / (80 / 24 * 0.75)))
            # An empty cell wastes as much as a pane a third off the usual aspect.
            score = (-shown, aspect + 0.3 * (cols * rows - shown))
            if best is None or score < best[0]:
                best = (score, cols, rows)
    if best is None:
        return 1, 1
    return best[1], best[2]


class PaneGrid(SteadyLines, Container):
    """Holds every pane; shows one page of them (or the zoomed one)."""

    DEFAULT_CSS = """
    PaneGrid {
        layout: grid;
        grid-gutter: 0;
        height: 1fr;
        width: 1fr;
    }
    PaneGrid > .-hidden { display: none; }
    """

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.zoomed: str | None = None
        self.page = 0
        self.per_page = 1
        self._shown: list[str] | None = None

    @property
    def panes(self) -> list[TerminalPane]:
        return [c for c in self.children if isinstance(c, TerminalPane)]

    def pane(self, name: str) -> TerminalPane | None:
        # Asked for every batch of changed lines of every session: no DOM query here.
        for child in self.children:
            if isinstance(child, TerminalPane) and child.session_name == name:
                return child
        return None

    def pages(self) -> int:
        return max(1, math.ceil(len(self.panes) / self.per_page))

    def on_resize(self) -> None:
        self.arrange_panes()

    def arrange_panes(self) -> None:
        panes = self.panes
        width, height = self.size.width, self.size.height
        if self.zoomed is not None and self.pane(self.zoomed) is None:
            self.zoomed = None
        if self.zoomed is not None:
            cols, rows = 1, 1
            visible = {self.zoomed}
        else:
            cols, rows = grid_shape(len(panes), width, height)
            self.per_page = cols * rows
            self.page = min(self.page, self.pages() - 1)
            start = self.page * self.per_page
            shown = panes[start:start + self.per_page]
            visible = {p.session_name for p in shown}
            if len(shown) < cols * rows:
                cols, rows = grid_shape(len(shown), width, height)
        self.styles.grid_size_columns = cols
        self.styles.grid_size_rows = rows
        for p in panes:
            hidden = p.session_name not in visible
            if p.has_class("-hidden") and not hidden:
                p.lines_changed(None)  # its rows changed unseen while it was hidden
            p.set_class(hidden, "-hidden")
        shown = [p.session_name for p in panes if p.session_name in visible]
        if shown != self._shown:
            self._shown = shown
            self.post_message(PanesShown(shown))

    def show(self, name: str) -> None:
        """Make `name`'s pane visible (turning the page if needed)."""
        panes = self.panes
        names = [p.session_name for p in panes]
        if name not in names:
            return
        if self.zoomed is not None and self.zoomed != name:
            self.zoomed = name
        elif self.zoomed is None:
            self.page = names.index(name) // max(1, self.per_page)
        self.arrange_panes()

    def toggle_zoom(self, name: str) -> None:
        self.zoomed = None if self.zoomed == name else name
        if self.zoomed is None:
            self.show(name)
        self.arrange_panes()

    def visible_names(self) -> list[str]:
        return [p.session_name for p in self.panes if not p.has_class("-hidden")]

    def neighbour(self, name: str, direction: str) -> str | None:
        """The visible pane next to `name` in `direction` (left/right/up/down), by grid cell."""
        names = self.visible_names()
        if name not in names:
            return names[0] if names else None
        cols = max(1, int(self.styles.grid_size_columns or 1))
        i = names.index(name)
        row, col = divmod(i, cols)
        step = {"left": (0, -1), "right": (0, 1), "up": (-1, 0), "down": (1, 0)}[direction]
        r, c = row + step[0], col + step[1]
        j = r * cols + c
        if 0 <= c < cols and r >= 0 and j < len(names):
            return names[j]
        return None
