"""Cell widths of characters (wcwidth, cached), and the test for text that is all one cell wide."""

from __future__ import annotations

from wcwidth import wcwidth

_width: dict[str, int] = {}


def char_width(ch: str) -> int:
    """2 for wide, 1 for normal, 0 for zero-width (combining, VS16, ZWJ), -1 unprintable."""
    w = _width.get(ch)
    if w is None:
        w = wcwidth(ch) if ch else 0
        if w < 0 and ch >= "\xa0":
            # Unassigned or private-use code points: terminals give them one cell.
            w = 1
        _width[ch] = w
    return w


def is_narrow(text: str) -> bool:
    """True when every character of `text` takes exactly one cell."""
    if text.isascii():
        return True
    get = _width.get
    for ch in text:
        w = get(ch)
        if w is None:
            w = char_width(ch)
        if w != 1:
            return False
    return True
