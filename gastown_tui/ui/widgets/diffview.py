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
import re
from dataclasses import dataclass
from typing import Any

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
MAX_COLUMNS = 400        # columns of one line drawn at most
BLOCK = 200              # lines of a hunk highlighted together
TAB = 4
NUMBER = 5               # width of a line number
STRIP_CACHE = 4_000      # drawn lines kept (about four screens of a big terminal, many times)
_HUNK = re.compile(r"@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@")

# line kind -> the style of its whole row
ROW_STYLES = {"file": "bold $text on $panel", "hunk": "$text-secondary",
              "note": "italic $text-warning", "+": "on $success-muted", "-": "on $error-muted"}


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
        self._current = -1
        self._jumping = False

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._forget())

    def _forget(self) -> None:
        self._highlighted.clear()
        self._strips.clear()
        self.refresh()

    # ---- content -------------------------------------------------------------------------

    def show_diff(self, diff: Any, whole: str = "") -> None:
        """Show `diff` (a `town.diffs.Diff`) from its first line; `whole` says how to see all
        of it when it is too big to draw (e.g. "`gt diff de-mr-abc` in a shell")."""
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
                    text = visible(text.expandtabs(TAB))[:MAX_COLUMNS]
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
        self._set(lines, blocks, starts, width)

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
        strip = self._strips.get(index)
        if strip is None:
            if len(self._strips) > STRIP_CACHE:
                self._strips.clear()
            strip = self._strips[index] = self._draw(index, base)
        line = self.lines[index]
        row = ROW_STYLES.get(line.origin if line.kind == "code" else line.kind)
        fill = (base + self._get_style(row)).rich_style if row else base.rich_style
        return strip.crop(scroll_x, scroll_x + width).extend_cell_length(width, fill)

    def _draw(self, index: int, base: Style) -> Strip:
        line = self.lines[index]
        if line.kind == "code":
            sign = {"+": "$text-success", "-": "$text-error"}.get(line.origin, "$text-muted")
            numbers = (f"{line.old or '':>{NUMBER}} {line.new or '':>{NUMBER}} ")
            content = Content.assemble((numbers, "$text-muted"), (line.origin + " ", sign),
                                       self._code(index, line))
        else:
            content = Content(line.text)
        row = ROW_STYLES.get(line.origin if line.kind == "code" else line.kind)
        if row:
            base = base + self._get_style(row)
        segments = [Segment(text, style.rich_style)
                    for text, style in content.render(base, end="",
                                                      parse_style=self._get_style)]
        return Strip(segments, content.cell_length)

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


def _language(path: str) -> str:
    """Pygments' name for the language of `path`, by its name alone ("text" when unknown)."""
    from pathlib import PurePosixPath

    name = PurePosixPath(path).name
    suffix = PurePosixPath(path).suffix.lower() or name
    known = _LANGUAGES.get(suffix)
    if known is None:
        from pygments.lexers import get_lexer_for_filename
        from pygments.util import ClassNotFound

        try:
            lexer = get_lexer_for_filename(name)
            known = lexer.aliases[0] if lexer.aliases else lexer.name
        except ClassNotFound:
            known = "text"
        _LANGUAGES[suffix] = known
    return known


def _highlight(text: str, language: str, count: int) -> list[Content]:
    if language == "text":
        lines = [Content(t) for t in text.split("\n")]
    else:
        from textual.highlight import highlight

        lines = highlight(text, language=language, tab_size=TAB).split("\n", allow_blank=True)
    lines += [Content("")] * (count - len(lines))
    return lines[:count]
