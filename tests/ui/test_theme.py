"""Themes: shipped files load, user files override, broken files are reported, never fatal."""

from __future__ import annotations

from pathlib import Path

import pytest

from gastown_tui.ui.theme import SHIPPED_DIR, load_themes, theme_from_toml, user_theme_dir

GOOD = """
name = "mine"
primary = "#ff0000"
background = "#000000"
[ansi]
colors = ["#000000", "#111111", "#222222", "#333333", "#444444", "#555555", "#666666",
          "#777777", "#888888", "#999999", "#aaaaaa", "#bbbbbb", "#cccccc", "#dddddd",
          "#eeeeee", "#ffffff"]
"""


def test_shipped_themes_load_with_palettes():
    loaded = load_themes([SHIPPED_DIR])
    names = {t.name: t for t in loaded.themes}
    assert loaded.problems == []
    assert {"gastown-dark", "gastown-light", "gastown-high-contrast"} <= set(names)
    assert names["gastown-light"].dark is False
    for theme in names.values():
        assert all(f"ansi-{i}" in theme.variables for i in range(16))


def test_a_theme_file_becomes_a_textual_theme():
    theme = theme_from_toml(GOOD, "mine.toml")
    assert theme.name == "mine" and theme.primary == "#ff0000"
    assert theme.variables["ansi-15"] == "#ffffff"


@pytest.mark.parametrize("text, says", [
    ("name = 'x'\nprimary = ", "not valid TOML"),
    ("primary = '#ff0000'", "needs `name"),
    ("name = 'Bad Name'\nprimary = '#ff0000'", "needs `name"),
    ("name = 'x'", "needs a `primary`"),
    ("name = 'x'\nprimary = 'not-a-colour'", "is not a colour"),
    ("name = 'x'\nprimary = '#ff0000'\nsparkle = true", "unknown keys: sparkle"),
    ("name = 'x'\nprimary = '#ff0000'\n[ansi]\ncolors = ['#000000']", "exactly 16"),
    ("name = 'x'\nprimary = '#ff0000'\ndark = 'yes'", "`dark` must be"),
])
def test_broken_theme_files_say_why(text, says):
    with pytest.raises(ValueError, match=None) as err:
        theme_from_toml(text, "x.toml")
    assert says in str(err.value)


def test_user_themes_override_and_broken_ones_are_skipped(tmp_path):
    user = tmp_path / "themes"
    user.mkdir()
    (user / "mine.toml").write_text(GOOD)
    (user / "gastown-dark.toml").write_text(GOOD.replace('"mine"', '"gastown-dark"'))
    (user / "broken.toml").write_text("name = [")
    loaded = load_themes([SHIPPED_DIR, user])
    names = {t.name: t for t in loaded.themes}
    assert "mine" in names
    assert names["gastown-dark"].primary == "#ff0000"
    assert len(loaded.problems) == 1 and "broken.toml" in loaded.problems[0]


def test_user_theme_dir_follows_xdg(tmp_path):
    assert user_theme_dir({"XDG_CONFIG_HOME": str(tmp_path)}) == tmp_path / "gastown" / "themes"
    assert user_theme_dir({"HOME": str(tmp_path)}) == tmp_path / ".config" / "gastown" / "themes"


async def test_the_app_starts_with_a_broken_user_theme_and_says_so(environ, tmp_path):
    from gastown_tui.ui.app import AppOptions, GastownApp

    folder = user_theme_dir(environ)
    folder.mkdir(parents=True)
    (folder / "oops.toml").write_text("name = 'oops'\nprimary = 'purple-ish'")
    app = GastownApp(AppOptions(environ=environ, live=False))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("oops.toml" in m and "is not a colour" in m for m in messages)
        assert app.theme == "gastown-dark"


async def test_an_unknown_theme_setting_falls_back_with_a_notice(environ):
    from gastown_tui.ui.app import AppOptions, GastownApp

    app = GastownApp(AppOptions(environ=environ, live=False, theme="no-such-theme"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.theme == "gastown-dark"
        assert any("no-such-theme" in n.message for n in app._notifications)


async def test_switching_theme_recolours_the_panes():
    from snapshot_apps.demo_town import make_app

    app = make_app()
    async with app.run_test(size=(160, 44)) as pilot:
        await pilot.pause()
        pane = app.main.grid.panes[0]

        def colours() -> set[str]:
            strip = pane.render_line(1)
            return {seg.style.bgcolor.triplet.hex for seg in strip if seg.style and
                    seg.style.bgcolor}

        assert "#121212" in colours()
        app.theme = "gastown-light"
        await pilot.pause()
        await pilot.pause()
        assert "#f5f5f5" in colours() and "#121212" not in colours()


def test_colours_come_only_from_theme_variables():
    """No colour literal in the app's styles or markup: only `$variables` (theme.py holds the
    fallback ANSI palettes; colors.py computes the absolute 256-colour cube; color_depth.py
    maps colours to a terminal's 256 or 16, and names them)."""
    import re

    ui = Path(__file__).resolve().parents[2] / "gastown_tui" / "ui"
    literal = re.compile(r"#[0-9a-fA-F]{3,8}\b|\brgba?\(|\b(red|green|blue|yellow|magenta|cyan|"
                         r"white|black|gr[ae]y|orange|purple)\b")
    found = []
    for path in sorted(ui.rglob("*")):
        if path.suffix not in (".py", ".tcss") or path.name in ("theme.py", "colors.py",
                                                                 "color_depth.py"):
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if line.strip().startswith(("#", "/*", "*")):
                continue  # comments may name colours
            if literal.search(line):
                found.append(f"{path.name}:{n}: {line.strip()}")
    assert found == []


def test_gt_config_set_refuses_themes_and_prefix_keys_the_app_cannot_use(town_root, environ):
    from gastown_tui.commands.core import Env
    from gastown_tui.commands.gt import run

    env = Env(cwd=town_root, environ=environ)
    bad = run("config set theme no-such-theme", env)
    assert bad.exit_code == 2 and "gastown-light" in bad.error and "\n" not in bad.error
    bad = run("config set prefix_key ctrl-bogus", env)
    assert bad.exit_code == 2 and "not a key" in bad.error
    assert run("config get theme", env).data == "gastown-dark"  # nothing stored
    assert run("config set theme gastown-high-contrast", env).ok
    assert run("config set prefix_key C-a", env).ok
    assert run("config get theme", env).data == "gastown-high-contrast"


async def test_config_set_theme_in_the_command_bar_changes_the_theme(town_root, environ):
    from ui_helpers import until

    from gastown_tui.ui.app import AppOptions, GastownApp

    app = GastownApp(AppOptions(town_root=town_root, environ=environ, embedded=True))
    async with app.run_test(size=(160, 45)) as pilot:
        await until(pilot, lambda: app.mux is not None, what="the host")
        await pilot.press("colon", *[c if c != " " else "space"
                                            for c in "config set theme gastown-light"], "enter")
        await until(pilot, lambda: app.theme == "gastown-light", what="the theme applied")
        await app.stop_town()


@pytest.mark.parametrize("embedded", [True, False], ids=["embedded", "attached"])
async def test_gt_config_set_theme_in_another_shell_reaches_the_running_app(town_root, environ,
                                                                            embedded):
    """The setting's news comes through the host at once (the app's periodic read of the
    town is slowed right down here, so it is not what brings it)."""
    import subprocess
    import sys

    from ui_helpers import until

    from gastown_tui.ui.app import AppOptions, GastownApp

    app = GastownApp(AppOptions(town_root=town_root, environ=environ, embedded=embedded,
                                poll_seconds=600))
    async with app.run_test(size=(160, 45)) as pilot:
        await until(pilot, lambda: app.api is not None and app.view.town, timeout=30,
                    what="the town read")
        assert app.theme == "gastown-dark"
        gt = str(Path(sys.executable).with_name("gt"))
        done = subprocess.run([gt, "config", "set", "theme", "gastown-light"], cwd=town_root,
                              env=environ, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        await until(pilot, lambda: app.theme == "gastown-light", timeout=15,
                    what="the new theme on screen")
        if embedded:
            await app.stop_town()
        else:
            await app.detach_app()
