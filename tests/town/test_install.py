"""`gt install` and finding the town."""

import tomllib

import pygit2
import pytest

from gastown_town_test_fixtures import tree_snapshot
from gastown_tui.beads import Ledger
from gastown_tui.town import NotInTown, find_town
from gastown_tui.town.routes import read_routes


def test_install_lays_out_a_town(tmp_path, runner):
    target = tmp_path / "gt"
    result = runner.gt(f"install {target} --git --name hq-town")
    assert result.ok, result.error
    assert "Created town 'hq-town'" in result.render()
    ident = tomllib.loads((target / "mayor/town.toml").read_text())
    assert ident["name"] == "hq-town" and ident["version"] == 1 and ident["created"]
    assert tomllib.loads((target / "mayor/rigs.toml").read_text()) == {"rigs": {}}
    config = tomllib.loads((target / "settings/config.toml").read_text())
    assert config["default_agent"] == "claude" and config["agents"] == {}
    assert Ledger.open(target / ".beads").prefix == "hq"
    assert read_routes(target) == {"hq-": "."}
    assert ".runtime/" in (target / ".gitignore").read_text().split()
    assert (target / ".runtime/polecats").is_dir()
    repo = pygit2.Repository(str(target))
    head = repo[repo.head.target]
    assert "hq-town" in head.message
    committed = {e.name for e in head.tree}
    assert {"mayor", "settings", ".beads", ".gitignore"} <= committed
    assert ".runtime" not in committed
    # The town ledger's JSONL goes through the beads merge driver in this repository.
    assert ".beads/issues.jsonl merge=" in (target / ".gitattributes").read_text()
    assert (target / "mayor/town.toml").stat().st_mode & 0o777 == 0o600


def test_install_without_git_makes_no_repository(tmp_path, runner):
    runner.ok(f"install {tmp_path / 'plain'}")
    assert not (tmp_path / "plain/.git").exists()
    assert find_town(tmp_path / "plain", {}).name == "plain"


def test_install_on_existing_town_changes_nothing(town, runner):
    before = tree_snapshot(town)
    result = runner.gt(f"install {town} --force")
    assert result.exit_code == 1 and "already a town" in result.error
    assert tree_snapshot(town) == before


def test_install_refuses_non_empty_directory_without_force(tmp_path, runner):
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("mine\n")
    result = runner.gt(f"install {target}")
    assert result.exit_code == 1 and "--force" in result.error
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]
    runner.ok(f"install {target} --force --git")
    assert (target / "mayor/town.toml").is_file()
    assert (target / "notes.txt").read_text() == "mine\n"
    # The first commit holds the town, not the files that were there before.
    repo = pygit2.Repository(str(target))
    committed = {e.name for e in repo[repo.head.target].tree}
    assert "mayor" in committed and "notes.txt" not in committed


def test_install_refuses_an_empty_name(tmp_path, runner):
    result = runner.gt(["install", str(tmp_path / "unnamed"), "--name", ""])
    assert result.exit_code == 2 and "bad town name" in result.error
    assert not (tmp_path / "unnamed").exists()


def test_install_refuses_a_file(tmp_path, runner):
    (tmp_path / "f").write_text("x")
    result = runner.gt(f"install {tmp_path / 'f'}")
    assert result.exit_code in (1, 2) and result.error


def test_install_relative_path_uses_the_callers_directory(tmp_path, runner):
    runner.ok("install rel_town")
    assert (tmp_path / "rel_town/mayor/town.toml").is_file()


def test_find_town_walks_up_and_honours_gt_town_root(town, tmp_path):
    deep = town / "settings"
    assert find_town(deep, {}).root == town.resolve()
    assert find_town(tmp_path, {"GT_TOWN_ROOT": str(town)}).root == town.resolve()
    with pytest.raises(NotInTown, match="gt install"):
        find_town(tmp_path, {})
    with pytest.raises(NotInTown, match="GT_TOWN_ROOT"):
        find_town(town, {"GT_TOWN_ROOT": str(tmp_path)})


def test_commands_outside_a_town_say_so(runner, tmp_path):
    for line in ("rig list", "crew list", "convoy list", "mail inbox", "config show"):
        result = runner.gt(line)
        assert result.exit_code == 1, line
        assert result.error.startswith("not inside a town"), result.error
        assert "gt install" in result.error


def test_install_inside_a_town_is_refused(town, runner):
    before = tree_snapshot(town)
    result = runner.gt(f"install {town / 'inner'}")
    assert result.exit_code == 1 and "inside the town" in result.error
    assert tree_snapshot(town) == before


def test_new_towns_carry_the_release_formula_of_the_gas_town_readme(tmp_path, runner):
    target = tmp_path / "gt"
    runner.ok(f"install {target} --git")
    at = runner.at(target)
    assert "release" in at.bd("formula list").render()
    cooked = at.bd("cook release --var version=1.2.0")
    assert cooked.ok and "git tag -a v1.2.0" in cooked.render()
    missing = at.bd("cook release")
    assert missing.exit_code == 1 and "required variable is missing" in missing.error
    poured = at.shell_json("bd", "mol", "pour", "release", "--var", "version=1.2.0")
    assert poured["id"].startswith("hq-mol-")
    assert [i["title"] for i in at.shell_json("bd", "ready")] == ["Bump version"]


def test_a_failed_install_leaves_no_folder_it_made(tmp_path, runner):
    """`gt install a/b/c` that fails after making its folders takes a and b away with c, and
    never a folder that was there before."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[user\nname = x\n")   # git cannot read it: --git fails
    there = tmp_path / "there"
    there.mkdir()
    at = runner.at(tmp_path, HOME=str(home))
    for target in (tmp_path / "a/b/c", there / "b/c", tmp_path / "q/../d/e"):
        proc = at.shell("gt", "install", str(target), "--git")
        assert proc.returncode == 1 and ".gitconfig" in proc.stderr, proc.stderr
        assert proc.stderr.startswith("gt: error: cannot make a git repository at ")
        assert "internal error" not in proc.stderr and proc.stderr.count("\n") == 1
        assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "there"]
        assert list(there.iterdir()) == []
