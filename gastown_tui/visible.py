"""Stored text made safe to show: control and invisible format characters become visible marks.

Agents write titles, descriptions, mail and labels; people read them in a terminal, the app and
the dashboard. An escape sequence kept in a title (`ESC ] 52 ; c ; ... BEL` writes the reader's
clipboard, `ESC ] 8` makes a link, `CSI 2 J` clears the screen, a C1 `U+009B` is a CSI by
itself) or a bidi override that makes a title read backwards must reach the reader as marks,
never as what they do. Every renderer of stored text calls `visible`; this module sits at the
top of the package, outside the layers, so the ledger, the town, the host, the commands and
the widgets can all import it (it imports nothing of ours).

The marks, one convention everywhere (`cat -v` and `less` for C0):
- C0 controls and DEL in caret notation: ESC `^[`, BEL `^G`, NUL `^@`, CR `^M`, DEL `^?`;
- every other character shown: `<U+XXXX>`, for C1 controls (U+0080-U+009F), Unicode format
  characters (bidi embeddings, overrides and isolates, zero-width space, word joiner, BOM, tag
  characters ...), line and paragraph separators, and lone surrogates (undecodable bytes).
Zero-width joiner and non-joiner stay: emoji sequences and Indic and Persian words need them.
Every character marked is one Python calls unprintable, so `str.isprintable` (in C, ~10 times
faster than any regular expression) tells plain text, which is returned as it is.
"""

from __future__ import annotations

import re

# Format characters (Unicode category Cf) but ZWNJ/ZWJ, line and paragraph separators and
# lone surrogates. A test checks this covers every Cf character the running Python knows; the
# Egyptian hieroglyph controls are taken up to U+1343F, the range Unicode 15 fills.
_FORMAT = ("\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
           "\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
           "\ufff9-\ufffb\ud800-\udfff\U000110bd\U000110cd\U00013430-\U0001343f"
           "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f")

# Patterns as text: `re` compiles them on first use (and keeps them), so the many processes
# that show only plain text never pay for compiling these large classes.
_LINE = f"[\x00-\x1f\x7f-\x9f{_FORMAT}]"
_BLOCK = f"\r\n|[\x00-\x08\x0b-\x1f\x7f-\x9f{_FORMAT}]"
# In JSON text the C0 controls are already escaped by every encoder (`\n`, `\u001b`), and the
# only raw ones are the layout's newlines and spaces.
_JSON = f"[\x7f-\x9f{_FORMAT}]"

_CARET = {chr(c): "^" + chr(c + 0x40) for c in range(0x20)}
_CARET["\x7f"] = "^?"
_CARET["\r\n"] = "\n"


# The ASCII controls (C0 and DEL); and those a text of several lines marks (all but tab and
# newline). Deleting them from a text's bytes (`bytes.translate`, in C) and comparing lengths
# tells plain ASCII twice as fast as `str.isprintable`, which looks each character up.
_C0 = bytes([*range(0x20), 0x7F])
_C0_IN_LINES = bytes(c for c in _C0 if c not in b"\t\n")


def printable_ascii(text: str) -> bool:
    """Whether `text` is ASCII without a control character: what `visible` returns as it is,
    and what a table measures by len()."""
    if not text.isascii():
        return False
    data = text.encode("ascii")
    return len(data.translate(None, _C0)) == len(data)


def _mark(match: re.Match[str]) -> str:
    ch = match.group()
    return _CARET.get(ch) or f"<U+{ord(ch):04X}>"


def visible(text: str, *, lines: bool = False) -> str:
    """`text` as it may be shown: every control and invisible format character as a visible
    mark (see the module). A one-line field (a title, a subject, a label) shows its newlines
    and tabs too (`^J`, `^I`), so a table keeps one row per record; with `lines=True` (a mail
    body, a description) newlines and tabs stay, and CRLF is a newline. Plain text, by far the
    most common, is returned as it is, without a copy."""
    if text.isprintable():
        return text
    if lines:
        # (a whole result's text: many times faster than the search below)
        if text.isascii():
            data = text.encode("ascii")
            if len(data.translate(None, _C0_IN_LINES)) == len(data):
                return text
        elif all(map(str.isprintable, text.split("\n"))):
            return text
    pattern = _BLOCK if lines else _LINE
    if re.search(pattern, text) is None:
        return text
    return re.sub(pattern, _mark, text)


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xd800 + (code >> 10):04x}\\u{0xdc00 + (code & 0x3ff):04x}"


def visible_json(text: str) -> str:
    """JSON text with the characters `visible` marks written as `\\uXXXX` escapes: the same
    JSON (a parser reads back the exact strings) whose bytes carry no C1 control or bidi
    override to the terminal it is printed on. Encoders escape C0 controls already, but not
    these."""
    if text.isascii() and "\x7f" not in text:
        return text
    # Only JSON's own newlines are unprintable in JSON text with nothing to escape.
    if all(map(str.isprintable, text.split("\n"))) or re.search(_JSON, text) is None:
        return text
    return re.sub(_JSON, _json_escape, text)
