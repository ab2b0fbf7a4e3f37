"""Key names to the bytes xterm sends (PC style), paste and focus reports."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gastown_tui.term.keys import UnknownKey, encode_focus, encode_key, encode_paste


@pytest.mark.parametrize("key, normal, application", [
    ("up", b"\x1b[A", b"\x1bOA"),
    ("down", b"\x1b[B", b"\x1bOB"),
    ("right", b"\x1b[C", b"\x1bOC"),
    ("left", b"\x1b[D", b"\x1bOD"),
    ("home", b"\x1b[H", b"\x1bOH"),
    ("end", b"\x1b[F", b"\x1bOF"),
    # Modified cursor keys ignore DECCKM.
    ("shift+up", b"\x1b[1;2A", b"\x1b[1;2A"),
    ("ctrl+left", b"\x1b[1;5D", b"\x1b[1;5D"),
    ("alt+right", b"\x1b[1;3C", b"\x1b[1;3C"),
    ("ctrl+shift+home", b"\x1b[1;6H", b"\x1b[1;6H"),
    ("ctrl+alt+shift+end", b"\x1b[1;8F", b"\x1b[1;8F"),
])
def test_cursor_keys(key, normal, application):
    assert encode_key(key) == normal
    assert encode_key(key, application_cursor=True) == application


@pytest.mark.parametrize("key, expected", [
    ("insert", b"\x1b[2~"), ("delete", b"\x1b[3~"), ("pageup", b"\x1b[5~"),
    ("pagedown", b"\x1b[6~"), ("page_up", b"\x1b[5~"), ("pgdn", b"\x1b[6~"),
    ("shift+delete", b"\x1b[3;2~"), ("ctrl+pageup", b"\x1b[5;5~"), ("alt+insert", b"\x1b[2;3~"),
    ("f1", b"\x1bOP"), ("f2", b"\x1bOQ"), ("f3", b"\x1bOR"), ("f4", b"\x1bOS"),
    ("f5", b"\x1b[15~"), ("f6", b"\x1b[17~"), ("f7", b"\x1b[18~"), ("f8", b"\x1b[19~"),
    ("f9", b"\x1b[20~"), ("f10", b"\x1b[21~"), ("f11", b"\x1b[23~"), ("f12", b"\x1b[24~"),
    ("shift+f1", b"\x1b[1;2P"), ("ctrl+f4", b"\x1b[1;5S"), ("ctrl+shift+f5", b"\x1b[15;6~"),
    ("alt+f12", b"\x1b[24;3~"),
])
def test_editing_and_function_keys(key, expected):
    assert encode_key(key) == expected
    assert encode_key(key, application_cursor=True) == expected


@pytest.mark.parametrize("key, expected", [
    ("a", b"a"), ("A", b"A"), ("shift+a", b"A"), ("é", "é".encode()), ("世", "世".encode()),
    ("+", b"+"), ("space", b" "), ("enter", b"\r"), ("return", b"\r"), ("tab", b"\t"),
    ("shift+tab", b"\x1b[Z"), ("backspace", b"\x7f"), ("ctrl+backspace", b"\x08"),
    ("escape", b"\x1b"), ("esc", b"\x1b"),
    ("ctrl+a", b"\x01"), ("ctrl+c", b"\x03"), ("ctrl+z", b"\x1a"), ("ctrl+C", b"\x03"),
    ("ctrl+space", b"\x00"), ("ctrl+@", b"\x00"), ("ctrl+[", b"\x1b"), ("ctrl+\\", b"\x1c"),
    ("ctrl+]", b"\x1d"), ("ctrl+^", b"\x1e"), ("ctrl+_", b"\x1f"), ("ctrl+/", b"\x1f"),
    ("ctrl+2", b"\x00"), ("ctrl+8", b"\x7f"),
    ("alt+x", b"\x1bx"), ("meta+x", b"\x1bx"), ("alt+X", b"\x1bX"), ("alt+enter", b"\x1b\r"),
    ("alt+backspace", b"\x1b\x7f"), ("ctrl+alt+c", b"\x1b\x03"), ("alt+shift+tab", b"\x1b\x1b[Z"),
    ("alt++", b"\x1b+"),
])
def test_characters_and_control_keys(key, expected):
    assert encode_key(key) == expected


@pytest.mark.parametrize("key", ["", "hyper+a", "ctrl+é", "nokey", "f13", "ctrl+"])
def test_unknown_keys_are_refused(key):
    with pytest.raises(UnknownKey):
        encode_key(key)


def test_paste_is_bracketed_only_when_asked():
    assert encode_paste("ls -l\necho hi", bracketed=False) == b"ls -l\recho hi"
    assert encode_paste("a\r\nb", bracketed=True) == b"\x1b[200~a\rb\x1b[201~"


@pytest.mark.parametrize("text", [
    "before\x1b[201~rm -rf ~\n",
    "x\x1b[20\x1b[201~1~y",  # removing one marker would join a new one
    "\x1b[200~nested\x1b[201~",
])
def test_paste_cannot_end_the_bracket_early(text):
    data = encode_paste(text, bracketed=True)
    assert data.startswith(b"\x1b[200~") and data.endswith(b"\x1b[201~")
    inner = data[len(b"\x1b[200~"):-len(b"\x1b[201~")]
    assert b"\x1b[201~" not in inner and b"\x1b[200~" not in inner


def test_focus_reports_only_when_the_program_asked():
    assert encode_focus(True, focus_events=False) == b""
    assert encode_focus(True, focus_events=True) == b"\x1b[I"
    assert encode_focus(False, focus_events=True) == b"\x1b[O"


@given(st.text(max_size=30))
def test_any_key_name_encodes_or_is_refused_cleanly(name):
    try:
        data = encode_key(name)
    except UnknownKey as e:
        assert str(e) and "\n" not in str(e)
    else:
        assert isinstance(data, bytes) and data


@given(st.text(alphabet=st.sampled_from(["a", "\n", "\r", "\x1b", "[", "2", "0", "1", "~", "é"]),
               max_size=60))
def test_no_paste_can_close_its_bracket_early(text):
    data = encode_paste(text, bracketed=True)
    inner = data[len(b"\x1b[200~"):-len(b"\x1b[201~")]
    assert b"\x1b[201~" not in inner and b"\x1b[200~" not in inner
    assert b"\n" not in inner
