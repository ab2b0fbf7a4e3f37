"""One screen row, kept compact (text + style runs) until something needs its cells.

Most rows are written left to right and never touched again before they scroll away (plain
output, coloured logs, Ink's erase-and-rewrite). Such a row stays a string plus a list of
(end, style) runs; appending to it is a string concatenation. Anything else (overwriting in the
middle, wide or combining characters, inserting, erasing part of it) turns it into two lists of
cells: `chars` (one string per cell; "" is the right half of a wide character) and `attrs`.
"""

from __future__ import annotations

from itertools import groupby

from .style import DEFAULT, CellStyle
from .width import char_width, is_narrow

# A history entry: a plain string (all default style, trailing blanks dropped) or
# (text, (end1, style1, end2, style2, ...)) with ends counted in characters of text.
Entry = "str | tuple[str, tuple]"


class Row:
    __slots__ = ("text", "runs", "fill", "chars", "attrs")

    def __init__(self, fill: CellStyle = DEFAULT) -> None:
        self.text = ""
        self.runs: list | None = []
        self.fill = fill
        self.chars: list[str] | None = None
        self.attrs: list[CellStyle] | None = None

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

    def append(self, x: int, text: str, style: CellStyle) -> None:
        """Write width-1 characters at x >= len(self.text) of a compact row."""
        cur = self.text
        runs = self.runs
        if x > len(cur):
            cur += " " * (x - len(cur))
            runs.append((x, self.fill))
        cur += text
        self.text = cur
        if runs and runs[-1][1] is style:
            runs[-1] = (len(cur), style)
        else:
            runs.append((len(cur), style))

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
        if attrs.count(attrs[0]) == len(attrs):
            return [("".join(chars), attrs[0])]
        out = []
        i = 0
        for _, group in groupby(map(id, attrs)):
            n = sum(1 for _ in group)
            out.append(("".join(chars[i:i + n]), attrs[i]))
            i += n
        return out

    def entry(self) -> Entry:
        """This row as a compact history entry."""
        if self.chars is None:
            text, runs, fill = self.text, self.runs, self.fill
            if fill is not DEFAULT and not fill.shows_blank:
                return _entry_from_runs(self.runs_full(len(text) + 1)[:-1] + [(" ", fill)])
            if len(runs) == 1 and runs[0][1] is DEFAULT:
                return text.rstrip(" ")
            if not runs:
                return ""
            flat = []
            for end, style in runs:
                flat += (end, style)
            return _trim(text, tuple(flat))
        return _entry_from_runs(self.runs_full(len(self.chars)))


def _merge(runs: list[tuple[str, CellStyle]]) -> list[tuple[str, CellStyle]]:
    out: list[tuple[str, CellStyle]] = []
    for text, style in runs:
        if out and out[-1][1] is style:
            out[-1] = (out[-1][0] + text, style)
        else:
            out.append((text, style))
    return out


def _entry_from_runs(runs: list[tuple[str, CellStyle]]) -> Entry:
    if len(runs) == 1 and runs[0][1] is DEFAULT:
        return runs[0][0].rstrip(" ")
    flat = []
    end = 0
    for text, style in runs:
        end += len(text)
        flat += (end, style)
    return _trim("".join(t for t, _ in runs), tuple(flat))


def _trim(text: str, flat: tuple) -> Entry:
    """Drop trailing spaces that look blank, and runs that become empty."""
    cut = len(text)
    ends = list(flat)
    while cut and text[cut - 1] == " ":
        # find the style of character cut-1
        k = 0
        while ends[k] < cut:
            k += 2
        if not ends[k + 1].shows_blank:
            break
        cut -= 1
    if cut < len(text):
        text = text[:cut]
        kept = []
        for k in range(0, len(ends), 2):
            if kept and kept[-2] >= cut:
                break
            kept += (min(ends[k], cut), ends[k + 1])
        ends = [v for v in kept]
        while len(ends) >= 4 and ends[-2] == ends[-4]:
            del ends[-2:]
        if cut == 0:
            return ""
    if len(ends) == 2 and ends[1] is DEFAULT:
        return text
    return (text, tuple(ends))


def entry_text(entry: Entry) -> str:
    return entry if entry.__class__ is str else entry[0].rstrip(" ")


def entry_runs(entry: Entry) -> list[tuple[str, CellStyle]]:
    if entry.__class__ is str:
        return [(entry, DEFAULT)] if entry else []
    text, flat = entry
    out = []
    start = 0
    for k in range(0, len(flat), 2):
        end = flat[k]
        if end > start:
            out.append((text[start:end], flat[k + 1]))
        start = end
    return out


def row_from_entry(entry: Entry, cols: int) -> Row:
    """A history line pulled back onto the screen (when the screen grows taller)."""
    row = Row()
    runs = entry_runs(entry)
    if is_narrow(entry_text(entry)):
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
                    chars[x - 1] += ch
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
