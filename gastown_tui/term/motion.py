"""Cursor motion and scrolling: line feeds, scroll regions and scrollback, tabs, cursor moves,
DECSC/DECRC (the alternate screen keeps its own saved cursor) and the G0/G1 charsets they save."""

from __future__ import annotations

from .charsets import charset_table
from .rows import Row
from .style import DEFAULT, blank_of


class _Saved:
    __slots__ = ("x", "y", "pen", "g0", "g1", "shift", "origin")


class MotionMixin:
    """Mixed into `Screen`."""

    # ---- vertical movement and scrolling -----------------------------------------------------

    def _scroll_up(self, n: int, top: int | None = None, bot: int | None = None) -> None:
        rows = self._rows
        if n == 1 and top is None and self._top == 0 and self._bot == self.lines - 1:
            # The hot case: a line feed at the bottom of the whole screen.
            old = rows.pop(0)
            if self._main_rows is None and self.history.limit:
                self.history.push_row(old, self.columns)
            rows.append(Row(blank_of(self.pen)) if self.pen.bg is not None else Row())
            self._all_dirty = True
            return
        top = self._top if top is None else top
        bot = self._bot if bot is None else bot
        n = min(n, bot - top + 1)
        fill = blank_of(self.pen)
        keep = top == 0 and self._main_rows is None and self.history.limit
        push = self.history.push_row
        for _ in range(n):
            old = rows.pop(top)
            if keep:
                push(old, self.columns)
            rows.insert(bot, Row(fill))
        if n:
            if top == 0 and bot == self.lines - 1:
                self._all_dirty = True
            else:
                self._dirty.update(range(top, bot + 1))

    def _scroll_down(self, n: int, top: int | None = None, bot: int | None = None) -> None:
        top = self._top if top is None else top
        bot = self._bot if bot is None else bot
        n = min(n, bot - top + 1)
        rows = self._rows
        fill = blank_of(self.pen)
        for _ in range(n):
            del rows[bot]
            rows.insert(top, Row(fill))
        if n:
            self._dirty.update(range(top, bot + 1))

    def index(self) -> None:
        y = self._y
        if y == self._bot:
            self._scroll_up(1)
        elif y < self.lines - 1:
            self._y = y + 1

    def reverse_index(self) -> None:
        y = self._y
        if y == self._top:
            self._scroll_down(1)
        elif y > 0:
            self._y = y - 1

    def linefeed(self) -> None:
        self.index()

    def next_line(self) -> None:
        self._x = 0
        self.index()

    def scroll_up(self, count: int | None = None) -> None:
        self._scroll_up(max(1, count or 1))

    def scroll_down(self, count: int | None = None) -> None:
        self._scroll_down(max(1, count or 1))

    def carriage_return(self) -> None:
        self._x = 0

    def backspace(self) -> None:
        if self._x > 0:
            self._x = min(self._x, self.columns) - 1
        elif self._y > 0 and self._rows[self._y - 1].wrapped:
            # At the start of a row the text wrapped on to, tmux backs up to the last column of
            # the row before (as xterm's reverse-wrap mode does).
            self._y -= 1
            self._x = self.columns - 1

    def tab(self, count: int | None = None) -> None:
        if self._x >= self.columns:
            return
        # More stops than columns cannot be crossed: a huge count must not loop (a stall).
        for _ in range(min(max(1, count or 1), self.columns)):
            x = self._x
            nxt = [t for t in self.tabstops if t > x]
            self._x = min(nxt) if nxt else self.columns - 1

    def back_tab(self, count: int | None = None) -> None:
        for _ in range(min(max(1, count or 1), self.columns)):
            x = self._x
            prev = [t for t in self.tabstops if t < x]
            self._x = max(prev) if prev else 0

    def set_tab_stop(self) -> None:
        if self._x < self.columns:
            self.tabstops.add(self._x)

    def clear_tab_stop(self, how: int = 0) -> None:
        if how == 0:
            self.tabstops.discard(min(self._x, self.columns - 1))
        elif how == 3:
            self.tabstops.clear()

    def bell(self, *args) -> None:
        self.bell_count += 1

    # ---- cursor ------------------------------------------------------------------------------

    def _clamp_y(self, y: int) -> int:
        if self.modes.origin:
            return max(self._top, min(y, self._bot))
        return max(0, min(y, self.lines - 1))

    def cursor_up(self, count: int | None = None) -> None:
        top = self._top if self._y >= self._top else 0
        self._y = max(top, self._y - max(1, count or 1))
        self._x = min(self._x, self.columns - 1)

    def cursor_down(self, count: int | None = None) -> None:
        bot = self._bot if self._y <= self._bot else self.lines - 1
        self._y = min(bot, self._y + max(1, count or 1))
        self._x = min(self._x, self.columns - 1)

    def cursor_up1(self, count: int | None = None) -> None:
        self.cursor_up(count)
        self._x = 0

    def cursor_down1(self, count: int | None = None) -> None:
        self.cursor_down(count)
        self._x = 0

    def cursor_back(self, count: int | None = None) -> None:
        self._x = max(0, self._x - max(1, count or 1))

    def cursor_forward(self, count: int | None = None) -> None:
        self._x = min(self.columns - 1, self._x + max(1, count or 1))

    def cursor_position(self, line: int | None = None, column: int | None = None) -> None:
        y = max(1, line or 1) - 1
        if self.modes.origin:
            y += self._top
        self._y = self._clamp_y(y)
        self._x = min(max(1, column or 1) - 1, self.columns - 1)

    def cursor_to_column(self, column: int | None = None) -> None:
        self._x = min(max(1, column or 1) - 1, self.columns - 1)

    def cursor_to_line(self, line: int | None = None) -> None:
        y = max(1, line or 1) - 1
        if self.modes.origin:
            y += self._top
        self._y = self._clamp_y(y)

    def save_cursor(self) -> None:
        """DECSC: one slot shared by both screens, as in tmux (which, unlike xterm, does not
        save DECAWM)."""
        s = _Saved()
        s.x, s.y, s.pen = self._x, self._y, self.pen
        s.g0, s.g1, s.shift = self._g[0], self._g[1], self._shift
        s.origin = self.modes.origin
        self._saved = s

    def restore_cursor(self) -> None:
        """DECRC; with nothing saved, the power-on state: home, default pen and charsets."""
        s = self._saved
        if s is None:
            s = _Saved()
            s.x = s.y = s.shift = 0
            s.pen, s.g0, s.g1, s.origin = DEFAULT, None, None, False
        self._x = min(s.x, self.columns - 1)
        self._y = min(s.y, self.lines - 1)
        self.pen = s.pen
        self._g = [s.g0, s.g1]
        self._shift = s.shift
        self._table = charset_table(self._g[self._shift])
        self.modes.origin = s.origin

    def set_margins(self, top: int | None = None, bottom: int | None = None) -> None:
        if not top and not bottom:
            self._top, self._bot = 0, self.lines - 1
        else:
            t = max(0, (top or 1) - 1)
            b = min(self.lines - 1, (bottom or self.lines) - 1)
            if b - t < 1:
                return
            self._top, self._bot = t, b
        # The top-left of the screen even in origin mode, as in tmux (xterm: of the region).
        self._x = self._y = 0

    # ---- charsets ----------------------------------------------------------------------------

    def define_charset(self, code: str, mode: str) -> None:
        slot = {"(": 0, ")": 1}.get(mode)
        if slot is None:
            return
        self._g[slot] = code if code == "0" else None
        self._table = charset_table(self._g[self._shift])

    def shift_in(self) -> None:
        self._shift = 0
        self._table = charset_table(self._g[0])

    def shift_out(self) -> None:
        self._shift = 1
        self._table = charset_table(self._g[1])
