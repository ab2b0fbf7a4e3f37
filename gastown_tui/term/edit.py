"""Editing the screen: inserting and deleting lines and characters, erasing (with the current
background, as xterm and tmux do), and what tmux does on a clear (rows kept in scrollback)."""

from __future__ import annotations

from .rows import Row
from .style import DEFAULT, blank_of


class EditMixin:
    """Mixed into `Screen`."""

    def _line_region_bottom(self) -> int:
        # Outside the scroll region tmux inserts and deletes down to the bottom of the screen.
        return self._bot if self._top <= self._y <= self._bot else self.lines - 1

    def insert_lines(self, count: int | None = None) -> None:
        # The cursor keeps its column (tmux; xterm moves it to the left margin).
        bot = self._line_region_bottom()
        if self._y == bot and not self._top <= self._y <= self._bot:
            # tmux 3.3 moves no line there, and so clears none either.
            return
        self._scroll_down(max(1, count or 1), self._y, bot)

    def delete_lines(self, count: int | None = None) -> None:
        bot = self._line_region_bottom()
        n = min(max(1, count or 1), bot - self._y + 1)
        rows = self._rows
        fill = blank_of(self.pen)
        for _ in range(n):
            del rows[self._y]
            rows.insert(bot, Row(fill))
        self._dirty.update(range(self._y, bot + 1))

    def insert_characters(self, count: int | None = None) -> None:
        x = self._x
        if x >= self.columns:
            return
        chars, attrs = self._rows[self._y].cells(self.columns)
        if chars[x] == "" and x:
            chars[x - 1] = " "
        self._insert_cells(chars, attrs, x, max(1, count or 1))
        self._dirty.add(self._y)

    def delete_characters(self, count: int | None = None) -> None:
        cols = self.columns
        x = self._x
        if x >= cols:
            return
        n = min(max(1, count or 1), cols - x)
        chars, attrs = self._rows[self._y].cells(cols)
        if chars[x] == "" and x:
            chars[x - 1] = " "
        if x + n < cols and chars[x + n] == "":
            chars[x + n] = " "
        del chars[x:x + n], attrs[x:x + n]
        fill = blank_of(self.pen)
        chars += [" "] * n
        attrs += [fill] * n
        self._dirty.add(self._y)

    def erase_characters(self, count: int | None = None) -> None:
        x = self._x
        self._erase_cells(self._y, x, min(self.columns, x + max(1, count or 1)))

    def _erase_cells(self, y: int, start: int, end: int) -> None:
        """Blank columns [start, end) of row y with the current background."""
        cols = self.columns
        if start >= end:
            return
        row = self._rows[y]
        fill = blank_of(self.pen)
        self._dirty.add(y)
        if end >= cols:
            row.wrapped = False
        if row.chars is None:
            if start == 0 and end >= cols:
                row.text, row.runs, row.fill = "", [], fill
                return
            if start <= len(row.text) and end >= cols:
                row.text = row.text[:start]
                runs = []
                for e, st in row.runs:
                    if e >= start:
                        if start > (runs[-1][0] if runs else 0):
                            runs.append((start, st))
                        break
                    runs.append((e, st))
                row.runs, row.fill = runs, fill
                return
        chars, attrs = row.cells(cols)
        if start and chars[start] == "":
            start -= 1
        if end < cols and chars[end] == "":
            end += 1
        chars[start:end] = [" "] * (end - start)
        attrs[start:end] = [fill] * (end - start)

    def erase_in_line(self, how: int = 0, private: bool = False) -> None:
        x = self._x
        if how == 0:
            self._erase_cells(self._y, x, self.columns)
        elif how == 1:
            self._erase_cells(self._y, 0, min(x + 1, self.columns))
        elif how == 2:
            self._erase_cells(self._y, 0, self.columns)

    def erase_in_display(self, how: int = 0, *args, **kwargs) -> None:
        if how == 0:
            self.erase_in_line(0)
            ys = range(self._y + 1, self.lines)
        elif how == 1:
            self.erase_in_line(1)
            ys = range(0, self._y)
        elif how == 2:
            ys = range(self.lines)
            if self._main_rows is None and self.history.limit:
                # tmux keeps what a clear wipes: rows up to the last used one go to scrollback.
                used = [y for y, row in enumerate(self._rows) if not row.blank()]
                for y in range(used[-1] + 1 if used else 0):
                    self.history.push(self._rows[y].entry(self.columns), self._rows[y].wrapped)
        elif how == 3:
            self.history.clear()
            return
        else:
            return
        fill = blank_of(self.pen)
        rows = self._rows
        for y in ys:
            rows[y] = Row(fill)
        self._dirty.update(ys)

    def alignment_display(self) -> None:
        """DECALN: fill the screen with E (used by vttest and some test suites)."""
        for y in range(self.lines):
            row = Row()
            row.append(0, "E" * self.columns, DEFAULT)
            self._rows[y] = row
        self._top, self._bot = 0, self.lines - 1
        self._x = self._y = 0
        self._all_dirty = True
