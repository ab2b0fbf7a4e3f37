"""Cell styles: the frozen `CellStyle`, SGR parsing into it, and SGR rendering out of it.

Styles are interned: equal styles are the same object, so rows compare and group them by
identity and SGR results are cached per (style, parameter string).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, eq=False)
class CellStyle:
    """How one cell looks. Colours: None (default), "ansi0".."ansi15", "#rrggbb" or 0-255.

    `underline` is true for every underline style; `underline_style` says which one (SGR 4:n:
    1 single, 2 double, 3 curly, 4 dotted, 5 dashed; 0 when not underlined) and
    `underline_color` is SGR 58's colour (None: the text colour).
    """

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
    overline: bool = False
    underline_style: int = 0
    underline_color: str | int | None = None

    def __post_init__(self) -> None:
        if self.underline and not self.underline_style:
            # CellStyle(underline=True) means the plain single underline.
            object.__setattr__(self, "underline_style", 1)
        # The field tuple and its hash are kept: styles are compared and hashed per cell.
        key = (self.fg, self.bg, self.bold, self.dim, self.italic, self.underline, self.reverse,
               self.strike, self.blink, self.link, self.hidden, self.overline,
               self.underline_style, self.underline_color)
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "_hash", hash(key))

    def __eq__(self, other: object) -> bool:
        return self is other or (other.__class__ is CellStyle and self._key == other._key)

    def __hash__(self) -> int:
        return self._hash

    @property
    def shows_blank(self) -> bool:
        """True when a space in this style looks like an untouched cell."""
        return (self.bg is None and not self.reverse and not self.underline and not self.strike
                and not self.overline)


_by_key: dict[tuple, CellStyle] = {}
_LINK = 9


def _from_key(key: tuple) -> CellStyle:
    got = _by_key.get(key)
    if got is None:
        if len(_by_key) > 65536:
            # Hostile input can mint endless truecolor styles; the table only saves memory.
            _by_key.clear()
            _by_key[DEFAULT._key] = DEFAULT
        got = _by_key[key] = CellStyle(*key)
    return got


DEFAULT = CellStyle()
_by_key[DEFAULT._key] = DEFAULT


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


# Positions in CellStyle._key of the fields the tables below set.
_UNDERLINE, _OVERLINE, _UL_STYLE, _UL_COLOR = 5, 11, 12, 13
# Underline on in style n (SGR 4, 4:n, and 21 which tmux and xterm take as double).
_UL = {n: ((_UNDERLINE, n > 0), (_UL_STYLE, n)) for n in range(6)}
_SIMPLE = {1: ((2, True),), 2: ((3, True),), 3: ((4, True),), 4: _UL[1], 5: ((8, True),),
           6: ((8, True),), 7: ((6, True),), 8: ((10, True),), 9: ((7, True),), 21: _UL[2],
           22: ((2, False), (3, False)), 23: ((4, False),), 24: _UL[0], 25: ((8, False),),
           27: ((6, False),), 28: ((10, False),), 29: ((7, False),), 39: ((0, None),),
           49: ((1, None),), 53: ((_OVERLINE, True),), 55: ((_OVERLINE, False),),
           59: ((_UL_COLOR, None),)}
_deltas: dict[str, tuple[bool, tuple]] = {}


def _compile(text: str) -> tuple[bool, tuple]:
    """SGR parameters -> (resets first?, ((field index, value), ...)) applied in order."""
    params = parse_params(text)
    reset = False
    changes: list[tuple[int, object]] = []
    i = 0
    n = len(params)
    while i < n:
        p = params[i]
        code = p[0]
        if code == 0:
            reset = True
            changes = []
        elif code == 4 and len(p) > 1:
            # 4:n outside 0-5 is ignored, as tmux does.
            changes.extend(_UL.get(p[1], ()))
        elif code in _SIMPLE:
            changes.extend(_SIMPLE[code])
        elif 30 <= code <= 37:
            changes.append((0, "ansi%d" % (code - 30)))
        elif 40 <= code <= 47:
            changes.append((1, "ansi%d" % (code - 40)))
        elif 90 <= code <= 97:
            changes.append((0, "ansi%d" % (code - 82)))
        elif 100 <= code <= 107:
            changes.append((1, "ansi%d" % (code - 92)))
        elif code in (38, 48, 58):
            color, i = _color_from(params, i)
            if color is not None:
                changes.append(({38: 0, 48: 1}.get(code, _UL_COLOR), color))
            continue
        i += 1
    return reset, tuple(changes)


def apply_sgr(style: CellStyle, text: str) -> CellStyle:
    """Return the style after `CSI text m`. Unknown attributes are ignored, never printed."""
    delta = _deltas.get(text)
    if delta is None:
        if len(_deltas) > 8192:
            _deltas.clear()
        delta = _deltas[text] = _compile(text)
    reset, changes = delta
    if reset:
        key = list(DEFAULT._key)
        key[_LINK] = style.link
    else:
        key = list(style._key)
    for i, v in changes:
        key[i] = v
    return _from_key(tuple(key))


def with_link(style: CellStyle, link: str | None) -> CellStyle:
    if style.link == link:
        return style
    key = list(style._key)
    key[_LINK] = link
    return _from_key(tuple(key))


def blank_of(style: CellStyle) -> CellStyle:
    """The style erased cells get: the current background only (what xterm and tmux do)."""
    if style.bg is None:
        return DEFAULT
    return _from_key((None, style.bg) + DEFAULT._key[2:])


def _color_sgr(color: str | int, base: int) -> str:
    if isinstance(color, int):
        return "%d;5;%d" % (base + 8, color)
    if color.startswith("#"):
        return "%d;2;%d;%d;%d" % (base + 8, int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16))
    n = int(color[4:])
    return str(base + n) if n < 8 else str(base + 60 + n - 8)


def _underline_color_sgr(color: str | int) -> str:
    """SGR 58 in the semicolon form `capture-pane -e` writes (`58;5;n`, `58;2;r;g;b`); the
    16 named colours have no short code here, so they go as their palette index."""
    if isinstance(color, int):
        return "58;5;%d" % color
    if color.startswith("#"):
        return "58;2;%d;%d;%d" % (int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16))
    return "58;5;%d" % int(color[4:])


_sgr_cache: dict[CellStyle, str] = {}


def sgr_of(style: CellStyle) -> str:
    """The full SGR sequence that sets `style` from scratch (starting with a reset)."""
    got = _sgr_cache.get(style)
    if got is not None:
        return got
    parts = ["0"]
    for name, code in (("bold", "1"), ("dim", "2"), ("italic", "3"), ("underline", "4"),
                       ("blink", "5"), ("reverse", "7"), ("hidden", "8"), ("strike", "9"),
                       ("overline", "53")):
        if getattr(style, name):
            parts.append(code if code != "4" or style.underline_style < 2
                         else "4:%d" % style.underline_style)
    if style.fg is not None:
        parts.append(_color_sgr(style.fg, 30))
    if style.bg is not None:
        parts.append(_color_sgr(style.bg, 40))
    if style.underline_color is not None:
        parts.append(_underline_color_sgr(style.underline_color))
    got = "\x1b[" + ";".join(parts) + "m"
    if len(_sgr_cache) > 4096:
        _sgr_cache.clear()
    _sgr_cache[style] = got
    return got


def style_key(style: CellStyle) -> tuple:
    """The style's fields as a tuple of plain values (what crosses a socket)."""
    return style._key


def style_from_key(key: tuple | list) -> CellStyle:
    """The interned style with these fields (`style_key`'s inverse); a malformed key gives the
    default style rather than an error, as a bad SGR does."""
    key = tuple(key)
    if len(key) != len(DEFAULT._key):
        return DEFAULT
    try:
        return _from_key(key)
    except TypeError:  # an unhashable field
        return DEFAULT


def _looks(style: CellStyle) -> tuple:
    k = style._key
    return k[:_LINK] + k[_LINK + 1:]


def ansi_of_runs(runs: list[tuple[str, CellStyle]]) -> str:
    """Runs as one string with SGR (and OSC 8 for links) inline, ending in the default style."""
    out = []
    cur = DEFAULT
    for text, style in runs:
        if style is not cur:
            if style.link != cur.link:
                out.append("\x1b]8;;%s\x1b\\" % (style.link or ""))
            if _looks(style) != _looks(cur):
                out.append(sgr_of(style))
            cur = style
        out.append(text)
    if cur.link:
        out.append("\x1b]8;;\x1b\\")
    if _looks(cur) != _looks(DEFAULT):
        out.append("\x1b[0m")
    return "".join(out)


__all__ = ["CellStyle", "DEFAULT", "apply_sgr", "blank_of", "sgr_of", "ansi_of_runs",
           "with_link", "style_key", "style_from_key"]
