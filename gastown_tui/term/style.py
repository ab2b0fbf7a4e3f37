"""Cell styles: the frozen `CellStyle`, SGR parsing into it, and SGR rendering out of it.

Styles are interned: equal styles are the same object, so rows compare and group them by
identity and SGR results are cached per (style, parameter string).
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class CellStyle:
    """How one cell looks. Colours: None (default), "ansi0".."ansi15", "#rrggbb" or 0-255."""

    fg: str | int | None = None
    bg: str | int | None = None
    bold: bool = False
    dim: bool = False
    italic: bool = False
    underline: bool = False
    reverse: bool = False
    strike: bool = False
    blink: bool = False
    link: str | None = None
    hidden: bool = False

    @property
    def shows_blank(self) -> bool:
        """True when a space in this style looks like an untouched cell."""
        return self.bg is None and not self.reverse and not self.underline and not self.strike


_interned: dict[CellStyle, CellStyle] = {}


def intern(style: CellStyle) -> CellStyle:
    got = _interned.get(style)
    if got is None:
        if len(_interned) > 65536:
            # Hostile input can mint endless truecolor styles; the table only saves memory.
            _interned.clear()
            _interned[DEFAULT] = DEFAULT
        got = _interned[style] = style
    return got


DEFAULT = CellStyle()
_interned[DEFAULT] = DEFAULT

def _color_from(params: list[list[int]], i: int) -> tuple[str | int | None, int]:
    """Read an extended colour (38/48/58) starting at params[i]; return (colour, next index).

    Handles both `38;5;n` / `38;2;r;g;b` and the colon forms `38:5:n`, `38:2::r:g:b`.
    """
    head = params[i]
    if len(head) > 1:
        sub = head[1:]
        kind = sub[0]
        if kind == 5 and len(sub) >= 2:
            return sub[1] & 255, i + 1
        if kind == 2:
            rgb = sub[1:]
            if len(rgb) >= 4:
                rgb = rgb[1:4]
            if len(rgb) >= 3:
                return "#%02x%02x%02x" % (rgb[0] & 255, rgb[1] & 255, rgb[2] & 255), i + 1
        return None, i + 1
    if i + 1 < len(params):
        kind = params[i + 1][0]
        if kind == 5 and i + 2 < len(params):
            return params[i + 2][0] & 255, i + 3
        if kind == 2 and i + 4 < len(params):
            r, g, b = params[i + 2][0], params[i + 3][0], params[i + 4][0]
            return "#%02x%02x%02x" % (r & 255, g & 255, b & 255), i + 5
    return None, len(params)


def parse_params(text: str) -> list[list[int]]:
    """`"1;38:2::1:2:3"` -> [[1], [38, 2, 0, 1, 2, 3]]; empty fields are 0; huge numbers clamp."""
    out = []
    for part in text.split(";"):
        sub = []
        for p in part.split(":"):
            if p.isdigit():
                sub.append(min(int(p[-6:]) if len(p) > 6 else int(p), 65535))
            else:
                sub.append(0)
        out.append(sub)
    return out


def apply_sgr(style: CellStyle, text: str) -> CellStyle:
    """Return the style after `CSI text m`. Unknown attributes are ignored, never printed."""
    params = parse_params(text)
    changes: dict = {}
    cur = style
    i = 0
    n = len(params)
    while i < n:
        p = params[i]
        code = p[0]
        if code == 0:
            cur = CellStyle(link=cur.link)
            changes = {}
        elif code == 1:
            changes["bold"] = True
        elif code == 2:
            changes["dim"] = True
        elif code == 3:
            changes["italic"] = True
        elif code == 4:
            changes["underline"] = not (len(p) > 1 and p[1] == 0)
        elif code in (5, 6):
            changes["blink"] = True
        elif code == 7:
            changes["reverse"] = True
        elif code == 8:
            changes["hidden"] = True
        elif code == 9:
            changes["strike"] = True
        elif code == 21:
            changes["underline"] = True
        elif code == 22:
            changes["bold"] = changes["dim"] = False
        elif code == 23:
            changes["italic"] = False
        elif code == 24:
            changes["underline"] = False
        elif code == 25:
            changes["blink"] = False
        elif code == 27:
            changes["reverse"] = False
        elif code == 28:
            changes["hidden"] = False
        elif code == 29:
            changes["strike"] = False
        elif 30 <= code <= 37:
            changes["fg"] = "ansi%d" % (code - 30)
        elif code == 39:
            changes["fg"] = None
        elif 40 <= code <= 47:
            changes["bg"] = "ansi%d" % (code - 40)
        elif code == 49:
            changes["bg"] = None
        elif 90 <= code <= 97:
            changes["fg"] = "ansi%d" % (code - 82)
        elif 100 <= code <= 107:
            changes["bg"] = "ansi%d" % (code - 92)
        elif code in (38, 48, 58):
            color, nxt = _color_from(params, i)
            # 58 (underline colour) is parsed only so its arguments are not misread.
            if code != 58 and color is not None:
                changes["fg" if code == 38 else "bg"] = color
            i = nxt
            continue
        i += 1
    if changes:
        cur = replace(cur, **changes)
    return intern(cur)


def with_link(style: CellStyle, link: str | None) -> CellStyle:
    return intern(replace(style, link=link)) if style.link != link else style


def blank_of(style: CellStyle) -> CellStyle:
    """The style erased cells get: the current background only (what xterm and tmux do)."""
    if style.bg is None:
        return DEFAULT
    return intern(CellStyle(bg=style.bg))


def _color_sgr(color: str | int, base: int) -> str:
    if isinstance(color, int):
        return "%d;5;%d" % (base + 8, color)
    if color.startswith("#"):
        return "%d;2;%d;%d;%d" % (base + 8, int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16))
    n = int(color[4:])
    return str(base + n) if n < 8 else str(base + 60 + n - 8)


_sgr_cache: dict[CellStyle, str] = {}


def sgr_of(style: CellStyle) -> str:
    """The full SGR sequence that sets `style` from scratch (starting with a reset)."""
    got = _sgr_cache.get(style)
    if got is not None:
        return got
    parts = ["0"]
    for name, code in (("bold", 1), ("dim", 2), ("italic", 3), ("underline", 4), ("blink", 5),
                       ("reverse", 7), ("hidden", 8), ("strike", 9)):
        if getattr(style, name):
            parts.append(str(code))
    if style.fg is not None:
        parts.append(_color_sgr(style.fg, 30))
    if style.bg is not None:
        parts.append(_color_sgr(style.bg, 40))
    got = "\x1b[" + ";".join(parts) + "m"
    if len(_sgr_cache) > 4096:
        _sgr_cache.clear()
    _sgr_cache[style] = got
    return got


def ansi_of_runs(runs: list[tuple[str, CellStyle]]) -> str:
    """Runs as one string with SGR (and OSC 8 for links) inline, ending in the default style."""
    out = []
    cur = DEFAULT
    for text, style in runs:
        if style is not cur:
            if style.link != cur.link:
                out.append("\x1b]8;;%s\x1b\\" % (style.link or ""))
            if replace(style, link=None) != replace(cur, link=None):
                out.append(sgr_of(style))
            cur = style
        out.append(text)
    if cur.link:
        out.append("\x1b]8;;\x1b\\")
    if replace(cur, link=None) != DEFAULT:
        out.append("\x1b[0m")
    return "".join(out)


__all__ = ["CellStyle", "DEFAULT", "apply_sgr", "blank_of", "intern", "sgr_of", "ansi_of_runs",
           "with_link"]
