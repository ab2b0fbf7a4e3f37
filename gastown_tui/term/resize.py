"""Resizing and the alternate screen, done the way tmux does them.

Height first: shrinking drops the rows under the cursor (tmux deletes them whatever they
hold), then moves rows off the top into scrollback; growing pulls rows back from scrollback.
Then width: the main screen and its scrollback are reflowed (wrapped lines re-joined and
re-wrapped at the new width, the cursor kept on its character, or at the end of its line when
it was past the text). The alternate screen is cut or padded, never reflowed, and the main
screen it hides is resized when the program leaves the alternate screen.
"""

from __future__ import annotations

from .rows import WIDE_GAP, Row, row_from_runs
from .style import DEFAULT
from .width import char_width, is_narrow


class ResizeMixin:
    """Mixed into `Screen`: `resize`, `enter_alternate`, `leave_alternate`."""

    def enter_alternate(self, save_cursor: bool) -> None:
        """47/1047 (False) and 1049 (True), as tmux does them: nothing happens when already on
        the alternate screen; it starts blank in the default colours."""
        if self._main_rows is not None:
            return
        if save_cursor:
            self._alt_cursor = (self._x, self._y, self.pen)
        self._main_rows = self._rows
        self._main_size = (self.columns, self.lines)
        self.modes.alternate = True
        self._rows = [Row() for _ in range(self.lines)]
        self._all_dirty = True

    def leave_alternate(self, restore_cursor: bool) -> None:
        """Back to the main screen (resized to the current size). 1049 restores the cursor
        and pen it saved even when not on the alternate screen, as tmux does."""
        if self._main_rows is not None:
            size = (self.columns, self.lines)
            self._rows = self._main_rows
            self._main_rows = None
            self.modes.alternate = False
            self.columns, self.lines = self._main_size
            self._restore_alt_cursor(restore_cursor)
            self.resize(*size)
            self._all_dirty = True
        else:
            self._restore_alt_cursor(restore_cursor)

    def _restore_alt_cursor(self, restore: bool) -> None:
        if restore and self._alt_cursor is not None:
            self._x, self._y, self.pen = self._alt_cursor
        self._x = min(self._x, self.columns - 1)
        self._y = min(self._y, self.lines - 1)

    def resize(self, columns: int | None = None, lines: int | None = None) -> None:
        """Change the size to `columns` x `lines` (columns first, unlike pyte)."""
        columns = max(1, int(columns or self.columns))
        lines = max(1, int(lines or self.lines))
        alternate = self._main_rows is not None
        if (columns, lines) != (self.columns, self.lines):
            # Only a real change resets the scroll region (tmux: leaving the alternate screen
            # "resizes" to the same size and keeps it).
            self._top, self._bot = 0, lines - 1
        if lines != self.lines:
            self._rows, self._y = self._fit(self._rows, lines, self._y, not alternate)
            self.lines = lines
        if columns != self.columns:
            if alternate:
                for row in self._rows:
                    row.resized(columns)
                self.columns = columns
            else:
                self._reflow(columns)
            self.tabstops = set(range(8, columns, 8))
        self._x = min(self._x, self.columns)
        self._y = min(self._y, self.lines - 1)
        self._all_dirty = True

    def _fit(self, rows: list[Row], lines: int, cy: int, main: bool) -> tuple[list[Row], int]:
        """Rows cut to / grown to `lines`; returns them with the cursor row moved along."""
        rows = list(rows)
        history = self.history
        if len(rows) > lines:
            drop = len(rows) - lines
            # Rows under the cursor go first, whatever they hold (tmux deletes them too), then
            # rows off the top into scrollback.
            while drop and len(rows) - 1 > cy:
                rows.pop()
                drop -= 1
            for _ in range(drop):
                gone = rows.pop(0)
                if main and history.limit:
                    history.push(gone.entry(self.columns), gone.wrapped)
                cy = max(0, cy - 1)
        else:
            add = lines - len(rows)
            pulled = 0
            while main and pulled < add and len(history):
                runs, wrapped = history.pop_newest()
                row = row_from_runs(runs, self.columns)
                row.wrapped = wrapped
                rows.insert(0, row)
                pulled += 1
            cy += pulled
            rows.extend(Row() for _ in range(add - pulled))
        return rows, cy

    def _reflow(self, cols: int) -> None:
        """Re-wrap scrollback and screen at `cols` columns; the cursor stays on its character."""
        old = self.columns
        history = self.history
        entries = list(history.lines)
        wraps = list(history.wraps)
        pieces: list = [(e, w) for e, w in zip(entries, wraps)] + self._rows
        cursor_at = len(entries) + self._y
        # A cursor past the text of the row ending its line goes to the line's end, as in tmux
        # (its grid_wrap_position): a compact row's text is exactly what was written there.
        crow = self._rows[self._y]
        written = len(crow.text) if crow.chars is None else crow.used(old)
        x = self._x
        at_end = not crow.wrapped and x >= written
        if at_end:
            x = written
        grid: list = []
        cursor = (len(entries) + self._y, min(x, cols))
        group: list[int] = []
        for i, piece in enumerate(pieces):
            group.append(i)
            wrapped = piece.wrapped if piece.__class__ is Row else piece[1]
            if wrapped and i < len(pieces) - 1:
                continue
            if len(group) == 1 and self._width(piece, old) <= cols:
                if i == cursor_at:
                    cursor = (len(grid), min(x, cols))
                if piece.__class__ is Row:
                    piece.resized(cols)
                    piece.wrapped = False
                grid.append(piece)
            else:
                offset = None
                if group[0] <= cursor_at <= group[-1]:
                    offset = -1 if at_end else (cursor_at - group[0]) * old + x
                rows, at = self._rewrap([pieces[k] for k in group], old, cols, offset)
                if at is not None:
                    cursor = (len(grid) + at[0], at[1])
                grid.extend(rows)
            group = []
        while len(grid) < self.lines:
            grid.append(Row())
        split = len(grid) - self.lines
        history.clear()
        for item in grid[:split]:
            if item.__class__ is Row:
                history.push(item.entry(cols), item.wrapped)
            else:
                history.push_raw(*item)
        screen = []
        for item in grid[split:]:
            if item.__class__ is Row:
                screen.append(item)
            else:
                row = row_from_runs(history.decode(item[0]), cols)
                row.wrapped = item[1]
                screen.append(row)
        self._rows = screen
        self.columns = cols
        if cursor[0] < split:
            # The cursor's row went into scrollback: tmux puts it home.
            self._y, self._x = 0, 0
        else:
            self._y, self._x = cursor[0] - split, cursor[1]

    def _width(self, piece, cols: int) -> int:
        """Cells used by a row or a scrollback line (trailing blanks not counted)."""
        if piece.__class__ is Row:
            return piece.used(cols)
        text = self.history.text_of(piece[0])
        return len(text) if is_narrow(text) else sum(max(0, char_width(c)) for c in text)

    def _rewrap(self, group: list, old: int, cols: int,
                offset: int | None) -> tuple[list[Row], tuple[int, int] | None]:
        """One logical line (rows joined by wraps) cut again at `cols`; with the cursor's place."""
        chars: list[str] = []
        attrs: list = []
        for k, piece in enumerate(group):
            row = piece if piece.__class__ is Row else row_from_runs(
                self.history.decode(piece[0]), old)
            c, a = row.cells_copy(old)
            if k == len(group) - 1:
                # The line's end: blanks after what was written are not text to carry over
                # (written spaces are, as tmux keeps them: a compact row's text is exactly that).
                used = len(row.text) if row.chars is None and row.fill.shows_blank else row.used(old)
                c, a = c[:used], a[:used]
            elif (piece.wrapped if piece.__class__ is Row else piece[1]) == WIDE_GAP \
                    and c[old - 1:old] != [""]:
                # The gap a wide character left by wrapping; not when the cursor had gone
                # back over an earlier wide character's right half before that one wrapped.
                c, a = c[:old - 1], a[:old - 1]
            chars += c
            attrs += a
        n = len(chars)
        rows: list[Row] = []
        starts: list[int] = []
        i = 0
        while i < n or not rows:
            j = min(i + cols, n)
            if j < n and chars[j] == "":
                j -= 1
            if j <= i:
                # A wide character in a one-column screen: it cannot be shown.
                j = i + (2 if i + 1 < n and chars[i + 1] == "" else 1)
                chunk_c, chunk_a = [" "], [DEFAULT]
            else:
                chunk_c, chunk_a = chars[i:j], attrs[i:j]
            row = Row()
            row.chars = chunk_c + [" "] * (cols - len(chunk_c))
            row.attrs = chunk_a + [DEFAULT] * (cols - len(chunk_a))
            row.text = row.runs = None
            row.wrapped = (WIDE_GAP if j - i < cols else True) if j < n else False
            rows.append(row)
            starts.append(i)
            i = j
        at = None
        if offset is not None:
            if offset < 0:
                offset = n
            k = len(starts) - 1
            while k and starts[k] > offset:
                k -= 1
            at = (k, min(offset - starts[k], cols))
        return rows, at
