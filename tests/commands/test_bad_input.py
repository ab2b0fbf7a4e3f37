"""Every town command, given words it cannot use: exit 2, one line, no traceback, no change."""

import click
import pytest

from gastown_town_test_fixtures import tree_snapshot
from gastown_tui.commands import gt as gt_cli

TOWN_GROUPS = ("install", "rig", "crew", "config", "convoy", "mail", "completion")


def _leaves(cmd: click.Command, path: tuple[str, ...]):
    if isinstance(cmd, click.Group):
        for name, sub in sorted(cmd.commands.items()):
            yield from _leaves(sub, path + (name,))
    else:
        yield path, cmd


LEAVES = [(" ".join(p), cmd) for g in TOWN_GROUPS
          for p, cmd in _leaves(gt_cli.root().commands[g], (g,))]


def _required(cmd: click.Command) -> bool:
    return any(p.required for p in cmd.params)


@pytest.mark.parametrize("path", [p for p, _ in LEAVES])
def test_unknown_option_is_bad_usage(rig_town, town, path):
    before = tree_snapshot(town)
    result = rig_town.gt(f"{path} --no-such-flag")
    assert result.exit_code == 2 and "No such option" in result.error
    assert "\n" not in result.error and "Traceback" not in result.error
    assert tree_snapshot(town) == before


@pytest.mark.parametrize("path", [p for p, cmd in LEAVES if _required(cmd)])
def test_missing_words_are_bad_usage(rig_town, town, path):
    before = tree_snapshot(town)
    result = rig_town.gt(path)
    assert result.exit_code == 2 and "Missing" in result.error, result.error
    assert f"see 'gt {path} --help'" in result.error
    assert tree_snapshot(town) == before


@pytest.mark.parametrize("group", [g for g in TOWN_GROUPS
                                   if isinstance(gt_cli.root().commands[g], click.Group)])
def test_unknown_subcommand_is_bad_usage(rig_town, group):
    result = rig_town.gt(f"{group} frobnicate")
    assert result.exit_code == 2 and "No such command 'frobnicate'" in result.error


def test_shell_errors_are_one_line_on_stderr(rig_town):
    for args in (["rig", "add", "bad-name", "/x"], ["convoy", "show", "hq-nosuch"],
                 ["mail", "send", "nobody", "-s", "x", "-m", "y"], ["crew", "add"]):
        proc = rig_town.shell("gt", *args)
        assert proc.returncode in (1, 2) and proc.stdout == ""
        assert proc.stderr.startswith("gt: error: ") and proc.stderr.count("\n") == 1, args
