"""Textual key events to the bytes a terminal program expects.

`term.keys.encode_key` speaks Textual's key names for named keys and modifiers; printable
characters are sent as typed (Textual names "!" `exclamation_mark`), and symbol names under a
modifier ("ctrl+underscore") are turned back into their character first.
"""

from __future__ import annotations

from typing import Any

from textual.keys import REPLACED_KEYS, key_to_character

from ...term.keys import UnknownKey, encode_key


def key_bytes(key: str, character: str | None, modes: Any) -> bytes:
    mods, plus, base = key.rpartition("+")
    app_cursor = bool(getattr(modes, "application_cursor", False))
    if not plus and character and character.isprintable() and key not in ("space",):
        return character.encode()
    try:
        return encode_key(key, application_cursor=app_cursor)
    except UnknownKey:
        pass
    if len(base) > 1:
        char = key_to_character(REPLACED_KEYS.get(base, base))
        if char is not None:
            try:
                return encode_key(f"{mods}+{char}" if plus else char,
                                  application_cursor=app_cursor)
            except UnknownKey:
                pass
    if character and character.isprintable():
        return character.encode()
    # A key xterm has no encoding for (e.g. ctrl+shift+f13) types nothing, as in xterm.
    return character.encode() if character else b""
