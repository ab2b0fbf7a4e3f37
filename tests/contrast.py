"""Contrast as WCAG 2.x measures it, taken from what the app draws: every cell of a frame with
its text and background colour, as the compositor hands them to the terminal (after Textual's
filters: ANSI colours and dim text made truecolour, as a terminal shows them).

Text needs 4.5:1 against its background (WCAG AA, 1.4.3); borders, scrollbars, checkboxes
and icons are graphical objects and user-interface components, 3:1 (1.4.11). A cell counts as
one of those when its character is drawn, not written: box drawing, block elements,
geometric shapes and other symbols. Spaces show only their background and are not measured,
nor is a glyph in its own background colour (hidden on purpose, as an unticked box's X).
"""

from __future__ import annotations

import dataclasses
import functools
import unicodedata
from typing import Any

TEXT = 4.5
GRAPHIC = 3.0


def _channel(c: int) -> float:
    v = c / 255
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def luminance(rgb: tuple[int, int, int]) -> float:
    r, g, b = (_channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@functools.lru_cache(maxsize=65536)  # a frame has few distinct pairs, drawn many times
def ratio(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def is_graphic(char: str) -> bool:
    """Drawn rather than written: lines, blocks, shapes, arrows, dingbats."""
    code = ord(char)
    if 0x2190 <= code <= 0x2BFF or 0x1F300 <= code:
        return True
    return unicodedata.category(char) in ("So", "Sm") and not char.isascii()


@dataclasses.dataclass(frozen=True)
class Low:
    """A pair below its threshold, and where it was drawn."""

    where: str
    chars: str
    fg: tuple[int, int, int]
    bg: tuple[int, int, int]
    ratio: float
    needed: float

    def __str__(self) -> str:
        hexes = "#%02x%02x%02x on #%02x%02x%02x" % (*self.fg, *self.bg)
        return f"{self.where}: {self.chars!r} {hexes} = {self.ratio:.2f} < {self.needed}"


def frame_cells(app: Any) -> list[tuple[int, int, str, tuple, tuple]]:
    """(x, y, character, text colour, background) for every visible non-blank cell."""
    update = app.screen._compositor.render_update(full=True)
    out = []
    for y, strips in enumerate(update.strips):
        x = 0
        for strip in strips:
            for segment in strip:
                text, style = segment.text, segment.style
                for char in text:
                    if char.strip() and style is not None:
                        fg, bg = style.color, style.bgcolor
                        if style.reverse:
                            fg, bg = bg, fg
                        if fg is not None and bg is not None and fg.triplet and bg.triplet \
                                and fg.triplet != bg.triplet:  # (a glyph hidden on purpose)
                            out.append((x, y, char, tuple(fg.triplet), tuple(bg.triplet)))
                    x += 1 if char.isascii() else max(1, _cells(char))
    return out


def _cells(char: str) -> int:
    from wcwidth import wcwidth

    return max(0, wcwidth(char))


def _widget_at(screen: Any, x: int, y: int) -> Any:
    try:
        return screen.get_widget_at(x, y)[0]
    except Exception:  # noqa: BLE001 - a cell outside every widget
        return screen


def low_pairs(app: Any, state: str, found: dict[tuple, Low]) -> None:
    """Add every pair of this frame below its threshold to `found`, each (widget, colours)
    once, with the first state it showed in. Behind a modal screen the app is dimmed and
    inert (WCAG exempts inactive components): there only the modal's own widgets count."""
    from textual.screen import ModalScreen

    screen = app.screen
    modal = isinstance(screen, ModalScreen)
    for x, y, char, fg, bg in frame_cells(app):
        needed = GRAPHIC if is_graphic(char) else TEXT
        r = ratio(fg, bg)
        if r >= needed:
            continue
        widget = _widget_at(screen, x, y)
        if modal and widget is screen:
            continue
        where = f"{type(widget).__name__}#{widget.id}" if widget.id else type(widget).__name__
        key = (where, fg, bg, needed)
        if key in found:
            low = found[key]
            if char not in low.chars and len(low.chars) < 12:
                found[key] = dataclasses.replace(low, chars=low.chars + char)
        else:
            found[key] = Low(f"{where} ({state})", char, fg, bg, round(r, 2), needed)
