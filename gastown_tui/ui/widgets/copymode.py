"""Scrollback ("copy") mode of a terminal pane: a cursor over history + screen, search, and a
selection by character (`v`) or by line (`V`, space), moved as in tmux's copy-mode-vi. Pure
state, no widget: the pane draws it and feeds it keys.

Line numbers count from the oldest scrollback line (0) through the visible screen
(history_size .. history_size + lines - 1), so they stay valid while the view moves; columns
count characters of a line's text.
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
    ("left right h l", "move a character; w b the next or previous word; 0 $ the line's ends"),
    ("g G", "the top, the bottom"),
    ("/ ?", "search (capitals: case-sensitive); n older match, N newer"),
    ("v", "start or drop a selection by character"),
    ("V space", "start or drop a selection of whole lines"),
    ("enter y", "copy the selection (or the line) and leave"),
    ("q esc", "leave"),
)


def all_text(screen: Buffer) -> list[str]:
    return screen.history_text(screen.history_size) + screen.text_lines()


def _kind(char: str) -> int:
    """0 blank, 1 word character, 2 other: a vi word is a run of one kind (not blank)."""
    return 0 if char.isspace() else 1 if char.isalnum() or char == "_" else 2


@dataclass
class CopyMode:
    cursor: int                      # the line the copy cursor is on
    top: int                         # first line shown
    height: int                      # rows in the pane
    col: int = 0                     # the cursor's column (characters of its line)
    query: str = ""
    typing: str | None = None        # the search being typed after `/`, None when not typing
    anchor: tuple[int, int] | None = None  # where the selection started (line, column)
    by_line: bool = False            # the selection takes whole lines
    matches: list[tuple[int, int]] = field(default_factory=list)  # (line, column) of each
    message: str = ""                # search results, shown beside the position

    @classmethod
    def enter(cls, screen: Buffer, height: int) -> "CopyMode":
        last = screen.history_size + screen.lines - 1
        return cls(cursor=last, top=max(0, last - height + 1), height=height)

    def total(self, screen: Buffer) -> int:
        return screen.history_size + screen.lines

    def move(self, screen: Buffer, delta: int) -> None:
        self.cursor = max(0, min(self.total(screen) - 1, self.cursor + delta))
        self._follow()

    def goto(self, screen: Buffer, line: int, col: int | None = None) -> None:
        self.cursor = max(0, min(self.total(screen) - 1, line))
        if col is not None:
            self.col = col
        self._follow()

    def scroll(self, screen: Buffer, delta: int) -> None:
        """Move the view (the wheel); the cursor stays inside it."""
        last_top = max(0, self.total(screen) - self.height)
        self.top = max(0, min(last_top, self.top + delta))
        self.cursor = max(self.top, min(self.top + self.height - 1, self.cursor))

    def at_bottom(self, screen: Buffer) -> bool:
        return self.top >= self.total(screen) - self.height

    def position(self, screen: Buffer) -> str:
        """Where the view is, as tmux shows it: lines above the bottom / history lines."""
        last_top = max(0, self.total(screen) - self.height)
        return f"[{last_top - self.top}/{last_top}]"

    def status(self, screen: Buffer) -> str:
        """What the pane's bottom border says: the search being typed, or the last search's
        result, and the position."""
        if self.typing is not None:
            return f"/{self.typing}▏"
        return f"{self.message}  {self.position(screen)}".strip()

    def _follow(self) -> None:
        if self.cursor < self.top:
            self.top = self.cursor
        elif self.cursor >= self.top + self.height:
            self.top = self.cursor - self.height + 1

    # ---- moving by character and word (vi) ---------------------------------------------------

    def _line(self, screen: Buffer, line: int) -> str:
        hist = screen.history_size
        if line < hist:
            return screen.history_text(hist)[line]
        return screen.text_lines()[line - hist].rstrip()

    def column(self, screen: Buffer) -> int:
        """The cursor's column, kept inside its line (moving up and down remembers it)."""
        return max(0, min(self.col, len(self._line(screen, self.cursor)) - 1))

    def step(self, screen: Buffer, delta: int) -> None:
        self.col = max(0, min(len(self._line(screen, self.cursor)) - 1,
                              self.column(screen) + delta))

    def line_end(self, screen: Buffer, end: bool) -> None:
        self.col = max(0, len(self._line(screen, self.cursor)) - 1) if end else 0

    def word(self, screen: Buffer, forward: bool) -> None:
        """`w` (to the start of the next word) or `b` (to the start of this or the previous
        word), across lines as vi does."""
        text = all_text(screen)
        line, col = self.cursor, self.column(screen)
        if forward:
            here = text[line]
            kind = _kind(here[col]) if col < len(here) else 0
            col += 1
            while True:
                here = text[line]
                while col < len(here) and kind and _kind(here[col]) == kind:
                    col += 1
                kind = 0
                while col < len(here) and _kind(here[col]) == 0:
                    col += 1
                if col < len(here) or line == len(text) - 1:
                    break
                line, col = line + 1, 0
            col = min(col, max(0, len(text[line]) - 1))
        else:
            while True:
                here = text[line]
                col = min(col, len(here)) - 1
                while col >= 0 and _kind(here[col]) == 0:
                    col -= 1
                if col >= 0 or line == 0:
                    break
                line, col = line - 1, len(text[line - 1])
            here = text[line]
            col = max(col, 0)
            kind = _kind(here[col]) if here else 0
            while col > 0 and _kind(here[col - 1]) == kind and kind:
                col -= 1
        self.goto(screen, line, col)

    # ---- search ----------------------------------------------------------------------------

    def search(self, screen: Buffer, query: str, upward: bool = True) -> bool:
        """Find `query` (case-insensitive unless it has capitals) from the cursor; wraps."""
        self.query = query
        if not query:
            return False
        fold = query == query.lower()
        needle = query.lower() if fold else query
        self.matches = []
        for i, line in enumerate(all_text(screen)):
            hay = line.lower() if fold else line
            at = hay.find(needle)
            while at >= 0:
                self.matches.append((i, at))
                at = hay.find(needle, at + 1)
        return self.next_match(screen, upward)

    def next_match(self, screen: Buffer, upward: bool = True) -> bool:
        if not self.matches:
            self.message = f"not found: {self.query}" if self.query else ""
            return False
        here = (self.cursor, self.column(screen))
        if upward:
            before = [m for m in self.matches if m < here]
            target = before[-1] if before else self.matches[-1]
        else:
            after = [m for m in self.matches if m > here]
            target = after[0] if after else self.matches[0]
        self.goto(screen, *target)
        n = self.matches.index(target) + 1
        self.message = f"/{self.query} match {n}/{len(self.matches)}"
        return True

    # ---- selecting -------------------------------------------------------------------------

    def select(self, screen: Buffer, by_line: bool) -> None:
        """Start a selection here (by character or by line); the same kind again drops it,
        the other kind switches to it."""
        if self.anchor is not None and self.by_line == by_line:
            self.anchor = None
            return
        if self.anchor is None:
            self.anchor = (self.cursor, self.column(screen))
        self.by_line = by_line

    def selection(self) -> tuple[int, int]:
        """The first and last line selected (the cursor's line when nothing is)."""
        start = self.cursor if self.anchor is None else self.anchor[0]
        return min(start, self.cursor), max(start, self.cursor)

    def span(self, screen: Buffer) -> tuple[tuple[int, int], tuple[int, int]] | None:
        """The first and last (line, column) of a selection by character, both included."""
        if self.anchor is None or self.by_line:
            return None
        here = (self.cursor, self.column(screen))
        return min(self.anchor, here), max(self.anchor, here)

    def selected_text(self, screen: Buffer) -> str:
        text = all_text(screen)
        span = self.span(screen)
        if span is None:
            lo, hi = self.selection()
            return "\n".join(line.rstrip() for line in text[lo:hi + 1])
        (l1, c1), (l2, c2) = span
        if l1 == l2:
            return text[l1][c1:c2 + 1]
        middle = [line.rstrip() for line in text[l1 + 1:l2]]
        return "\n".join([text[l1][c1:].rstrip(), *middle, text[l2][:c2 + 1]])
