"""PaneGrid: the terminal panes of the active agents in a grid that fits the window.

The grid shows as many panes as fit at a useful size (`layout.grid_shape`: `MIN_COLS` x
`MIN_ROWS` inside the border); more agents than fit are paged, and moving focus to an agent on
another page shows that page. One pane can be zoomed to the whole area. A grid with fewer panes
than cells lets the first panes span two rows, so no cell stays empty; the direction keys go by
where panes are.
"""

from __future__ import annotations

import math

from textual.containers import Container
from textual.geometry import Region

from ..layout import grid_shape, spans
from ..messages import PanesShown
from .linecache import SteadyLines
from .terminal import TerminalPane

def nearest(source: Region, others: dict[str, Region], direction: str,
            came_from: str | None = None) -> str | None:
    """The region of `others` next to `source` in `direction` (left/right/up/down), as a person
    sees it: of those lying that way, the ones that overlap `source` across the direction come
    first, then the closest; of several side by side, the one the focus `came_from` (back
    where it was, as tmux does), else the top or left one; of those not overlapping, the most
    in line with `source`."""
    horizontal = direction in ("left", "right")
    best: tuple | None = None
    found = None
    for name, r in others.items():
        gap = {"down": r.y - source.bottom, "up": source.y - r.bottom,
               "right": r.x - source.right, "left": source.x - r.right}[direction]
        if gap < 0:
            continue
        if horizontal:
            overlap = min(r.bottom, source.bottom) - max(r.y, source.y)
            off = abs((r.y + r.bottom) - (source.y + source.bottom))
        else:
            overlap = min(r.right, source.right) - max(r.x, source.x)
            off = abs((r.x + r.right) - (source.x + source.right))
        key = (overlap <= 0, gap, name != came_from, off if overlap <= 0 else 0, r.y, r.x)
        if best is None or key < best:
            best, found = key, name
    return found


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

    def __init__(self, *panes: TerminalPane, id: str | None = None) -> None:
        super().__init__(*panes, id=id)
        self.zoomed: str | None = None
        self.page = 0
        self.per_page = 1
        self._shown: list[str] | None = None
        self._by_name: tuple[int, dict[str, TerminalPane]] | None = None

    @property
    def panes(self) -> list[TerminalPane]:
        return [c for c in self.children if isinstance(c, TerminalPane)]

    def pane(self, name: str) -> TerminalPane | None:
        # Asked for every batch of changed lines of every session: no DOM query here, and no
        # walk over 30 panes either while the children stay as they were.
        children = self.children
        cached = self._by_name
        if cached is None or cached[0] != children._updates:
            cached = self._by_name = (children._updates, {
                c.session_name: c for c in reversed(children) if isinstance(c, TerminalPane)})
        return cached[1].get(name)

    def sort_panes(self, key) -> None:
        """Put the panes in the order of `key` (a session name -> a sortable), if they are
        not; the pages follow."""
        panes = self.panes
        wanted = sorted(panes, key=lambda p: key(p.session_name))
        if wanted == panes:
            return
        for i, pane in enumerate(wanted):
            if self.children[i] is not pane:
                self.move_child(pane, before=self.children[i])
        self.arrange_panes()

    def pages(self) -> int:
        return max(1, math.ceil(len(self.panes) / self.per_page))

    def on_resize(self) -> None:
        self.arrange_panes()

    def arrange_panes(self, size: tuple[int, int] | None = None) -> None:
        """Show the panes of the current page (or the zoomed one) in the grid's size, or in
        `size` when it is not laid out yet (the size its layout will give it)."""
        panes = self.panes
        width, height = size or (self.size.width, self.size.height)
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
        shown_panes = [p for p in panes if p.session_name in visible]
        for p, span in zip(shown_panes, spans(len(shown_panes), cols, rows)):
            if p.styles.row_span != span:
                p.styles.row_span = span
        for p in panes:
            hidden = p.session_name not in visible
            if p.has_class("-hidden") and not hidden:
                p.lines_changed(None)  # its rows changed unseen while it was hidden
            p.set_class(hidden, "-hidden")
        shown = [p.session_name for p in panes if p.session_name in visible]
        # Not laid out yet, the grid would say it shows one pane, and the host would drop the
        # screens it sends for the first page (`hosting.attach_early`) only to send them again.
        if shown != self._shown and width and height:
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

    def neighbour(self, name: str, direction: str, came_from: str | None = None) -> str | None:
        """The visible pane next to `name` in `direction` (left/right/up/down), by where the
        panes are on screen (`nearest`)."""
        regions = {p.session_name: p.region for p in self.panes
                   if not p.has_class("-hidden")}
        source = regions.pop(name, None)
        if source is None:
            return next(iter(regions), None)
        return nearest(source, regions, direction, came_from)
