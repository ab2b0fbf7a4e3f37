"""Telling the person at a terminal that something wants them, while that terminal may be
behind other windows: the escape sequences terminal emulators turn into desktop notifications,
and the bell that every terminal has.

- OSC 9 (`ESC ] 9 ; text BEL`): iTerm2, Windows Terminal, WezTerm, kitty, ghostty.
- OSC 777 (`ESC ] 777 ; notify ; title ; body BEL`): foot, urxvt, ghostty, WezTerm.
- BEL: everyone (a bell, a flash, an urgency hint, as the terminal is set up).

Inside tmux an OSC reaches the outer terminal only through tmux's passthrough (`ESC P tmux;
... ESC \\`, every ESC in it doubled), which tmux 3.3 and later drop while `allow-passthrough`
is off (their default); then the bell is used (tmux passes bells on itself).
"""

from __future__ import annotations

import re
import subprocess
from typing import Mapping

__all__ = ["METHODS", "sequence", "choose", "in_tmux"]

METHODS = ("auto", "osc9", "osc777", "bell", "off")
BEL = "\x07"
# What may not go inside an OSC string: controls end or garble it; OSC 777 splits on ';'.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MAX_CHARS = 240

# Terminals (by TERM_PROGRAM, TERM or the name tmux reports for its client) and what they show.
_OSC9 = ("iterm", "wezterm", "ghostty", "kitty", "windows terminal", "warp")
_OSC777 = ("foot", "rxvt", "urxvt")


def _clean(text: str) -> str:
    text = _UNSAFE.sub(" ", text).strip()
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS - 1] + "…"


def sequence(method: str, title: str, body: str, tmux: bool = False) -> str:
    """The bytes (as text) that make the terminal notify; "" for `off`."""
    if method == "osc9":
        seq = f"\x1b]9;{_clean(f'{title}: {body}')}{BEL}"
    elif method == "osc777":
        seq = f"\x1b]777;notify;{_clean(title).replace(';', ',')};{_clean(body)}{BEL}"
    elif method == "bell":
        return BEL
    else:
        return ""
    if tmux:
        seq = "\x1bPtmux;" + seq.replace("\x1b", "\x1b\x1b") + "\x1b\\"
    return seq


def in_tmux(environ: Mapping[str, str]) -> bool:
    return bool(environ.get("TMUX"))


def _by_name(name: str) -> str | None:
    name = name.lower()
    if any(word in name for word in _OSC9):
        return "osc9"
    if any(name.startswith(word) or f" {word}" in name for word in _OSC777):
        return "osc777"
    return None


def choose(environ: Mapping[str, str], setting: str = "auto") -> tuple[str, bool]:
    """(method, wrap for tmux) for the terminal this process writes to. `setting` is the
    town's `notify_terminal`; `auto` tells the terminal by what it says of itself, and falls
    back to the bell. May ask tmux (two short commands): call it off the UI's thread."""
    tmux = in_tmux(environ)
    if setting == "off":
        return "off", False
    method = setting if setting in ("osc9", "osc777", "bell") else None
    if method is None:
        names = [environ.get("TERM_PROGRAM", ""), environ.get("LC_TERMINAL", ""),
                 environ.get("TERM", "")]
        if environ.get("WT_SESSION"):
            names.append("windows terminal")
        if environ.get("KITTY_WINDOW_ID"):
            names.append("kitty")
        if tmux:
            names += _tmux(environ, "display-message", "-p",
                           "#{client_termname}\n#{client_termtype}").splitlines()
        method = next((m for m in map(_by_name, names) if m), "bell")
    if tmux and method != "bell":
        # Before tmux 3.3 there is no such option (nothing printed) and passthrough works.
        if _tmux(environ, "show-options", "-gv", "allow-passthrough").strip() == "off":
            return "bell", False
        return method, True
    return method, False


def _tmux(environ: Mapping[str, str], *args: str) -> str:
    try:
        return subprocess.run(["tmux", *args], capture_output=True, text=True, timeout=2,
                              env=dict(environ), stdin=subprocess.DEVNULL).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
