"""SteadyLines: a widget whose unchanged lines cost nothing when a frame passes over it.

Textual renders a frame from the box around every region refreshed since the last one, and it
asks every widget whose clip overlaps that box for all of its lines, not just the box's: one
changed row in one pane had 9 panes and the containers around them (about 300 lines) filtered
and copied again, most of each frame's cost. While none of a widget's lines is dirty, its
size, the crop and the line filters are the same, the previous lines are returned as they were.
"""

from __future__ import annotations

from typing import Any

from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.geometry import Region
from textual.strip import Strip


class SteadyLines:
    """Mix in before the Textual widget class: `class Pane(SteadyLines, Widget)`."""

    _steady: tuple[Any, Strip | None, list[Strip]] | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        cache = self._styles_cache
        key = (crop, self.size, tuple(self.get_line_filters()),
               self.hover_style if self.auto_links else None)
        steady = self._steady
        # The styles cache drops a line when it is marked dirty and empties itself when
        # cleared (styles, theme, width); the first line's cached strip is the proof that
        # neither happened since the lines below were made.
        if (steady is not None and steady[0] == key and not cache._dirty_lines
                and steady[1] is not None and cache._cache.get(crop.y) is steady[1]):
            return steady[2]
        lines = super().render_lines(crop)
        self._steady = (key, cache._cache.get(crop.y), lines)
        return lines


class SteadyHorizontal(SteadyLines, Horizontal):
    pass


class SteadyVertical(SteadyLines, Vertical):
    pass


class SteadyVerticalScroll(SteadyLines, VerticalScroll):
    pass
