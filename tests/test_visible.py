"""`visible`: stored text shown with its controls and invisible characters as marks."""

import json
import sys
import unicodedata

import pytest

from gastown_tui.visible import printable_ascii, visible, visible_json
from hostile_text import CATALOGUE, JOINERS, SHOWN, unsafe_chars


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_catalogue_shows_as_marks(name):
    text = CATALOGUE[name]
    shown = visible(text)
    assert shown == SHOWN[name]
    assert unsafe_chars(shown, keep="") == []
    assert visible(shown) == shown                     # marks are plain text: shown once


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_json_keeps_the_exact_text_in_safe_bytes(name):
    for encoded in (json.dumps({"t": CATALOGUE[name]}, ensure_ascii=False),
                    json.dumps({"t": CATALOGUE[name]}, ensure_ascii=False, indent=2)):
        safe = visible_json(encoded)
        assert json.loads(safe)["t"] == CATALOGUE[name]
        assert unsafe_chars(safe) == []


def test_plain_text_is_the_same_object():
    for text in ("Fix the parser", "", "Réparer l’analyseur — 修复 👨\u200d👩\u200d👧",
                 "क्‍ष", "می\u200cخواهم"):
        assert visible(text) is text
        assert visible(text, lines=True) is text
    body = "line one\n\tindented\nline three"
    assert visible(body, lines=True) is body
    document = json.dumps([{"title": "Réparer", "n": 1}], ensure_ascii=False, indent=2)
    assert visible_json(document) is document


def test_bodies_keep_newlines_and_tabs_and_lose_other_controls():
    body = "Dear overseer,\r\n\tall done.\x1b]52;c;eA==\x07\nbye\rEVIL\x9b"
    assert visible(body, lines=True) == \
        "Dear overseer,\n\tall done.^[]52;c;eA==^G\nbye^MEVIL<U+009B>"
    assert visible(body) == \
        "Dear overseer,^M^J^Iall done.^[]52;c;eA==^G^Jbye^MEVIL<U+009B>"


def test_a_long_ascii_text_is_checked_whole_for_every_control():
    """Long ASCII text (a table of thousands of beads) is told plain by its bytes: a single
    control anywhere in it is still marked, with tabs and newlines kept in lines mode."""
    rows = "".join(f"tt-{n}  P1  open  task  -  Bead {n}\n" for n in range(3000))
    assert visible(rows, lines=True) is rows and printable_ascii(rows.replace("\n", " "))
    for code in [*range(0x20), 0x7f]:
        char = chr(code)
        text = rows + f"tail {char} end" + rows
        shown = visible(text, lines=True)
        assert (shown is text) == (char in "\t\n"), hex(code)
        assert printable_ascii(text.replace("\n", " ")) is (char == "\n")
        if char not in "\t\n":
            assert "tail ^" in shown and shown.count("\n") == text.count("\n")
    assert printable_ascii("") and not printable_ascii("café") and not printable_ascii("a\tb")


def test_every_c0_c1_and_del_has_a_mark():
    for code in [*range(0x20), *range(0x7f, 0xa0)]:
        shown = visible(f"a{chr(code)}b")
        assert shown != f"a{chr(code)}b" and unsafe_chars(shown, keep="") == []


def test_every_format_character_this_python_knows_is_marked():
    """The format characters are listed by hand (a scan of Unicode at start-up would cost
    every `bd` ~150 ms); this finds any the list misses in the running Python's Unicode."""
    missed = [f"U+{cp:04X}" for cp in range(sys.maxunicode + 1)
              if unicodedata.category(chr(cp)) in ("Cf", "Zl", "Zp", "Cs")
              and chr(cp) not in JOINERS and visible(chr(cp)) == chr(cp)]
    assert missed == []


def test_undecodable_bytes_show_instead_of_failing_to_print():
    # What Python makes of invalid UTF-8 in argv: lone surrogates, which no encoder prints.
    text = b"caf\xe9 \xff".decode("utf-8", "surrogateescape")
    assert visible(text) == "caf<U+DCE9> <U+DCFF>"
    visible(text).encode("utf-8")
    assert json.loads(visible_json(json.dumps(text, ensure_ascii=False))) == text
    visible_json(json.dumps(text, ensure_ascii=False)).encode("utf-8")
