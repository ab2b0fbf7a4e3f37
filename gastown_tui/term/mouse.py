"""Mouse input for programs in a pty: reports in SGR (mode 1006) or X10 encoding.

A report is sent only when the program asked for one (``modes.mouse``): 1000 reports presses,
releases and the wheel; 1002 adds motion while a button is held; 1003 adds all motion. Programs
that did not ask get nothing, so a click never types garbage into a shell.

Coordinates are 0-based cells here and 1-based on the wire. X10 encoding cannot express columns
or rows past 223; such events are dropped, as xterm does.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["encode_mouse", "BUTTONS", "MouseKind"]

MouseKind = Literal["press", "release", "move", "scroll"]

BUTTONS = {"left": 0, "middle": 1, "right": 2, "none": 3, "wheel_up": 64, "wheel_down": 65,
           "wheel_left": 66, "wheel_right": 67}

_MOTION = 32
_SHIFT, _ALT, _CTRL = 4, 8, 16
_X10_LIMIT = 255 - 32


def encode_mouse(kind: MouseKind, button: str, x: int, y: int, *, mode: int | None,
                 sgr: bool, shift: bool = False, alt: bool = False, ctrl: bool = False) -> bytes:
    """The report for one mouse event, or ``b""`` when the program's mode does not want it.

    `kind` is ``press``, ``release``, ``move`` (motion; `button` is the held button or
    ``"none"``) or ``scroll`` (`button` is one of the ``wheel_*`` names).
    """
    if mode not in (1000, 1002, 1003):
        return b""
    try:
        code = BUTTONS[button]
    except KeyError:
        raise ValueError(f"unknown mouse button {button!r}: use one of {', '.join(BUTTONS)}")
    if kind == "move":
        if mode == 1000 or (mode == 1002 and code == 3):
            return b""
        code += _MOTION
    elif kind == "scroll":
        if code < 64:
            raise ValueError(f"scroll needs a wheel button, not {button!r}")
    elif kind == "press":
        if code == 3:
            raise ValueError("a press needs a button")
    elif kind == "release":
        if code >= 64:  # wheels have no release
            return b""
    else:
        raise ValueError(f"unknown mouse event kind {kind!r}: use press, release, move or scroll")
    code |= (_SHIFT if shift else 0) | (_ALT if alt else 0) | (_CTRL if ctrl else 0)
    x, y = max(0, int(x)) + 1, max(0, int(y)) + 1

    if sgr:
        final = "m" if kind == "release" else "M"
        return f"\x1b[<{code};{x};{y}{final}".encode()
    if kind == "release":
        # X10 cannot say which button was released.
        code = (code & ~3) | 3
    if x > _X10_LIMIT or y > _X10_LIMIT:
        return b""
    return b"\x1b[M" + bytes((32 + code, 32 + x, 32 + y))
