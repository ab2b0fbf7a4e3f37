"""Screens on the wire: frames made from a real `Screen` and applied to a `MirrorScreen` give the
same rows, cursor and modes; only what changed is sent, each style once; scrollback comes back
whole for copy mode."""

from __future__ import annotations

import json

from gastown_tui.host import api
from gastown_tui.host.screens import (FrameEncoder, HistoryScreen, MirrorScreen, StyleBook,
                                      StyleTable, history_of)
from gastown_tui.term.screen import Screen


class Wire:
    """One client's view of one screen, through JSON as on the socket."""

    def __init__(self, screen: Screen) -> None:
        self.screen = screen
        self.encoder = FrameEncoder()
        self.table = StyleTable()
        self.book = StyleBook()
        self.mirror = MirrorScreen(screen.columns, screen.lines)
        self.sent: list[dict] = []

    def sync(self, dirty=None) -> set[int] | None:
        frame = self.encoder.frame("a", self.screen, True, dirty, self.table)
        if frame is None:
            return None
        frame = json.loads(json.dumps(frame))
        self.sent.append(frame)
        return self.mirror.apply(frame, self.book)

    def same(self) -> bool:
        s, m = self.screen, self.mirror
        return ((s.columns, s.lines) == (m.columns, m.lines)
                and all(s.row_runs(y) == m.row_runs(y) for y in range(s.lines))
                and s.text_lines() == m.text_lines()
                and (s.cursor_x, s.cursor_y, s.cursor_hidden)
                == (m.cursor_x, m.cursor_y, m.cursor_hidden))


def test_colours_wide_characters_and_the_cursor_come_across():
    screen = Screen(30, 5)
    screen.feed("plain \x1b[1;31mbold red\x1b[0m \x1b[48;5;22mbg\x1b[0m\r\n"
                "\u4e2d\u6587 wide \x1b[38;2;1;2;3mtrue\x1b[0m\x1b]0;the title\x07\a".encode())
    screen.feed(b"\x1b[?1h\x1b[?2004h\x1b[?1000h\x1b[?1006h")
    wire = Wire(screen)
    wire.sync()
    assert wire.same()
    modes = wire.mirror.modes
    assert modes.application_cursor and modes.bracketed_paste and modes.mouse == 1000
    assert modes.mouse_sgr and wire.mirror.title == "the title" and wire.mirror.bell_count == 1
    # the cells too (what the pane's cursor draws over)
    assert wire.mirror.cells(1) == screen.cells(1)


def test_only_changed_rows_go_and_each_style_once():
    screen = Screen(20, 4)
    screen.feed(b"\x1b[31mone\r\ntwo\r\nthree\x1b[0m")
    wire = Wire(screen)
    wire.sync()
    assert len(wire.sent[0]["s"]) == 1 and len(wire.sent[0]["r"]) == 3
    screen.feed(b"\x1b[2;1H\x1b[2K\x1b[31mTWO")
    changed = wire.sync(set(screen.dirty))
    screen.clear_dirty()
    assert wire.same() and 1 in changed and 0 not in changed
    assert [row[0] for row in wire.sent[-1]["r"]] == [1]
    assert "s" not in wire.sent[-1]  # red was sent already
    # A full redraw with the same content sends no rows, only where the cursor went.
    screen.feed(b"\x1b[H\x1b[31mone\r\nTWO\r\nthree")
    wire.sync(set(screen.dirty))
    assert "r" not in wire.sent[-1] and wire.same()
    assert wire.sync() is None  # nothing changed at all: no frame


def test_a_resized_source_rebuilds_the_mirror_and_a_cursor_past_the_edge_holds():
    screen = Screen(20, 4)
    wire = Wire(screen)
    wire.sync()
    screen.resize(50, 10)
    screen.feed(b"\x1b[10;45Hcorner\x1b[?25l")
    changed = wire.sync(set(screen.dirty))
    assert wire.same() and changed >= set(range(10))
    assert wire.mirror.text_lines()[9].endswith("corner") and wire.mirror.cursor_hidden
    screen.feed(b"\x1b[1;1H0123456789012345678901234567890123456789012345678\xe4\xb8\xad")
    wire.sync()
    assert wire.same() and wire.mirror.cursor_x == screen.cursor_x


def test_a_style_table_that_fills_up_starts_again():
    from gastown_tui.host import screens

    screen = Screen(40, 3)
    wire = Wire(screen)
    old, screens.MAX_STYLES = screens.MAX_STYLES, 8
    try:
        screen.feed("".join(f"\x1b[38;5;{i}mx" for i in range(20)).encode())
        wire.sync()
        assert wire.table.full
        wire.table.reset()
        wire.encoder = FrameEncoder()
        wire.sync()
        assert wire.sent[-1]["S"] == 1 and wire.same()
    finally:
        screens.MAX_STYLES = old


def test_scrollback_comes_back_whole_for_copy_mode():
    screen = Screen(20, 3, history=100)
    screen.feed(b"".join(b"\x1b[32mline %d\x1b[0m\r\n" % i for i in range(10)) + b"> now")
    reply = api.build(api.History, json.loads(json.dumps(api.to_wire(history_of("a", screen)))),
                      "reply")
    got = HistoryScreen(reply, 20)
    assert got.history_size == screen.history_size == 8
    assert got.history_text(8) == screen.history_text(8)
    assert [got.history_runs(i) for i in range(8)] == [screen.history_runs(i) for i in range(8)]
    assert got.text_lines() == screen.text_lines() and got.lines == 3


def test_requests_are_checked_field_by_field():
    import pytest

    assert api.request_from_wire("agents", {"all": True}) == api.Agents(all=True)
    assert api.request_from_wire("sling", {"issues": ["a-1"], "target": "demo"}).actor == \
        "overseer"
    for op, args, says in (("peek", {}, "needs a text 'target'"),
                           ("peek", {"target": "  "}, "needs a text 'target'"),
                           ("peek", {"target": "x", "lines": "2"}, "a whole number 'lines'"),
                           ("sling", {"issues": "a-1", "target": "d"}, "a list of texts"),
                           ("frobnicate", {}, "unknown request 'frobnicate'")):
        with pytest.raises(api.MessageError, match=says) as e:
            api.request_from_wire(op, args)
        assert e.value.exit_code == 2
