"""The fast stream: split reads, the ASCII fast path against the slow path, carried-over tails."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gastown_tui.term.screen import Screen

# Pieces real programs send, mixed at random by the property tests below.
PIECES = [
    b"hello", b"world ", b"x" * 30, b"\r\n", b"\n", b"\r", b"\t", b"\x08", b"\x07",
    "中文".encode(), "😀".encode(), "e\u0301".encode(), "\u2764\ufe0f".encode(),
    "\U0001F468\u200d\U0001F469".encode(), "\U0001F468\u200d".encode(), "─│┌".encode(), "é".encode(),
    b"\x1b[31m", b"\x1b[0m", b"\x1b[1;38;5;200m", b"\x1b[48;2;1;2;3m", b"\x1b[m",
    b"\x1b[H", b"\x1b[3;7H", b"\x1b[5G", b"\x1b[K", b"\x1b[1K", b"\x1b[2K", b"\x1b[J",
    b"\x1b[2A", b"\x1b[3C", b"\x1b[2@", b"\x1b[P", b"\x1b[2X", b"\x1b[L", b"\x1b[M",
    b"\x1b[2;5r", b"\x1b[r", b"\x1b[S", b"\x1b[T", b"\x1b[3b", b"\x1b[Z", b"\x1b7", b"\x1b8",
    b"\x1bM", b"\x1bD", b"\x1b[4h", b"\x1b[4l", b"\x1b[?7l", b"\x1b[?7h", b"\x1b(0", b"\x1b(B",
    b"\x1b[?1049h", b"\x1b[?1049l", b"\x1b]0;title\x07", b"\x1b]8;;http://a\x1b\\",
    b"\x1b]8;;\x1b\\", b"\x1bPdcs\x1b\\", b"\x1b[?2026h", b"\x1b[?2026l", b"\x1b[6n",
    # Ink's redraw: erase and go up line by line, then coloured words one after another.
    b"\x1b[2K\x1b[1A", b"\x1b[1A", b"\x1b[2K\x1b[1A\x1b[2K\x1b[1A\x1b[2K\x1b[G",
    "\x1b[1m\x1b[38;5;81m\u2819\x1b[0m \x1b[36mstep\x1b[39m".encode(), b"\x1b[2mok\x1b[22m\x1b[m",
]


def snapshot(s: Screen) -> tuple:
    rows = tuple(tuple(map(tuple, s.cells(y))) for y in range(s.lines))
    hist = tuple(tuple(s.history_runs(i)) for i in range(s.history_size))
    m = s.modes
    return (rows, hist, s.cursor_x, s.cursor_y, s.title, m.alternate, m.synchronized,
            m.autowrap, m.insert, s.text_lines())


def run(data: bytes, *, fast: bool = True, chunks: list[int] | None = None,
        cols: int = 23, rows: int = 6) -> Screen:
    s = Screen(cols, rows, history=50, fast_path=fast, on_reply=lambda b: None)
    if chunks is None:
        s.feed(data)
    else:
        pos = 0
        for n in chunks:
            s.feed(data[pos:pos + n])
            pos += n
        s.feed(data[pos:])
    assert s.parse_errors == 0
    return s


mixed = st.lists(st.sampled_from(PIECES), min_size=1, max_size=60).map(b"".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mixed)
def test_fast_path_gives_the_same_cells_as_the_slow_path(data):
    assert snapshot(run(data, fast=True)) == snapshot(run(data, fast=False))


@settings(max_examples=200, deadline=None)
@given(mixed, st.lists(st.integers(1, 7), max_size=40))
def test_any_split_into_reads_gives_the_same_screen(data, chunks):
    assert snapshot(run(data, chunks=chunks)) == snapshot(run(data))


def test_coloured_lines_wider_than_the_screen_wrap_as_the_slow_path_does():
    # An agent UI's styled line in a pane narrower than it (the app's panes): each line wraps
    # mid-word and the screen scrolls into scrollback; a CR LF ends each coloured line, and
    # the last word of one line is wide.
    lines = ["\x1b[2K\x1b[1m\x1b[38;5;%dm⠙\x1b[0m \x1b[36mstep %d\x1b[0m: working on item "
             "%06d \x1b[2m(esc to interrupt)\x1b[0m" % (16 + n, n, 1000 * n) for n in range(9)]
    lines[4] += "\x1b[33m中文\x1b[0m"
    data = ("\r\n".join(lines) + "\r\n" + "\x1b[2K\x1b[1A" * 5 + "\r\n".join(lines)).encode()
    fast = snapshot(run(data, cols=23, rows=6))
    assert fast == snapshot(run(data, fast=False, cols=23, rows=6))
    assert fast[1], "lines scrolled into scrollback"
    for cut in range(1, len(data), 7):
        assert snapshot(run(data, chunks=[cut], cols=23, rows=6)) == fast


def test_byte_by_byte_equals_one_read():
    data = b"".join(PIECES) * 3
    assert snapshot(run(data, chunks=[1] * len(data))) == snapshot(run(data))


def test_utf8_split_inside_a_character():
    s = Screen(10, 2)
    raw = "中😀é".encode()
    for i in range(len(raw)):
        s.feed(raw[i:i + 1])
    assert s.text_lines()[0] == "中😀é"


def test_escape_split_at_every_point_is_carried_over():
    seq = b"\x1b[1;31mR\x1b]0;t\x1b\\\x1b[?1049h"
    for cut in range(1, len(seq)):
        s = Screen(10, 2)
        s.feed(seq[:cut])
        s.feed(seq[cut:])
        assert s.modes.alternate and s.title == "t"
        assert s.text_lines()[0] == ""


def test_osc_terminated_by_esc_at_the_end_of_a_read():
    s = Screen(10, 2)
    s.feed(b"\x1b]2;name\x1b")
    s.feed(b"\\after")
    assert s.title == "name" and s.text_lines()[0] == "after"


def test_invalid_utf8_is_dropped_like_tmux_does():
    s = Screen(10, 2)
    s.feed(b"a\xff\xfeb\xe4\xb8 c")
    assert s.text_lines()[0] == "ab c"


def test_malformed_csi_is_dropped_and_text_after_it_kept():
    s = Screen(20, 2)
    s.feed(b"a\x1b[12\x1b[31mb")
    assert s.text_lines()[0] == "ab"


def test_c1_and_stray_controls_print_nothing():
    s = Screen(20, 2)
    s.feed("a\x85\x9bb\x00\x01\x7fc".encode())
    assert s.text_lines()[0] == "abc"


def test_can_aborts_a_string():
    s = Screen(20, 2)
    s.feed(b"\x1b]0;never\x18shown")
    assert s.title == "" and s.text_lines()[0] == "shown"


def test_a_dcs_ends_only_at_st_even_across_reads():
    for reads in ([b"A\x1bPq", b"abc\x1b", b"\\B"], [b"A\x1bPq\x1b", b"[31mX\x18\x1b", b"\\B"],
                  [b"A\x1bPtmux;\x1b\x1b]0;t\x07\x1b", b"\\B"]):
        s = Screen(20, 2)
        for data in reads:
            s.feed(data)
        assert (s.text_lines()[0], s.title, s.cells(0)[1][1].fg) == ("AB", "", None), reads


def test_str_input_is_accepted_too():
    s = Screen(20, 2)
    s.feed("\x1b[1mbold")
    assert s.text_lines()[0] == "bold" and s.cells(0)[1][0].bold


unicode_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(unicode_text.map(str.encode), st.sampled_from(PIECES)), max_size=20)
       .map(b"".join))
def test_fast_path_agrees_with_the_slow_path_on_any_unicode(data):
    """The one-cell run regex (built from wcwidth) never disagrees with per-character widths."""
    assert snapshot(run(data, fast=True)) == snapshot(run(data, fast=False))


line_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30)
block_prefix = st.sampled_from([b"", b"\x1b[31m", b"\x1b[0m", b"\x1b[44m", b"\x1b[4m", b"\x1b[?1049h",
                                b"\x1b[?1049l", b"\x1b]8;;http://a\x1b\\", b"\x1b[2;4r", b"\x1b[r",
                                b"\x1b[4h", b"\x1b[4l", b"\x1b[?7l", b"\x1b[?7h", b"\x1b(0", b"\x1b(B",
                                b"x" * 23, b"\xe4\xb8\xad"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(block_prefix, st.lists(line_text, max_size=25)), max_size=6),
       st.lists(st.integers(1, 60), max_size=20))
def test_lines_scrolling_through_in_bulk_match_the_slow_path(blocks, chunks):
    """Plain lines at the bottom go to scrollback in bulk; that must change nothing visible."""
    data = b"".join(prefix + b"".join(line.encode() + b"\r\n" for line in lines)
                    for prefix, lines in blocks)
    assert snapshot(run(data, fast=True, chunks=chunks)) == snapshot(run(data, fast=False))


redraw_piece = st.one_of(
    st.builds(lambda y, x: b"\x1b[%d;%dH" % (y, x), st.integers(1, 6), st.integers(1, 25)),
    st.sampled_from([b"\x1b[31m", b"\x1b[0m", b"\x1b[1;44m", b"\x1b[7m", b"\x1b[K", b"\x1b[1K",
                     b"\x1b[2X", b"\x1b[4h", b"\x1b[4l", b"\r\n", "中".encode(), "e\u0301".encode()]),
    line_text.map(str.encode))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(redraw_piece, max_size=50).map(b"".join))
def test_rows_rewritten_in_place_match_the_slow_path(data):
    """Full-screen programs overwrite the middle of compact rows (kept compact): same cells,
    same runs, same scrollback as character-by-character drawing."""
    fast, slow = run(data, fast=True), run(data, fast=False)
    assert snapshot(fast) == snapshot(slow)
    assert [fast.row_runs(y) for y in range(fast.lines)] == [slow.row_runs(y) for y in range(slow.lines)]
