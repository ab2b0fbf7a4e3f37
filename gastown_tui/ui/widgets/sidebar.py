"""The sidebar: the panels stacked in the height there is. Each panel gets the rows its content
wants while they all fit, the last one stretching to the bottom; when they do not, the height is
shared fairly (a panel that wants little gets it all, the others an equal share of the rest)
and each panel scrolls its own rows. Only when even a few rows each do not fit does the sidebar
itself scroll."""

from __future__ import annotations

from textual.geometry import Size

from .linecache import SteadyVerticalScroll

FLOOR = 4  # a panel's border and two rows, if it has that many
LEAST = 3  # its border and one row: what each keeps when there is not room for FLOOR each


def share(wants: list[int], height: int, floor: int = FLOOR) -> list[int]:
    """Heights for panels that want `wants` rows (borders included) in `height` rows."""
    if not wants:
        return []
    if sum(wants) <= height:
        return wants[:-1] + [wants[-1] + height - sum(wants)]
    # Six panels at 80x24: a row each rather than a sidebar that scrolls.
    floor = max(LEAST, min(floor, height // len(wants)))
    floors = [min(want, floor) for want in wants]
    if sum(floors) >= height:
        return floors
    # Water-filling: the largest level every panel can have (capped by its want).
    order = sorted(range(len(wants)), key=lambda i: wants[i])
    heights = list(floors)
    left = height - sum(floors)
    for n, i in enumerate(order):
        waiting = len(order) - n
        fair = left // waiting
        more = min(wants[i] - heights[i], fair + (1 if left % waiting and
                                                   wants[i] - heights[i] > fair else 0))
        heights[i] += more
        left -= more
    return heights


class Sidebar(SteadyVerticalScroll):
    _arranged: tuple | None = None  # what the last arrangement was made for

    def on_resize(self) -> None:
        self.arrange_panels()

    def arrange_panels(self) -> None:
        """Give each shown panel its share of the height (see `share`). The app asks after
        every refresh; a panel whose rows did not change keeps its list (`rows`), so then
        there is nothing to measure."""
        panels = [child for child in self.children if child.display]
        width, height = self.size
        if not panels or not width or not height:
            return
        arranged = (self.size, [getattr(p, "rows", None) for p in panels])
        last = self._arranged
        if last is not None and last[0] == arranged[0] and len(last[1]) == len(arranged[1]) \
                and all(a is b for a, b in zip(last[1], arranged[1])):
            return
        self._arranged = arranged
        inner = Size(max(1, width - 2), height)
        wants = [panel.get_content_height(inner, self.app.size, inner.width) + 2
                 for panel in panels]
        for panel, rows in zip(panels, share(wants, height)):
            if panel.styles.height is None or panel.styles.height.value != rows \
                    or not panel.styles.height.is_cells:
                panel.styles.height = rows
