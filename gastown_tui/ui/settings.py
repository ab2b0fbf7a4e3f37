"""Checks for the town settings only the app reads (`theme`, `prefix_key`), so that
`gt config set` refuses a name the app could not use instead of storing it."""

from __future__ import annotations

from typing import Mapping


def theme_names(environ: Mapping[str, str]) -> list[str]:
    """Every theme the app can show: shipped, the user's (loadable ones) and Textual's own."""
    from textual.theme import BUILTIN_THEMES

    from .theme import SHIPPED_DIR, load_themes, user_theme_dir

    loaded = load_themes([SHIPPED_DIR, user_theme_dir(environ)])
    return sorted({t.name for t in loaded.themes} | set(BUILTIN_THEMES))


def check_app_setting(key: str, value: str, environ: Mapping[str, str]) -> str | None:
    """One line saying why `value` cannot be used for `key`, or None when it can."""
    if key == "theme":
        names = theme_names(environ)
        if value not in names:
            return f"unknown theme {value!r}; one of: {', '.join(names)}"
    elif key == "prefix_key":
        from .keymap import prefix_from_config

        _, problem = prefix_from_config(value)
        if problem:
            return f"prefix_key {value!r} is not a key name; try ctrl+a, ctrl+space or f12"
    return None
