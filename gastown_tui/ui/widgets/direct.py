"""A terminal pane's changed rows written straight to the terminal, past Textual's compositor.

A refresh reaches the terminal after four message hops and a frame in which the compositor asks
every widget under the changed box for its lines and cuts each of them at every widget edge on
those lines: with a grid of busy agents, most of the app's CPU and most of a key's echo time.
When nothing is drawn over a pane (no toast, no overlay, no other screen on top, no layout
pending), what the compositor would put in its content area is exactly the pane's `render_line`
strips, passed through the app's line filters as every line is. Those are written at their
place at once, as tmux writes a pane's changed lines (made from the engine's runs and each
style's text before and after a run: `TerminalPane.ansi_rows`, the same bytes), and the widget's line cache is told the
rows changed, so a later frame that covers them (a toast going away) draws them the same. In
any other case the pane refreshes as any widget does.
"""

from __future__ import annotations

from typing import Any

from textual._ansi_sequences import SYNC_END, SYNC_START
from textual.geometry import Region


def _place(pane: Any, compositor: Any) -> Region | None:
    """The pane's content area on the screen when all of it shows and nothing is drawn over
    it, else None. Worked out again only when the compositor's map changes."""
    visible = compositor.visible_widgets
    cached = pane._direct_place
    if cached is not None and cached[0] is visible:
        return cached[1]
    place = offset = None
    geometry = visible.get(pane)
    if geometry is not None and geometry[1].contains_region(geometry[0]):
        content = pane.content_region
        # Top-most first: whatever comes before the pane is drawn over it where they meet.
        for widget, (region, clip) in visible.items():
            if widget is pane:
                place = content
                # Where the content starts in the widget (its border): the line cache's rows.
                offset = content.offset - geometry[0].offset
                break
            if region.intersection(clip).overlaps(content):
                break
    pane._direct_place = (visible, place, offset)
    return place


def draw_rows(pane: Any, rows: set[int]) -> bool:
    """Write `pane`'s content rows `rows` (0 = its first content row) to the terminal now;
    False when they must go through a refresh instead."""
    app = pane.app
    driver = app._driver
    if (driver is None or app.is_headless or app.is_inline or app._batch_count
            or pane.copy is not None or not pane.is_attached):
        return False
    screen = pane.screen
    if app.screen is not screen or screen._layout_required:
        return False
    styles = pane.styles
    if (styles.text_opacity != 1.0 or styles.tint.a or pane.opacity != 1.0
            or styles.has_rule("hatch") or any(edge for edge, _ in styles.outline)):
        return False
    place = _place(pane, screen._compositor)
    if place is None:
        return False
    height = place.height
    rows = sorted(y for y in rows if 0 <= y < height)
    if not rows:
        return True
    filters = pane.get_line_filters()
    background = pane.background_colors[1] if filters else None
    console = app.console
    x, top = place.x, place.y
    out = []
    for y, line in zip(rows, pane.ansi_rows(rows, filters, background, console)):
        if line is None:
            strip = pane.render_line(y)
            for line_filter in filters:
                strip = strip.apply_filter(line_filter, background)
            line = strip.render(console)
        out.append(f"\x1b[{top + y + 1};{x + 1}H")
        out.append(line)
    # Where Textual leaves the terminal's cursor after each of its updates.
    cx, cy = screen.outer_size.clamp_offset(app.cursor_position)
    out.append(f"\x1b[{cy + 1};{cx + 1}H")
    if app._sync_available:
        # One write (the writer thread's queue, its wake-up) with the synchronized-update
        # bracket Textual's own `_begin_update` / `_end_update` put around a frame.
        out.insert(0, SYNC_START)
        out.append(SYNC_END)
    driver.write("".join(out))
    driver.flush()
    # A frame that draws these rows later (over a toast that went, say) renders them anew.
    offset = pane._direct_place[2]
    width = place.width
    pane._styles_cache.set_dirty(*[Region(0, y, width, 1).translate(offset) for y in rows])
    return True

