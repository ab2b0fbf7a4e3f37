"""Mouse reports: SGR (1006) and X10 encodings, only in the modes a program asked for."""

from __future__ import annotations

import pytest

from gastown_tui.term.mouse import encode_mouse


def sgr(kind, button, x, y, mode=1000, **mods):
    return encode_mouse(kind, button, x, y, mode=mode, sgr=True, **mods)


def x10(kind, button, x, y, mode=1000, **mods):
    return encode_mouse(kind, button, x, y, mode=mode, sgr=False, **mods)


def test_nothing_is_sent_unless_the_program_asked():
    for kind, button in [("press", "left"), ("release", "left"), ("move", "none"),
                         ("scroll", "wheel_up")]:
        assert encode_mouse(kind, button, 3, 4, mode=None, sgr=True) == b""
        assert encode_mouse(kind, button, 3, 4, mode=None, sgr=False) == b""


def test_sgr_press_release_and_wheel():
    assert sgr("press", "left", 0, 0) == b"\x1b[<0;1;1M"
    assert sgr("release", "left", 0, 0) == b"\x1b[<0;1;1m"
    assert sgr("press", "middle", 9, 4) == b"\x1b[<1;10;5M"
    assert sgr("press", "right", 79, 23) == b"\x1b[<2;80;24M"
    assert sgr("release", "right", 79, 23) == b"\x1b[<2;80;24m"
    assert sgr("scroll", "wheel_up", 5, 5) == b"\x1b[<64;6;6M"
    assert sgr("scroll", "wheel_down", 5, 5) == b"\x1b[<65;6;6M"
    # Columns past 223 are fine in SGR.
    assert sgr("press", "left", 299, 0) == b"\x1b[<0;300;1M"


def test_modifiers():
    assert sgr("press", "left", 0, 0, shift=True) == b"\x1b[<4;1;1M"
    assert sgr("press", "left", 0, 0, alt=True) == b"\x1b[<8;1;1M"
    assert sgr("press", "left", 0, 0, ctrl=True) == b"\x1b[<16;1;1M"
    assert sgr("scroll", "wheel_up", 0, 0, ctrl=True, shift=True) == b"\x1b[<84;1;1M"


def test_x10_encoding():
    assert x10("press", "left", 0, 0) == b"\x1b[M !!"
    assert x10("press", "right", 9, 4) == b"\x1b[M\x22\x2a\x25"
    # X10 cannot say which button was released.
    assert x10("release", "right", 9, 4) == b"\x1b[M\x23\x2a\x25"
    assert x10("scroll", "wheel_down", 0, 0) == b"\x1b[M\x61!!"
    assert x10("press", "left", 222, 222) == b"\x1b[M\x20\xff\xff"
    assert x10("press", "left", 223, 0) == b""


def test_motion_depends_on_the_mode():
    assert sgr("move", "left", 1, 1, mode=1000) == b""
    assert sgr("move", "none", 1, 1, mode=1002) == b""
    assert sgr("move", "left", 1, 1, mode=1002) == b"\x1b[<32;2;2M"
    assert sgr("move", "none", 1, 1, mode=1003) == b"\x1b[<35;2;2M"
    assert x10("move", "left", 1, 1, mode=1003) == b"\x1b[M\x40\x22\x22"


def test_wheels_have_no_release():
    assert sgr("release", "wheel_up", 0, 0) == b""


@pytest.mark.parametrize("kind, button", [("press", "thumb"), ("fly", "left"),
                                          ("scroll", "left"), ("press", "none")])
def test_bad_events_are_refused(kind, button):
    with pytest.raises(ValueError):
        sgr(kind, button, 0, 0)
