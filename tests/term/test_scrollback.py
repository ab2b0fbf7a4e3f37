"""Scrollback: bounded, compact (measured), and faithful to the text and styles that left."""

from __future__ import annotations

import random
import tracemalloc

import pytest

from gastown_tui.term.screen import CellStyle, Screen


def numbered(n: int) -> bytes:
    return b"".join(b"line %d\r\n" % i for i in range(n))


def test_default_limit_is_ten_thousand_and_oldest_lines_go_first():
    s = Screen(40, 10)
    s.feed(numbered(10_050))
    assert s.history_size == 10_000
    assert s.history_text(2) == ["line 10039", "line 10040"]
    assert s.history_runs(0) == [("line 41", CellStyle())]


def test_small_and_zero_limits():
    s = Screen(40, 3, history=5)
    s.feed(numbered(20))
    assert s.history_text(10) == ["line %d" % i for i in range(13, 18)]
    s0 = Screen(40, 3, history=0)
    s0.feed(numbered(20))
    assert s0.history_size == 0 and s0.history_text(5) == []


def test_history_text_asks_for_more_than_there_is():
    s = Screen(40, 3)
    s.feed(numbered(5))
    assert s.history_text(100) == ["line 0", "line 1", "line 2"]
    assert s.history_text(0) == [] and s.history_text(-3) == []
    with pytest.raises(IndexError):
        s.history_runs(3)


def test_styles_survive_scrolling_off():
    s = Screen(30, 2)
    s.feed(b"a \x1b[1;31mred\x1b[0m \x1b[48;5;22mbg \x1b[0m\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\")
    before = s.row_runs(0)
    s.feed(b"\r\n\r\n\r\n")
    after = s.history_runs(0)
    assert after == [("a ", CellStyle()), ("red", CellStyle(fg="ansi1", bold=True)),
                     (" ", CellStyle()), ("bg ", CellStyle(bg=22)),
                     ("link", CellStyle(link="http://x"))]
    assert "".join(t for t, _ in before).rstrip() == "".join(t for t, _ in after)
    assert s.history_ansi(3)[0] == ("a \x1b[0;1;31mred\x1b[0m \x1b[0;48;5;22mbg "
                                    "\x1b]8;;http://x\x1b\\\x1b[0mlink\x1b]8;;\x1b\\")


def test_wide_and_combining_characters_in_scrollback():
    s = Screen(10, 2)
    s.feed("中文e\u0301\u2764\ufe0f\x1b[32mgreen\x1b[0m\r\n\r\n\r\n".encode())
    assert s.history_text(3) == ["中文e\u0301\u2764\ufe0fgree", "n", ""]
    assert s.history_runs(0)[-1] == ("gree", CellStyle(fg="ansi2"))


def test_lines_pulled_back_on_resize_keep_their_styles():
    s = Screen(20, 2)
    s.feed(b"\x1b[34mblue\x1b[0m plain\r\n" + "中x".encode() + b"\r\nlast")
    assert s.history_size == 1
    s.resize(20, 4)
    assert s.text_lines()[:3] == ["blue plain", "中x", "last"]
    assert s.row_runs(0)[0] == ("blue", CellStyle(fg="ansi4"))
    assert s.history_size == 0


def _log_lines(kind: str, n: int = 10_000) -> bytes:
    rnd = random.Random(7)
    out = []
    for _ in range(n):
        if kind == "plain":
            out.append("".join(rnd.choice("abcdefgh  ") for _ in range(100)))
        else:
            parts, width = [], 0
            while width < 100:
                word = "".join(rnd.choice("abcdefgh") for _ in range(rnd.randint(4, 18)))[:100 - width]
                width += len(word)
                parts.append("\x1b[%d;38;5;%dm%s\x1b[0m" % (rnd.randint(0, 1), rnd.randint(0, 40), word))
            out.append("".join(parts))
    return ("\r\n".join(out) + "\r\n" * 60).encode()


@pytest.mark.parametrize("kind", ["plain", "coloured"])
def test_ten_thousand_lines_of_100_columns_fit_in_4_mb(kind):
    data = _log_lines(kind)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        s = Screen(100, 50)
        s.feed(data)
        used = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert s.history_size == 10_000
    assert len(s.history_text(10_000)[0]) == 100
    assert s.history.nbytes() <= 4_000_000, s.history.nbytes()
    # Everything the screen allocated, scrollback included, also stays under the bound.
    assert used <= 4_000_000, used
