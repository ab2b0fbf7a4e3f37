"""G0/G1 character sets: ASCII, or DEC special graphics (line drawing) selected by `ESC ( 0`."""

from __future__ import annotations

import re

from pyte.charsets import VT100_MAP

# Only the printable range differs from ASCII; a translate table for str.translate.
_DEC_GRAPHICS = {i: VT100_MAP[i] for i in range(0x20, 0x7f) if VT100_MAP[i] != chr(i)}


def charset_table(code: str | None) -> dict[int, str] | None:
    """The str.translate table for a designated charset, or None for plain ASCII."""
    return _DEC_GRAPHICS if code == "0" else None


def unshift_acs(text: str) -> str:
    """Turn SO ... SI runs (how `tmux capture-pane -e` marks line-drawing cells) into the glyphs
    they show, so tmux captures compare with this screen's text. SGR inside is left alone."""
    def shifted(m: re.Match) -> str:
        return "".join(p if p.startswith("\x1b") else p.translate(_DEC_GRAPHICS)
                       for p in _SGR.split(m.group(1)))
    return _SHIFTED.sub(shifted, text)


_SHIFTED = re.compile(r"\x0e([^\x0f]*)\x0f?")
_SGR = re.compile(r"(\x1b\[[0-9;:]*m)")
