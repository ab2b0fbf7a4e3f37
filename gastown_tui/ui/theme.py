"""Themes: `themes/*.toml` (shipped) and `<config>/gastown/themes/*.toml` (the user's) loaded into
Textual `Theme`s.

A theme file holds Textual's colour fields at the top level, an optional `[variables]` table and
an `[ansi] colors = [16 colours]` palette for the terminal panes. The palette travels as the
theme variables `ansi-0` .. `ansi-15`, so panes take every colour from the theme. A broken file
is reported (one line per file) and skipped; it never stops the app.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from textual.color import Color, ColorParseError
from textual.theme import Theme

SHIPPED_DIR = Path(__file__).resolve().parents[2] / "themes"
DEFAULT_THEME = "gastown-dark"

COLOR_FIELDS = ("primary", "secondary", "warning", "error", "success", "accent", "foreground",
                "background", "surface", "panel", "boost")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")

# Fallback palettes for themes that bring none (Textual's built-ins): xterm's defaults, with
# the light variant darkened where the xterm colour would vanish on a light background.
DARK_ANSI = ("#000000", "#cd0000", "#00cd00", "#cdcd00", "#5c5cff", "#cd00cd", "#00cdcd",
             "#e5e5e5", "#7f7f7f", "#ff0000", "#00ff00", "#ffff00", "#8787ff", "#ff00ff",
             "#00ffff", "#ffffff")
LIGHT_ANSI = ("#000000", "#c00000", "#008000", "#806000", "#0000c0", "#a000a0", "#007878",
              "#a0a0a0", "#606060", "#e00000", "#00a000", "#a08000", "#2040ff", "#c000c0",
              "#009090", "#ffffff")


def ansi_variables(palette: tuple[str, ...] | list[str]) -> dict[str, str]:
    return {f"ansi-{i}": c for i, c in enumerate(palette)}


@dataclass
class LoadedThemes:
    themes: list[Theme]
    problems: list[str]  # one line per file that could not be used


def user_theme_dir(environ: Mapping[str, str]) -> Path:
    base = environ.get("XDG_CONFIG_HOME") or os.path.join(environ.get("HOME", "~"), ".config")
    return Path(base).expanduser() / "gastown" / "themes"


def theme_from_toml(text: str, source: str) -> Theme:
    """Parse one theme file; raises ValueError with a one-line reason."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"not valid TOML ({e})") from None
    name = data.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError("needs `name = \"lowercase-name\"`")
    if not isinstance(data.get("primary"), str):
        raise ValueError("needs a `primary` colour")
    unknown = set(data) - set(COLOR_FIELDS) - {"name", "dark", "variables", "ansi",
                                                "luminosity_spread", "text_alpha"}
    if unknown:
        raise ValueError(f"unknown keys: {', '.join(sorted(unknown))}")
    fields: dict = {}
    for key in COLOR_FIELDS:
        if key in data:
            fields[key] = _color(data[key], key)
    variables = data.get("variables", {})
    if not isinstance(variables, dict):
        raise ValueError("[variables] must be a table")
    variables = {str(k): str(v) for k, v in variables.items()}
    ansi = data.get("ansi", {})
    colors = ansi.get("colors") if isinstance(ansi, dict) else None
    if colors is not None:
        if not isinstance(colors, list) or len(colors) != 16:
            raise ValueError("[ansi] colors must list exactly 16 colours")
        variables.update(ansi_variables([_color(c, "ansi colour") for c in colors]))
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise ValueError("`dark` must be true or false")
    extra = {k: float(data[k]) for k in ("luminosity_spread", "text_alpha") if k in data}
    return Theme(name=name, dark=dark, variables=variables, **fields, **extra)


def _color(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a colour string")
    try:
        Color.parse(value)
    except ColorParseError:
        raise ValueError(f"{what} {value!r} is not a colour") from None
    return value


def load_themes(folders: list[Path]) -> LoadedThemes:
    """Every `*.toml` theme in `folders`, in order; later folders override earlier names."""
    by_name: dict[str, Theme] = {}
    problems: list[str] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                theme = theme_from_toml(path.read_text(encoding="utf-8"), str(path))
            except (OSError, UnicodeDecodeError, ValueError) as e:
                problems.append(f"theme {path.name} skipped: {e}")
                continue
            by_name[theme.name] = theme
    return LoadedThemes(list(by_name.values()), problems)


def default_ansi(dark: bool) -> dict[str, str]:
    return ansi_variables(DARK_ANSI if dark else LIGHT_ANSI)


# ---- contrast ---------------------------------------------------------------------------
#
# Every theme, shipped, the user's or Textual's own, is drawn with colours that reach WCAG AA
# where the app uses them: text 4.5:1 against each background it sits on, borders,
# scrollbars and checkboxes 3:1 (tests/ui/test_contrast.py measures the frames). A theme's
# colour that falls short is moved towards white or black, keeping its hue, until it does.

TEXT_RATIO = 4.6     # WCAG AA for text is 4.5: a margin for rounding to whole RGB values
GRAPHIC_RATIO = 3.1  # and 3 for user-interface components
# Colours written as text on the app's backgrounds: the theme's accents (state icons,
# markup) and Textual's own text colours.
TEXT_COLORS = ("foreground", "primary", "secondary", "accent", "warning", "error", "success",
               "text-primary", "text-secondary", "text-accent", "text-warning", "text-error",
               "text-success", "footer-key-foreground", "footer-foreground",
               "footer-description-foreground", "button-foreground",
               "block-cursor-blurred-foreground", "input-selection-foreground")


def luminance(color: Color) -> float:
    """WCAG relative luminance."""
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.r) + 0.7152 * channel(color.g) + 0.0722 * channel(color.b)


def contrast(a: Color, b: Color) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def ensure_contrast(color: Color, backgrounds: list[Color], ratio: float) -> Color:
    """`color`, or the nearest blend of it with white or black (whichever gets there first)
    that has `ratio` against every one of `backgrounds`."""
    if min(contrast(color, bg) for bg in backgrounds) >= ratio:
        return color
    for step in range(1, 21):
        for extreme in (WHITE, BLACK):
            moved = color.blend(extreme, step / 20)
            if min(contrast(moved, bg) for bg in backgrounds) >= ratio:
                return moved
    return max((WHITE, BLACK), key=lambda c: min(contrast(c, bg) for bg in backgrounds))


WHITE = Color(255, 255, 255)
BLACK = Color(0, 0, 0)


def accessible_variables(variables: dict[str, str]) -> dict[str, str]:
    """The theme's CSS variables with the colours the app draws moved where they fall short.

    The highlighted row becomes a tint of the primary colour over the surface (Textual's is
    the primary colour itself, on which the accents of state icons vanish); unfocused borders
    and checkboxes get a colour of their own with 3:1 against every background (Textual's
    `$panel-lighten-1` has 1.4:1 on the surface); `text-muted` becomes a solid colour."""
    out = dict(variables)

    def color(name: str, over: Color | None = None) -> Color | None:
        try:
            parsed = Color.parse(out[name])
        except (KeyError, ColorParseError):
            return None
        return (over or base).blend(parsed.with_alpha(1.0), parsed.a) if parsed.a < 1 \
            else parsed

    base = Color.parse(out["background"])
    surface = color("surface") or base
    panel = color("panel") or surface
    foreground = color("foreground") or base.get_contrast_text(1.0)
    primary = color("primary") or foreground
    focused_surface = surface.blend(foreground, 0.05)  # OptionList:focus tints its surface
    cursor = surface.blend(primary, 0.3)
    cursor_blurred = surface.blend(primary, 0.15)
    grounds = [base, surface, focused_surface, panel]
    # Added and removed lines of a diff are tinted: code is highlighted on them.
    tints = [t for t in (color("success-muted", surface), color("error-muted", surface)) if t]
    text_grounds = grounds + [cursor, cursor_blurred] + tints
    for name in TEXT_COLORS:
        value = color(name)
        if value is not None:
            out[name] = ensure_contrast(value, text_grounds, TEXT_RATIO).hex
    muted = foreground.blend(surface, 0.35)
    out["text-muted"] = ensure_contrast(muted, text_grounds, TEXT_RATIO).hex
    out["block-cursor-background"] = cursor.hex
    out["block-cursor-blurred-background"] = cursor_blurred.hex
    out["block-cursor-foreground"] = out["foreground"]
    out["block-cursor-blurred-foreground"] = out["foreground"]
    out["input-selection-background"] = cursor.hex
    out["border"] = ensure_contrast(color("border") or primary, grounds, GRAPHIC_RATIO).hex
    blurred = foreground.blend(surface, 0.55)
    out["border-blurred"] = ensure_contrast(blurred, grounds, GRAPHIC_RATIO).hex
    for thumb, track in (("scrollbar", "scrollbar-background"),
                         ("scrollbar-hover", "scrollbar-background-hover"),
                         ("scrollbar-active", "scrollbar-background-active")):
        back = color(track) or base
        out[thumb] = ensure_contrast(color(thumb) or muted, [back], GRAPHIC_RATIO).hex
    return out
