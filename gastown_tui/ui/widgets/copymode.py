"""Scrollback ("copy") mode of a terminal pane: a cursor line over history + screen, search and a
line selection. Pure state, no widget: the pane draws it and feeds it keys.

Line numbers count from the oldest scrollback line (0) through the visible screen
(history_size .. history_size + lines - 1), so they stay valid while the view moves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class Buffer(Protocol):
    lines: int

    @property
    def history_size(self) -> int: ...

    def history_text(self, n: int) -> list[str]: ...

    def text_lines(self) -> list[str]: ...


# The keys of scrollback mode, for the help screen (the pane reads them in `_copy_key`).
KEYS = (
    ("up down k j", "move a line; pageup pagedown ctrl+u ctrl+d ctrl+f a page or half"),
    ("g G", "the top, the bottom"),
    ("/ ?", "search (capitals: case-sensitive); n older match, N newer"),
    ("space v", "start or drop a selection of lines"),
    ("enter y", "copy the selection (or the line) and leave"),
    ("q esc", "leave"),
)


def all_text(screen: Buffer) -> list[str]:
    return screen.history_text(screen.history_size) + screen.text_lines()


@dataclass
class CopyMode:
    cursor: int                      # the line the copy cursor is on
    top: int                         # first line shown
    height: int                      # rows in the pane
    query: str = ""
    typing: str | None = None        # the search being typed after `/`, None when not typing
    anchor: int | None = None        # selection start (space), None when nothing is selected
    matches: list[int] = field(default_factory=list)
    message: str = ""                # shown on the bottom row: search results, copy notices

    @classmethod
    def enter(cls, screen: Buffer, height: int) -> "CopyMode":
        last = screen.history_size + screen.lines - 1
        return cls(cursor=last, top=max(0, last - height + 1), height=height)

    def total(self, screen: Buffer) -> int:
        return screen.history_size + screen.lines

    def move(self, screen: Buffer, delta: int) -> None:
        self.cursor = max(0, min(self.total(screen) - 1, self.cursor + delta))
        self._follow()

    def goto(self, screen: Buffer, line: int) -> None:
        self.cursor = max(0, min(self.total(screen) - 1, line))
        self._follow()

    def scroll(self, screen: Buffer, delta: int) -> None:
        """Move the view (the wheel); the cursor stays inside it."""
        last_top = max(0, self.total(screen) - self.height)
        self.top = max(0, min(last_top, self.top + delta))
        self.cursor = max(self.top, min(self.top + self.height - 1, self.cursor))

    def at_bottom(self, screen: Buffer) -> bool:
        return self.top >= self.total(screen) - self.height

    def _follow(self) -> None:
        if self.cursor < self.top:
            self.top = self.cursor
        elif self.cursor >= self.top + self.height:
            self.top = self.cursor - self.height + 1

    def search(self, screen: Buffer, query: str, upward: bool = True) -> bool:
        """Find `query` (case-insensitive unless it has capitals) from the cursor; wraps."""
        self.query = query
        if not query:
            return False
        text = all_text(screen)
        fold = query == query.lower()
        needle = query.lower() if fold else query
        self.matches = [i for i, line in enumerate(text)
                        if needle in (line.lower() if fold else line)]
        return self.next_match(screen, upward)

    def next_match(self, screen: Buffer, upward: bool = True) -> bool:
        if not self.matches:
            self.message = f"not found: {self.query}" if self.query else ""
            return False
        if upward:
            before = [m for m in self.matches if m < self.cursor]
            target = before[-1] if before else self.matches[-1]
        else:
            after = [m for m in self.matches if m > self.cursor]
            target = after[0] if after else self.matches[0]
        self.goto(screen, target)
        n = self.matches.index(target) + 1
        self.message = f"/{self.query}  [{n}/{len(self.matches)}]"
        return True

    def selection(self) -> tuple[int, int]:
        start = self.cursor if self.anchor is None else self.anchor
        return min(start, self.cursor), max(start, self.cursor)

    def selected_text(self, screen: Buffer) -> str:
        lo, hi = self.selection()
        return "\n".join(line.rstrip() for line in all_text(screen)[lo:hi + 1])
