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

_packers: dict = {}

#: Distinct styles remembered; beyond this, new styles in scrollback show as the default style.
MAX_PALETTE = 8192


class Scrollback:
    """Lines that scrolled off the top of the main screen, oldest first, at most `limit`."""

    __slots__ = ("lines", "wraps", "limit", "_palette", "_index")

    def __init__(self, limit: int = 10_000) -> None:
        self.limit = max(0, int(limit))
        self.lines: deque[str | bytes] = deque(maxlen=self.limit)
        # Per line: did it wrap on to the next one? (what reflow re-joins)
        self.wraps: deque[bool] = deque(maxlen=self.limit)
        self._palette: list[CellStyle] = [DEFAULT]
        self._index: dict[int, int] = {id(DEFAULT): 0}

    def __len__(self) -> int:
        return len(self.lines)

    def push(self, entry: Entry, wrapped: bool = False) -> None:
        self.wraps.append(wrapped)
        if entry.__class__ is str:
            self.lines.append(entry)
            return
        text, runs = entry
        # Keyed by identity (styles are shared objects, and the palette keeps them alive):
        # an int hash instead of a call to CellStyle.__hash__ per run.
        index = self._index
        flat = [len(runs)]
        for n, style in runs:
            i = index.get(id(style))
            if i is None:
                i = self._add(style)
            flat.append(n if n < 0xFFFF else 0xFFFF)
            flat.append(i)
        pack = _packers.get(len(flat))
        if pack is None:
            pack = _packers[len(flat)] = struct.Struct("<%dH" % len(flat)).pack
        self.lines.append(pack(*flat) + text.encode("utf-8", "surrogatepass"))

    def _add(self, style: CellStyle) -> int:
        if len(self._palette) >= MAX_PALETTE:
            return 0
        i = self._index[id(style)] = len(self._palette)
        self._palette.append(style)
        return i

    def extend_plain(self, lines) -> None:
        """Many default-style lines at once (output scrolling straight through)."""
        lines = list(lines)
        self.lines.extend(lines)
        self.wraps.extend([False] * len(lines))

    def push_raw(self, line: str | bytes, wrapped: bool) -> None:
        """Put back a line taken from `lines` (same palette), e.g. after a reflow."""
        self.lines.append(line)
        self.wraps.append(wrapped)

    def decode(self, line: str | bytes) -> list[tuple[str, CellStyle]]:
        """A stored line as (text, style) runs."""
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

    def text_of(self, line: str | bytes) -> str:
        if line.__class__ is str:
            return line
        n = int.from_bytes(line[:2], "little")
        return line[2 + 4 * n:].decode("utf-8", "surrogatepass").rstrip(" ")

    def pop_newest(self) -> tuple[list[tuple[str, CellStyle]], bool]:
        return self.decode(self.lines.pop()), self.wraps.pop()

    def clear(self) -> None:
        self.lines.clear()
        self.wraps.clear()

    def _last(self, n: int) -> list[str | bytes]:
        lines = self.lines
        n = max(0, min(int(n), len(lines)))
        return [lines[i] for i in range(len(lines) - n, len(lines))]

    def text(self, n: int) -> list[str]:
        return [self.text_of(e) for e in self._last(n)]

    def ansi(self, n: int) -> list[str]:
        return [ansi_of_runs(_rstrip(self.decode(e))) for e in self._last(n)]

    def runs(self, i: int) -> list[tuple[str, CellStyle]]:
        if not 0 <= i < len(self.lines):
            raise IndexError("scrollback line %d out of range (0..%d)" % (i, len(self.lines) - 1))
        return self.decode(self.lines[i])

    def nbytes(self) -> int:
        """Bytes held by the stored lines and the palette."""
        return (sys.getsizeof(self.lines) + sum(map(sys.getsizeof, self.lines)) + sys.getsizeof(self.wraps)
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
