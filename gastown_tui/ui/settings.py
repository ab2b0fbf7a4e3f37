"""Checks for the town settings only the app reads (`theme`, `prefix_key`), so that
`gt config set` refuses a name the app could not use instead of storing it; and the settings
of the app's view a person may also keep in their own config (`view_settings`)."""

from __future__ import annotations

from typing import Mapping

from .userconfig import user_config_path


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


# Settings of how the app looks and behaves that a person may keep for themselves in
# ~/.config/gastown/config.toml as well as in the town's config (theirs wins).
VIEW_SETTINGS = ("sidebar_width", "sling_focus")


def view_settings(town_config: Mapping, environ: Mapping[str, str]) -> tuple[dict, list[str]]:
    """The VIEW_SETTINGS, from the town's config then the user's, each checked as `gt config
    set` checks it; a bad value is reported in one line and the default kept."""
    import tomllib

    from ..town.schema import TOWN_SETTINGS

    sources: list[tuple[str, Mapping]] = [("town config", town_config)]
    path = user_config_path(environ)
    try:
        sources.append((str(path), tomllib.loads(path.read_text(encoding="utf-8"))))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        pass  # (a broken file is reported once, by the keymap reader)
    values: dict = {}
    problems: list[str] = []
    for key in VIEW_SETTINGS:
        setting = TOWN_SETTINGS[key]
        values[key] = setting.default
        for where, table in sources:
            if key not in table:
                continue
            try:
                value = setting.parse(str(table[key]))
                if setting.choices and value not in setting.choices:
                    raise ValueError("one of " + ", ".join(setting.choices))
            except ValueError as e:
                problems.append(f"{where}: {key} must be {e}, not {table[key]!r}; "
                                f"{values[key]} kept")
                continue
            values[key] = value
    return values, problems
