"""The pane grid's shape: as many panes as fit at a useful size, near a terminal's aspect."""

from __future__ import annotations

import pytest

from gastown_tui.ui.widgets.grid import MIN_COLS, MIN_ROWS, grid_shape


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
