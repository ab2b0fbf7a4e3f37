"""Drawing text into rows: the one-cell fast path, and wide, zero-width and joined characters.

The fast path takes a run of one-cell characters and writes it with one string concatenation
(compact row) or one slice assignment (cell row). The slow path goes character by character:
wide characters take two cells ("" marks the right half), zero-width ones (combining marks,
VS16, ZWJ) join the previous cell, a character after a ZWJ joins it too unless it is ASCII,
and two regional indicators make one flag, as tmux does. Both paths give the same cells (tests/term/test_stream).
"""

from __future__ import annotations

from .rows import WIDE_GAP
from .style import CellStyle, blank_of
from .width import char_width, is_narrow


class DrawMixin:
    """Mixed into `Screen`."""

    def draw(self, data: str) -> None:
        """Print text at the cursor (charset translation, wrapping, wide and zero-width chars)."""
        if self._table is not None:
            data = data.translate(self._table)
        if self.fast_path and is_narrow(data):
            self._draw_narrow(data)
        else:
            for ch in data:
                self._draw_char(ch)

    def _draw_narrow(self, text: str) -> None:
        x = self._x
        end = x + len(text)
        row = self._rows[self._y]
        if (end < self.columns or end == self.columns and self.modes.autowrap) and not self.modes.insert:
            chars = row.chars
            if chars is None:
                if x >= len(row.text):
                    row.append(x, text, self.pen)
                else:
                    row.overwrite(x, text, self.pen)
                self._x = end
                self._dirty.add(self._y)
                return
            elif (end == self.columns or chars[end] != "") and (not x or (
                    chars[x] != "" and (chars[x - 1] or chars[x - 2])[-1:] != "\u200d")):
                # Overwriting whole cells, not half a wide char nor just after a joiner.
                chars[x:end] = text
                row.attrs[x:end] = [self.pen] * len(text)
                self._x = end
                self._dirty.add(self._y)
                return
        cols = self.columns
        modes = self.modes
        while text:
            x = self._x
            # Before wrapping, as the slow path does: a joiner in the last column takes a
            # non-ASCII character into its cell, and ASCII drops it.
            if x and self._after_zwj():
                if text[0] >= "\x80":
                    self._combine(text[0])
                    text = text[1:]
                    continue
                self._drop_zwj()
            if x >= cols:
                if modes.autowrap:
                    self._rows[self._y].wrapped = True
                    self._x = 0
                    self.index()
                    x = 0
                else:
                    x = self._x = cols - 1
            room = cols - x
            if len(text) <= room:
                chunk, text = text, ""
            elif modes.autowrap:
                chunk, text = text[:room], text[room:]
            else:
                chunk, text = text[:room - 1] + text[-1], ""
            y = self._y
            row = self._rows[y]
            n = len(chunk)
            if row.chars is None and not modes.insert:
                cur = len(row.text)
                if x >= cur:
                    row.append(x, chunk, self.pen)
                    self._x = x + n
                    self._dirty.add(y)
                    continue
                if x == 0 and n >= cur:
                    row.text = ""
                    row.runs = []
                    row.append(0, chunk, self.pen)
                    self._x = n
                    self._dirty.add(y)
                    continue
            chars, attrs = row.cells(cols)
            if modes.insert:
                self._insert_cells(chars, attrs, x, n)
            end = x + n
            if chars[x] == "" and x:
                chars[x - 1] = " "
            if end < cols and chars[end] == "":
                chars[end] = " "
            chars[x:end] = chunk
            attrs[x:end] = [self.pen] * n
            self._x = end
            self._dirty.add(y)
        if self._x >= cols and not modes.autowrap:
            # Without autowrap the cursor stays on the last column (tmux and xterm agree).
            self._x = cols - 1

    def _draw_char(self, ch: str) -> None:
        w = char_width(ch)
        cols = self.columns
        if w < 0:
            return
        x = self._x
        if w == 0:
            self._combine(ch)
            return
        if w > cols:
            return
        if x and self._after_zwj():
            if ch >= "\x80":
                return self._combine(ch)
            self._drop_zwj()
        if 0 < x < cols and "\U0001F1E6" <= ch <= "\U0001F1FF" and self._lone_flag_half():
            return self._make_flag(ch)
        if x >= cols or x + w > cols:
            if self.modes.autowrap:
                # A wide character that does not fit leaves a gap, not text: reflow drops it.
                self._rows[self._y].wrapped = WIDE_GAP if x < cols else True
                self._x = 0
                self.index()
                x = 0
            elif w == 2:
                # tmux drops a wide character that does not fit (xterm would draw it over the
                # last two columns).
                return
            else:
                x = self._x = cols - 1
        y = self._y
        chars, attrs = self._rows[y].cells(cols)
        if self.modes.insert:
            self._insert_cells(chars, attrs, x, w)
        end = x + w
        if chars[x] == "" and x:
            chars[x - 1] = " "
        if end < cols and chars[end] == "":
            chars[end] = " "
        chars[x] = ch
        attrs[x] = self.pen
        if w == 2:
            chars[x + 1] = ""
            attrs[x + 1] = self.pen
        self._x = end if end < cols or self.modes.autowrap else cols - 1
        self._dirty.add(y)

    def _after_zwj(self) -> bool:
        """True when the previous cell ends in a zero-width joiner: the next character joins it
        (an emoji family takes one cell pair, as in tmux)."""
        chars = self._rows[self._y].chars
        if chars is None:
            return False
        t = min(self._x, self.columns) - 1
        if chars[t] == "" and t:
            t -= 1
        return chars[t][-1:] == "\u200d"

    def _drop_zwj(self) -> None:
        """ASCII never joins a ZWJ sequence (tmux): the dangling joiner goes, the character
        takes its own cell."""
        chars = self._rows[self._y].chars
        t = min(self._x, self.columns) - 1
        if chars[t] == "" and t:
            t -= 1
        chars[t] = chars[t][:-1]

    def _lone_flag_half(self) -> bool:
        """True when the previous cell holds one regional indicator: a second one makes a flag."""
        chars = self._rows[self._y].chars
        if chars is None:
            return False
        t = min(self._x, self.columns) - 1
        if chars[t] == "" and t:
            t -= 1
        return len(chars[t]) == 1 and "\U0001F1E6" <= chars[t] <= "\U0001F1FF"

    def _make_flag(self, ch: str) -> None:
        """A second regional indicator joins the first into a flag two cells wide (tmux)."""
        cols = self.columns
        t = min(self._x, cols) - 1
        chars, attrs = self._rows[self._y].cells(cols)
        chars[t] += ch
        if t + 1 < cols:
            if self.modes.insert:
                self._insert_cells(chars, attrs, t + 1, 1)
            elif t + 2 < cols and chars[t + 2] == "":
                chars[t + 2] = " "
            chars[t + 1] = ""
            attrs[t + 1] = attrs[t]
            self._x = t + 2
        self._dirty.add(self._y)

    def _combine(self, ch: str) -> None:
        """Attach a zero-width character (combining mark, VS16, ZWJ) to the previous cell."""
        x = min(self._x, self.columns)
        if x == 0:
            return
        chars, _ = self._rows[self._y].cells(self.columns)
        t = x - 1
        if chars[t] == "" and t:
            t -= 1
        if len(chars[t]) < 32:
            chars[t] += ch
        self._dirty.add(self._y)

    def _insert_cells(self, chars: list[str], attrs: list[CellStyle], x: int, n: int) -> None:
        cols = self.columns
        n = min(n, cols - x)
        fill = blank_of(self.pen)
        chars[x:x] = [" "] * n
        attrs[x:x] = [fill] * n
        del chars[cols:], attrs[cols:]
        if chars[-1] and char_width(chars[-1][:1]) == 2:
            chars[-1] = " "
