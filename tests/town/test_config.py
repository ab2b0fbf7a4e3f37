"""`gt config`: settings kept with their comments, agent presets and their resolution."""

import stat
import tomllib

import pytest

from gastown_town_test_fixtures import tree_snapshot
from gastown_tui.commands.render import to_jsonable
from gastown_tui.town import TownError, find_town, resolve_agent


def test_config_set_keeps_comments_and_layout(at_town, town):
    path = town / "settings/config.toml"
    path.write_text(path.read_text().replace('theme = "gastown-dark"',
                                             'theme = "gastown-dark"  # my favourite'))
    before = path.read_text()
    at_town.ok("config set theme nord")
    after = path.read_text()
    assert 'theme = "nord"  # my favourite' in after
    assert after.replace('"nord"', '"gastown-dark"') == before
    assert at_town.ok("config get theme") == "nord"
    at_town.ok("config set stall_minutes 30")
    assert tomllib.loads(path.read_text())["stall_minutes"] == 30


def test_config_show_lists_settings_and_agents(at_town):
    data = to_jsonable(at_town.ok("config show"))
    assert "\nagents:\n  claude:" in at_town.gt("config show").render()
    assert data["default_agent"] == "claude" and data["prefix_key"] == "ctrl+b"
    assert data["agents"]["codex"] == "codex --dangerously-bypass-approvals-and-sandbox"
    assert set(data["agents"]) >= {"claude", "gemini", "codex", "cursor", "auggie", "amp",
                                   "shell", "demo"}


def test_agent_set_get_list_remove(at_town, town):
    at_town.ok(["config", "agent", "set", "claude-glm", "claude-glm --model glm-4"])
    row = at_town.ok("config agent get claude-glm")
    assert row.command == "claude-glm --model glm-4" and row.source == "town"
    assert "claude-glm" in [r.name for r in at_town.ok("config agent list")]
    at_town.ok("config default-agent claude-glm")
    assert at_town.ok("config default-agent") == "claude-glm"
    assert at_town.gt("config agent remove claude-glm").exit_code == 2  # still the default
    at_town.ok("config default-agent demo")
    at_town.ok("config agent remove claude-glm")
    assert "claude-glm" not in [r.name for r in at_town.ok("config agent list")]
    # A built-in can be retuned, and removing the override restores it.
    at_town.ok(["config", "agent", "set", "codex", "codex --thinking low"])
    assert at_town.ok("config agent get codex").command == "codex --thinking low"
    at_town.ok("config agent remove codex")
    assert at_town.ok("config agent get codex").source == "builtin"


def test_agent_env_is_kept_checked_and_handed_to_the_agent(at_town, town):
    """A preset may carry environment (another account's CLAUDE_CONFIG_DIR); names are
    checked and the town's own variables cannot be overridden."""
    at_town.ok(["config", "agent", "set", "claude-b", "claude --dangerously-skip-permissions",
                "--env", "CLAUDE_CONFIG_DIR=~/.claude-b", "--env", "EXTRA=1 2"])
    row = to_jsonable(at_town.ok("config agent get claude-b"))
    home = at_town.env().environ["HOME"]
    assert row["env"] == {"CLAUDE_CONFIG_DIR": f"{home}/.claude-b", "EXTRA": "1 2"}
    saved = tomllib.loads((town / "settings/config.toml").read_text())["agents"]["claude-b"]
    assert saved["env"] == {"CLAUDE_CONFIG_DIR": "~/.claude-b", "EXTRA": "1 2"}
    # Setting the command again without --env keeps the environment; an empty --env list
    # is not possible, so `--env` replaces it whole.
    at_town.ok(["config", "agent", "set", "claude-b", "claude", "--env", "ONLY=x"])
    assert to_jsonable(at_town.ok("config agent get claude-b"))["env"] == {"ONLY": "x"}
    at_town.ok(["config", "agent", "set", "claude-b", "claude --model y"])
    assert to_jsonable(at_town.ok("config agent get claude-b"))["env"] == {"ONLY": "x"}
    for bad, words in ((["--env", "NOEQUALS"], "give VAR=VALUE"),
                       (["--env", "BAD-NAME=x"], "no environment variable name"),
                       (["--env", "BD_ACTOR=me"], "set by the town")):
        result = at_town.gt(["config", "agent", "set", "claude-b", "claude", *bad])
        assert result.exit_code == 2 and words in result.error, result.error
    path = town / "settings/config.toml"
    path.write_text(path.read_text() + '\n[agents.hand.env]\nGT_RIG = "x"\n'
                    .replace("[agents.hand.env]", '[agents.hand]\ncommand = "claude"\n'
                             '[agents.hand.env]'))
    result = at_town.gt("config agent get hand")
    assert result.exit_code == 2 and "set by the town" in result.error, result.error


def _fake_agent(folder, name):
    folder.mkdir(exist_ok=True)
    exe = folder / name
    exe.write_text("#!/bin/sh\nexit 0\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return str(folder)


def test_resolve_agent_order_and_path_check(rig_town, town, tmp_path):
    t = find_town(town, {})
    bin_dir = _fake_agent(tmp_path / "bin", "claude")
    for name in ("codex", "gemini"):
        _fake_agent(tmp_path / "bin", name)
    environ = {"PATH": bin_dir, "SHELL": "/bin/bash"}
    assert resolve_agent(t, None, None, environ).name == "claude"
    rig_town.ok("config default-agent gemini")
    assert resolve_agent(t, "my_proj", None, environ).name == "gemini"
    rig_town.ok("config set agent codex --rig my_proj")
    assert rig_town.ok("config get agent --rig my_proj") == "codex"
    preset = resolve_agent(t, "my_proj", None, environ)
    assert preset.name == "codex" and preset.argv[0] == "codex"
    assert resolve_agent(t, "my_proj", "shell", environ).argv == ("/bin/bash",)
    demo = resolve_agent(t, None, "demo", environ)
    assert demo.argv[1:] == ("-m", "gastown_tui.host.demo_agent")
    with pytest.raises(TownError) as err:
        resolve_agent(t, None, "amp", environ)
    assert "'amp'" in str(err.value) and "--agent demo" in str(err.value)
    with pytest.raises(TownError, match="unknown agent"):
        resolve_agent(t, None, "nosuch", environ)


def test_missing_agent_hint_names_the_setting_that_chose_it(rig_town, town, tmp_path):
    """Following the hint must make the next command work: a town default does nothing for a
    rig whose own `agent` setting chose the missing program."""
    t = find_town(town, {})
    environ = {"PATH": _fake_agent(tmp_path / "bin", "claude"), "SHELL": "/bin/bash"}
    rig_town.ok("config default-agent amp")
    with pytest.raises(TownError) as err:
        resolve_agent(t, "my_proj", None, environ)
    assert "'amp'" in str(err.value) and "`gt config default-agent demo`" in str(err.value)
    rig_town.ok("config default-agent claude")
    rig_town.ok("config set agent codex --rig my_proj")
    with pytest.raises(TownError) as err:
        resolve_agent(t, "my_proj", None, environ)
    hint = str(err.value)
    assert "'codex'" in hint and "`gt config set agent demo --rig my_proj`" in hint
    rig_town.ok("config set agent demo --rig my_proj")
    assert resolve_agent(t, "my_proj", None, environ).name == "demo"


def test_missing_agent_hint_when_the_failing_agent_is_demo_itself(rig_town, town, tmp_path):
    """A hand-edited [agents.demo] naming a missing program, with demo already the default (or
    the rig's agent, or --agent): switching to demo would change nothing, so the hint points
    at the table that replaced the built-in instead."""
    t = find_town(town, {})
    environ = {"PATH": _fake_agent(tmp_path / "bin", "claude"), "SHELL": "/bin/bash"}
    rig_town.ok("config default-agent demo")
    config = town / "settings/config.toml"
    config.write_text(config.read_text() + '\n[agents.demo]\ncommand = "no-such-agent"\n')
    rig_town.ok("config set agent demo --rig my_proj")
    for rig, override in ((None, None), ("my_proj", None), (None, "demo")):
        with pytest.raises(TownError) as err:
            resolve_agent(t, rig, override, environ)
        hint = str(err.value)
        assert "'no-such-agent'" in hint and "[agents.demo]" in hint
        assert "default-agent demo" not in hint and "agent demo --rig" not in hint
        assert "--agent demo" not in hint
    config.write_text(config.read_text().replace('[agents.demo]\ncommand = "no-such-agent"\n',
                                                 ""))
    assert resolve_agent(t, "my_proj", None, environ).name == "demo"


def test_an_empty_rig_agent_hands_the_choice_back_to_the_town(rig_town, town, tmp_path):
    t = find_town(town, {})
    environ = {"PATH": _fake_agent(tmp_path / "bin", "claude"), "SHELL": "/bin/bash"}
    config = town / "my_proj/config.toml"
    rig_town.ok("config set agent codex --rig my_proj")
    config.write_text("# my note\n" + config.read_text())
    assert rig_town.ok('config set agent "" --rig my_proj')["value"] == ""
    assert rig_town.ok("config get agent --rig my_proj") == ""
    assert not any(line.startswith("agent") for line in config.read_text().splitlines())
    assert "# my note" in config.read_text()
    assert resolve_agent(t, "my_proj", None, environ).name == "claude"
    bad = rig_town.gt('config set default_agent ""')
    assert bad.exit_code == 2 and "unknown agent" in bad.error


@pytest.mark.parametrize("line,code,words", [
    ("config get nosuch", 2, "unknown town setting"),
    ("config set nosuch 1", 2, "unknown town setting"),
    ("config set stall_minutes soon", 2, "whole number"),
    ("config set stall_minutes 0", 2, "from 1 to 10080"),
    ("config set stall_minutes 100000000000000000000000", 2, "from 1 to 10080"),
    ("config set max_polecats 100000000000000000000000", 2, "from 1 to 1000"),
    ("config set nudge_mode later", 2, "one of immediate"),
    ("config set default_agent nosuch", 2, "unknown agent"),
    ("config default-agent nosuch", 2, "unknown agent"),
    ("config set theme", 2, "Missing argument"),
    ("config get agent --rig nope", 2, "no rig named"),
    ("config set theme x --rig nope", 2, "unknown rig setting"),
    ("config agent get nosuch", 2, "unknown agent"),
    ("config agent set 'bad name' x", 2, "bad agent name"),
    ("config agent set demo 'python x'", 2, "cannot be redefined"),
    ("config agent set mine ''", 2, "empty"),
    ("config agent set mine 'unclosed \"quote'", 2, "cannot parse"),
    ("config agent remove claude", 2, "built-in"),
    ("config agent remove nosuch", 2, "not defined"),
    ("config bogus", 2, "No such command"),
])
def test_config_bad_input(at_town, town, line, code, words):
    before = tree_snapshot(town)
    result = at_town.gt(line)
    assert result.exit_code == code and words in result.error, result.error
    assert tree_snapshot(town) == before


def test_broken_settings_file_is_a_clear_error(at_town, town):
    (town / "settings/config.toml").write_text("theme = [unclosed\n")
    result = at_town.gt("config get theme")
    assert result.exit_code == 1 and "not valid TOML" in result.error
    result = at_town.gt("config set theme dracula")
    assert result.exit_code == 1 and "not valid TOML" in result.error
    assert (town / "settings/config.toml").read_text() == "theme = [unclosed\n"


def test_concurrent_config_changes_are_all_kept(at_town, town):
    procs = [at_town.shell_async("gt", "config", "agent", "set", f"agent{n}", f"tool{n} --x")
             for n in range(6)]
    assert [p.wait(timeout=120) for p in procs] == [0] * 6
    agents = tomllib.loads((town / "settings/config.toml").read_text())["agents"]
    assert sorted(agents) == [f"agent{n}" for n in range(6)]


def _replace(path, old, new):
    text = path.read_text()
    assert old in text, text
    path.write_text(text.replace(old, new))


@pytest.mark.parametrize("file,old,new,line,key,expected", [
    ("mayor/rigs.toml", None, '[rigs]\nmy_proj = "oops"\n', "rig list", "rigs.my_proj",
     'a table ([rigs.NAME] with url, branch and prefix), not the string "oops"'),
    ("mayor/rigs.toml", 'url = "', 'url = 5\nold_url = "', "rig list", "rigs.my_proj.url",
     "a string, not the number 5"),
    ("mayor/rigs.toml", 'branch = "', 'branch = true\nold = "', "crew add bob --rig my_proj",
     "rigs.my_proj.branch", "a string, not the boolean true"),
    ("mayor/rigs.toml", 'prefix = "mp"', "prefix = [1]", "crew list", "rigs.my_proj.prefix",
     "a string, not an array"),
    ("mayor/town.toml", 'name = "town"', "name = 7", "config show", "name",
     "a string, not the number 7"),
    ("settings/config.toml", "stall_minutes = 15", 'stall_minutes = "x"', "config show",
     "stall_minutes", 'a whole number, not the string "x"'),
    ("settings/config.toml", "max_polecats = 30", "max_polecats = true",
     "config get max_polecats", "max_polecats", "a whole number, not the boolean true"),
    ("settings/config.toml", 'theme = "gastown-dark"', "theme = 3", "config get theme",
     "theme", "a string, not the number 3"),
    ("settings/config.toml", "stall_minutes = 15", "stall_minutes = 0", "config show",
     "stall_minutes", "a whole number from 1 to 10080, not the number 0"),
    ("settings/config.toml", "max_polecats = 30", "max_polecats = -2", "config show",
     "max_polecats", "a whole number from 1 to 1000, not the number -2"),
    ("settings/config.toml", 'nudge_mode = "wait-idle"', 'nudge_mode = "soon"',
     "config get nudge_mode", "nudge_mode",
     'one of immediate, wait-idle, queue, not the string "soon"'),
    ("settings/config.toml", "[agents]\n", '[agents]\nmine = "tool --x"\n',
     "config agent list", "agents.mine",
     'a table ([agents.NAME] with command = "..."), not the string "tool --x"'),
    ("settings/config.toml", "[agents]\n", "[agents.mine]\ncommand = 5\n",
     "config default-agent", "agents.mine.command", "a string, not the number 5"),
    ("my_proj/config.toml", None, "agent = 3\n", "config get agent --rig my_proj", "agent",
     "a string, not the number 3"),
])
def test_a_setting_of_the_wrong_type_is_a_clear_error(rig_town, town, file, old, new, line,
                                                       key, expected):
    """Not a rig that vanishes from `gt rig list` or a url shown as `5`: the one-line error
    of a malformed file, naming the file, the key and the type wanted."""
    path = town / file
    if old is None:
        path.write_text(new)
    else:
        _replace(path, old, new)
    before = tree_snapshot(town)
    result = rig_town.gt(line)
    assert result.exit_code == 1, (result.exit_code, result.error, result.data)
    assert result.error == f"{path}: '{key}' must be {expected}; fix that file"
    assert tree_snapshot(town) == before


def test_a_hand_made_bad_value_is_mended_with_config_set(at_town, town):
    path = town / "settings/config.toml"
    _replace(path, "stall_minutes = 15", "stall_minutes = 0  # mine")
    assert "'stall_minutes' must be a whole number from 1 to 10080" in \
        at_town.gt("config show").error
    at_town.ok("config set stall_minutes 5")
    assert "stall_minutes = 5  # mine" in path.read_text()
    assert at_town.ok("config get stall_minutes") == 5


def test_a_rig_entry_of_the_wrong_type_fails_gt_rig_list_in_the_shell(rig_town, town):
    (town / "mayor/rigs.toml").write_text('[rigs]\nmy_proj = "oops"\n')
    proc = rig_town.shell("gt", "rig", "list")
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr == (f"gt: error: {town / 'mayor/rigs.toml'}: 'rigs.my_proj' must be a "
                           "table ([rigs.NAME] with url, branch and prefix), not the string "
                           "\"oops\"; fix that file\n")
