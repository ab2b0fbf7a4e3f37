"""Scrollback: a bounded deque of compact lines (text plus style runs, never cells)."""

from __future__ import annotations

import sys
from collections import deque

from .rows import Entry, entry_runs, entry_text
from .style import CellStyle, ansi_of_runs


class Scrollback:
    """Lines that scrolled off the top of the main screen, oldest first, at most `limit`."""

    __slots__ = ("lines", "limit")

    def __init__(self, limit: int = 10_000) -> None:
        self.limit = max(0, int(limit))
        self.lines: deque[Entry] = deque(maxlen=self.limit)

    def __len__(self) -> int:
        return len(self.lines)

    def push(self, entry: Entry) -> None:
        self.lines.append(entry)

    def pop_newest(self) -> Entry:
        return self.lines.pop()

    def clear(self) -> None:
        self.lines.clear()

    def _last(self, n: int) -> list[Entry]:
        lines = self.lines
        n = max(0, min(int(n), len(lines)))
        if n == 0:
            return []
        return [lines[i] for i in range(len(lines) - n, len(lines))]

    def text(self, n: int) -> list[str]:
        return [entry_text(e) for e in self._last(n)]

    def ansi(self, n: int) -> list[str]:
        return [ansi_of_runs(entry_runs(e)) for e in self._last(n)]

    def runs(self, i: int) -> list[tuple[str, CellStyle]]:
        if not 0 <= i < len(self.lines):
            raise IndexError("scrollback line %d out of range (0..%d)" % (i, len(self.lines) - 1))
        return entry_runs(self.lines[i])

    def nbytes(self) -> int:
        """Bytes held by the stored lines (styles are shared, so counted once)."""
        total = sys.getsizeof(self.lines)
        seen: set[int] = set()
        for e in self.lines:
            total += sys.getsizeof(e)
            if e.__class__ is not str:
                total += sys.getsizeof(e[0]) + sys.getsizeof(e[1])
                for v in e[1]:
                    if v.__class__ is CellStyle and id(v) not in seen:
                        seen.add(id(v))
                        total += sys.getsizeof(v)
        return total
