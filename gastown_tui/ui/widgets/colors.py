"""Terminal cell styles (`term.style.CellStyle`) to Rich styles, with colours from the theme.

The 16 ANSI colours come from the theme variables `ansi-0` .. `ansi-15`; default foreground and
background are the pane's own (from its tcss, i.e. the theme). 256-colour indices above 15 and
truecolor are absolute, as in every terminal.
"""

from __future__ import annotations

from rich.color import Color as RichColor
from rich.style import Style

from ...term.style import CellStyle


def _cube(n: int) -> str:
    if n < 232:
        n -= 16
        levels = (0, 95, 135, 175, 215, 255)
        return "#%02x%02x%02x" % (levels[n // 36], levels[(n // 6) % 6], levels[n % 6])
    g = 8 + (n - 232) * 10
    return "#%02x%02x%02x" % (g, g, g)


class StyleMap:
    """Caches the Rich style of each CellStyle for one palette and one pair of default colours."""

    __slots__ = ("palette", "fg", "bg", "_cache")

    def __init__(self, palette: list[str], fg: RichColor, bg: RichColor) -> None:
        self.palette = [RichColor.parse(c) for c in palette]
        self.fg = fg
        self.bg = bg
        self._cache: dict[CellStyle, Style] = {}

    def color(self, value: str | int | None, default: RichColor) -> RichColor:
        if value is None:
            return default
        if isinstance(value, int):
            return self.palette[value] if value < 16 else RichColor.parse(_cube(value & 255))
        if value.startswith("ansi"):
            return self.palette[int(value[4:]) & 15]
        return RichColor.parse(value)

    def style(self, cell: CellStyle) -> Style:
        got = self._cache.get(cell)
        if got is not None:
            return got
        fg = self.color(cell.fg, self.fg)
        bg = self.color(cell.bg, self.bg)
        if cell.reverse:
            fg, bg = bg, fg
        if cell.hidden:
            fg = bg
        got = Style(color=fg, bgcolor=bg, bold=cell.bold or None, dim=cell.dim or None,
                    italic=cell.italic or None,
                    # Rich draws single and double underlines; curly, dotted and dashed ones
                    # fall back to single, as in terminals without those styles.
                    underline=(cell.underline and cell.underline_style != 2) or None,
                    underline2=cell.underline_style == 2 or None, overline=cell.overline or None,
                    strike=cell.strike or None, blink=cell.blink or None, link=cell.link)
        if len(self._cache) > 4096:
            self._cache.clear()
        self._cache[cell] = got
        return got

    def cursor(self, cell: CellStyle) -> Style:
        """The cell under a block cursor: its colours swapped."""
        base = self.style(cell)
        return base + Style(color=base.bgcolor, bgcolor=base.color)
