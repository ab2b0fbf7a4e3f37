"""Scrollback: bounded, compact (measured), and faithful to the text and styles that left."""

from __future__ import annotations

import math
import random
import string
import sys
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


def _rainbow(i: int) -> str:
    """lolcat's colour for position i: a slow sine gradient, a few hundred distinct colours."""
    f = 0.1 * i
    return "%d;%d;%d" % (int(127 + 127 * math.sin(f)), int(127 + 127 * math.sin(f + 2.094)),
                         int(127 + 127 * math.sin(f + 4.189)))


def _per_cell(kind: str, n: int) -> list[str]:
    """Lines of 100 columns in which every cell has its own style: the most runs a line can
    have. The random kinds draw from 8,000 colours (a full palette, every index in use, in
    random order: the indices compress least)."""
    rnd = random.Random(11)
    pool = ["%d;%d;%d" % (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
            for _ in range(8000)]
    lines = []
    for y in range(n):
        if kind == "lolcat":
            cells = ["\x1b[38;2;%sm%s" % (_rainbow(y + x), rnd.choice(string.ascii_letters + " "))
                     for x in range(100)]
        elif kind == "truecolour":
            cells = ["\x1b[38;2;%sm%s" % (rnd.choice(pool), rnd.choice(string.printable[:94]))
                     for x in range(100)]
        elif kind == "wide":
            cells = ["\x1b[38;2;%sm%s" % (rnd.choice(pool), chr(0x4E00 + rnd.randrange(20_000)))
                     for x in range(50)]
        elif kind == "braille":
            # A braille plot with every dot cell one of 8,000 colours: random palette indices.
            cells = ["\x1b[38;2;%sm%s" % (rnd.choice(pool), chr(0x2800 + rnd.randrange(256)))
                     for x in range(100)]
        elif kind == "astral":
            # Default-style text past U+FFFF (mathematical letters): 4 bytes a character.
            cells = [chr(0x1D400 + rnd.randrange(52)) for x in range(100)]
        elif kind == "links":
            cells = ["\x1b]8;;https://example.com/%d\x1b\\%s" % (
                rnd.randrange(40), rnd.choice(string.ascii_letters)) for x in range(100)]
            cells.append("\x1b]8;;\x1b\\")
        else:
            # An image in half blocks (chafa, viu): foreground and background per cell.
            cells = ["\x1b[38;2;%s;48;2;%sm\u2580" % (pool[k], pool[(k * 7) % 8000])
                     for k in [(y * 100 + x) * 37 % 8000 for x in range(100)]]
        lines.append("".join(cells) + "\x1b[0m")
    return lines


def _cells_of(runs: list[tuple[str, CellStyle]]) -> list[tuple[str, CellStyle]]:
    """Characters with their styles, trailing blank-looking cells dropped (scrollback keeps
    no trailing blanks)."""
    out = [(ch, style) for text, style in runs for ch in text]
    while out and out[-1][0] == " " and out[-1][1].shows_blank:
        out.pop()
    return out


@pytest.mark.parametrize("kind", ["plain", "coloured", "lolcat", "truecolour", "wide", "links",
                                  "halfblocks", "astral", "braille"])
def test_every_kind_of_line_fits_the_bound_and_reads_back_exactly(kind):
    # The bound is 4 MB per 10,000 lines of 100 columns: 400 bytes a line. Every line is
    # stored on its own, so the per-cell kinds (slow to parse) are measured on 2,000 lines.
    if kind in ("plain", "coloured"):
        n = 10_000
        body = _log_lines(kind).decode().rstrip("\r\n").split("\r\n")
    else:
        n = 2_000
        body = _per_cell(kind, n)
    data = ("\r\n".join(body) + "\r\n" * 24).encode()
    s = Screen(100, 24, history=n)
    s.feed(data)
    assert s.history_size == n
    # The stored lines (palette aside: at most MAX_PALETTE styles, shared with the style table).
    assert s.history.line_bytes() <= 400 * n, s.history.line_bytes()
    # What the screen showed: the last 500 lines on a screen tall enough to hold them all.
    shown = Screen(100, 500, history=0)
    shown.feed("\r\n".join(body[-500:]).encode())
    assert s.history_text(500) == shown.text_lines()
    assert s.history_ansi(500) == shown.ansi_lines()
    for i in range(500):
        assert _cells_of(s.history_runs(n - 500 + i)) == _cells_of(shown.row_runs(i)), i
    # A taller screen pulls the newest lines back out of scrollback, styles and all.
    s.resize(100, 54)
    for i in range(30):
        assert _cells_of(s.row_runs(i)) == _cells_of(shown.row_runs(470 + i)), i


@pytest.mark.parametrize("kind", ["truecolour", "wide", "links", "astral", "braille"])
def test_per_cell_lines_reflow_like_output_written_at_the_new_width(kind):
    # Lines of 150 to 200 columns: each wraps once at 100 columns and goes to scrollback as two
    # packed lines, which a resize re-joins and cuts again. (No backgrounds: a row that autowrap
    # opens at the bottom takes the pen's background, which a reflowed row does not.)
    body = [a + b for a, b in zip(_per_cell(kind, 200)[0::2], _per_cell(kind, 200)[1::2][::-1])]
    data = ("\r\n".join(body) + "\r\n").encode()
    s = Screen(100, 30)
    s.feed(data)
    assert s.history_size > 100
    for cols in (63, 100, 137):
        s.resize(cols, 30)
        fresh = Screen(cols, 30)
        fresh.feed(data)
        assert s.history_size == fresh.history_size
        assert s.history_ansi(s.history_size) == fresh.history_ansi(fresh.history_size)
        assert s.ansi_lines() == fresh.ansi_lines()
        for i in range(s.history_size):
            assert _cells_of(s.history_runs(i)) == _cells_of(fresh.history_runs(i)), (cols, i)


def test_a_row_too_wide_for_16_bit_counts_reads_back_whole():
    s = Screen(70_000, 2)
    s.feed(("".join("\x1b[3%dmx" % (1 + i % 2) for i in range(70_000)) + "\x1b[0m\r\n\x1b[31m"
            + "y" * 69_000 + "\x1b[0m" + "z" * 1000 + "\r\n\r\n").encode())
    line = s.history_runs(0)
    assert len(line) == 70_000 and {t for t, _ in line} == {"x"}
    assert [st.fg for _, st in line[:3]] == ["ansi1", "ansi2", "ansi1"]
    assert [(len(t), st.fg) for t, st in s.history_runs(1)] == [(69_000, "ansi1"), (1000, None)]


def test_styles_made_again_after_the_style_table_emptied_keep_their_colours():
    rnd = random.Random(3)
    pool = ["%d;%d;%d" % (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
            for _ in range(8000)]
    lines = ["".join("\x1b[38;2;%sm#" % pool[y * 100 + x] for x in range(100)) + "\x1b[0m"
             for y in range(80)]
    data = ("\r\n".join(lines) + "\r\n" * 2).encode()
    s = Screen(100, 2)
    s.feed(data)
    # Another program mints more distinct styles than the process-wide style table keeps
    # (an image viewer, say), which empties it: the same colours come back as new objects.
    flood = Screen(100, 2, history=0)
    flood.feed("".join("\x1b[38;2;%d;%d;%dm#" % (i >> 16, i >> 8 & 255, i & 255)
                       for i in range(70_000)).encode())
    s.feed(data)
    assert s.history_size == 161
    for i in range(80):
        assert s.history_runs(81 + i) == s.history_runs(i), i
    assert s.history_runs(160)[5][1] == CellStyle(fg="#%02x%02x%02x" % tuple(
        int(v) for v in pool[7905].split(";")))


def test_bit_packed_lines_keep_lone_surrogates_and_every_style():
    """The densest form (near-random palette indices) reads back exactly, bytes that were not
    UTF-8 (kept as lone surrogates) and a high and a low surrogate side by side included."""
    from gastown_tui.term.scrollback import Scrollback

    rnd = random.Random(3)
    styles = [CellStyle(fg="#%06x" % rnd.randrange(1 << 24)) for _ in range(3000)]
    for extra in ("\udcff\udc80", "\ud83d\ude00", ""):
        text = "".join(chr(0x2800 + rnd.randrange(256)) for _ in range(98)) + extra
        runs = [(1, rnd.choice(styles)) for _ in text]
        history = Scrollback()
        history.push((text, runs))
        assert sys.getsizeof(history.lines[0]) <= 400
        got = [(ch, st) for t, st in history.runs(0) for ch in t]
        assert got == [(ch, st) for ch, (_, st) in zip(text, runs)]
