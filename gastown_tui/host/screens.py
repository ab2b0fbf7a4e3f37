"""Screens between the host and the clients that watch them: a screen's changes as compact
frames (host side), and `MirrorScreen`, the client's copy, which a `TerminalPane` draws exactly
as it draws the host's own `term.screen.Screen` (the same reading API).

A frame is a push (`api.PUSH_FRAME`) with only what changed since the last one this client got:

    "n": name
    "z": [cols, rows]              the size, when it changed (every row follows)
    "c": [x, y, visible]           the cursor, when it moved
    "m": [app_cursor, app_keypad, bracketed_paste, mouse, mouse_sgr, focus_events, alternate]
    "t": title, "b": bell count, "h": scrollback lines, "a": alive      (when changed)
    "S": 1                         forget the styles sent so far (before "s")
    "s": [[id, key], ...]          styles first used here (key: `term.style.style_key`)
    "r": [[y, text, id, text, id, ...], ...]   changed rows as runs of one style; a row's
                                   trailing blanks in the default style are left off

Styles are interned per connection: a style's fields go once, then its number. Rows are
compared with what this client was sent, so an agent UI that redraws its whole frame costs
the rows that really changed. No Textual here.
"""

from __future__ import annotations

from typing import Any

from ..term.rows import row_from_runs
from ..term.screen import ScreenModes
from ..term.style import DEFAULT, CellStyle, style_from_key, style_key
from ..term.width import char_width
from . import api

MAX_STYLES = 16_384  # per connection; then the table starts again (hostile colour floods)


class StyleTable:
    """Host side: the styles one client knows, by number."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.ids: dict[CellStyle, int] = {DEFAULT: 0}
        self.new: list[list] = []
        self.fresh = True

    def id(self, style: CellStyle) -> int:
        got = self.ids.get(style)
        if got is None:
            got = self.ids[style] = len(self.ids)
            self.new.append([got, list(style_key(style))])
        return got

    @property
    def full(self) -> bool:
        return len(self.ids) > MAX_STYLES

    def take(self, out: dict) -> None:
        """Put the styles made since the last frame (and a reset, if any) into `out`."""
        if self.fresh:
            out["S"] = 1
            self.fresh = False
        if self.new:
            out["s"], self.new = self.new, []


def encode_runs(runs: list[tuple[str, CellStyle]], table: StyleTable, out: list) -> list:
    if runs and runs[-1][1] is DEFAULT:
        text = runs[-1][0].rstrip(" ")
        runs = runs[:-1] + [(text, DEFAULT)] if text else runs[:-1]
    for text, style in runs:
        out.append(text)
        out.append(0 if style is DEFAULT else table.id(style))
    return out


def _modes(screen: Any) -> list:
    m = screen.modes
    return [m.application_cursor, m.application_keypad, m.bracketed_paste, m.mouse,
            m.mouse_sgr, m.focus_events, m.alternate]


class FrameEncoder:
    """What one client was last sent of one screen."""

    def __init__(self) -> None:
        self.rows: list[Any] = []
        self.size: tuple[int, int] | None = None
        self.last: dict[str, Any] = {}

    def frame(self, name: str, screen: Any, alive: bool, dirty: set[int] | None,
              table: StyleTable) -> dict | None:
        """The frame that brings this client up to `screen` (None: nothing changed). `dirty`
        names the rows that may have changed (None: any of them)."""
        out: dict[str, Any] = {}
        cols, lines = screen.columns, screen.lines
        if (cols, lines) != self.size:
            self.size = (cols, lines)
            out["z"] = [cols, lines]
            # What a mirror of that size holds before any row comes: blank rows need not go.
            blank = [(" " * cols, DEFAULT)]
            self.rows = [blank] * lines
            dirty = None
        rows = []
        sent = self.rows
        for y in (range(lines) if dirty is None else sorted(dirty)):
            if y >= lines:
                continue
            runs = screen.row_runs(y)
            if sent[y] == runs:
                continue
            sent[y] = runs
            rows.append(encode_runs(runs, table, [y]))
        last = self.last
        for key, value in (("c", [screen.cursor_x, screen.cursor_y, not screen.cursor_hidden]),
                           ("m", _modes(screen)), ("t", screen.title),
                           ("b", screen.bell_count), ("h", screen.history_size),
                           ("a", alive)):
            if last.get(key) != value:
                last[key] = out[key] = value
        if rows:
            out["r"] = rows
        if not out:
            return None
        table.take(out)
        out["push"] = api.PUSH_FRAME
        out["n"] = name
        return out


def history_of(name: str, screen: Any) -> api.History:
    """An agent's scrollback and screen, for a client's copy mode."""
    table = StyleTable()
    lines = [encode_runs(screen.history_runs(i), table, [])
             for i in range(screen.history_size)]
    lines += [encode_runs(screen.row_runs(y), table, []) for y in range(screen.lines)]
    return api.History(name, screen.history_size, lines, table.new)


# ---------------------------------------------------------------------- the client side


class StyleBook:
    """Client side: the styles the host sent, by number."""

    def __init__(self) -> None:
        self.styles: dict[int, CellStyle] = {0: DEFAULT}

    def learn(self, frame: dict) -> None:
        if frame.get("S"):
            self.styles = {0: DEFAULT}
        for sid, key in frame.get("s") or ():
            self.styles[sid] = style_from_key(key)

    def runs(self, flat: list, start: int = 0) -> list[tuple[str, CellStyle]]:
        get = self.styles.get
        return [(flat[i], get(flat[i + 1], DEFAULT)) for i in range(start, len(flat) - 1, 2)]


_CELLS: dict[str, int] = {}
CELLS_KEPT = 4096


def cells_of(text: str) -> int:
    # Other text is measured a character at a time and remembered (box-drawing rules, bullets
    # and spinners come again frame after frame), not by `is_narrow`: its table takes ~15 ms
    # to build, which an app re-attaching would pay before its first frame.
    if text.isascii() and text.isprintable():
        return len(text)
    cells = _CELLS.get(text)
    if cells is None:
        if len(_CELLS) >= CELLS_KEPT:
            _CELLS.clear()
        cells = _CELLS[text] = sum(max(0, char_width(ch)) for ch in text)
    return cells


def full_width(runs: list[tuple[str, CellStyle]], cols: int) -> list[tuple[str, CellStyle]]:
    """Runs padded to `cols` cells with default blanks, as `Screen.row_runs` gives them."""
    used = sum(cells_of(text) for text, _ in runs)
    if used >= cols:
        return runs
    pad = " " * (cols - used)
    if runs and runs[-1][1] is DEFAULT:
        return runs[:-1] + [(runs[-1][0] + pad, DEFAULT)]
    return runs + [(pad, DEFAULT)]


class MirrorScreen:
    """A client's copy of one agent's screen, kept up to date by frames. It reads like
    `term.screen.Screen` (size, rows as runs, cells, text, cursor, modes, title, bell count);
    it holds no scrollback itself (`history_size` is 0; the host's count is `host_history`):
    copy mode fetches it (`HistoryScreen`)."""

    history_size = 0
    mirrored = True

    def __init__(self, cols: int, rows: int) -> None:
        self.columns = max(1, int(cols))
        self.lines = max(1, int(rows))
        self._rows = [[(" " * self.columns, DEFAULT)] for _ in range(self.lines)]
        self.cursor_x = self.cursor_y = 0
        self.cursor_hidden = False
        self.modes = ScreenModes()
        self.title = ""
        self.bell_count = 0
        self.host_history = 0
        self.alive = True

    def apply(self, frame: dict, book: StyleBook) -> set[int]:
        """Bring the copy up to `frame`; the rows that changed (all of them on a resize,
        including rows the screen no longer has)."""
        book.learn(frame)
        changed: set[int] = set()
        size = frame.get("z")
        if size is not None:
            old = self.lines
            self.columns, self.lines = max(1, int(size[0])), max(1, int(size[1]))
            blank = (" " * self.columns, DEFAULT)
            self._rows = [[blank] for _ in range(self.lines)]
            changed.update(range(max(old, self.lines)))
        cols = self.columns
        for row in frame.get("r") or ():
            y = row[0]
            if isinstance(y, int) and 0 <= y < self.lines:
                self._rows[y] = full_width(book.runs(row, 1), cols)
                changed.add(y)
        cursor = frame.get("c")
        if cursor is not None:
            old_y = self.cursor_y
            self.cursor_x, self.cursor_y = int(cursor[0]), min(int(cursor[1]), self.lines - 1)
            self.cursor_hidden = not cursor[2]
            changed.update((old_y, self.cursor_y))
        modes = frame.get("m")
        if modes is not None:
            m = self.modes
            (m.application_cursor, m.application_keypad, m.bracketed_paste, m.mouse,
             m.mouse_sgr, m.focus_events, m.alternate) = modes
            m.cursor_visible = not self.cursor_hidden
        if "t" in frame:
            self.title = str(frame["t"])
        if "b" in frame:
            self.bell_count = int(frame["b"])
        if "h" in frame:
            self.host_history = int(frame["h"])
        if "a" in frame:
            self.alive = bool(frame["a"])
        return changed

    def row_runs(self, y: int) -> list[tuple[str, CellStyle]]:
        return self._rows[y]

    def cells(self, y: int) -> tuple[list[str], list[CellStyle]]:
        return row_from_runs(self._rows[y], self.columns).cells_copy(self.columns)

    def text_lines(self) -> list[str]:
        return ["".join(text for text, _ in runs).rstrip(" ") for runs in self._rows]

    def history_text(self, n: int) -> list[str]:
        return []

    def history_runs(self, i: int) -> list[tuple[str, CellStyle]]:
        raise IndexError("a mirrored screen holds no scrollback: fetch it (HistoryScreen)")


class HistoryScreen:
    """An agent's scrollback and screen as fetched for copy mode: the reading API copy mode and
    search use (`history_size`, `history_runs`, `history_text`, `row_runs`, `text_lines`)."""

    def __init__(self, reply: api.History, cols: int) -> None:
        book = StyleBook()
        book.learn({"s": reply.styles})
        rows = [book.runs(flat) for flat in reply.lines]
        self.history_size = max(0, min(reply.history, len(rows)))
        self._history = rows[:self.history_size]
        self.columns = max(1, cols)
        self._screen = [full_width(r, self.columns) for r in rows[self.history_size:]]
        self.lines = max(1, len(self._screen))
        if not self._screen:
            self._screen = [[(" " * self.columns, DEFAULT)]]

    def history_runs(self, i: int) -> list[tuple[str, CellStyle]]:
        return self._history[i]

    def history_text(self, n: int) -> list[str]:
        n = max(0, min(int(n), self.history_size))
        return ["".join(t for t, _ in runs)
                for runs in self._history[self.history_size - n:]]

    def row_runs(self, y: int) -> list[tuple[str, CellStyle]]:
        return self._screen[y]

    def text_lines(self) -> list[str]:
        return ["".join(t for t, _ in runs).rstrip(" ") for runs in self._screen]
