"""Keyboard input for programs in a pty: key names to the bytes xterm sends, paste, focus.

Key names follow Textual's spelling, so a widget can pass `event.key` straight through:
``"a"``, ``"A"``, ``"enter"``, ``"up"``, ``"ctrl+c"``, ``"alt+x"``, ``"shift+tab"``,
``"ctrl+shift+left"``, ``"f5"``, ``"pageup"`` (also ``"page_up"``, ``"pgup"``), ``"space"``.
Modifiers are ``shift``, ``alt`` (``meta`` and ``option`` are the same key), ``ctrl``. The
encoding is xterm's "PC style" with modifyOtherKeys off, which is what tmux sends too:

- cursor keys and Home/End: ``CSI A`` (normal) or ``SS3 A`` (application cursor mode, DECCKM);
  with modifiers always ``CSI 1 ; m A`` where m = 1 + shift·1 + alt·2 + ctrl·4;
- Insert/Delete/PageUp/PageDown and F5-F12: ``CSI n ~`` or ``CSI n ; m ~``;
- F1-F4: ``SS3 P..S`` or ``CSI 1 ; m P..S``;
- ctrl+letter: the C0 control; alt+anything: ESC before the key's bytes.
"""

from __future__ import annotations

__all__ = ["encode_key", "encode_paste", "encode_focus", "UnknownKey", "KEY_NAMES"]

ESC = "\x1b"
CSI = ESC + "["
SS3 = ESC + "O"

_ALIASES = {
    "page_up": "pageup", "pgup": "pageup", "prior": "pageup",
    "page_down": "pagedown", "pgdn": "pagedown", "next": "pagedown",
    "esc": "escape", "return": "enter", "del": "delete", "ins": "insert",
    "bs": "backspace", "spacebar": "space",
}

# Keys whose unmodified form depends on DECCKM, with their final letter.
_CURSOR = {"up": "A", "down": "B", "right": "C", "left": "D", "home": "H", "end": "F"}
_TILDE = {"insert": 2, "delete": 3, "pageup": 5, "pagedown": 6,
          "f5": 15, "f6": 17, "f7": 18, "f8": 19, "f9": 20, "f10": 21, "f11": 23, "f12": 24}
_SS3_FKEYS = {"f1": "P", "f2": "Q", "f3": "R", "f4": "S"}

# ctrl with a non-letter: what xterm (and tmux) send.
_CTRL_SYMBOLS = {
    "@": "\x00", "2": "\x00", "space": "\x00", " ": "\x00",
    "[": "\x1b", "3": "\x1b", "\\": "\x1c", "4": "\x1c", "]": "\x1d", "5": "\x1d",
    "^": "\x1e", "6": "\x1e", "_": "\x1f", "7": "\x1f", "/": "\x1f", "-": "\x1f",
    "8": "\x7f", "?": "\x7f",
}

_MODIFIERS = {"shift": 1, "alt": 2, "meta": 2, "option": 2, "ctrl": 4, "control": 4}

KEY_NAMES = frozenset(list(_CURSOR) + list(_TILDE) + list(_SS3_FKEYS) +
                      ["enter", "tab", "backspace", "escape", "space"])


class UnknownKey(ValueError):
    """A key name this encoder does not know."""

    user_error = True
    exit_code = 2


def _split(key: str) -> tuple[int, str]:
    """(modifier bits, base key) of a name like ``ctrl+shift+up``; a lone ``+`` is a key."""
    if len(key) == 1:
        return 0, key
    parts = key.split("+")
    base = parts.pop()
    if base == "" and parts and parts[-1] == "":  # "ctrl++"
        parts.pop()
        base = "+"
    mods = 0
    for part in parts:
        bit = _MODIFIERS.get(part.lower())
        if bit is None:
            raise UnknownKey(f"unknown modifier {part!r} in key {key!r}: use shift, alt or ctrl")
        mods |= bit
    if len(base) != 1:
        base = base.lower()
        base = _ALIASES.get(base, base)
    return mods, base


def encode_key(key: str, *, application_cursor: bool = False) -> bytes:
    """The bytes a terminal sends for `key` (a Textual-style key name, see the module doc)."""
    if not key:
        raise UnknownKey("empty key name")
    mods, base = _split(key)
    shift, alt, ctrl = mods & 1, mods & 2, mods & 4
    param = 1 + mods

    if base in _CURSOR:
        final = _CURSOR[base]
        if mods:
            return f"{CSI}1;{param}{final}".encode()
        return ((SS3 if application_cursor else CSI) + final).encode()
    if base in _TILDE:
        n = _TILDE[base]
        return (f"{CSI}{n};{param}~" if mods else f"{CSI}{n}~").encode()
    if base in _SS3_FKEYS:
        final = _SS3_FKEYS[base]
        return (f"{CSI}1;{param}{final}" if mods else SS3 + final).encode()

    prefix = ESC if alt else ""
    if base == "tab":
        if shift:
            return (prefix + CSI + "Z").encode()
        return (prefix + "\t").encode()
    if base == "enter":
        return (prefix + "\r").encode()
    if base == "escape":
        return (prefix + ESC).encode()
    if base == "backspace":
        return (prefix + ("\x08" if ctrl else "\x7f")).encode()
    if base == "space":
        base = " "
    if len(base) != 1:
        raise UnknownKey(f"unknown key {key!r}: use a character or a name like enter, up, f5, "
                        "pageup, ctrl+c")

    ch = base
    if ctrl:
        if ch.isascii() and ch.isalpha():
            ch = chr(ord(ch.lower()) & 0x1F)
        elif ch in _CTRL_SYMBOLS:
            ch = _CTRL_SYMBOLS[ch]
        else:
            raise UnknownKey(f"no control code for key {key!r}")
    elif shift and ch.isalpha():
        ch = ch.upper()
    return (prefix + ch).encode()


_PASTE_START = "\x1b[200~"
_PASTE_END = "\x1b[201~"


def encode_paste(text: str, *, bracketed: bool) -> bytes:
    """Bytes for pasting `text`: line ends become CR (as a typed Enter, like tmux and xterm);
    bracketed when the program enabled mode 2004, with any embedded start/end markers removed so
    pasted text can never end the paste early and be run as typed commands."""
    text = text.replace("\r\n", "\r").replace("\n", "\r")
    if not bracketed:
        return text.encode()
    # Removing one marker can join its neighbours into a new one, so repeat until none is left.
    while _PASTE_END in text or _PASTE_START in text:
        text = text.replace(_PASTE_END, "").replace(_PASTE_START, "")
    return (_PASTE_START + text + _PASTE_END).encode()


def encode_focus(focused: bool, *, focus_events: bool) -> bytes:
    """The focus-in/out report (mode 1004), or nothing when the program did not ask for it."""
    if not focus_events:
        return b""
    return b"\x1b[I" if focused else b"\x1b[O"
