"""Keymap: key spellings, the prefix table, overrides by binding id from the config files."""

from __future__ import annotations

from gastown_tui.ui.keymap import (PREFIX_BINDINGS, PrefixTable, is_key, key_label, normalize_key,
                                   prefix_from_config, read_keymap_tables, validate_keymap)
from gastown_tui.ui.userconfig import user_config_path


def test_config_key_spellings_become_textual_names():
    assert normalize_key(":") == "colon"
    assert normalize_key("C-a") == "ctrl+a"
    assert normalize_key("^a") == "ctrl+a"
    assert normalize_key("ctrl+]") == "ctrl+right_square_bracket"
    assert normalize_key("F2") == "f2"
    assert key_label("ctrl+b") == "C-b"
    assert key_label("question_mark") == "?"


def test_only_real_key_names_count_as_keys():
    for good in ("ctrl+a", "f5", "grave_accent", "x", "space", "alt+x", "ctrl+shift+left"):
        assert is_key(normalize_key(good)), good
    for bad in ("bogus", "ctrl+bogus", "foo+a", "ctrl+"):
        assert not is_key(normalize_key(bad)), bad


def test_a_bad_prefix_setting_falls_back_to_ctrl_b_with_a_reason():
    assert prefix_from_config("C-a") == ("ctrl+a", None)
    assert prefix_from_config("`") == ("grave_accent", None)
    for bad in ("bogus", "", 5, None):
        key, problem = prefix_from_config(bad)
        assert key == "ctrl+b" and "not a key" in problem and "C-b" in problem


def test_prefix_table_defaults_and_overrides():
    table = PrefixTable()
    assert table.get("z").id == "prefix.zoom"
    assert table.get("h").id == table.get("left").id == "prefix.focus_left"
    moved = PrefixTable({"prefix.zoom": "m"})
    assert moved.get("z") is None and moved.get("m").id == "prefix.zoom"
    assert len({b.id for b in PREFIX_BINDINGS}) == len(PREFIX_BINDINGS)


def test_validate_keymap_reports_unknown_ids_and_bad_values():
    good, problems = validate_keymap({"prefix.zoom": "m", "nope.nothing": "x", "main.help": 3},
                                     ["prefix.zoom", "main.help"])
    assert good == {"prefix.zoom": "m"}
    assert any("nope.nothing" in p for p in problems)
    assert any("main.help" in p for p in problems)
    good, problems = validate_keymap({"main.help": "f1,bogus", "prefix.zoom": "C-z"},
                                     ["prefix.zoom", "main.help"])
    assert good == {"prefix.zoom": "ctrl+z"}
    assert len(problems) == 1 and "bogus is not a key" in problems[0]


def test_user_keymap_wins_over_the_town_and_bad_files_are_reported(tmp_path):
    environ = {"HOME": str(tmp_path)}
    path = user_config_path(environ)
    path.parent.mkdir(parents=True)
    path.write_text('[keymap]\n"prefix.zoom" = "m"\n')
    merged, problems = read_keymap_tables({"keymap": {"prefix.zoom": "x", "main.help": "f1"}},
                                          environ)
    assert merged == {"prefix.zoom": "m", "main.help": "f1"} and problems == []
    path.write_text("[keymap\n")
    merged, problems = read_keymap_tables({}, environ)
    assert merged == {} and "not read" in problems[0]


async def test_keymap_overrides_reach_the_app_and_help(environ):
    from gastown_tui.ui.app import AppOptions, GastownApp
    from gastown_tui.ui.model import TownView

    path = user_config_path(environ)
    path.parent.mkdir(parents=True)
    path.write_text('[keymap]\n"main.needs_me" = "f6"\n"prefix.zoom" = "m"\n"bogus.id" = "x"\n')
    app = GastownApp(AppOptions(environ=environ, live=False, view=TownView(town="t")))
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.pause()
        assert any("bogus.id" in n.message for n in app._notifications)
        app.main.focus_sidebar()
        await pilot.press("f6")
        await pilot.pause()
        assert type(app.screen).__name__ == "NeedsMeScreen"
        await pilot.press("escape")
        await pilot.press("ctrl+b", "question_mark")
        await pilot.pause()
        from gastown_tui.ui.screens.help import HelpScreen

        assert isinstance(app.screen, HelpScreen)
        rows = {r[3]: r[1] for r in app.screen.rows}
        assert rows["prefix.zoom"] == "m" and rows["main.needs_me"] == "f6"
        commands = dict(app.screen.commands)
        assert "convoy list" in commands and "sling" in commands


def test_an_override_wins_its_key_in_the_prefix_table():
    table = PrefixTable({"prefix.next": "t"})  # t was prefix.theme's
    assert table.get("t").id == "prefix.next"
    assert table.keys_of["prefix.theme"] == [] and table.keys_of["prefix.next"] == ["t"]


async def test_two_actions_on_one_key_give_a_notice_naming_both(environ):
    from gastown_tui.ui.app import AppOptions, GastownApp
    from gastown_tui.ui.model import TownView
    from gastown_tui.ui.screens.themes import ThemeScreen

    path = user_config_path(environ)
    path.parent.mkdir(parents=True)
    path.write_text('[keymap]\n"prefix.theme" = "n"\n"agent.nudge" = "x"\n')
    app = GastownApp(AppOptions(environ=environ, live=False, view=TownView(town="t")))
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.pause()
        notices = [n.message for n in app._notifications]
        assert any("prefix.next" in n and "prefix.theme" in n and "n is bound" in n
                   for n in notices), notices
        assert any("agent.nudge" in n and "agent.suspend" in n for n in notices), notices
        # The app runs on, and the key does what the person asked for.
        app.main.focus_sidebar()
        await pilot.press("ctrl+b", "n")
        await pilot.pause()
        assert isinstance(app.screen, ThemeScreen)
        await pilot.press("escape")
        assert app.is_running
