"""What a program's SGR styles become in a pane: the cells the engine keeps, drawn with Rich."""

from __future__ import annotations

from rich.color import Color

from gastown_tui.term.screen import Screen
from gastown_tui.ui.widgets.colors import StyleMap


def styles_of(data: bytes) -> list:
    screen = Screen(20, 2, on_reply=lambda b: None)
    screen.feed(data)
    palette = ["#000000"] * 16
    smap = StyleMap(palette, Color.parse("#ffffff"), Color.parse("#000000"))
    _chars, styles = screen.cells(0)
    return [smap.style(style) for style in styles]


def test_underline_styles_and_overline_reach_the_pane():
    single, double, curly, over, plain = styles_of(
        b"\x1b[4mA\x1b[0m\x1b[4:2mB\x1b[0m\x1b[4:3mC\x1b[0m\x1b[53mD\x1b[0mE")[:5]
    assert single.underline and not single.underline2
    assert double.underline2 and not double.underline
    assert curly.underline and not curly.underline2  # Rich has no curl: a single line
    assert over.overline and not over.underline
    assert not (plain.underline or plain.underline2 or plain.overline)
