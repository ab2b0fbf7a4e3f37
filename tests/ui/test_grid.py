"""The pane grid's shape: as many panes as fit at a useful size, near a terminal's aspect."""

from __future__ import annotations

import pytest

from textual.geometry import Region

from gastown_tui.ui.layout import MIN_COLS, MIN_ROWS, grid_shape, spans
from gastown_tui.ui.widgets.grid import nearest


@pytest.mark.parametrize("count, width, height, shape", [
    (0, 200, 50, (1, 1)),
    (1, 200, 50, (1, 1)),
    (2, 200, 50, (2, 1)),
    (4, 200, 50, (2, 2)),
    (9, 240, 70, (3, 3)),
    (6, 100, 30, (2, 3)),
])
def test_grid_shapes(count, width, height, shape):
    assert grid_shape(count, width, height) == shape


@pytest.mark.parametrize("width, height", [(80, 24), (160, 45), (300, 90), (45, 10)])
def test_panes_never_get_smaller_than_the_minimum_unless_one_does_not_fit(width, height):
    for count in range(1, 31):
        cols, rows = grid_shape(count, width, height)
        if (cols, rows) != (1, 1):
            assert width // cols >= MIN_COLS and height // rows >= MIN_ROWS
        assert cols * rows - min(count, cols * rows) < max(cols, rows)


def place(spans: list[int], cols: int, rows: int) -> list[list[int | None]]:
    """Where a grid layout puts panes spanning `spans` rows: each in the next free cell, row
    by row (as Textual's grid does)."""
    cells: list[list[int | None]] = [[None] * cols for _ in range(rows)]
    free = ((r, c) for r in range(rows) for c in range(cols))
    for i, span in enumerate(spans):
        r, c = next((r, c) for r, c in free if cells[r][c] is None)
        for dr in range(span):
            assert cells[r + dr][c] is None
            cells[r + dr][c] = i
    return cells


@pytest.mark.parametrize("width, height", [(80, 24), (158, 49), (200, 60), (300, 90)])
def test_spans_leave_no_cell_of_a_page_empty(width, height):
    for count in range(1, 31):
        cols, rows = grid_shape(count, width, height)
        shown = min(count, cols * rows)
        cols, rows = grid_shape(shown, width, height)
        cells = place(spans(shown, cols, rows), cols, rows)
        assert all(cell is not None for row in cells for cell in row), (count, cols, rows)


def test_directions_overlap_first_then_distance_then_where_the_focus_came_from():
    left, top_right, bottom_right = Region(0, 0, 10, 20), Region(10, 0, 10, 10), \
        Region(10, 10, 10, 10)
    others = {"tr": top_right, "br": bottom_right}
    assert nearest(left, others, "right") == "tr"
    assert nearest(left, others, "right", came_from="br") == "br"
    assert nearest(top_right, {"l": left, "br": bottom_right}, "down") == "br"
    assert nearest(top_right, {"l": left, "br": bottom_right}, "up") is None
    # Nothing overlaps: the closest, then the most in line.
    far = {"near": Region(30, 25, 10, 10), "far": Region(60, 12, 10, 10)}
    assert nearest(Region(0, 0, 10, 10), far, "right") == "near"
