"""The compiled hot path (term/_fastpath.c) against the Python one it stands in for.

Every example is fed to three screens: the compiled path (the default), the Python fast path
(`compiled=False`) and the slow path (`fast_path=False`). The compiled one must leave exactly
the Python fast path's state, down to how rows are kept (text and runs or cells), the raw
packed scrollback lines and their palette, the pen, `_last` (what REP repeats), the dirty rows
after every read and the wrap flags; the slow path must show the same cells."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gastown_tui.term import stream
from gastown_tui.term.rows import Row
from gastown_tui.term.screen import Screen
from gastown_tui.term.scrollback import Scrollback
from gastown_tui.term.style import DEFAULT, CellStyle

from .test_fuzz import FRAGMENTS
from .test_stream import PIECES, snapshot

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str):
    spec = importlib.util.spec_from_file_location("bench_" + name, BENCHMARKS / (name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


terminal_bench = _load("terminal")
ink_frames = _load("terminal_mux").ink_frames


def deep(s: Screen) -> tuple:
    """Everything the parser leaves behind, as it is kept."""
    rows = tuple((r.text, None if r.runs is None else tuple(r.runs), r.fill,
                  None if r.chars is None else tuple(r.chars),
                  None if r.attrs is None else tuple(r.attrs), r.wrapped) for r in s._rows)
    h = s.history
    main = None if s._main_rows is None else tuple(
        (r.text, None if r.runs is None else tuple(r.runs), r.chars, r.wrapped) for r in s._main_rows)
    return (rows, main, tuple(h.lines), tuple(h.wraps), tuple(h._palette), s._x, s._y, s.pen,
            s._last, s._top, s._bot, repr(s.modes), s.title, s.parse_errors, s._pending,
            s._skind, s.bell_count, s.cursor_shape)


def feed(data: bytes, cols: int, rows: int, chunks: list[int], resizes=(), **kw) -> tuple:
    """Feeds `data` in reads of the given sizes (the rest in one), resizing after read k to
    resizes[k] if given; returns the screen and the dirty rows seen after each read."""
    s = Screen(cols, rows, history=40, on_reply=lambda b: None, allow_clipboard=True, **kw)
    dirty = []
    pos = 0
    sizes = dict(resizes)
    for k, n in enumerate(list(chunks) + [len(data)]):
        s.feed(data[pos:pos + n])
        pos += n
        dirty.append(frozenset(s.dirty))
        s.clear_dirty()
        if k in sizes:
            s.resize(*sizes[k])
    return s, dirty


def same_three_ways(data: bytes, cols: int = 17, rows: int = 5, chunks=(), resizes=()) -> Screen:
    fast, fast_dirty = feed(data, cols, rows, chunks, resizes)
    py, py_dirty = feed(data, cols, rows, chunks, resizes, compiled=False)
    assert fast._compiled is not None and py._compiled is None
    assert deep(fast) == deep(py)
    assert fast_dirty == py_dirty
    if not resizes:
        # (After a resize the slow path's cell rows and the fast path's compact rows reflow
        # a trailing blank differently: "world " at 17x5 resized to 1x1.)
        slow, _ = feed(data, cols, rows, chunks, resizes, fast_path=False)
        assert snapshot(fast) == snapshot(slow)
    return fast


def test_the_compiled_path_is_built():
    """An install that silently lost the C extension would pass every other test slowly."""
    assert stream._fastpath is not None, (
        "gastown_tui.term._fastpath is not built: run `python3 setup.py build_ext --inplace` "
        "(needs a C compiler and the Python headers; scripts/install-test-deps installs them)")
    if os.environ.get("GT_TERM_PURE") != "1":
        assert Screen(10, 2)._compiled is not None
    # A build older than its source would test old code: rebuild after changing it.
    source = Path(stream.__file__).with_name("_fastpath.c")
    assert Path(stream._fastpath.__file__).stat().st_mtime >= source.stat().st_mtime, (
        "gastown_tui/term/_fastpath.c changed after it was built: run `python3 setup.py "
        "build_ext --inplace`")


sizes = st.tuples(st.integers(1, 30), st.integers(1, 8))
reads = st.lists(st.integers(0, 40), max_size=12)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=60).map(b"".join), sizes, reads)
@example(data=b"\xc2\x800", size=(23, 6), chunks=[])  # latin-1 text, then ASCII after it
def test_compiled_equals_python_on_program_output(data, size, chunks):
    same_three_ways(data, *size, chunks)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.binary(max_size=40), st.sampled_from(FRAGMENTS)), max_size=60)
       .map(b"".join), sizes, reads)
def test_compiled_equals_python_on_random_bytes(data, size, chunks):
    same_three_ways(data, *size, chunks)


unicode_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(unicode_text.map(str.encode), st.sampled_from(PIECES)), max_size=20)
       .map(b"".join), sizes, reads)
def test_compiled_equals_python_on_any_unicode(data, size, chunks):
    same_three_ways(data, *size, chunks)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.text(max_size=20), st.sampled_from(["\ud800", "x\udfffy", "\udc80" * 30]),
                          st.sampled_from([p.decode("utf-8", "ignore") for p in PIECES])),
                max_size=40).map("".join), sizes, reads)
def test_compiled_equals_python_on_str_input_with_lone_surrogates(data, size, chunks):
    """`feed` takes str too, which may hold what UTF-8 cannot: scrollback keeps it as Python
    does (surrogatepass)."""
    same_three_ways(data, *size, chunks)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=60).map(b"".join), reads,
       st.lists(st.tuples(st.integers(0, 12), sizes), max_size=4))
def test_compiled_equals_python_across_resizes(data, chunks, resizes):
    same_three_ways(data, 17, 5, chunks, resizes)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 50), st.sampled_from([(50, 16), (80, 6), (23, 4), (200, 50), (7, 3)]),
       st.lists(st.integers(1, 700), max_size=10))
def test_compiled_equals_python_on_ink_frames(first, size, chunks):
    """benchmarks/app.py's sessions: coloured lines wider than a hidden pane, wrapping and
    scrolling into scrollback, erased and redrawn every frame."""
    data = b"".join(ink_frames(first, 6))
    s = same_three_ways(data, *size, chunks)
    if size[0] < 75:
        assert s.history_size


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["sgr", "ink", "plain", "redraw"]), st.integers(0, 20_000),
       st.sampled_from([(200, 50), (60, 10), (13, 4)]), st.lists(st.integers(1, 3000), max_size=8))
def test_compiled_equals_python_on_the_throughput_workloads(kind, start, size, chunks):
    """benchmarks/terminal.py's files as a pty delivers them (LF turned into CR LF)."""
    data = terminal_bench.WORKLOADS[kind](40_000).replace(b"\n", b"\r\n")[start:start + 12_000]
    same_three_ways(data, *size, chunks)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from([
    b"\x1b[2;4r", b"\x1b[r", b"\x1b[?1049h", b"\x1b[?1049l", b"\x1b[?7l", b"\x1b[?7h",
    b"\x1b[4h", b"\x1b[4l", b"\x1b(0", b"\x1b(B", b"\x1b[?6h", b"\x1b[?6l", b"\x1b[44m", b"\x1b[0m",
    b"\x1b[3;1H", b"\x1b[99;99H", b"\x1b[K", b"\x1b[2K", b"\x1b[2K\x1b[1A" * 3, b"\r\n", b"\n",
    b"\r", "中".encode(), "e\u0301".encode(), b"\xf0\x9d\x90\x80", b"x" * 9, b"word ",
    b"\x1b[1;38;5;100mcol\x1b[0m ", b"\x1b[38;2;1;2;3mtrue\x1b[m", b"\x1b[2A", b"\x1b[0A",
    b"\x1b[9B", b"\x1b[B", b"\x1b[3C", b"\x1b[D", b"\x1b[40D", b"\x1b[30G", b"\x1b[G", b"\x1b[5`",
    b"\x1b[999999999C", b"\x1b[?25l", b"\x1b[?25h", b"\x1b[?2004h", b"\x1b[?1;7l", b"\x1b[?12345h",
    b"\x1b[?2026h", b"\x1b[?2026l"]), max_size=80).map(b"".join),
    st.sampled_from([(9, 4), (1, 1), (2, 3), (30, 6)]), reads)
def test_compiled_equals_python_in_regions_modes_and_the_alternate_screen(data, size, chunks):
    same_three_ways(data, *size, chunks)


def test_long_styled_lines_are_packed_like_python_does():
    """Rows whose runs do not fit 16 bits or the line budget go through Python's squeezing."""
    line = "".join("\x1b[38;5;%dm%s" % (i % 256, chr(0x2500 + i % 100)) for i in range(3000))
    same_three_ways((line + "\x1b[0m\r\n") .encode() * 3, 3000, 3)
    same_three_ways((line + "\x1b[0m\r\n").encode() * 3, 70_000, 2)


STYLES = [DEFAULT, CellStyle(bold=True), CellStyle(bg="ansi4"), CellStyle(underline=True),
          CellStyle(reverse=True), CellStyle(fg=123)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.text(st.sampled_from(" ab─é\ud800"), max_size=12),
                          st.sampled_from(STYLES)), max_size=8),
       st.sampled_from([False, True, 2]), st.booleans())
def test_compiled_scrollback_push_packs_rows_as_python_does(pieces, wrapped, compact):
    """Row by row: trailing blanks trimmed in styles that show blank, plain rows as strings,
    styled rows packed to the byte, the palette in the same order; empty pieces too (the
    parser appends none, but a row of empty runs must not fail either)."""
    row = Row()
    for text, style in pieces:
        row.append(len(row.text), text, style)
    row.wrapped = wrapped
    cols = max(len(row.text), 1)
    if not compact:
        row.cells(cols)
    ours, theirs = Scrollback(10), Scrollback(10)
    for _ in range(2):
        stream._fastpath.push_row(ours, row, cols)
        theirs.push_row(row, cols)
    assert (list(ours.lines), list(ours.wraps), ours._palette) == (
        list(theirs.lines), list(theirs.wraps), theirs._palette)


def test_more_styles_than_the_sgr_caches_hold():
    """Past 4,096 (style, parameters) pairs the screen's caches start again; the compiled
    path's own cache in front of them must keep giving the same styles."""
    words = [b"\x1b[38;2;%d;%d;7m%d\x1b[1m." % (i % 256, i // 256, i % 10) for i in range(6000)]
    same_three_ways(b"".join(words) * 2 + b"\x1b[0m\r\n".join(words[:50]), 41, 5, [5000, 9000])


def test_a_python_handler_failing_inside_a_compiled_token_counts_one_parse_error():
    """A bug in a Python method the compiled path calls is counted, as in the Python loop,
    and parsing goes on after that token (the Python loop's token is the SGR with the text
    after it, the compiled loop's the SGR alone: what a bug loses may differ, nothing else)."""
    for compiled in (True, False):
        s = Screen(10, 3, compiled=compiled)
        s._sgr = None  # not callable: the SGR cache miss fails
        s.feed(b"ab\x1b[38;5;99mcd\r\nef")
        assert s.parse_errors == 1, compiled
        assert s.text_lines()[0] in ("ab", "abcd") and s.text_lines()[1:] == ["ef", ""], compiled


def test_hostile_input_never_crashes_the_process():
    """Sequences agents should never send, at sizes no read has: parsed, counted, survived."""
    s = Screen(5, 2)
    for data in [b"\x1b[" + b"9" * 100_000 + b"H", b"\x1b[" + b";" * 100_000 + b"m", b"\x1b[999999999999;1H",
                 "\U0010ffff".encode() * 10_000, b"\x1b[2K\x1b[1A" * 100_000, b"x" * 1_000_000,
                 b"\x1b[31m" * 100_000 + b"y\r\n" * 10_000]:
        s.feed(data)
    assert s.parse_errors == 0 and 0 <= s.cursor_x <= 5 and s.text_lines()[-1] == ""
