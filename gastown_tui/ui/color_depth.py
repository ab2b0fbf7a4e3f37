"""Colours for a terminal with 256 or 16 colours: every truecolour the app draws (its theme, and
what programs in the panes ask for: the panes tell them the terminal has truecolour) becomes
the nearest colour that terminal has, by how different the two look.

Rich's own downgrade (which Textual uses) rounds each channel to the 6x6x6 cube and sends
anything with little HLS saturation to the grey ramp, so a dark tint lands on black: Gemini
CLI's background #1e1e2e becomes 16, Claude Code's removed-line red rgb(122,41,54) a magenta
(89). Here the distance is CIEDE2000 (CIE Lab, D65) over the cube and the grey ramp (16-255;
0-15 are the person's own palette, which nobody knows), so Claude's added-line green
rgb(34,92,43) stays green (22) and its red stays red (52).

With 16 colours, perceptual nearness alone paints every dark diff background black: the 16
are names more than colours (each terminal sets its own), so a colour keeps its hue's name
(red, green, yellow, blue, magenta, cyan: the nearest hue angle in Lab) and takes the bright
variant when it is light; a colour with almost no chroma is black, bright black, white or
bright white by its lightness. That is the mapping Claude Code and Gemini CLI use themselves
in their ANSI themes (diff backgrounds green and red, accents by hue); the hues are placed
where Tango, the usual Linux palette, has them.

`ColorDepth` is a Textual line filter the app adds after its own (which resolves ANSI colours
and dim text to truecolour first); with a truecolour terminal it is off.
"""

from __future__ import annotations

import math
from functools import lru_cache

from rich.color import Color, ColorSystem, ColorType
from rich.segment import Segment
from rich.style import Style
from textual.color import Color as TextualColor
from textual.filter import LineFilter

Triplet = tuple[int, int, int]

_LEVELS = (0, 95, 135, 175, 215, 255)


def xterm_256(n: int) -> Triplet:
    """The colour of index 16-255 in xterm's table (the cube, then the grey ramp)."""
    if n < 232:
        n -= 16
        return _LEVELS[n // 36], _LEVELS[(n // 6) % 6], _LEVELS[n % 6]
    g = 8 + (n - 232) * 10
    return g, g, g


def _linear(c: int) -> float:
    v = c / 255
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def lab(rgb: Triplet) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of an sRGB colour."""
    r, g, b = (_linear(c) for c in rgb)
    x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047
    y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def ciede2000(lab1: tuple[float, float, float], lab2: tuple[float, float, float]) -> float:
    """The CIEDE2000 colour difference (Sharma, Wu and Dalal's formulation)."""
    l1, a1, b1 = lab1
    l2, a2, b2 = lab2
    c_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_mean ** 7 / (c_mean ** 7 + 25 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360
    h2p = math.degrees(math.atan2(b2, a2p)) % 360
    dl, dc = l2 - l1, c2p - c1p
    if c1p * c2p == 0:
        dh_angle = 0.0
    else:
        dh_angle = h2p - h1p
        if dh_angle > 180:
            dh_angle -= 360
        elif dh_angle < -180:
            dh_angle += 360
    dh = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh_angle / 2))
    l_mean, cp_mean = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        h_mean = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_mean = (h1p + h2p) / 2
    else:
        h_mean = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(h_mean - 30)) + 0.24 * math.cos(math.radians(2 * h_mean))
         + 0.32 * math.cos(math.radians(3 * h_mean + 6))
         - 0.20 * math.cos(math.radians(4 * h_mean - 63)))
    d_theta = 30 * math.exp(-(((h_mean - 275) / 25) ** 2))
    r_c = 2 * math.sqrt(cp_mean ** 7 / (cp_mean ** 7 + 25 ** 7))
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / math.sqrt(20 + (l_mean - 50) ** 2)
    s_c = 1 + 0.045 * cp_mean
    s_h = 1 + 0.015 * cp_mean * t
    r_t = -math.sin(math.radians(2 * d_theta)) * r_c
    return math.sqrt((dl / s_l) ** 2 + (dc / s_c) ** 2 + (dh / s_h) ** 2
                     + r_t * (dc / s_c) * (dh / s_h))


_LAB = {n: lab(xterm_256(n)) for n in range(16, 256)}


def _cube_level(v: int) -> int:
    """The cube level (0-5) nearest to one channel's value."""
    return 0 if v < 48 else 1 if v < 115 else (v - 35) // 40


def _candidates(rgb: Triplet) -> set[int]:
    """The cube's colours around `rgb` (each channel one level either way) and the greys
    near its mean: CIEDE2000's choice among all 240 is one of these, or within 0.1 of it
    (measured over random colours in the tests), at an eighth of the cost."""
    levels = [_cube_level(c) for c in rgb]
    out = {16 + 36 * r + 6 * g + b
           for r in range(max(0, levels[0] - 1), min(5, levels[0] + 1) + 1)
           for g in range(max(0, levels[1] - 1), min(5, levels[1] + 1) + 1)
           for b in range(max(0, levels[2] - 1), min(5, levels[2] + 1) + 1)}
    grey = (sum(rgb) // 3 - 3) // 10
    out.update(232 + k for k in range(max(0, grey - 3), min(23, grey + 3) + 1))
    return out


@lru_cache(maxsize=65536)
def nearest_256(rgb: Triplet) -> int:
    """The index (16-255) of the colour of xterm's table that looks nearest to `rgb`."""
    target = lab(rgb)
    return min(_candidates(rgb), key=lambda n: (ciede2000(target, _LAB[n]), n))


# The six hues of the 16-colour palette, as Tango (GNOME's and most Linux terminals' default)
# draws them, by their hue angle in Lab: red, green, yellow, blue, magenta, cyan (normal,
# bright). xterm's own yellow and blue sit far from what most palettes show (its yellow
# takes the dark olive of Gemini CLI's added lines from green).
_HUES = [(1, 9, (204, 0, 0)), (2, 10, (78, 154, 6)), (3, 11, (196, 160, 0)),
         (4, 12, (52, 101, 164)), (5, 13, (117, 80, 123)), (6, 14, (6, 152, 154))]
_HUE_ANGLES = [(normal, bright, math.degrees(math.atan2(lab(rgb)[2], lab(rgb)[1])) % 360)
               for normal, bright, rgb in _HUES]
# Black, bright black, white and bright white, by their lightness in the same palette.
_NEUTRALS = [(n, lab(rgb)[0]) for n, rgb in ((0, (0, 0, 0)), (8, (85, 87, 83)),
                                             (7, (211, 215, 207)), (15, (255, 255, 255)))]
NEUTRAL_CHROMA = 12.0  # below it a colour reads as a grey, however it is tinted
BRIGHT_LIGHTNESS = 55.0  # from it on a colour takes its hue's bright variant


@lru_cache(maxsize=65536)
def nearest_16(rgb: Triplet) -> int:
    """The ANSI colour (0-15) that names `rgb`: its hue's, bright when it is light; for a
    colour with almost no chroma, the grey of its lightness."""
    lightness, a, b = lab(rgb)
    if math.hypot(a, b) < NEUTRAL_CHROMA:
        return min(_NEUTRALS, key=lambda n: abs(n[1] - lightness))[0]
    angle = math.degrees(math.atan2(b, a)) % 360
    normal, bright, _ = min(_HUE_ANGLES, key=lambda h: min(abs(h[2] - angle),
                                                           360 - abs(h[2] - angle)))
    return bright if lightness >= BRIGHT_LIGHTNESS else normal


def downgrade(color: Color, system: ColorSystem) -> Color:
    """`color` as a terminal with `system` colours should get it: truecolour (and, with 16,
    the 256-colour table) to the nearest it has; colours it has stay."""
    if system == ColorSystem.EIGHT_BIT and color.type == ColorType.TRUECOLOR:
        return Color.from_ansi(nearest_256(tuple(color.triplet)))
    if system == ColorSystem.STANDARD and color.type in (ColorType.TRUECOLOR,
                                                          ColorType.EIGHT_BIT):
        triplet = tuple(color.get_truecolor())
        return Color(color.name, ColorType.STANDARD, number=nearest_16(triplet))
    return color


class ColorDepth(LineFilter):
    """Turns the truecolour of every line the app draws into the nearest colour of a terminal
    with 256 (`ColorSystem.EIGHT_BIT`) or 16 (`ColorSystem.STANDARD`) colours."""

    def __init__(self, system: ColorSystem | None) -> None:
        super().__init__(enabled=system in (ColorSystem.EIGHT_BIT, ColorSystem.STANDARD))
        self.system = system

    @lru_cache(maxsize=4096)
    def _style(self, style: Style) -> Style:
        color, bgcolor = style.color, style.bgcolor
        new_color = None if color is None else downgrade(color, self.system)
        new_bg = None if bgcolor is None else downgrade(bgcolor, self.system)
        if new_color is color and new_bg is bgcolor:
            return style
        return style + Style.from_color(new_color, new_bg)

    def apply(self, segments: list[Segment], background: TextualColor) -> list[Segment]:
        style_of = self._style
        return [Segment(text, None if style is None else style_of(style), control)
                for text, style, control in segments]
