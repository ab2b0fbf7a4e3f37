"""Hostile stored text: what an agent could put in a title, label, mail subject or body to act
on the terminal of the person who reads it, to disguise what it says, or to break a widget.
Shared by the tests of every place that shows stored text (loaded by tests/conftest.py)."""

from __future__ import annotations

import unicodedata

# name -> text. Each is one whole title; the names say what a terminal would do with it.
CATALOGUE = {
    "osc52-clipboard": "\x1b]52;c;cHduZWQ=\x07clip",
    "osc52-st": "\x1b]52;p;cHduZWQ=\x1b\\clip2",
    "osc8-hyperlink": "\x1b]8;;https://evil.example/\x1b\\innocent link\x1b]8;;\x1b\\",
    "osc0-title": "\x1b]0;window title\x07osc0",
    "osc2-title": "\x1b]2;window title\x1b\\osc2",
    "csi-2j-clear": "\x1b[2J\x1b[Hcleared",
    "csi-private-modes": "\x1b[?1049h\x1b[?25l\x1b[?1000halt screen",
    "csi-sgr-hide": "shown\x1b[8mhidden\x1b[0m",
    "c1-csi": "\x9b2J c1 csi",
    "c1-osc": "\x9d52;c;cHduZWQ=\x9c c1 osc",
    "c1-all": "c1:" + "".join(chr(c) for c in range(0x80, 0xa0)),
    "bidi-override": "invoice\u202eexe.txt\u202c",
    "bidi-all": "bidi:" + "".join(map(chr, [*range(0x202a, 0x202f), *range(0x2066, 0x206a)])),
    "invisible-format": "zero\u200bwidth\u2060joiner\ufeffbom\u200emark\U000e0041tag",
    "nul": "nul\x00byte",
    "del": "del\x7fchar",
    "lone-esc": "lone\x1besc",
    "bel": "bell\x07\x07",
    "backspace": "secret\x08\x08\x08\x08\x08\x08public",
    "carriage-return": "harmless\rEVIL",
    "newline-tab": "two\nlines\tand a tab",
    "rich-markup": "[bold red]x[/] [/] [link=https://evil.example]y[/link] [@click=app.quit]q[/]",
    "markup-backslash": "ends in a backslash\\",
    "markup-variable": "$accent $text-muted [$error]e[/]",
}

# What people see: the marks `gastown_tui.visible.visible` makes, written out by hand.
SHOWN = {
    "osc52-clipboard": "^[]52;c;cHduZWQ=^Gclip",
    "osc52-st": "^[]52;p;cHduZWQ=^[\\clip2",
    "osc8-hyperlink": "^[]8;;https://evil.example/^[\\innocent link^[]8;;^[\\",
    "osc0-title": "^[]0;window title^Gosc0",
    "osc2-title": "^[]2;window title^[\\osc2",
    "csi-2j-clear": "^[[2J^[[Hcleared",
    "csi-private-modes": "^[[?1049h^[[?25l^[[?1000halt screen",
    "csi-sgr-hide": "shown^[[8mhidden^[[0m",
    "c1-csi": "<U+009B>2J c1 csi",
    "c1-osc": "<U+009D>52;c;cHduZWQ=<U+009C> c1 osc",
    "c1-all": "c1:" + "".join(f"<U+{c:04X}>" for c in range(0x80, 0xa0)),
    "bidi-override": "invoice<U+202E>exe.txt<U+202C>",
    "bidi-all": "bidi:<U+202A><U+202B><U+202C><U+202D><U+202E><U+2066><U+2067><U+2068><U+2069>",
    "invisible-format": "zero<U+200B>width<U+2060>joiner<U+FEFF>bom<U+200E>mark<U+E0041>tag",
    "nul": "nul^@byte",
    "del": "del^?char",
    "lone-esc": "lone^[esc",
    "bel": "bell^G^G",
    "backspace": "secret^H^H^H^H^H^Hpublic",
    "carriage-return": "harmless^MEVIL",
    "newline-tab": "two^Jlines^Iand a tab",
    "rich-markup": CATALOGUE["rich-markup"],
    "markup-backslash": CATALOGUE["markup-backslash"],
    "markup-variable": CATALOGUE["markup-variable"],
}

# Characters that stay as they are: emoji sequences and Indic and Persian words need them.
JOINERS = {"\u200c", "\u200d"}


def unsafe_chars(text: str, keep: str = "\n") -> list[str]:
    """The characters of `text` a terminal would act on or that hide text: controls (but those
    in `keep`), C1, format characters, separators and lone surrogates."""
    return sorted({c for c in text if c not in keep and c not in JOINERS and
                   unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs")})


def assert_safe(text: str, keep: str = "\n", where: str = "") -> None:
    bad = unsafe_chars(text, keep)
    assert not bad, f"{where}: shows {[f'U+{ord(c):04X}' for c in bad]} raw"
