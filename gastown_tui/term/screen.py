"""The VT screen of the terminal engine: a pyte 0.8.2 `Screen` subclass that shows real programs
the way tmux does.

Contract (other layers code against this; extend, never break)::

    s = Screen(columns, lines, *, history=10_000, on_reply=None, allow_clipboard=False,
               fast_path=True, compiled=True)
                                            # fast_path=False: character-by-character, for tests;
                                            # compiled=False: the Python fast path without the
                                            # C one (term/_fastpath.c; GT_TERM_PURE=1: everywhere)
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
    s.buffer[y][x], s.cursor                # pyte's Char and Cursor, as snapshots

Device queries are answered through `on_reply(bytes)` (see sequences.py). Resizing reflows
the main screen and its scrollback like tmux (resize.py). Rows stay compact (text + style runs)
until a program needs their cells (rows.py), scrollback keeps packed text + runs
(scrollback.py), and the tokenizer (stream.py) draws runs of one-cell text in one step, so
output that scrolls straight through costs no per-cell work.

Deliberate differences from `tmux capture-pane`: overwriting half of a wide character blanks
the other half (tmux keeps a stale half); ICH inserting more than half of the cells right of
the cursor blanks them all (tmux 3.3a leaves stale cells in its grid, while the terminal it
draws on shows blanks); a ZWJ that no character follows stays in its cell, invisible (tmux
holds it aside for the next character); line-drawing (DEC graphics) cells hold the glyph
(tmux captures the ASCII letter; `charsets.unshift_acs` decodes its `-e` output).
"""

from __future__ import annotations

from typing import Callable

import pyte

from .draw import DrawMixin
from .edit import EditMixin
from .motion import MotionMixin, _Saved
from .resize import ResizeMixin
from .rows import Row
from .scrollback import Scrollback
from .stream import StreamParser
from .style import DEFAULT, CellStyle, ansi_of_runs

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


class Screen(MotionMixin, DrawMixin, EditMixin, ResizeMixin, StreamParser, pyte.Screen):
    """A faithful, fast VT screen. Feed it bytes from a pty with `feed()`."""

    def __init__(self, columns: int, lines: int, *, history: int = 10_000,
                 on_reply: Callable[[bytes], None] | None = None,
                 allow_clipboard: bool = False, fast_path: bool = True,
                 compiled: bool = True) -> None:
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
        self._init_stream(compiled)
        self.reset()

    # ---- state -------------------------------------------------------------------------------

    def reset(self) -> None:
        """RIS: everything back to power-on state, scrollback kept. As in tmux, on the
        alternate screen it clears that screen and stays there: leaving it later brings the
        main screen and its saved cursor back."""
        self._rows = [Row() for _ in range(self.lines)]
        alternate = getattr(self, "_main_rows", None) is not None
        if not alternate:
            self._main_rows: list[Row] | None = None
            self._main_size = (self.columns, self.lines)
            # The cursor and pen 1049 saved, restored when it is reset (tmux keeps these apart
            # from DECSC's slot).
            self._alt_cursor: tuple | None = None
        self._x = 0
        self._y = 0
        self.pen = DEFAULT
        self._top = 0
        self._bot = self.lines - 1
        if hasattr(self, "modes"):
            self.modes.__init__()  # in place: the input side may hold this object
        else:
            self.modes = ScreenModes()
        self.modes.alternate = alternate
        self._g = [None, None]
        self._shift = 0
        self._table = None
        self._saved: _Saved | None = None
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

    @property
    def cursor(self) -> pyte.screens.Cursor:
        """pyte's cursor, as a snapshot: moving it does not move this screen's cursor."""
        c = pyte.screens.Cursor(self._x, self._y, _pyte_char(" ", self.pen))
        c.hidden = not self.modes.cursor_visible
        return c

    @property
    def buffer(self) -> dict[int, dict[int, pyte.screens.Char]]:
        """pyte's buffer, as a snapshot: buffer[y][x] is a pyte `Char` for every cell (the
        right half of a wide character holds ""). Built on each access: read `cells()` or
        `row_runs()` where speed matters."""
        return {y: dict(enumerate(map(_pyte_char, *self.cells(y)))) for y in range(self.lines)}

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


_PYTE_NAMES = ("black", "red", "green", "brown", "blue", "magenta", "cyan", "white")


def _pyte_color(color: str | int | None) -> str:
    """A colour as pyte names it: "default", "red", "brightred", or "rrggbb"."""
    if color is None:
        return "default"
    if isinstance(color, int):
        return pyte.graphics.FG_BG_256[color]
    if color.startswith("#"):
        return color[1:]
    n = int(color[4:])
    return _PYTE_NAMES[n] if n < 8 else "bright" + _PYTE_NAMES[n - 8]


def _pyte_char(ch: str, style: CellStyle) -> pyte.screens.Char:
    return pyte.screens.Char(ch, _pyte_color(style.fg), _pyte_color(style.bg), style.bold,
                             style.italic, style.underline, style.strike, style.reverse,
                             style.blink)


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
