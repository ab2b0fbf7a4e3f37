"""The VT screen: every gap REFERENCE.md lists for stock pyte, with the bytes programs send."""

from __future__ import annotations

import pytest

from gastown_tui.term.screen import CellStyle, Screen


def screen(cols: int = 20, rows: int = 5, **kw) -> Screen:
    return Screen(cols, rows, **kw)


def fed(data: bytes, cols: int = 20, rows: int = 5, **kw) -> Screen:
    s = screen(cols, rows, **kw)
    s.feed(data)
    assert s.parse_errors == 0
    return s


def replies(data: bytes, **kw) -> list[bytes]:
    got: list[bytes] = []
    fed(data, on_reply=got.append, **kw)
    return got


# ---- alternate screen ------------------------------------------------------------------------

@pytest.mark.parametrize("mode", [b"47", b"1047", b"1049"])
def test_alternate_screen_brings_the_shell_back(mode):
    s = fed(b"$ vim f\r\n" + b"\x1b[?" + mode + b"h\x1b[H\x1b[2J~\r\n~\r\n\"f\" 2L")
    assert s.modes.alternate
    assert s.text_lines()[:3] == ["~", "~", '"f" 2L']
    s.feed(b"\x1b[?" + mode + b"l")
    assert not s.modes.alternate
    assert s.text_lines()[0] == "$ vim f"
    assert all(line == "" for line in s.text_lines()[1:])


def test_1049_saves_and_restores_the_cursor():
    s = fed(b"prompt$ ")
    s.feed(b"\x1b[?1049h\x1b[4;9Hx")
    assert (s.cursor_x, s.cursor_y) == (9, 3)
    s.feed(b"\x1b[?1049l")
    assert (s.cursor_x, s.cursor_y) == (8, 0)


def test_alternate_screen_output_never_reaches_scrollback():
    s = fed(b"keep\r\n\x1b[?1049h" + b"".join(b"alt %d\r\n" % i for i in range(20)) + b"\x1b[?1049l")
    assert s.history_size == 0
    assert s.text_lines()[0] == "keep"


# ---- characters and widths -------------------------------------------------------------------

def test_zero_width_characters_are_kept_and_the_rest_is_not_dropped():
    s = fed("a\u2764\ufe0f b e\u0301 c".encode())
    assert s.text_lines()[0] == "a\u2764\ufe0f b e\u0301 c"
    assert s.cursor_x == 8


def test_zwj_sequence_takes_one_wide_cell():
    family = "\U0001F468\u200d\U0001F469\u200d\U0001F467"
    s = fed(("x" + family + "y").encode())
    assert s.text_lines()[0] == "x" + family + "y"
    assert s.cursor_x == 4
    chars, _ = s.cells(0)
    assert chars[1] == family and chars[2] == ""


def test_wide_char_appears_once_in_text_and_runs():
    s = fed("中文ab".encode())
    assert s.text_lines()[0] == "中文ab"
    runs = s.row_runs(0)
    assert "".join(t for t, _ in runs) == "中文ab" + " " * 14
    assert s.cursor_x == 6


def test_wide_char_in_last_column_wraps():
    s = fed(b"x" * 19 + "中".encode())
    assert s.text_lines()[:2] == ["x" * 19, "中"]
    assert (s.cursor_x, s.cursor_y) == (2, 1)


def test_overwriting_half_of_a_wide_char_blanks_the_other_half():
    s = fed("中文字".encode() + b"\x1b[1;2HX")
    assert s.text_lines()[0] == " X文字"


def test_dec_special_graphics_draw_boxes():
    s = fed(b"\x1b(0lqk\r\nmqj\x1b(B ok")
    assert s.text_lines()[:2] == ["┌─┐", "└─┘ ok"]


# ---- replies ---------------------------------------------------------------------------------

def test_device_attribute_and_status_replies_match_tmux():
    assert replies(b"\x1b[c") == [b"\x1b[?1;2c"]
    assert replies(b"\x1b[0c") == [b"\x1b[?1;2c"]
    assert replies(b"\x1b[>c") == [b"\x1b[>84;0;0c"]
    assert replies(b"\x1b[5n") == [b"\x1b[0n"]
    assert replies(b"ab\r\ncd\x1b[6n") == [b"\x1b[2;3R"]


def test_private_cursor_position_report_does_not_raise():
    assert replies(b"abc\x1b[?6n") == [b"\x1b[?1;4R"]


def test_decrqm_reports_synchronized_output_supported():
    assert replies(b"\x1b[?2026$p") == [b"\x1b[?2026;2$y"]
    assert replies(b"\x1b[?2026h\x1b[?2026$p") == [b"\x1b[?2026;1$y"]
    assert replies(b"\x1b[?2004h\x1b[?2004$p\x1b[?9999$p") == [b"\x1b[?2004;1$y", b"\x1b[?9999;0$y"]
    assert replies(b"\x1b[4$p") == [b"\x1b[4;2$y"]


def test_xtversion_and_colour_queries():
    assert replies(b"\x1b[>q") == [b"\x1bP>|gastown_tui 0.1.0\x1b\\"]
    assert replies(b"\x1b]10;?\x07") == [b"\x1b]10;rgb:e5e5/e5e5/e5e5\x07"]
    assert replies(b"\x1b]11;?\x1b\\") == [b"\x1b]11;rgb:0000/0000/0000\x1b\\"]


def test_window_size_report_in_characters():
    assert replies(b"\x1b[18t", cols=20, rows=5) == [b"\x1b[8;5;20t"]
    assert replies(b"\x1b[14t\x1b[22;0t\x1b[23;0t") == []


def test_no_reply_callback_means_queries_are_silently_answered_nowhere():
    s = fed(b"\x1b[c\x1b[6n\x1b[?2026$pok")
    assert s.text_lines()[0] == "ok"


# ---- SGR -------------------------------------------------------------------------------------

def style_at(s: Screen, y: int, x: int) -> CellStyle:
    return s.cells(y)[1][x]


def test_sgr_basic_and_extended_colours():
    s = fed(b"\x1b[1;31ma\x1b[0;38;5;200;48;2;1;2;3mb\x1b[0;92;104mc\x1b[0;4;7;9;3;2;5md\x1b[0me")
    assert style_at(s, 0, 0) == CellStyle(fg="ansi1", bold=True)
    assert style_at(s, 0, 1) == CellStyle(fg=200, bg="#010203")
    assert style_at(s, 0, 2) == CellStyle(fg="ansi10", bg="ansi12")
    assert style_at(s, 0, 3) == CellStyle(underline=True, reverse=True, strike=True, italic=True,
                                          dim=True, blink=True)
    assert style_at(s, 0, 4) == CellStyle()


def test_colon_sgr_and_underline_colour_print_no_garbage():
    s = fed(b"\x1b[38:2::255:0:0mR\x1b[58:5:3mU\x1b[58;2;1;2;3mV\x1b[4:3mW\x1b[4:0mX\x1b[38:5:9mY")
    assert s.text_lines()[0] == "RUVWXY"
    assert style_at(s, 0, 0).fg == "#ff0000"
    assert style_at(s, 0, 2).fg == "#ff0000"
    assert style_at(s, 0, 3).underline and not style_at(s, 0, 4).underline
    assert style_at(s, 0, 5).fg == 9


def test_underline_styles_overline_and_underline_colour_are_kept():
    s = fed(b"\x1b[4:3mc\x1b[21md\x1b[4:0mn\x1b[4mu\x1b[4:5;53mo\x1b[55;58:2::1:2:3mk"
            b"\x1b[58;5;9;4:4mp\x1b[59mq\x1b[4:9mr\x1b[24mx\x1b[0;53mz\x1b[0m")
    assert s.text_lines()[0] == "cdnuokpqrxz"
    got = [(st.underline, st.underline_style, st.overline, st.underline_color)
           for st in s.cells(0)[1][:11]]
    assert got == [(True, 3, False, None), (True, 2, False, None), (False, 0, False, None),
                   (True, 1, False, None), (True, 5, True, None), (True, 5, False, "#010203"),
                   (True, 4, False, 9), (True, 4, False, None), (True, 4, False, None),
                   (False, 0, False, None), (False, 0, True, None)]
    assert style_at(s, 0, 3) == CellStyle(underline=True)
    # Spelled the way `tmux capture-pane -e` writes them (4:n, 58;2;r;g;b, 58;5;n), except
    # overline: 53 here, where tmux 3.3a writes "5:3" (a slip in its sub-parameter output).
    line = s.ansi_lines()[0]
    assert line == (
        "\x1b[0;4:3mc\x1b[0;4:2md\x1b[0mn\x1b[0;4mu\x1b[0;4:5;53mo\x1b[0;4:5;58;2;1;2;3mk"
        "\x1b[0;4:4;58;5;9mp\x1b[0;4:4mqr\x1b[0mx\x1b[0;53mz\x1b[0m")
    # Fed back in, the SGR gives the same cells; scrolled off, scrollback keeps them.
    assert fed(line.encode()).cells(0) == s.cells(0)
    styles = [st for _, st in s.row_runs(0)][:-1]
    s.feed(b"\r\n" * 5)
    assert s.history_ansi(1) == [line]
    assert [st for _, st in s.history_runs(0)] == styles
    # An overline shows on a space: scrollback keeps overlined trailing spaces.
    s = fed(b"a\x1b[53m  \x1b[0m\r\nx", rows=1)
    assert s.history_runs(0) == [("a", CellStyle()), ("  ", CellStyle(overline=True))]


def test_private_prefix_csi_is_ignored_not_misread():
    s = fed(b"\x1b[>4;2m\x1b[?4m\x1b[<1u\x1b[=5cplain")
    assert s.text_lines()[0] == "plain"
    assert style_at(s, 0, 0) == CellStyle()


# ---- strings ---------------------------------------------------------------------------------

def test_dcs_apc_pm_sos_payloads_are_swallowed():
    s = fed(b"A\x1bPq#0;2;0;0;0#1!14~\x1b\\B\x1b_Gf=24;AAAA\x1b\\C\x1b^pm\x1b\\D\x1bXsos\x1b\\E")
    assert s.text_lines()[0] == "ABCDE"


def test_osc_title_link_and_clipboard():
    s = fed(b"\x1b]0;first\x07\x1b]2;second\x1b\\\x1b]8;id=1;https://x.example\x1b\\L\x1b]8;;\x1b\\N"
            b"\x1b]52;c;aGVsbG8=\x07")
    assert s.title == "second"
    assert style_at(s, 0, 0).link == "https://x.example"
    assert style_at(s, 0, 1).link is None
    assert s.clipboard is None
    assert s.row_runs(0)[0] == ("L", CellStyle(link="https://x.example"))
    s2 = fed(b"\x1b]52;c;aGVsbG8=\x07", allow_clipboard=True)
    assert s2.clipboard == "hello"


def test_bell_counts():
    s = fed(b"a\x07b\x07")
    assert s.bell_count == 2 and s.text_lines()[0] == "ab"


# ---- cursor and editing ----------------------------------------------------------------------

def test_csi_s_u_save_and_restore():
    s = fed(b"abc\x1b[s\x1b[4;5Hxx\x1b[uZ")
    assert s.text_lines()[0] == "abcZ"
    assert s.text_lines()[3] == "    xx"


def test_scroll_up_and_down():
    s = fed(b"r0\r\nr1\r\nr2\r\nr3\r\nr4\x1b[2S")
    assert s.text_lines() == ["r2", "r3", "r4", "", ""]
    assert s.history_text(2) == ["r0", "r1"]
    s.feed(b"\x1b[1T")
    assert s.text_lines() == ["", "r2", "r3", "r4", ""]


def test_rep_and_cbt():
    s = fed(b"a\x1b[4bZ\tT\x1b[ZB")
    assert s.text_lines()[0] == "aaaaaZ  B"
    assert s.cursor_x == 9


def test_rep_after_a_control_repeats_nothing():
    assert fed(b"a\r\n\x1b[3bX").text_lines()[:2] == ["a", "X"]


def test_insert_delete_erase_characters():
    s = fed(b"abcdef\x1b[1;2H\x1b[2@")
    assert s.text_lines()[0] == "a  bcdef"
    s.feed(b"XY\x1b[1;1H\x1b[P")
    assert s.text_lines()[0] == "XYbcdef"
    s.feed(b"\x1b[1;3H\x1b[2X")
    assert s.text_lines()[0] == "XY  def"


def test_insert_mode_pushes_text_right():
    s = fed(b"world\r\x1b[4hhello \x1b[4l")
    assert s.text_lines()[0] == "hello world"


def test_erase_in_line_and_display():
    s = fed(b"hello world\x1b[1;6H\x1b[K\r\nabcdef\x1b[2;3H\x1b[1K\r\nxyz")
    assert s.text_lines() == ["hello", "   def", "xyz", "", ""]
    s.feed(b"\x1b[2;5H\x1b[1J")
    assert s.text_lines() == ["", "     f", "xyz", "", ""]
    s.feed(b"\x1b[2;2H\x1b[J")
    assert s.text_lines() == ["", "", "", "", ""]


def test_scroll_region_and_lines():
    s = fed(b"1\r\n2\r\n3\r\n4\r\n5\x1b[2;4r\x1b[4;1H\nX\x1b[r")
    assert s.text_lines() == ["1", "3", "4", "X", "5"]
    assert s.history_size == 0


def test_insert_and_delete_lines():
    s = fed(b"1\r\n2\r\n3\r\n4\r\n5\x1b[2;1H\x1b[L\x1b[5;1H\x1b[M")
    assert s.text_lines() == ["1", "", "2", "3", ""]


def test_origin_mode():
    s = fed(b"\x1b[2;4r\x1b[?6h\x1b[1;1HO\x1b[9;1HB\x1b[?6l")
    assert s.text_lines() == ["", "O", "", "B", ""]


def test_autowrap_off_overwrites_the_last_column():
    s = fed(b"\x1b[?7l" + b"x" * 25 + b"END")
    assert s.text_lines()[0] == "x" * 19 + "D"
    assert s.cursor_y == 0


def test_tabs_and_tab_stops():
    s = fed(b"a\tb\x1b[3g\r\x1b[1;5H\x1bH\r\tT", cols=30)
    assert s.text_lines()[0] == "a   T   b"


def test_bce_erase_uses_background():
    s = fed(b"\x1b[44m\x1b[2K\x1b[0mx")
    assert style_at(s, 0, 5).bg == "ansi4"
    assert style_at(s, 0, 0) == CellStyle()


# ---- modes -----------------------------------------------------------------------------------

def test_modes_for_the_input_side():
    s = fed(b"\x1b[?1h\x1b=\x1b[?2004h\x1b[?1002h\x1b[?1006h\x1b[?1004h\x1b[?2026h\x1b[?25l")
    m = s.modes
    assert (m.application_cursor, m.application_keypad, m.bracketed_paste, m.mouse, m.mouse_sgr,
            m.focus_events, m.synchronized, m.cursor_visible) == (True, True, True, 1002, True, True,
                                                                 True, False)
    assert s.cursor_hidden
    s.feed(b"\x1b[?1l\x1b>\x1b[?2004l\x1b[?1002l\x1b[?1006l\x1b[?1004l\x1b[?2026l\x1b[?25h")
    m = s.modes
    assert (m.application_cursor, m.application_keypad, m.bracketed_paste, m.mouse, m.mouse_sgr,
            m.focus_events, m.synchronized, m.cursor_visible) == (False,) * 3 + (None,) + (False,) * 3 + (True,)


@pytest.mark.parametrize("mode", [9, 1000, 1002, 1003])
def test_mouse_modes_one_at_a_time_and_sgr_encoding_apart(mode):
    s = fed(b"\x1b[?1000h\x1b[?%dh\x1b[?1006h" % mode)
    assert (s.modes.mouse, s.modes.mouse_sgr) == (mode, True)
    s.feed(b"\x1b[?%dl" % mode)
    assert (s.modes.mouse, s.modes.mouse_sgr) == (None, True)
    got: list[bytes] = []
    s.on_reply = got.append
    s.feed(b"\x1b[?%dh\x1b[?%d$p\x1b[?1006$p\x1b[?1$p\x1b[?1004$p" % (mode, mode))
    assert got == [b"\x1b[?%d;1$y" % mode, b"\x1b[?1006;1$y", b"\x1b[?1;2$y", b"\x1b[?1004;2$y"]


def test_dirty_rows():
    s = screen()
    assert s.dirty == set(range(5))
    s.clear_dirty()
    s.feed(b"\x1b[3;1Hx")
    assert s.dirty == {2}
    s.clear_dirty()
    s.resize(10, 4)
    assert s.dirty == set(range(4))


# ---- resize ----------------------------------------------------------------------------------

def test_resize_clamps_cursor_and_moves_rows_into_scrollback():
    s = fed(b"".join(b"line %d\r\n" % i for i in range(8)) + b"$ ", rows=8)
    s.resize(20, 4)
    assert s.text_lines() == ["line 5", "line 6", "line 7", "$"]
    assert s.history_text(5) == ["line 0", "line 1", "line 2", "line 3", "line 4"]
    assert (s.cursor_x, s.cursor_y) == (2, 3)
    s.resize(5, 4)
    assert s.text_lines()[3] == "$" and s.cursor_x == 2
    s.resize(3, 2)
    assert (s.cursor_x, s.cursor_y) == (2, 1)


def test_resize_drops_blank_rows_under_the_cursor_first():
    s = fed(b"a\r\nb\x1b[1;1H", rows=8)
    s.resize(20, 4)
    assert s.text_lines() == ["a", "b", "", ""]
    assert s.history_size == 0


def test_resize_taller_pulls_rows_back_from_scrollback():
    s = fed(b"".join(b"l%d\r\n" % i for i in range(10)) + b"$", rows=4)
    s.resize(20, 6)
    assert s.text_lines() == ["l5", "l6", "l7", "l8", "l9", "$"]
    assert s.cursor_y == 5


def test_narrowing_moves_a_wide_char_that_no_longer_fits_to_the_next_row():
    s = fed("ab中".encode())
    s.resize(3, 5)
    assert s.history_text(1) == ["ab"] and s.text_lines()[0] == "中"


def test_narrowing_then_widening_reflows_without_losing_text():
    s = fed(b"0123456789" * 5 + b"\r\nshort\r\n$ ", cols=30, rows=6)
    s.resize(12, 6)
    assert s.history_text(10) + s.text_lines() == [
        "012345678901", "234567890123", "456789012345", "678901234567", "89", "short", "$", "", ""]
    assert (s.cursor_x, s.cursor_y) == (2, 3)
    s.resize(60, 6)
    assert s.text_lines()[:3] == ["0123456789" * 5, "short", "$"]
    assert s.history_size == 0 and (s.cursor_x, s.cursor_y) == (2, 2)


def test_reflow_keeps_the_cursor_on_its_character():
    s = fed(b"abcdefghijklmnopqrstuvwxyz\x1b[2;3H", cols=20, rows=4)
    assert s.cells(1)[0][2] == "w"
    s.resize(10, 4)
    chars, _ = s.cells(s.cursor_y)
    assert chars[s.cursor_x] == "w"


def test_alternate_screen_is_cut_not_reflowed_and_main_is_resized_on_leaving():
    s = fed(b"$ " + b"x" * 30 + b"\x1b[?1049h\x1b[Hvim " + b"y" * 25, cols=40, rows=4)
    s.resize(20, 4)
    assert s.text_lines()[0] == "vim " + "y" * 16
    s.feed(b"\x1b[?1049l")
    # Re-wrapped into two rows plus three blank ones: the first goes to scrollback (tmux too).
    assert s.history_text(1) == ["$ " + "x" * 18]
    assert s.text_lines() == ["x" * 12, "", "", ""] and (s.cursor_x, s.cursor_y) == (12, 0)


# ---- output helpers --------------------------------------------------------------------------

def test_ansi_lines_carry_sgr_and_end_in_default():
    s = fed(b"plain \x1b[31mred\x1b[1mbold\x1b[0m tail")
    assert s.ansi_lines()[0] == "plain \x1b[0;31mred\x1b[0;1;31mbold\x1b[0m tail"


def test_display_is_padded_like_pyte():
    s = fed("中x".encode(), cols=6, rows=1)
    assert s.display == ["中x   "]


def test_reset_keeps_scrollback():
    s = fed(b"".join(b"l%d\r\n" % i for i in range(7)) + b"\x1bc")
    assert s.text_lines() == [""] * 5
    assert s.history_size == 3


def test_ed3_clears_scrollback_and_ed2_keeps_rows_like_tmux():
    s = fed(b"".join(b"l%d\r\n" % i for i in range(7)) + b"\x1b[H\x1b[2J")
    assert s.history_text(10) == ["l0", "l1", "l2", "l3", "l4", "l5", "l6"]
    s.feed(b"\x1b[3J")
    assert s.history_size == 0


def test_cell_style_is_frozen_and_hashable():
    a = CellStyle(fg="ansi1", bold=True)
    assert a == CellStyle(fg="ansi1", bold=True) and hash(a) == hash(CellStyle(fg="ansi1", bold=True))
    assert len({a, CellStyle(fg="ansi1", bold=True), CellStyle()}) == 2
    with pytest.raises(AttributeError):
        a.bold = False  # type: ignore[misc]


def test_pyte_stream_can_drive_it_too():
    """It is a real pyte Screen subclass: pyte's own parser reaches the same screen."""
    import pyte

    data = ("hello \x1b[1;31mred\x1b[0m\r\n中文\x1b[2;8H\x1b[K\x1b[?1049h\x1b[Halt\x1b[?1049l"
            "\x1b[4hX\x1b[4l\x1b[3;1Hdone")
    ours, theirs = screen(), screen()
    ours.feed(data.encode())
    pyte.Stream(theirs).feed(data)
    assert isinstance(theirs, pyte.Screen)
    assert [theirs.cells(y) for y in range(5)] == [ours.cells(y) for y in range(5)]
    assert (theirs.cursor_x, theirs.cursor_y) == (ours.cursor_x, ours.cursor_y)
    got: list[bytes] = []
    theirs.on_reply = got.append
    pyte.Stream(theirs).feed("\x1b[c\x1b[6n")
    assert got == [b"\x1b[?1;2c", b"\x1b[3;5R"]


def test_pyte_buffer_and_cursor_read_like_stock_pyte():
    """Code written against pyte's `buffer[y][x]` and `cursor` reads the same values here, on
    input stock pyte gets right (colours by name, 256 and RGB, wide chars, moves, erases)."""
    import pyte

    data = ("a\x1b[1;31;44mb\x1b[0;3;4;7;9;5;92;48;5;200mc\x1b[0;38;2;1;2;3m中\x1b[0m\r\n"
            "line two\x1b[1;6H\x1b[K\x1b[3;4Hxyz\x1b[2D\x1b[1Pq\x1b[?25l")
    ours, stock = screen(12, 4), pyte.Screen(12, 4)
    ours.feed(data.encode())
    pyte.Stream(stock).feed(data)
    assert ours.buffer == {y: {x: stock.buffer[y][x] for x in range(12)} for y in range(4)}
    assert (ours.cursor.x, ours.cursor.y, ours.cursor.hidden) == (
        stock.cursor.x, stock.cursor.y, stock.cursor.hidden)


def test_degenerate_sizes_are_clamped_not_fatal():
    s = Screen(0, -3, history=-5)
    assert (s.columns, s.lines, s.history.limit) == (1, 1, 0)
    s.feed("ab中\r\nc".encode())
    assert s.text_lines() == ["c"] and s.history_size == 0
    s.resize(0, 0)
    assert (s.columns, s.lines) == (1, 1)
    s.resize(-4, 2)
    assert (s.columns, s.lines) == (1, 2)
    s.resize(5, 3)
    s.feed(b"xyz")
    assert s.text_lines()[s.cursor_y].endswith("xyz")
