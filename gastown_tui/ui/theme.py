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
