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
    assert copy.message.endswith(f"[{len(copy.matches)}/{len(copy.matches)}]")
    seen = {first}
    for _ in range(len(copy.matches)):
        copy.next_match(screen, upward=True)
        seen.add(copy.cursor)
    assert seen == set(copy.matches)  # every match visited, then it wraps
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
    copy.anchor = copy.cursor
    copy.move(screen, 2)
    assert copy.selected_text(screen) == "line 12\nline 13\nline 14"
