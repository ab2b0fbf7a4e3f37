"""One screen row, kept compact (text + style runs) until something needs its cells.

Most rows are written left to right and never touched again before they scroll away (plain
output, coloured logs, Ink's erase-and-rewrite). Such a row stays a string plus a list of
(end, style) runs; appending to it is a string concatenation. Anything else (overwriting in the
middle, wide or combining characters, inserting, erasing part of it) turns it into two lists of
cells: `chars` (one string per cell; "" is the right half of a wide character) and `attrs`.
"""

from __future__ import annotations

from itertools import groupby
from typing import Union

from .style import DEFAULT, CellStyle
from .width import char_width, is_narrow

# A row as scrollback takes it: a plain string (all default style, trailing blanks dropped) or
# (text, [(length in characters, style), ...]).
Entry = Union[str, tuple[str, list[tuple[int, CellStyle]]]]

#: `Row.wrapped` when a wide character that did not fit moved on to the next row, leaving the
#: last cell a gap (as tmux does, re-joining the line does not count that cell).
WIDE_GAP = 2


class Row:
    __slots__ = ("text", "runs", "fill", "chars", "attrs", "wrapped")

    def __init__(self, fill: CellStyle = DEFAULT) -> None:
        self.text = ""
        self.runs: list | None = []
        self.fill = fill
        self.chars: list[str] | None = None
        self.attrs: list[CellStyle] | None = None
        # Set when autowrap carried text on to the next row: resize re-joins such rows.
        self.wrapped = False

    def cells(self, cols: int) -> tuple[list[str], list[CellStyle]]:
        chars = self.chars
        if chars is not None:
            return chars, self.attrs
        text = self.text
        chars = list(text)
        attrs: list[CellStyle] = []
        start = 0
        for end, style in self.runs:
            attrs += [style] * (end - start)
            start = end
        pad = cols - len(text)
        if pad > 0:
            chars += [" "] * pad
            attrs += [self.fill] * pad
        self.chars, self.attrs = chars, attrs
        self.text = self.runs = None
        return chars, attrs

    def cells_copy(self, cols: int) -> tuple[list[str], list[CellStyle]]:
        """The cells as new lists, leaving a compact row compact (readers must not slow it)."""
        if self.chars is not None:
            return list(self.chars), list(self.attrs)
        row = Row(self.fill)
        row.text, row.runs = self.text, self.runs
        return row.cells(cols)

    def append(self, x: int, text: str, style: CellStyle) -> None:
        """Write width-1 characters at x >= len(self.text) of a compact row."""
        cur = self.text
        runs = self.runs
        if x > len(cur):
            cur += " " * (x - len(cur))
            if runs and runs[-1][1] is self.fill:
                runs[-1] = (x, self.fill)
            else:
                runs.append((x, self.fill))
        cur += text
        self.text = cur
        if runs and runs[-1][1] is style:
            runs[-1] = (len(cur), style)
        else:
            runs.append((len(cur), style))

    def overwrite(self, x: int, text: str, style: CellStyle) -> None:
        """Write width-1 characters at x < len(self.text) of a compact row, which stays compact
        (full-screen programs rewrite their rows in place; cells would cost ten times more).
        Every character of a compact row takes one cell, so string offsets are columns."""
        end = x + len(text)
        cur = self.text
        self.text = cur[:x] + text + cur[end:]
        runs = self.runs
        nr = len(runs)
        out = []
        i = 0
        while i < nr and runs[i][0] <= x:
            out.append(runs[i])
            i += 1
        if i < nr and x > (runs[i - 1][0] if i else 0):
            out.append((x, runs[i][1]))
        if out and out[-1][1] is style:
            out[-1] = (end, style)
        else:
            out.append((end, style))
        while i < nr and runs[i][0] <= end:
            i += 1
        if i < nr:
            if runs[i][1] is style:
                out[-1] = (runs[i][0], style)
                i += 1
            out.extend(runs[i:])
        self.runs = out

    def resized(self, cols: int) -> None:
        if self.chars is None:
            if len(self.text) > cols:
                self.text = self.text[:cols]
                runs = []
                for end, style in self.runs:
                    runs.append((min(end, cols), style))
                    if end >= cols:
                        break
                self.runs = runs
            return
        chars, attrs = self.chars, self.attrs
        n = len(chars)
        if cols < n:
            del chars[cols:], attrs[cols:]
            if chars and chars[-1] and _is_wide_left(chars, cols - 1):
                chars[-1] = " "
        elif cols > n:
            chars += [" "] * (cols - n)
            attrs += [DEFAULT] * (cols - n)

    def used(self, cols: int) -> int:
        """Cells up to the last one that is not an untouched-looking blank."""
        if self.chars is None:
            if self.fill.shows_blank:
                return len(self.text.rstrip(" ")) if self.runs and all(
                    st.shows_blank for _, st in self.runs[-1:]) else len(self.text)
            return cols
        chars, attrs = self.chars, self.attrs
        n = len(chars)
        while n and chars[n - 1] == " " and attrs[n - 1].shows_blank:
            n -= 1
        return n

    def blank(self) -> bool:
        """True when the row looks untouched: no text and no visible background."""
        if self.chars is None:
            return not self.text.strip(" ") and self.fill.shows_blank and all(
                st.shows_blank for _, st in self.runs)
        return not "".join(self.chars).strip(" ") and all(st.shows_blank for st in self.attrs)

    def plain(self) -> str:
        """The row's text, trailing spaces trimmed (what `capture-pane -p` shows)."""
        if self.chars is None:
            return self.text.rstrip(" ")
        return "".join(self.chars).rstrip(" ")

    def runs_full(self, cols: int) -> list[tuple[str, CellStyle]]:
        """Runs of (text, style) covering all `cols` cells, each wide character once."""
        if self.chars is None:
            text = self.text
            out = []
            start = 0
            for end, style in self.runs:
                if end > start:
                    out.append((text[start:end], style))
                start = end
            if cols > len(text):
                out.append((" " * (cols - len(text)), self.fill))
            return _merge(out)
        chars, attrs = self.chars, self.attrs
        out = []
        i = 0
        # Grouped by identity (styles are shared objects): no CellStyle.__eq__ call per cell.
        for _, group in groupby(map(id, attrs)):
            n = len(list(group))
            out.append(("".join(chars[i:i + n]), attrs[i]))
            i += n
        return out

    def entry(self, cols: int) -> Entry:
        """This row for scrollback: its text and run lengths, trailing blanks dropped."""
        if self.chars is None and self.fill.shows_blank:
            runs = self.runs
            if not runs:
                return ""
            if len(runs) == 1 and runs[0][1] is DEFAULT:
                return self.text.rstrip(" ")
            out = []
            start = 0
            for end, style in runs:
                if end > start:
                    out.append((end - start, style))
                    start = end
            return _trimmed(self.text, out)
        pieces = self.runs_full(cols)
        if len(pieces) == 1 and pieces[0][1] is DEFAULT:
            return pieces[0][0].rstrip(" ")
        return _trimmed("".join(t for t, _ in pieces), [(len(t), st) for t, st in pieces])


def _merge(runs: list[tuple[str, CellStyle]]) -> list[tuple[str, CellStyle]]:
    out: list[tuple[str, CellStyle]] = []
    for text, style in runs:
        if out and out[-1][1] is style:
            out[-1] = (out[-1][0] + text, style)
        else:
            out.append((text, style))
    return out


def _trimmed(text: str, runs: list[tuple[int, CellStyle]]) -> Entry:
    """Drop trailing spaces whose style looks blank, then the runs left empty."""
    while runs:
        n, style = runs[-1]
        if not style.shows_blank:
            break
        kept = len(text[len(text) - n:].rstrip(" "))
        if kept == n:
            break
        text = text[:len(text) - n + kept]
        if kept:
            runs[-1] = (kept, style)
            break
        runs.pop()
    if not runs:
        return ""
    if len(runs) == 1 and runs[0][1] is DEFAULT:
        return text
    return (text, runs)


def row_from_runs(runs: list[tuple[str, CellStyle]], cols: int) -> Row:
    """A scrollback line pulled back onto the screen (when the screen grows taller)."""
    row = Row()
    if is_narrow("".join(t for t, _ in runs)):
        for text, style in runs:
            row.append(len(row.text), text, style)
        row.resized(cols)
        return row
    row.cells(cols)
    x = 0
    chars, attrs = row.chars, row.attrs
    for text, style in runs:
        for ch in text:
            w = char_width(ch)
            if w <= 0:
                if x:
                    t = x - 2 if chars[x - 1] == "" and x > 1 else x - 1
                    chars[t] += ch
                continue
            if x + w > cols:
                break
            chars[x] = ch
            attrs[x] = style
            if w == 2:
                chars[x + 1] = ""
                attrs[x + 1] = style
            x += w
    return row


def _is_wide_left(chars: list[str], i: int) -> bool:
    return char_width(chars[i][:1]) == 2
