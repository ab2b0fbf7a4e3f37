"""G0/G1 character sets: ASCII, or DEC special graphics (line drawing) selected by `ESC ( 0`."""

from __future__ import annotations

from pyte.charsets import VT100_MAP

# Only the printable range differs from ASCII; a translate table for str.translate.
_DEC_GRAPHICS = {i: VT100_MAP[i] for i in range(0x20, 0x7f) if VT100_MAP[i] != chr(i)}


def charset_table(code: str | None) -> dict[int, str] | None:
    """The str.translate table for a designated charset, or None for plain ASCII."""
    return _DEC_GRAPHICS if code == "0" else None
