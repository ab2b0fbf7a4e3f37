"""DiffView: a change (`town.diffs.Diff`) as a unified diff, syntax highlighted by each file's
extension, drawn with the Line API.

A diff of tens of thousands of lines must open at once and scroll without a stall, so nothing
is laid out or highlighted ahead: the lines are a flat list of small records, a line is drawn
only when it comes on view, and highlighting is done a block of one hunk at a time (the lexer
sees its neighbours) the first time a line of that block is drawn. What is drawn is capped
(`MAX_DRAWN` lines, `MAX_COLUMNS` columns of one line), with a note saying how much was left out
and where to see all of it. Stored text: file contents and paths go through `visible` before
they are drawn; colours are theme variables.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.segment import Segment
from textual.binding import Binding
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.style import Style

from ...visible import visible

MAX_DRAWN = 20_000       # lines of one diff drawn at most
MAX_COLUMNS = 400        # characters of one line drawn at most (a longer one ends in "…")
BLOCK = 200              # lines of a hunk highlighted together
TAB = 4
NUMBER = 5               # width of a line number
STRIP_CACHE = 4_000      # drawn lines kept (about four screens of a big terminal, many times)
_HUNK = re.compile(r"@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@")

# line kind -> the style of its whole row
ROW_STYLES = {"file": "bold $text on $panel", "hunk": "$text-secondary",
              "note": "italic $text-warning", "+": "on $success-muted", "-": "on $error-muted"}
SIGNS = {"+": "$text-success", "-": "$text-error"}


@dataclass(slots=True)
class _Line:
    kind: str              # file | hunk | code | note | blank
    text: str              # what is shown (made visible), or the code itself
    origin: str = ""       # code: "+", "-" or " "
    old: int = 0           # code: line numbers (0: none on that side)
    new: int = 0
    block: int = -1        # code: the highlighting block it belongs to


@dataclass(slots=True)
class _Block:
    language: str
    start: int             # index of its first line
    count: int


@dataclass(slots=True)
class Layout:
    lines: list[_Line]
    blocks: list[_Block]
    starts: list[int]      # index of each file's header line
    width: int             # of the longest line


def lay_out(diff: Any, whole: str = "") -> Layout:
    """`diff` (a `town.diffs.Diff`) as the lines DiffView draws, at most MAX_DRAWN of them;
    `whole` says how to see all of it when it is too big to draw (e.g. "`gt diff de-mr-abc`
    in a shell"). No widget needed: a big diff is laid out off the loop."""
    lines: list[_Line] = []
    blocks: list[_Block] = []
    starts: list[int] = []
    width = 0
    for number, f in enumerate(diff.files):
        if len(lines) >= MAX_DRAWN:
            rest = diff.files[number:]
            count = sum(g.added + g.removed for g in rest)
            plural = "s" if len(rest) != 1 else ""
            lines.append(_Line("note", f"… {len(rest)} more file{plural} ({count:,} "
                               "changed lines) not drawn"
                               + (f": {whole} shows them" if whole else "")))
            break
        starts.append(len(lines))
        name = visible(f.path if not f.old_path or f.old_path == f.path
                       else f"{f.old_path} → {f.path}")
        counts = "binary" if f.binary else f"+{f.added} -{f.removed}"
        lines.append(_Line("file", f"{name}  ({f.status}, {counts})"))
        if f.binary:
            lines.append(_Line("note", "binary file: its contents are not shown"))
        language = _language(f.path)
        shown = 0
        for hunk in f.hunks:
            if len(lines) >= MAX_DRAWN:
                break
            lines.append(_Line("hunk", visible(hunk.header)))
            match = _HUNK.match(hunk.header)
            old, new = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
            block: _Block | None = None
            for origin, text in hunk.lines:
                if len(lines) >= MAX_DRAWN:
                    break
                if block is None or block.count >= BLOCK:
                    block = _Block(language, len(lines), 0)
                    blocks.append(block)
                text = visible(text.expandtabs(TAB))
                if len(text) > MAX_COLUMNS:
                    text = text[:MAX_COLUMNS - 1] + "…"
                width = max(width, len(text))
                lines.append(_Line("code", text, origin, old if origin != "+" else 0,
                                   new if origin != "-" else 0, len(blocks) - 1))
                block.count += 1
                shown += origin != " "
                old += origin != "+"
                new += origin != "-"
        missing = 0 if f.binary else f.added + f.removed - shown
        if missing > 0:
            lines.append(_Line("note", f"… {missing:,} more changed line"
                               f"{'s' if missing != 1 else ''} of this file not drawn"))
        lines.append(_Line("blank", ""))
    if not diff.files:
        lines.append(_Line("note", "no changes against the target"))
    return Layout(lines, blocks, starts, width)


class DiffView(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    DiffView {
        background: $surface;
        scrollbar-size-vertical: 1;
        scrollbar-size-horizontal: 1;
    }
    """

    BINDINGS = [
        Binding("j,down", "scroll_down", "Down", show=False),
        Binding("k,up", "scroll_up", "Up", show=False),
        Binding("h,left", "scroll_left", "Left", show=False),
        Binding("l,right", "scroll_right", "Right", show=False),
        Binding("space,pagedown", "page_down", "Page down", show=False),
        Binding("b,pageup", "page_up", "Page up", show=False),
        Binding("g,home", "scroll_home", "Top", show=False),
        Binding("G,end", "scroll_end", "Bottom", show=False),
    ]

    class FileShown(Message):
        """The file at the top of the view changed (scrolling): the file list follows."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[_Line] = []
        self.blocks: list[_Block] = []
        self.file_starts: list[int] = []   # index of each file's header line
        self._highlighted: dict[int, list[Content]] = {}
        self._strips: dict[int, Strip] = {}
        self._styles: dict[str, Style] = {}
        self._rows: dict[tuple[Style, str], Style] = {}
        self._current = -1
        self._jumping = False

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._forget())

    def _forget(self) -> None:
        self._highlighted.clear()
        self._strips.clear()
        self._styles.clear()
        self._rows.clear()
        self.refresh()

    # ---- content -------------------------------------------------------------------------

    def show_diff(self, diff: Any, whole: str = "") -> None:
        """Show `diff` from its first line (see `lay_out`)."""
        self.show_layout(lay_out(diff, whole))

    def show_layout(self, layout: Layout) -> None:
        self._set(layout.lines, layout.blocks, layout.starts, layout.width)

    def show_message(self, text: str) -> None:
        """One line instead of a diff (loading, an error, nothing chosen)."""
        self._set([_Line("note", visible(text))], [], [], len(text))

    def _set(self, lines: list[_Line], blocks: list[_Block], starts: list[int],
             width: int) -> None:
        self.lines, self.blocks, self.file_starts = lines, blocks, starts
        self._highlighted.clear()
        self._strips.clear()
        self._current = -1
        gutter = 2 * NUMBER + 3
        self.virtual_size = Size(gutter + width + 1, len(lines))
        self.scroll_to(0, 0, animate=False, immediate=True)
        self.refresh()
        self._set_current(0 if starts else -1)

    # ---- files ---------------------------------------------------------------------------
    # The current file is the one at the top of the view, or the one last jumped to: near the
    # end (or in a diff shorter than the view) a jump cannot scroll its file to the top.

    def file_at(self, index: int) -> int:
        """The file the line `index` belongs to (-1: none)."""
        return bisect.bisect_right(self.file_starts, index) - 1

    @property
    def current_file(self) -> int:
        return self._current

    def jump_to_file(self, index: int) -> None:
        if 0 <= index < len(self.file_starts):
            self._jumping = True
            try:
                self.scroll_to(y=self.file_starts[index], animate=False, immediate=True)
            finally:
                self._jumping = False
            self._set_current(index)

    def step_file(self, step: int) -> int:
        """Jump to the next (1) or previous (-1) file; its index."""
        if not self.file_starts:
            return -1
        target = max(0, min(len(self.file_starts) - 1, self._current + step))
        self.jump_to_file(target)
        return target

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if not self._jumping:
            self._set_current(self.file_at(round(new_value)))

    def _set_current(self, index: int) -> None:
        if index != self._current:
            self._current = index
            if index >= 0:
                self.post_message(self.FileShown(index))

    # ---- drawing -------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        base = self.visual_style
        if index >= len(self.lines):
            return Strip.blank(width, base.rich_style)
        line = self.lines[index]
        row = self._row(base, line.origin if line.kind == "code" else line.kind)
        strip = self._strips.get(index)
        if strip is None:
            if len(self._strips) > STRIP_CACHE:
                self._strips.clear()
            strip = self._strips[index] = self._draw(index, line, row)
        return strip.crop(scroll_x, scroll_x + width).extend_cell_length(width, row.rich_style)

    def _style(self, text: str) -> Style:
        """A style with theme variables, parsed once per theme (a page draws ~50 lines of
        ~10 spans each)."""
        style = self._styles.get(text)
        if style is None:
            style = self._styles[text] = self._get_style(text)
        return style

    def _row(self, base: Style, kind: str) -> Style:
        """The style of a whole row of `kind` (a file header, an added line ...)."""
        key = (base, kind)
        style = self._rows.get(key)
        if style is None:
            extra = ROW_STYLES.get(kind)
            style = self._rows[key] = base + self._style(extra) if extra else base
        return style

    def _draw(self, index: int, line: _Line, row: Style) -> Strip:
        if line.kind != "code":
            return Strip([Segment(line.text, row.rich_style)], cell_len(line.text))
        sign = SIGNS.get(line.origin, "$text-muted")
        numbers = f"{line.old or '':>{NUMBER}} {line.new or '':>{NUMBER}} "
        code = self._code(index, line)
        segments = [Segment(numbers, (row + self._style("$text-muted")).rich_style),
                    Segment(line.origin + " ", (row + self._style(sign)).rich_style)]
        segments += [Segment(text, style.rich_style)
                     for text, style in code.render(row, end="", parse_style=self._style)]
        return Strip(segments, len(numbers) + 2 + code.cell_length)

    def _code(self, index: int, line: _Line) -> Content:
        lines = self._highlighted.get(line.block)
        if lines is None:
            block = self.blocks[line.block]
            text = "\n".join(self.lines[i].text for i in range(block.start,
                                                             block.start + block.count))
            lines = self._highlighted[line.block] = _highlight(text, block.language,
                                                               block.count)
        return lines[index - self.blocks[line.block].start]


_LANGUAGES: dict[str, str] = {}
# Pygments' file name patterns, indexed once: exact names, "*.ext" by extension, the rest.
_PATTERNS: tuple[dict, dict, list] | None = None


def _patterns() -> tuple[dict, dict, list]:
    global _PATTERNS
    if _PATTERNS is None:
        from pygments.lexers import LEXERS

        names: dict[str, list] = {}
        suffixes: dict[str, list] = {}
        others: list = []
        for _module, lexer, aliases, patterns, _mimes in LEXERS.values():
            for pattern in patterns if aliases else ():
                entry = (lexer, aliases[0], pattern)
                if not any(c in pattern for c in "*?["):
                    names.setdefault(pattern, []).append(entry)
                elif pattern.startswith("*.") and not any(c in pattern[2:] for c in "*?["):
                    suffixes.setdefault(pattern[1:], []).append(entry)
                else:
                    others.append(entry)
        _PATTERNS = (names, suffixes, others)
    return _PATTERNS


def _language(path: str) -> str:
    """Pygments' name for the language of `path`, by its name alone ("text" when unknown).

    Pygments' own lookup by file name also loads every lexer plugin installed (IPython's
    among them: 1.8 s on the first diff) and tries ~950 patterns one by one; here only the
    lexers it ships are asked, through an index, and ranked as it ranks them (an exact name
    before a pattern, then the lexer's priority)."""
    from fnmatch import fnmatchcase
    from pathlib import PurePosixPath

    name = PurePosixPath(path).name
    known = _LANGUAGES.get(name)
    if known is None:
        names, suffixes, others = _patterns()
        found = list(names.get(name, ()))
        dot = name.find(".")
        while dot >= 0:  # "x.tar.gz" matches "*.tar.gz" and "*.gz"
            found += suffixes.get(name[dot:], ())
            dot = name.find(".", dot + 1)
        if not found:
            found = [e for e in others if fnmatchcase(name, e[2])]
        known = max(found, key=_rank)[1] if found else "text"
        _LANGUAGES[name] = known
    return known


def _rank(entry: tuple[str, str, str]) -> tuple[float, str]:
    from pygments.lexers import find_lexer_class

    cls = find_lexer_class(entry[0])
    return (cls.priority if cls else 0) + (0 if "*" in entry[2] else 0.5), entry[0]


@functools.cache
def _solid_theme() -> type:
    """Textual's highlighting in whole colours: its faded ones (comments and strings at 60-90%
    over the background) fall below WCAG AA contrast on an added or removed line's tint."""
    from textual.highlight import HighlightTheme

    solid = {token: re.sub(r"\$text (\d+)%", "$text-muted", re.sub(r"(\$text-\w+) \d+%", r"\1",
                                                                   style))
             for token, style in HighlightTheme.STYLES.items()}
    return type("SolidHighlightTheme", (HighlightTheme,), {"STYLES": solid})


def _highlight(text: str, language: str, count: int) -> list[Content]:
    if language == "text":
        lines = [Content(t) for t in text.split("\n")]
    else:
        from textual.highlight import highlight

        lines = highlight(text, language=language, theme=_solid_theme(),
                          tab_size=TAB).split("\n", allow_blank=True)
    lines += [Content("")] * (count - len(lines))
    return lines[:count]
