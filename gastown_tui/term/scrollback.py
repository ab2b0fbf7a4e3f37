"""Scrollback: a bounded deque of compact lines, never cells.

A line in the default style is kept as its `str`. A styled line is one `bytes`: the number of
runs, then (length, palette index) per run as 16-bit values, then the text in UTF-8. Styles
live once in a palette per scrollback. About 150 bytes for 100 plain columns, 170 for a
typical coloured line.
"""

from __future__ import annotations

import struct
import sys
from collections import deque

from .rows import Entry
from .style import DEFAULT, CellStyle, ansi_of_runs

#: Distinct styles remembered; beyond this, new styles in scrollback show as the default style.
MAX_PALETTE = 8192


class Scrollback:
    """Lines that scrolled off the top of the main screen, oldest first, at most `limit`."""

    __slots__ = ("lines", "limit", "_palette", "_index")

    def __init__(self, limit: int = 10_000) -> None:
        self.limit = max(0, int(limit))
        self.lines: deque[str | bytes] = deque(maxlen=self.limit)
        self._palette: list[CellStyle] = [DEFAULT]
        self._index: dict[CellStyle, int] = {DEFAULT: 0}

    def __len__(self) -> int:
        return len(self.lines)

    def push(self, entry: Entry) -> None:
        if entry.__class__ is str:
            self.lines.append(entry)
            return
        text, runs = entry
        index = self._index
        flat = []
        for n, style in runs:
            i = index.get(style)
            if i is None:
                i = 0
                if len(self._palette) < MAX_PALETTE:
                    i = index[style] = len(self._palette)
                    self._palette.append(style)
            flat += (min(n, 0xFFFF), i)
        self.lines.append(struct.pack("<%dH" % (len(flat) + 1), len(runs), *flat)
                          + text.encode("utf-8", "surrogatepass"))

    def _runs(self, line: str | bytes) -> list[tuple[str, CellStyle]]:
        if line.__class__ is str:
            return [(line, DEFAULT)] if line else []
        n = int.from_bytes(line[:2], "little")
        vals = struct.unpack_from("<%dH" % (2 * n), line, 2)
        text = line[2 + 4 * n:].decode("utf-8", "surrogatepass")
        palette = self._palette
        out = []
        pos = 0
        for k in range(n):
            length = vals[2 * k] if k < n - 1 else len(text) - pos
            out.append((text[pos:pos + length], palette[vals[2 * k + 1]]))
            pos += length
        return out

    def _text(self, line: str | bytes) -> str:
        if line.__class__ is str:
            return line
        n = int.from_bytes(line[:2], "little")
        return line[2 + 4 * n:].decode("utf-8", "surrogatepass").rstrip(" ")

    def pop_newest(self) -> list[tuple[str, CellStyle]]:
        return self._runs(self.lines.pop())

    def clear(self) -> None:
        self.lines.clear()

    def _last(self, n: int) -> list[str | bytes]:
        lines = self.lines
        n = max(0, min(int(n), len(lines)))
        return [lines[i] for i in range(len(lines) - n, len(lines))]

    def text(self, n: int) -> list[str]:
        return [self._text(e) for e in self._last(n)]

    def ansi(self, n: int) -> list[str]:
        return [ansi_of_runs(_rstrip(self._runs(e))) for e in self._last(n)]

    def runs(self, i: int) -> list[tuple[str, CellStyle]]:
        if not 0 <= i < len(self.lines):
            raise IndexError("scrollback line %d out of range (0..%d)" % (i, len(self.lines) - 1))
        return self._runs(self.lines[i])

    def nbytes(self) -> int:
        """Bytes held by the stored lines and the palette."""
        return (sys.getsizeof(self.lines) + sum(map(sys.getsizeof, self.lines))
                + sys.getsizeof(self._palette) + sys.getsizeof(self._index)
                + sum(sys.getsizeof(s) + sys.getsizeof(s.__dict__) for s in self._palette))


def _rstrip(runs: list[tuple[str, CellStyle]]) -> list[tuple[str, CellStyle]]:
    """Trailing spaces go, whatever their style, as `capture-pane -e` does."""
    while runs:
        text, style = runs[-1]
        kept = text.rstrip(" ")
        if kept:
            runs[-1] = (kept, style)
            break
        runs.pop()
    return runs
