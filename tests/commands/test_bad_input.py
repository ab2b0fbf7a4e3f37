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


# What an adversarial run of ~1,500 commands tried that got an internal error or was taken
# when it should have been refused: each now one line, the bound or the fix named, no change.
ADVERSARIAL = [
    ("gt", ["rig", "add", "a" * 300, "SRC"], 2, "at most 64 characters"),
    ("gt", ["rig", "add", "NAME", ""], 2, "the repository to clone is empty"),
    ("gt", ["rig", "add", "NAME", "."], 2, "is the town itself"),
    ("bd", ["list", "-n", "99999999999999999999999"], 2, "0<=x<=1000000"),
    ("bd", ["ready", "-n", "99999999999999999999999"], 2, "0<=x<=1000000"),
    ("bd", ["search", "x", "-n", "99999999999999999999999"], 2, "0<=x<=1000000"),
    ("gt", ["config", "agent", "set", "a" * 10_000, "echo hi"], 2, "at most 64 characters"),
    ("gt", ["config", "set", "stall_minutes", str(10 ** 23)], 2, "from 1 to 10080"),
    ("gt", ["config", "set", "max_polecats", str(10 ** 23)], 2, "from 1 to 1000"),
    ("gt", ["demo", "--timeout", "nan", "--headless"], 2, "not a number of seconds"),
    ("gt", ["down", "--timeout", "inf"], 2, "not a number of seconds"),
    ("gt", ["install", "/proc/x"], 1, "cannot make a town at /proc/x"),
    ("gt", ["sling", "mp-../../evil", "my_proj"], 2, "bad issue id 'mp-../../evil'"),
]


@pytest.mark.parametrize("prog,words,code,said", ADVERSARIAL,
                         ids=[" ".join(w)[:40] for _p, w, _c, _s in ADVERSARIAL])
def test_what_the_adversarial_run_tried(rig_town, town, src_repo, prog, words, code, said):
    words = [str(src_repo) if w == "SRC" else w for w in words]
    before = tree_snapshot(town)
    result = (rig_town.gt if prog == "gt" else rig_town.bd)(words)
    assert result.exit_code == code and said in result.error, result.error
    assert "\n" not in result.error and "internal error" not in result.error
    assert tree_snapshot(town) == before


@pytest.mark.parametrize("damage", ["binary", "directory"])
def test_a_settings_file_that_is_no_toml_text(rig_town, town, damage):
    config = town / "settings/config.toml"
    config.unlink()
    if damage == "binary":
        config.write_bytes(bytes(range(256)) * 4)
    else:
        config.mkdir()
    for line in ("config show", "config set theme gastown-light", "convoy list"):
        result = rig_town.gt(line)
        if line == "convoy list":
            assert result.exit_code == 0   # a command that needs no settings works on
            continue
        said = "is not text (not UTF-8)" if damage == "binary" else "is a directory"
        assert result.exit_code == 1 and said in result.error, (line, result.error)
        assert "internal error" not in result.error


def test_sling_of_an_id_an_old_import_let_in(rig_town, town):
    """Ledgers from before imports refused such ids may hold one: sling refuses it before git
    gets a branch name made of it."""
    import sqlite3

    beads = town / "my_proj/mayor/rig/.beads"
    rig_town.at(town / "my_proj/mayor/rig").new_bead("made the old way")
    with sqlite3.connect(beads / "beads.db") as db:
        db.execute("UPDATE issues SET id='mp-../../evil' WHERE title='made the old way'")
    before = tree_snapshot(town)
    result = rig_town.gt(["sling", "mp-../../evil", "my_proj"])
    assert result.exit_code == 2 and "bad issue id" in result.error, result.error
    assert tree_snapshot(town) == before
