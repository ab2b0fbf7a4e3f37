"""Textual key events to terminal bytes (through term.keys)."""

from __future__ import annotations

import pytest

from gastown_tui.term.screen import ScreenModes
from gastown_tui.ui.widgets.keyinput import key_bytes


@pytest.mark.parametrize("key, char, data", [
    ("a", "a", b"a"),
    ("A", "A", b"A"),
    ("exclamation_mark", "!", b"!"),
    ("space", " ", b" "),
    ("enter", "\r", b"\r"),
    ("tab", "\t", b"\t"),
    ("shift+tab", None, b"\x1b[Z"),
    ("escape", "\x1b", b"\x1b"),
    ("ctrl+c", "\x03", b"\x03"),
    ("ctrl+p", "\x10", b"\x10"),
    ("ctrl+underscore", None, b"\x1f"),
    ("up", None, b"\x1b[A"),
    ("ctrl+left", None, b"\x1b[1;5D"),
    ("f5", None, b"\x1b[15~"),
    ("é", "é", "é".encode()),
])
def test_keys(key, char, data):
    assert key_bytes(key, char, ScreenModes()) == data


def test_application_cursor_mode():
    modes = ScreenModes()
    modes.application_cursor = True
    assert key_bytes("up", None, modes) == b"\x1bOA"
