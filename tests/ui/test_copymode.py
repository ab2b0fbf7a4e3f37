"""Scrollback mode on a real terminal screen: moving, searching with wrap, selecting lines."""

from __future__ import annotations

from gastown_tui.term.screen import Screen
from gastown_tui.ui.widgets.copymode import CopyMode


def filled(n: int = 40) -> Screen:
    screen = Screen(30, 10, history=1000)
    screen.feed("".join(f"line {i}\r\n" for i in range(n)).encode())
    return screen


def test_enter_starts_at_the_bottom_with_history_above():
    screen = filled()
    copy = CopyMode.enter(screen, 10)
    assert copy.cursor == screen.history_size + 9
    assert copy.top == screen.history_size


def test_search_goes_up_from_the_cursor_and_wraps():
    screen = filled()
    copy = CopyMode.enter(screen, 10)
    assert copy.search(screen, "line 3")
    first = copy.cursor
    text = screen.history_text(screen.history_size) + screen.text_lines()
    assert text[first].startswith("line 3")
    assert copy.message.endswith(f"match {len(copy.matches)}/{len(copy.matches)}")
    seen = {first}
    for _ in range(len(copy.matches)):
        copy.next_match(screen, upward=True)
        seen.add(copy.cursor)
    assert seen == {line for line, _ in copy.matches}  # every match visited, then it wraps
    assert copy.top <= copy.cursor < copy.top + copy.height


def test_search_without_a_match_says_so_and_stays():
    screen = filled()
    copy = CopyMode.enter(screen, 10)
    before = copy.cursor
    assert not copy.search(screen, "nothing like this")
    assert copy.cursor == before and "not found" in copy.message


def test_capitals_make_search_case_sensitive():
    screen = filled()
    copy = CopyMode.enter(screen, 10)
    assert not copy.search(screen, "LINE 3")
    assert copy.search(screen, "LiNe".lower())


def test_selection_copies_whole_lines():
    screen = filled()
    copy = CopyMode.enter(screen, 10)
    copy.search(screen, "line 12")
    copy.select(screen, by_line=True)
    copy.move(screen, 2)
    assert copy.selected_text(screen) == "line 12\nline 13\nline 14"


def prose() -> Screen:
    screen = Screen(40, 6, history=1000)
    screen.feed(b"alpha beta-gamma  delta\r\nsecond line here\r\n$ ")
    return screen


def test_v_selects_by_character_with_vi_motions():
    screen = prose()
    copy = CopyMode.enter(screen, 6)
    copy.goto(screen, screen.history_size, 0)
    copy.word(screen, forward=True)
    assert copy.col == 6  # beta
    copy.select(screen, by_line=False)
    copy.word(screen, forward=True)
    assert copy.col == 10  # the dash is a word of its own kind
    copy.word(screen, forward=True)
    copy.step(screen, 2)
    assert copy.selected_text(screen) == "beta-gam"
    copy.word(screen, forward=True)
    copy.word(screen, forward=True)  # across the line end, to the next line's first word
    assert (copy.cursor, copy.col) == (screen.history_size + 1, 0)
    copy.word(screen, forward=True)
    copy.step(screen, 1)
    assert copy.selected_text(screen) == "beta-gamma  delta\nsecond li"
    copy.word(screen, forward=False)
    assert (copy.cursor, copy.col) == (screen.history_size + 1, 7)  # line
    copy.word(screen, forward=False)
    copy.word(screen, forward=False)
    assert (copy.cursor, copy.col) == (screen.history_size, 18)  # back over the line end
    copy.step(screen, -100)
    assert copy.col == 0
    copy.line_end(screen, end=True)
    assert copy.col == len("alpha beta-gamma  delta") - 1
    copy.select(screen, by_line=True)  # the other kind: whole lines from the same start
    assert copy.selected_text(screen) == "alpha beta-gamma  delta"


def test_the_position_reads_as_tmux_shows_it():
    screen = filled(40)
    copy = CopyMode.enter(screen, 10)
    history = screen.history_size
    assert copy.position(screen) == f"[0/{history}]"
    copy.move(screen, -15)
    assert copy.position(screen) == f"[6/{history}]"
    copy.goto(screen, 0)
    assert copy.position(screen) == f"[{history}/{history}]"
