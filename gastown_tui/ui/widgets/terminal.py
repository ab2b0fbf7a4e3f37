"""TerminalPane: one live terminal screen drawn with the Line API.

Rows are cached as `Strip`s and only rows the engine marks dirty are rebuilt and refreshed, so a
pane streaming output costs what changed, not its size. A focused pane takes every key (ctrl+c,
tab, escape, ctrl+p ...) except the app's prefix key; keys become bytes through `term.keys` and go
to the pane's sink (the host's `type_keys` path, so a nudge never interleaves with typing).
A pane bigger than its agent's terminal shows it whole; a smaller one shows a window of it that
follows the cursor (another client may have set the terminal's size: tmux's `window-size`).
Scrollback mode reads the screen's own history, or fetches it first for a mirrored screen.
What the program draws just after a key reaches the terminal at once (`redraws.draw_now`);
panes without focus redraw in turns (`redraws.BackgroundRedraws`).
"""

from __future__ import annotations

import time
from typing import Any, Protocol

from rich.cells import cell_len
from rich.color import ColorSystem
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.content import Content
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

from ...term.style import DEFAULT
from ...visible import visible
from ..messages import PaneFocused, PaneResized, TextCopied
from ..theme import default_ansi
from .colors import StyleMap
from .copymode import CopyMode
from .direct import draw_rows
from .linecache import SteadyLines
from .redraws import ECHO_WINDOW_S, BackgroundRedraws, draw_now


class PaneSink(Protocol):
    """Where a pane's input goes: one live session."""

    def type_keys(self, data: bytes) -> None: ...

    def paste(self, text: str) -> None: ...

    def mouse(self, kind: str, button: str, x: int, y: int, *, shift: bool = False,
              alt: bool = False, ctrl: bool = False) -> None: ...

    def resize(self, cols: int, rows: int) -> None: ...

    async def history(self) -> Any: ...


WHEEL_LINES = 3
BUTTON_NAMES = {1: "left", 2: "middle", 3: "right"}


_MARK = "\x00"


def _style_ends(style: Style, filters: list, background: Any,
                system: ColorSystem) -> tuple[str | None, str]:
    """What `Strip.render` writes before and after a segment's text in `style` once the line
    `filters` have had it; (None, "") if a filter does not give back one segment per segment
    with its text unchanged (then only the strip path knows)."""
    segments = [Segment(_MARK, style)]
    for line_filter in filters:
        segments = line_filter.apply(segments, background)
    if len(segments) != 1 or segments[0].text != _MARK:
        return None, ""
    shown = segments[0].style
    written = _MARK if shown is None else Strip.render_style(shown, _MARK, system)
    if written.count(_MARK) != 1:
        return None, ""
    before, _, after = written.partition(_MARK)
    return before, after


def _reversed(strip: Strip, start: int, end: int, width: int) -> Strip:
    """`strip` with its cells `start` to `end` (not included) in reverse video."""
    start, end = max(0, min(start, width)), max(0, min(end, width))
    if end <= start:
        return strip
    before, middle, after = strip.divide([start, end, width])
    return Strip.join([before, middle.apply_style(Style(reverse=True)), after])


class TerminalPane(SteadyLines, Widget, can_focus=True):
    """A terminal screen (`term.screen.Screen`) with input going to `sink`."""

    DEFAULT_CSS = """
    TerminalPane {
        background: $background;
        color: $foreground;
        border: round $border-blurred;
        border-title-color: $text-muted;
        height: 1fr;
        width: 1fr;
    }
    TerminalPane:focus {
        border: round $primary;
        border-title-color: $text;
        border-title-style: bold;
    }
    TerminalPane.-copy-mode {
        border: round $warning;
    }
    """

    def __init__(self, name: str, screen: Any, sink: PaneSink | None = None, *,
                 prefix_key: str = "ctrl+b", label: str | None = None,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.session_name = name
        self.screen_model = screen
        self.sink = sink
        self.prefix_key = prefix_key
        # The label quotes the ledger (the bead on the agent's hook): text, never markup.
        self.label = visible(label or name)
        self.copy: CopyMode | None = None
        self.copy_screen: Any = None  # what scrollback mode reads: the screen, or its history
        self._top = 0   # the window on a terminal taller or wider than the pane
        self._left = 0
        self._sent_size: tuple[int, int] | None = None
        # row -> (the engine's runs, segments, strip): the runs tell a rewrite from a change.
        # (A row drawn straight to the terminal keeps only its runs: no segments nor strip.)
        self._strips: dict[int, tuple[list, list | None, Strip | None]] = {}
        # Per engine style: the text written before and after a run in it (`ansi_row`).
        self._ansi: dict[int, tuple[Any, str, str]] = {}
        self._ansi_for: tuple = ()
        self._pending: set[int] = set()
        self._styles: StyleMap | None = None
        self._cursor_row = -1
        self._direct_place: tuple | None = None  # where `direct.draw_rows` writes its rows
        self.background_drawn_at = float("-inf")  # loop time of its last redraw without focus
        self.typed_at = float("-inf")  # monotonic time of the last key or paste it sent
        self.border_title = Content(self.label)

    # ---- updates from the engine ---------------------------------------------------------

    def set_screen(self, screen: Any, sink: PaneSink | None) -> None:
        self.screen_model = screen
        self.sink = sink
        self._strips.clear()
        self._sent_size = None
        self._send_size()
        self.refresh()

    def lines_changed(self, rows: set[int] | frozenset[int] | None = None) -> None:
        """Rebuild the rows the engine changed (None: all) and the cursor's old and new rows.

        A focused pane redraws at once (its echo is what the person waits for); the others
        collect their changes and redraw at most every BACKGROUND_S, a few panes per frame
        (`redraws.py`), which keeps a grid of busy agents from taking the frames the focused
        pane needs."""
        if rows is None or self.copy is not None:
            # A full redraw, or scrollback mode (the view is anchored in history).
            self._strips.clear()
            self.refresh()
            return
        self._pending.update(rows)
        if self.has_focus:
            if not self.flush_pending() and time.monotonic() - self.typed_at < ECHO_WINDOW_S:
                draw_now(self)
        else:
            BackgroundRedraws.of(self.app).add(self)

    def flush_pending(self) -> bool:
        """Draw the collected changes: straight to the terminal when nothing covers the pane
        (`direct.py`; True then), else as a refresh for the next frame."""
        rows, self._pending = self._pending, set()
        if not rows:
            return False
        screen = self.screen_model
        # Agent UIs redraw their whole frame each tick; most rows come out as they were, and
        # those need no new strip and no repaint.
        for y in list(rows):
            cached = self._strips.get(y)
            if cached is not None and y < screen.lines and cached[0] == screen.row_runs(y):
                rows.discard(y)
            else:
                self._strips.pop(y, None)
        cy = screen.cursor_y
        rows.add(cy)
        if self._cursor_row >= 0:
            rows.add(self._cursor_row)
        if self._follow_cursor():
            self.refresh()  # the window moved: every row shows another line now
            return False
        width, height = self.size
        top = self._top
        rows = {y - top for y in rows if 0 <= y - top < height}
        if not rows:
            return False
        if draw_rows(self, rows):
            return True
        top, bottom = min(rows), max(rows)
        if len(rows) == bottom - top + 1:
            self.refresh(Region(0, top, width, len(rows)))
        else:
            self.refresh(*[Region(0, y, width, 1) for y in rows])
        return False

    def _follow_cursor(self) -> bool:
        """Move the window on a terminal bigger than the pane so the cursor stays in it (as
        little as possible); True when it moved."""
        screen = self.screen_model
        old = (self._top, self._left)
        for attr, cursor, total, shown in (("_top", screen.cursor_y, screen.lines,
                                            self.size.height),
                                           ("_left", screen.cursor_x, screen.columns,
                                            self.size.width)):
            at = getattr(self, attr)
            if total <= shown or shown < 1:
                at = 0
            else:
                cursor = min(cursor, total - 1)
                if cursor < at:
                    at = cursor
                elif cursor >= at + shown:
                    at = cursor - shown + 1
                at = max(0, min(at, total - shown))
            setattr(self, attr, at)
        return (self._top, self._left) != old

    def set_label(self, label: str) -> None:
        if visible(label) == self.label:
            return
        self.label = visible(label)
        self.border_title = Content(f"{self.label} · scrollback" if self.copy is not None
                                    else self.label)

    # ---- rendering -----------------------------------------------------------------------

    def _style_map(self) -> StyleMap:
        if self._styles is None:
            variables = getattr(self.app, "theme_variables", {}) or {}
            fallback = default_ansi(self.app.current_theme.dark)
            palette = [variables.get(f"ansi-{i}", fallback[f"ansi-{i}"]) for i in range(16)]
            base = self.rich_style
            self._styles = StyleMap(palette, base.color, base.bgcolor)
        return self._styles

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, _theme: Any) -> None:
        # The palette and the default colours come from the theme: rebuild every row.
        self._styles = None
        self._strips.clear()
        self.refresh()

    def notify_style(self) -> None:
        self._styles = None
        self._strips.clear()
        super().notify_style()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        smap = self._style_map()
        screen = self.screen_model
        if self.copy is not None:
            return self._copy_line(y, width, smap)
        y += self._top
        if y >= screen.lines:
            return Strip.blank(width, smap.style(DEFAULT))
        span = max(width, screen.columns)
        cached = self._strips.get(y)
        if cached is None or cached[2] is None or cached[2].cell_length != span:
            # (A frame can be drawn at a new size before the Resize event clears the cache.)
            cached = self._strips[y] = self._row(screen.row_runs(y), screen.columns, span, smap)
        _runs, segments, strip = cached
        left = self._left
        if y == screen.cursor_y:
            self._cursor_row = y
            if self.has_focus and not screen.cursor_hidden and \
                    0 <= screen.cursor_x - left < width:
                strip = self._with_cursor(segments, screen, y, span, smap)
        return strip.crop(left, left + width) if span > width else strip

    def ansi_rows(self, rows: list[int], filters: list, background: Any,
                  console: Any) -> list[str | None]:
        """Content rows `rows` as `render_line`, the line `filters` and `Strip.render` write
        them, made from the engine's runs and each style's text before and after a run
        (worked out once through those same calls), not from segments and strips per row.
        None for a row only the strip path draws: the focused pane's cursor row, a window on
        a terminal wider than the pane, a style that a filter does not map run for run."""
        smap = self._style_map()
        system = console._color_system or ColorSystem.TRUECOLOR
        key = (smap, *filters, background, system)
        if self._ansi_for != key:
            self._ansi_for = key
            self._ansi = {}
        pieces = self._ansi
        screen = self.screen_model
        width, height = self.size
        columns = screen.columns
        lines = screen.lines
        cursor = -1
        if screen.cursor_y - self._top in rows:
            self._cursor_row = screen.cursor_y
            if self.has_focus and not screen.cursor_hidden and \
                    0 <= screen.cursor_x - self._left < width:
                cursor = screen.cursor_y
        strips = self._strips
        out: list[str | None] = []
        for y in rows:
            y += self._top
            if columns > width or y == cursor:
                out.append(None)
                continue
            if y >= lines:
                runs = [(" " * width, DEFAULT)]
            else:
                runs = screen.row_runs(y)
                cached = strips.get(y)
                if cached is None or cached[0] != runs:
                    strips[y] = (runs, None, None)
                if columns < width:
                    runs = [*runs, (" " * (width - columns), DEFAULT)]
            parts = []
            for text, cs in runs:
                hit = pieces.get(id(cs))
                if hit is None or hit[0] is not cs:
                    hit = pieces[id(cs)] = (cs, *_style_ends(smap.style(cs), filters,
                                                             background, system))
                if hit[1] is None:
                    parts = None
                    break
                parts.append(hit[1])
                parts.append(text)
                parts.append(hit[2])
            out.append(None if parts is None else "".join(parts))
        return out

    @staticmethod
    def _row(runs: list, columns: int, width: int, smap: StyleMap) -> tuple[list, list, Strip]:
        """The row's segments exactly `width` (>= `columns`) cells wide, and its strip. Rows
        from the engine are `columns` cells wide, so no cell measuring is needed."""
        segments = [Segment(text, smap.style(cs)) for text, cs in runs]
        if columns < width:
            segments.append(Segment(" " * (width - columns), smap.style(DEFAULT)))
        return runs, segments, Strip(segments, width)

    @staticmethod
    def _with_cursor(segments: list, screen: Any, y: int, width: int, smap: StyleMap) -> Strip:
        x = screen.cursor_x
        before, at, after = Segment.divide(segments, [x, x + 1, width])
        cell = screen.cells(y)[1][x]
        under = "".join(seg.text for seg in at) or " "
        return Strip(before + [Segment(under, smap.cursor(cell))] + after, width)

    def _copy_line(self, y: int, width: int, smap: StyleMap) -> Strip:
        """A row in scrollback mode: every row shows a line (what the mode says goes in the
        bottom border), the selection and the cursor's cell reversed."""
        copy = self.copy
        screen = self.copy_screen
        base = smap.style(DEFAULT)
        line = copy.top + y
        hist = screen.history_size
        if line >= hist + screen.lines:
            return Strip.blank(width, base)
        runs = screen.history_runs(line) if line < hist else screen.row_runs(line - hist)
        # History lines are stored trimmed, so their width is measured here.
        strip = Strip([Segment(text, smap.style(cs)) for text, cs in runs]).adjust_cell_length(
            width, base)
        text = "".join(text for text, _ in runs)
        reverse = Style(reverse=True)
        lo, hi = copy.selection()
        span = copy.span(screen)
        if copy.anchor is not None and lo <= line <= hi:
            if span is None:
                return strip.apply_style(reverse)
            (l1, c1), (l2, c2) = span
            start = cell_len(text[:c1]) if line == l1 else 0
            end = cell_len(text[:c2 + 1]) if line == l2 else width
            strip = _reversed(strip, start, max(end, start + 1), width)
        if line == copy.cursor:
            col = copy.column(screen)
            start = cell_len(text[:col])
            strip = _reversed(strip, start, start + max(1, cell_len(text[col:col + 1])), width)
        return strip

    # ---- sizing and focus ----------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self._strips.clear()
        self._send_size()
        self._follow_cursor()
        if self.copy is not None:
            self.copy.height = self.size.height

    def _send_size(self) -> None:
        """Tell the host this pane's size when it changed (the window-size rule decides the
        terminal's size from every client's panes)."""
        cols, rows = self.size.width, self.size.height
        if cols < 1 or rows < 1 or self.sink is None or (cols, rows) == self._sent_size:
            return
        self._sent_size = (cols, rows)
        self.sink.resize(cols, rows)
        self.post_message(PaneResized(self.session_name, cols, rows))

    def on_focus(self, event: events.Focus) -> None:
        # The owner of the session sends the focus report (mode 1004) when it hears of this.
        self.post_message(PaneFocused(self.session_name))
        self.lines_changed({self.screen_model.cursor_y})

    def on_blur(self, event: events.Blur) -> None:
        self.lines_changed({self.screen_model.cursor_y})

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return container.height

    # ---- keyboard ------------------------------------------------------------------------

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return key != self.prefix_key

    async def on_key(self, event: events.Key) -> None:
        if event.key == self.prefix_key:
            return
        event.stop()
        event.prevent_default()
        if self.copy is not None:
            self._copy_key(event)
        elif self.sink is not None:
            self.type_key(event)

    def typing_now(self) -> bool:
        """Keys go to the program (not to scrollback mode, and there is a program)."""
        return self.copy is None and self.sink is not None

    def type_key(self, event: events.Key) -> None:
        """Send `event` to the program as the bytes its terminal modes ask for."""
        from .keyinput import key_bytes

        data = key_bytes(event.key, event.character, self.screen_model.modes)
        if data:
            self.typed_at = time.monotonic()
            self.sink.type_keys(data)

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        if self.copy is None:
            self.paste(event.text)

    def paste(self, text: str) -> bool:
        """Give `text` to the program as a paste (bracketed if it enabled mode 2004)."""
        if self.sink is None:
            return False
        self.typed_at = time.monotonic()
        self.sink.paste(text)
        return True

    # ---- mouse ---------------------------------------------------------------------------

    def _wants_mouse(self) -> bool:
        return self.sink is not None and bool(self.screen_model.modes.mouse) and self.copy is None

    def _mouse(self, kind: str, event: events.MouseEvent) -> None:
        button = BUTTON_NAMES.get(event.button)
        if button is not None and self._wants_mouse():
            self.sink.mouse(kind, button, event.x + self._left, event.y + self._top,
                            shift=event.shift, alt=event.meta, ctrl=event.ctrl)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        self._mouse("press", event)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        self._mouse("release", event)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        if self._wants_mouse():
            self.sink.mouse("scroll", "wheel_up", event.x + self._left, event.y + self._top)
            return
        if self.copy is None:
            self.enter_copy_mode(scroll=-WHEEL_LINES)
            return
        self.copy.scroll(self.copy_screen, -WHEEL_LINES)
        self._copy_changed()

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        if self._wants_mouse():
            self.sink.mouse("scroll", "wheel_down", event.x + self._left, event.y + self._top)
            return
        if self.copy is None:
            return
        self.copy.scroll(self.copy_screen, WHEEL_LINES)
        if self.copy.at_bottom(self.copy_screen) and self.copy.anchor is None:
            self.exit_copy_mode()
        else:
            self._copy_changed()

    # ---- copy mode -----------------------------------------------------------------------

    def enter_copy_mode(self, scroll: int = 0) -> None:
        """Scrollback mode over the screen's history; a mirrored screen's history is fetched
        from the host first (the mode starts when it has come)."""
        if self.copy is not None:
            return
        if getattr(self.screen_model, "mirrored", False) and self.sink is not None:
            self.run_worker(self._fetch_history(scroll), group="scrollback", exclusive=True)
        else:
            self._start_copy(self.screen_model, scroll)

    async def _fetch_history(self, scroll: int) -> None:
        try:
            source = await self.sink.history()
        except Exception as e:  # noqa: BLE001 - the host went away meanwhile: say it, stay live
            self.notify(f"{self.session_name}: no scrollback ({e})", severity="warning")
            return
        if self.copy is None and self.is_attached:
            self._start_copy(source, scroll)

    def _start_copy(self, source: Any, scroll: int) -> None:
        self.copy_screen = source
        self.copy = CopyMode.enter(source, max(1, self.size.height))
        if scroll:
            self.copy.scroll(source, scroll)
        self.add_class("-copy-mode")
        self.border_title = Content(f"{self.label} · scrollback")
        self._copy_changed()

    def _copy_changed(self) -> None:
        """Redraw after a move in scrollback mode; the bottom border says where it is."""
        self.border_subtitle = Content(visible(self.copy.status(self.copy_screen)))
        self.refresh()

    def exit_copy_mode(self) -> None:
        self.copy = None
        self.copy_screen = None
        self.remove_class("-copy-mode")
        self.border_title = Content(self.label)
        self.border_subtitle = ""
        self._strips.clear()
        self.refresh()

    def _copy_key(self, event: events.Key) -> None:
        copy, screen, key = self.copy, self.copy_screen, event.key
        if copy.typing is not None:
            if key == "enter":
                query, copy.typing = copy.typing, None
                copy.search(screen, query, upward=True)
            elif key == "escape":
                copy.typing = None
            elif key == "backspace":
                copy.typing = copy.typing[:-1]
            elif event.character and event.is_printable:
                copy.typing += event.character
            self._copy_changed()
            return
        page = max(1, copy.height - 1)
        moves = {"up": -1, "k": -1, "down": 1, "j": 1, "pageup": -page,
                 "pagedown": page, "ctrl+f": page, "ctrl+u": -page // 2, "ctrl+d": page // 2}
        if key in moves:
            copy.move(screen, moves[key])
        elif key in ("left", "h", "right", "l"):
            copy.step(screen, -1 if key in ("left", "h") else 1)
        elif key in ("w", "b"):
            copy.word(screen, forward=key == "w")
        elif key in ("0", "dollar_sign"):
            copy.line_end(screen, end=key == "dollar_sign")
        elif key in ("g", "home"):
            copy.goto(screen, 0)
        elif key in ("G", "end"):
            copy.goto(screen, copy.total(screen) - 1)
        elif key in ("slash", "question_mark"):
            copy.typing = ""
        elif key == "n":
            copy.next_match(screen, upward=True)
        elif key == "N":
            copy.next_match(screen, upward=False)
        elif key in ("v", "V", "space"):
            copy.select(screen, by_line=key != "v")
        elif key in ("enter", "y"):
            self.post_message(TextCopied(self.session_name, copy.selected_text(screen)))
            self.exit_copy_mode()
            return
        elif key in ("q", "escape"):
            self.exit_copy_mode()
            return
        self._copy_changed()
