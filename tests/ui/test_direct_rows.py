"""Pane rows written straight to the terminal (`widgets/direct.py`): what the terminal shows is
always what a full repaint would show, pane rows and everything around them, whether the rows
went straight or (under a toast) through the compositor.

The app draws on a recording driver; every byte it writes, Textual's frames and the direct
rows alike, is fed to this project's own terminal engine (checked against tmux in tests/term).
Right after each direct write the rows written must equal, cell by cell and style by style,
the pane's rows drawn afresh from its engine screen; once the programs are quiet every pane's
rows must, and the whole screen must equal a full repaint of the app (which reads the widgets'
line caches, so a cache left stale shows too).
"""

from __future__ import annotations

from rich.color import ColorSystem
from rich.segment import Segment
from textual.drivers.headless_driver import HeadlessDriver
from textual.geometry import Region
from ui_helpers import BASH, BASH_ENV, screen_text, until

import gastown_tui.ui.widgets.terminal as terminal_module
from gastown_tui.term.screen import Screen
from gastown_tui.ui.app import AppOptions, GastownApp
from gastown_tui.ui.color_depth import ColorDepth
from gastown_tui.ui.widgets.direct import _place

SIZE = (160, 44)


class RecordingDriver(HeadlessDriver):
    """A terminal that keeps what it is sent (swapped in for the test's headless driver)."""

    @property
    def is_headless(self) -> bool:
        return False

    def write(self, data: str) -> None:
        self.terminal.feed(data.encode())


def full_repaint(app) -> Screen:
    """The terminal as a full repaint of the app draws it now (the compositor's dirty
    regions are left as they were)."""
    compositor = app.screen._compositor
    chops = compositor._render_chops(compositor.size.region, lambda y: True)
    out = []
    for y, chop in enumerate(chops):
        out.append(f"\x1b[{y + 1};1H")
        out.extend(strip.render(app.console) for strip in chop.values())
    screen = Screen(*SIZE, on_reply=lambda b: None)
    screen.feed("".join(out).encode())
    return screen


def pane_truth(pane) -> Screen:
    """The pane's rows as its engine screen says they look now, drawn afresh (its row cache
    and cursor bookkeeping left as they were)."""
    area = pane.content_region
    saved = pane._strips, pane._cursor_row
    pane._strips = {}
    try:
        strips = [pane.render_line(y) for y in range(area.height)]
    finally:
        pane._strips, pane._cursor_row = saved
    background = pane.background_colors[1]
    out = []
    for y, strip in enumerate(strips):
        for line_filter in pane.get_line_filters():
            strip = strip.apply_filter(line_filter, background)
        out.append(f"\x1b[{area.y + y + 1};{area.x + 1}H" + strip.render(pane.app.console))
    screen = Screen(*SIZE, on_reply=lambda b: None)
    screen.feed("".join(out).encode())
    return screen


def mismatches(shown: Screen, truth: Screen) -> list[str]:
    out = []
    for y in range(truth.lines):
        if shown.cells(y) != truth.cells(y):
            out.append(f"row {y}: shown {shown.text_lines()[y]!r}\n"
                       f"        truth {truth.text_lines()[y]!r}")
    return out


async def settled(pilot, app, terminal: Screen) -> None:
    """Until the terminal shows what a full repaint would (panes without focus are drawn up
    to a fifth of a second late)."""
    problems: list[str] = []

    def same() -> bool:
        nonlocal problems
        problems = mismatches(terminal, full_repaint(app))
        for pane in app.main.grid.panes:
            # (Where a toast covers a pane, the full repaint above is the truth.)
            if _place(pane, app.screen._compositor) is not None:
                problems += wrong_rows(pane, range(pane.size.height), terminal, pane_truth(pane))
        return not problems

    try:
        await until(pilot, same, timeout=5, what="the terminal to show the app")
    except AssertionError:
        raise AssertionError("stale or wrong cells:\n" + "\n".join(problems[:6])) from None


COLOURS = ("printf '\\e[1;31mred \\e[0;38;5;81mcyan \\e[2mdim\\e[0m \\e[48;2;30;60;90m"
           "blue-bg\\e[0m \\u2500\\u2500 \\u4e2d\\u6587 done-%s\\n' $((6*7))")


def wrong_rows(pane, rows, shown: Screen, truth: Screen) -> list[str]:
    area = pane.content_region
    out = []
    for y in sorted(rows):
        cells = [(chars[area.x:area.right], styles[area.x:area.right])
                 for chars, styles in (shown.cells(area.y + y), truth.cells(area.y + y))]
        if cells[0] != cells[1]:
            out.append(f"{pane.session_name} row {y}: shown {''.join(cells[0][0])!r}\n"
                       f"        truth {''.join(cells[1][0])!r}")
    return out


def toasts(app) -> list:
    """The notices in the screen's map now, with their regions."""
    return [region for widget, (region, _clip) in app.screen._compositor.visible_widgets.items()
            if type(widget).__name__ == "Toast"]


async def toast_over(pilot, app, name: str) -> None:
    """A notice shown, until the screen's map has it over pane `name` (it is mounted at the
    next idle; rows drawn before that rightly go straight out)."""
    await toasts_gone(pilot, app)
    app.notify("a notice over the panes", timeout=30)
    pane = app.main.grid.pane(name)
    await until(pilot, lambda: any(r.overlaps(pane.content_region) for r in toasts(app)),
                what="the notice over the pane")


async def toasts_gone(pilot, app) -> None:
    app.clear_notifications()
    await until(pilot, lambda: not toasts(app), what="the notices to go")


async def test_the_terminal_shows_what_a_full_repaint_would(environ, monkeypatch):
    direct = []
    wrong: list[str] = []
    original = terminal_module.draw_rows

    def checked(pane, rows):
        drawn = original(pane, rows)
        direct.append((pane.session_name, drawn))
        if drawn and isinstance(pane.app._driver, RecordingDriver):
            truth = pane_truth(pane)
            wrong.extend(wrong_rows(pane, rows, pane.app._driver.terminal, truth))
            # What a frame drawing these rows now (over a toast that went, say) would show.
            wrong.extend(wrong_rows(pane, rows, full_repaint(pane.app), truth))
        return drawn

    monkeypatch.setattr(terminal_module, "draw_rows", checked)
    app = GastownApp(AppOptions(environ=environ, start_host=False))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        for name in ("one", "two", "three"):
            app.mux.spawn(name, BASH, env=BASH_ENV, cols=60, rows=16)
        panes = [await until(pilot, lambda n=n: app.main.grid.pane(n), what=f"pane {n}")
                 for n in ("one", "two", "three")]
        for name in ("one", "two", "three"):
            await until(pilot, lambda n=name: "$" in screen_text(app, n), what=f"{name}'s prompt")
        panes[0].focus()
        await pilot.pause(0.3)

        terminal = Screen(*SIZE, on_reply=lambda b: None)
        app._driver.__class__ = RecordingDriver
        app._driver.terminal = terminal
        app.screen.refresh()  # the whole screen once, as on a real terminal at start
        await settled(pilot, app, terminal)

        # Typed into the focused pane: coloured, dim, wide and box-drawing text, then a clear.
        await pilot.press(*"echo typed", "enter")
        app.mux.write("one", COLOURS + "\r")
        await until(pilot, lambda: "done-42" in screen_text(app, "one"), what="colours")
        await settled(pilot, app, terminal)
        # Panes without focus, drawn in their turns; one redraws a line in place.
        app.mux.write("two", "for i in 1 2 3; do printf '\\rstep %s ' $i; sleep 0.1; done; "
                             "echo; " + COLOURS + "\r")
        app.mux.write("three", "seq 1 $((39+1))\r")
        await until(pilot, lambda: "done-42" in screen_text(app, "two")
                    and "40" in screen_text(app, "three"), what="the other panes' output")
        await settled(pilot, app, terminal)
        app.mux.write("one", "clear\r")
        await until(pilot, lambda: "$" in screen_text(app, "one")
                    and "done" not in screen_text(app, "one"), what="the clear")
        await settled(pilot, app, terminal)
        assert direct and all(drawn for _, drawn in direct[-3:]), \
            "the panes' rows never went straight out"
        assert not wrong, "rows written straight out differ:\n" + "\n".join(wrong[:6])

        # A toast over a pane: where it goes, what was drawn straight out is drawn again from
        # the pane's lines (never from a stale cache) and, while it shows, the pane's rows go
        # through the compositor, around the toast.
        app.notify("a notice over the panes", timeout=30)
        await pilot.pause(0.3)
        toast = app.screen.query("Toast").first()
        covered = [p for p in panes if toast.region.overlaps(p.content_region)]
        assert covered, "the toast covers no pane: move it or the panes"
        name = covered[0].session_name
        await toasts_gone(pilot, app)
        await settled(pilot, app, terminal)
        app.mux.write(name, "seq 200 $((239+1))\r")
        await until(pilot, lambda: "240" in screen_text(app, name), what="output to be covered")
        await settled(pilot, app, terminal)
        await toast_over(pilot, app, name)
        await settled(pilot, app, terminal)
        await toasts_gone(pilot, app)
        await settled(pilot, app, terminal)
        await toast_over(pilot, app, name)
        await settled(pilot, app, terminal)
        before = len(direct)
        app.mux.write(name, "seq 100 $((139+1))\r")
        await until(pilot, lambda: "140" in screen_text(app, name), what="output under the toast")
        await until(pilot, lambda: any(n == name for n, _ in direct[before:]),
                    what="the covered pane's rows drawn")
        await settled(pilot, app, terminal)
        assert (name, True) not in direct[before:], "rows under a toast went straight out"
        await toasts_gone(pilot, app)
        await settled(pilot, app, terminal)
        assert not wrong, "rows written straight out differ:\n" + "\n".join(wrong[:6])
        await app.stop_town()


def test_rows_go_straight_out_only_where_nothing_covers_them():
    # The placement check's own logic: the first widget (top-most) overlapping the content
    # area decides; the pane itself means nothing covers it.
    class Compositor:
        def __init__(self, visible):
            self.visible_widgets = visible

    class Pane:
        _direct_place = None
        content_region = Region(11, 6, 40, 10)

    pane, toast, grid = Pane(), object(), object()
    whole = (Region(10, 5, 42, 12), Region(0, 0, 160, 44))
    assert _place(pane, Compositor({pane: whole, grid: whole})) == Pane.content_region
    pane._direct_place = None
    over = (Region(40, 12, 30, 3), Region(0, 0, 160, 44))
    assert _place(pane, Compositor({toast: over, pane: whole, grid: whole})) is None
    pane._direct_place = None
    aside = (Region(100, 12, 30, 3), Region(0, 0, 160, 44))
    assert _place(pane, Compositor({toast: aside, pane: whole})) == Pane.content_region
    pane._direct_place = None
    clipped = (Region(10, 5, 42, 12), Region(0, 0, 30, 44))
    assert _place(pane, Compositor({pane: clipped})) is None


class _Splitting:
    """A line filter that cuts every segment in two: no run-for-run mapping."""

    def apply(self, segments, background):
        return [Segment(t, s) for seg in segments for t, s in ((seg.text[:1], seg.style),
                                                                (seg.text[1:], seg.style)) if t]


async def test_rows_made_from_runs_are_the_bytes_the_strip_path_writes(environ):
    # Colours (16, 256, truecolour), dim (which the truecolour filter mixes with the
    # background), reverse, a hyperlink, wide text, rows past the program's terminal.
    app = GastownApp(AppOptions(environ=environ, start_host=False))
    async with app.run_test(size=SIZE) as pilot:
        app.mux.spawn("one", BASH, env=BASH_ENV, cols=60, rows=16)
        pane = await until(pilot, lambda: app.main.grid.pane("one"), what="the pane")
        await until(pilot, lambda: "$" in screen_text(app, "one"), what="the prompt")
        app.mux.write("one", COLOURS + "\r")
        app.mux.write("one", "printf '\\e]8;;https://example.com\\e\\\\a link\\e]8;;\\e\\\\ "
                             "\\e[7mreverse\\e[0m \\e[2;38;5;200mdim 256\\e[0m end-%s\\n' "
                             "$((6*7))\r")
        await until(pilot, lambda: "end-42" in screen_text(app, "one"), what="the output")
        await pilot.pause(0.2)
        height = pane.size.height
        background = pane.background_colors[1]
        console = app.console
        depth = ColorDepth(ColorSystem.EIGHT_BIT)
        screen = app.mux.get("one").screen
        cursor_row = [screen.cursor_y] if pane.has_focus else []
        for filters in (list(app.get_line_filters()), [*app.get_line_filters(), depth], []):
            made = pane.ansi_rows(list(range(height)), filters, background, console)
            saved = pane._strips
            pane._strips = {}
            try:
                truth = []
                for y in range(height):
                    strip = pane.render_line(y)
                    for line_filter in filters:
                        strip = strip.apply_filter(line_filter, background)
                    truth.append(strip.render(console))
            finally:
                pane._strips = saved
            # Only the focused pane's cursor row is left to the strip path (it draws the
            # cursor's cell).
            assert [y for y, line in enumerate(made) if line is None] == cursor_row
            assert [line for line in made if line is not None] == \
                [line for line, mine in zip(truth, made) if mine is not None]
            assert any("\x1b]8;" in line for line in made), "the hyperlink is not in any row"
        split = pane.ansi_rows(list(range(height)), [_Splitting()], background, console)
        assert any(line is None for line in split), "a filter cutting segments was trusted"
        await app.stop_town()
