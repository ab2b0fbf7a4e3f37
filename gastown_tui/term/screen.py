"""The VT screen of the terminal engine: a pyte 0.8.2 `Screen` subclass that shows real programs
the way tmux does.

Contract (other layers code against this; extend, never break)::

    s = Screen(columns, lines, *, history=10_000, on_reply=None, allow_clipboard=False,
               fast_path=True)             # fast_path=False: character-by-character, for tests
    s.feed(data: bytes)                     # also str; never raises (parse_errors counts bugs);
                                            # unfinished sequences are carried to the next feed
    s.resize(columns, lines)                # columns first (pyte's own is lines, columns)
    s.columns, s.lines
    s.cursor_x, s.cursor_y, s.cursor_hidden # cursor_x == columns: past the last column, a wrap
                                            # pending (tmux reports it the same way)
    s.title, s.icon_name                    # OSC 0/1/2
    s.bell_count                            # BEL count
    s.clipboard                             # OSC 52 text; only with allow_clipboard=True
    s.cursor_shape                          # DECSCUSR value (0 default, 1-6)
    s.dirty: set[int]; s.clear_dirty()      # rows changed; all of them after resize/scroll
    s.modes: ScreenModes                    # application_cursor (DECCKM), application_keypad,
        # bracketed_paste (2004), mouse (None|9|1000|1002|1003), mouse_sgr (1006),
        # focus_events (1004), synchronized (2026 held now), alternate, cursor_visible,
        # autowrap, insert, origin
    s.text_lines() -> list[str]             # like `tmux capture-pane -p`
    s.ansi_lines() -> list[str]             # like `capture-pane -e -p` (SGR and OSC 8 inline)
    s.row_runs(y) -> [(text, CellStyle)]    # the full width; a wide char appears once
    s.cells(y) -> (chars, styles)           # per column; "" = right half of a wide char
    s.history_size; s.history_text(n); s.history_ansi(n)   # last n lines, oldest first
    s.history_runs(i) -> [(text, CellStyle)]               # i = 0 is the oldest line
    s.display                               # pyte's padded rows

Device queries are answered through `on_reply(bytes)` (see sequences.py). Resizing reflows
the main screen and its scrollback like tmux (resize.py). Rows stay compact (text + style runs)
until a program needs their cells (rows.py), scrollback keeps packed text + runs
(scrollback.py), and the tokenizer (stream.py) draws runs of one-cell text in one step, so
output that scrolls straight through costs no per-cell work.

Deliberate differences from `tmux capture-pane`: overwriting half of a wide character blanks
the other half (tmux keeps a stale half); line-drawing (DEC graphics) cells hold the glyph
(tmux captures the ASCII letter; `charsets.unshift_acs` decodes its `-e` output).
"""

from __future__ import annotations

from typing import Callable

import pyte

from .charsets import charset_table
from .draw import DrawMixin
from .edit import EditMixin
from .resize import ResizeMixin
from .rows import Row
from .scrollback import Scrollback
from .stream import StreamParser
from .style import DEFAULT, CellStyle, ansi_of_runs, blank_of

__all__ = ["Screen", "ScreenModes", "CellStyle"]


class ScreenModes:
    """Terminal modes the input side and the renderer need."""

    __slots__ = ("application_cursor", "application_keypad", "bracketed_paste", "mouse",
                 "mouse_sgr", "focus_events", "synchronized", "alternate", "cursor_visible",
                 "autowrap", "insert", "origin")

    def __init__(self) -> None:
        self.application_cursor = False
        self.application_keypad = False
        self.bracketed_paste = False
        self.mouse: int | None = None
        self.mouse_sgr = False
        self.focus_events = False
        self.synchronized = False
        self.alternate = False
        self.cursor_visible = True
        self.autowrap = True
        self.insert = False
        self.origin = False

    def __repr__(self) -> str:
        return "ScreenModes(%s)" % ", ".join("%s=%r" % (k, getattr(self, k)) for k in self.__slots__)


class _Saved:
    __slots__ = ("x", "y", "pen", "g0", "g1", "shift", "origin", "autowrap")


class Screen(DrawMixin, EditMixin, ResizeMixin, StreamParser, pyte.Screen):
    """A faithful, fast VT screen. Feed it bytes from a pty with `feed()`."""

    def __init__(self, columns: int, lines: int, *, history: int = 10_000,
                 on_reply: Callable[[bytes], None] | None = None,
                 allow_clipboard: bool = False, fast_path: bool = True) -> None:
        self.columns = max(1, int(columns))
        self.lines = max(1, int(lines))
        self.on_reply = on_reply
        self.allow_clipboard = allow_clipboard
        self.history = Scrollback(history)
        self.fast_path = fast_path
        self.title = ""
        self.icon_name = ""
        self.clipboard: str | None = None
        self.bell_count = 0
        self._init_stream()
        self.reset()

    # ---- state -------------------------------------------------------------------------------

    def reset(self) -> None:
        """RIS: everything back to power-on state, scrollback kept (as tmux does)."""
        self._rows = [Row() for _ in range(self.lines)]
        self._main_rows: list[Row] | None = None
        self._main_size = (self.columns, self.lines)
        self._x = 0
        self._y = 0
        self.pen = DEFAULT
        self._top = 0
        self._bot = self.lines - 1
        if hasattr(self, "modes"):
            self.modes.__init__()  # in place: the input side may hold this object
        else:
            self.modes = ScreenModes()
        self._g = [None, None]
        self._shift = 0
        self._table = None
        self._saved: _Saved | None = None
        self._alt_saved: _Saved | None = None
        self.tabstops = set(range(8, self.columns, 8))
        self._dirty: set[int] = set()
        self._all_dirty = True

    @property
    def cursor_x(self) -> int:
        """0..columns; `columns` means just past the last column (a wrap is pending), which is
        where tmux puts the cursor too: relative moves count from there."""
        return self._x

    @property
    def cursor_y(self) -> int:
        return self._y

    @property
    def cursor_hidden(self) -> bool:
        return not self.modes.cursor_visible

    @property
    def dirty(self) -> set[int]:
        if self._all_dirty:
            self._dirty = set(range(self.lines))
            self._all_dirty = False
        return self._dirty

    def clear_dirty(self) -> None:
        self._dirty = set()
        self._all_dirty = False

    @property
    def history_size(self) -> int:
        return len(self.history)

    # ---- readers -----------------------------------------------------------------------------

    def text_lines(self) -> list[str]:
        return [row.plain() for row in self._rows]

    @property
    def display(self) -> list[str]:
        """pyte's API: every row padded to the full width, a wide char once."""
        return ["".join(row.cells_copy(self.columns)[0]) for row in self._rows]

    def row_runs(self, y: int) -> list[tuple[str, CellStyle]]:
        return self._rows[y].runs_full(self.columns)

    def cells(self, y: int) -> tuple[list[str], list[CellStyle]]:
        return self._rows[y].cells_copy(self.columns)

    def ansi_lines(self) -> list[str]:
        return [ansi_of_runs(_trim_runs(row.runs_full(self.columns))) for row in self._rows]

    def history_text(self, n: int) -> list[str]:
        return self.history.text(n)

    def history_ansi(self, n: int) -> list[str]:
        return self.history.ansi(n)

    def history_runs(self, i: int) -> list[tuple[str, CellStyle]]:
        return self.history.runs(i)

    # ---- vertical movement and scrolling -----------------------------------------------------

    def _scroll_up(self, n: int, top: int | None = None, bot: int | None = None) -> None:
        rows = self._rows
        if n == 1 and top is None and self._top == 0 and self._bot == self.lines - 1:
            # The hot case: a line feed at the bottom of the whole screen.
            old = rows.pop(0)
            if self._main_rows is None and self.history.limit:
                self.history.push(old.entry(self.columns), old.wrapped)
            rows.append(Row(blank_of(self.pen)) if self.pen.bg is not None else Row())
            self._all_dirty = True
            return
        top = self._top if top is None else top
        bot = self._bot if bot is None else bot
        n = min(n, bot - top + 1)
        fill = blank_of(self.pen)
        keep = top == 0 and self._main_rows is None and self.history.limit
        push = self.history.push
        for _ in range(n):
            old = rows.pop(top)
            if keep:
                push(old.entry(self.columns), old.wrapped)
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

    def tab(self, count: int | None = None) -> None:
        if self._x >= self.columns:
            return
        for _ in range(max(1, count or 1)):
            x = self._x
            nxt = [t for t in self.tabstops if t > x]
            self._x = min(nxt) if nxt else self.columns - 1

    def back_tab(self, count: int | None = None) -> None:
        for _ in range(max(1, count or 1)):
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
        s = _Saved()
        s.x, s.y, s.pen = self._x, self._y, self.pen
        s.g0, s.g1, s.shift = self._g[0], self._g[1], self._shift
        s.origin, s.autowrap = self.modes.origin, self.modes.autowrap
        if self._main_rows is None:
            self._saved = s
        else:
            self._alt_saved = s

    def restore_cursor(self) -> None:
        s = self._saved if self._main_rows is None else self._alt_saved
        if s is None:
            self.modes.origin = False
            self.cursor_position()
            return
        self._x = min(s.x, self.columns - 1)
        self._y = min(s.y, self.lines - 1)
        self.pen = s.pen
        self._g = [s.g0, s.g1]
        self._shift = s.shift
        self._table = charset_table(self._g[self._shift])
        self.modes.origin, self.modes.autowrap = s.origin, s.autowrap

    def set_margins(self, top: int | None = None, bottom: int | None = None) -> None:
        if not top and not bottom:
            self._top, self._bot = 0, self.lines - 1
        else:
            t = max(0, (top or 1) - 1)
            b = min(self.lines - 1, (bottom or self.lines) - 1)
            if b - t < 1:
                return
            self._top, self._bot = t, b
        self.cursor_position()

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

    # ---- pyte compatibility ------------------------------------------------------------------

    def set_mode(self, *modes: int, private: bool = False) -> None:
        """pyte's event for `CSI h` (pyte.Stream drives a Screen through these)."""
        if private:
            for mode in modes:
                self.set_private_mode(mode, True)
        elif 4 in modes:
            self.modes.insert = True

    def reset_mode(self, *modes: int, private: bool = False) -> None:
        if private:
            for mode in modes:
                self.set_private_mode(mode, False)
        elif 4 in modes:
            self.modes.insert = False

    def select_graphic_rendition(self, *attrs: int, private: bool = False) -> None:
        if not private:
            self._sgr(";".join(map(str, attrs)))

    def report_device_attributes(self, mode: int = 0, private: bool = False, **kwargs) -> None:
        if mode == 0 and not private:
            self._reply("\x1b[?1;2c")

    def report_device_status(self, mode: int, private: bool = False, **kwargs) -> None:
        self._csi("?%d" % mode if private else str(mode), "", "n")

    @property
    def default_char(self) -> pyte.screens.Char:
        return pyte.screens.Char(" ")

    def ensure_hbounds(self) -> None:
        self._x = min(max(0, self._x), self.columns - 1)

    def ensure_vbounds(self, use_margins: bool | None = None) -> None:
        self._y = self._clamp_y(self._y)

    def set_title(self, param: str) -> None:
        self.title = param

    def set_icon_name(self, param: str) -> None:
        self.icon_name = param

    def write_process_input(self, data: str) -> None:
        if self.on_reply is not None:
            self.on_reply(data.encode())

    def debug(self, *args, **kwargs) -> None:
        pass

    def __repr__(self) -> str:
        return "Screen(%d, %d)" % (self.columns, self.lines)


def _trim_runs(runs: list[tuple[str, CellStyle]]) -> list[tuple[str, CellStyle]]:
    """Drop trailing spaces whatever their style, like capture-pane does."""
    runs = list(runs)
    while runs:
        text, style = runs[-1]
        stripped = text.rstrip(" ")
        if stripped:
            runs[-1] = (stripped, style)
            break
        runs.pop()
    return runs
