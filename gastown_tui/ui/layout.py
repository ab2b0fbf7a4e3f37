"""The main screen's layout as plain arithmetic (no Textual): the sidebar's width, the pane grid's
shape and which panes its first page shows. The screen lays itself out with these; an attach
that starts before Textual is loaded (`hosting.Prefetch`) uses them to ask the host for the
screens the first frame will show."""

from __future__ import annotations

import math

from ..host.model import MAYOR
from ..town.schema import SIDEBAR_COLUMNS

# The sidebar's auto width's bounds, and what the panes keep at least beside any width.
SIDEBAR_AUTO = (24, 42)
PANES_AT_LEAST = 20
STATUS_ROWS = 1  # the status line under the sidebar and the panes

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


def spans(count: int, cols: int, rows: int) -> list[int]:
    """How many rows each of `count` panes spans in a `cols` x `rows` grid so that no cell
    stays empty: the first panes (the left of the top row) take two rows each, one per empty
    cell, and the grid's row-by-row placement fills the rest. All 1 when nothing is empty
    or this cannot fill it."""
    empty = cols * rows - count
    if empty <= 0 or rows < 2 or empty > min(cols, count):
        return [1] * count
    return [2] * empty + [1] * (count - empty)


def sidebar_columns(width: int, setting: int | str = "auto") -> int:
    """The sidebar's width in a window `width` columns wide: the setting's (columns), or with
    "auto" about a third of the window (24 to 42 columns), always leaving the panes
    PANES_AT_LEAST columns."""
    wanted = setting if isinstance(setting, int) \
        else min(SIDEBAR_AUTO[1], max(SIDEBAR_AUTO[0], round(width * 0.3)))
    return max(SIDEBAR_COLUMNS[0], min(wanted, width - PANES_AT_LEAST))


def grid_size(width: int, height: int, sidebar: int | str = "auto") -> tuple[int, int]:
    """The pane grid's size in a `width` x `height` window, beside the sidebar and above the
    status line."""
    return width - sidebar_columns(width, sidebar), height - STATUS_ROWS


def first_page(names: list[str], width: int, height: int,
               sidebar: int | str = "auto") -> list[str]:
    """The sessions whose panes the main screen shows first in a `width` x `height` window,
    of `names` in the host's order: the Mayor first, then the others as listed (the order
    panes take before the town's hooks are read), as many as the grid's first page holds."""
    ordered = sorted(names, key=lambda name: name != MAYOR)
    cols, rows = grid_shape(len(ordered), *grid_size(width, height, sidebar))
    return ordered[:cols * rows]
