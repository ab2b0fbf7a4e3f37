"""Cell widths of characters (wcwidth, cached), and the test for text that is all one cell wide."""

from __future__ import annotations

import re

from wcwidth import wcwidth

_width: dict[str, int] = {}


def char_width(ch: str) -> int:
    """2 for wide, 1 for normal, 0 for zero-width (combining, VS16, ZWJ), -1 unprintable."""
    w = _width.get(ch)
    if w is None:
        w = wcwidth(ch) if ch else 0
        if "\U0001F1E6" <= ch <= "\U0001F1FF":
            # A lone regional indicator takes one cell; a pair makes a two-cell flag (tmux).
            w = 1
        if w < 0 and ch >= "\xa0":
            # Unassigned or private-use code points: terminals give them one cell.
            w = 1
        _width[ch] = w
    return w


_narrow_run = None


def _build_narrow_run():
    """A regex matching runs of one-cell characters below U+3000 (Latin, Greek, Cyrillic, box
    drawing, arrows, symbols), built once from wcwidth so the two always agree."""
    global _narrow_run
    ranges = []
    start = None
    for c in range(0xA0, 0x3001):
        one = c < 0x3000 and wcwidth(chr(c)) == 1
        if one and start is None:
            start = c
        elif not one and start is not None:
            ranges.append("%s-%s" % (re.escape(chr(start)), re.escape(chr(c - 1))))
            start = None
    _narrow_run = re.compile("[\x20-\x7e%s]*" % "".join(ranges)).fullmatch
    return _narrow_run


def is_narrow(text: str) -> bool:
    """True when every character of `text` takes exactly one cell."""
    if text.isascii():
        return text.isprintable()
    if (_narrow_run or _build_narrow_run())(text):
        return True
    get = _width.get
    for ch in text:
        w = get(ch)
        if w is None:
            w = char_width(ch)
        if w != 1 or "\U0001F1E6" <= ch <= "\U0001F1FF":
            return False
    return True
