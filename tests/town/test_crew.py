"""`gt crew add/list/remove`: full clones that use the rig ledger."""

from pathlib import Path

import pygit2
import pytest

from gastown_town_test_fixtures import SIG, tree_snapshot
from gastown_tui.beads import find_beads_dir
from gastown_tui.town import current_identity, find_town


def test_crew_clone_uses_rig_origin_branch_and_ledger(rig_town, town, src_repo):
    crew = town / "my_proj/crew/alice"
    repo = pygit2.Repository(str(crew))
    assert repo.head.shorthand == "main" and not repo.is_bare
    assert repo.remotes["origin"].url == str(src_repo)
    rig = find_town(town, {}).rig("my_proj")
    assert find_beads_dir(crew, {}) == rig.beads_dir.resolve()
    (crew / "sub").mkdir()
    assert find_beads_dir(crew / "sub", {}) == rig.beads_dir.resolve()
    # The redirect is the town's business, not the project's: git does not see it.
    assert repo.status() == {}
    bead = rig_town.at(crew).new_bead("From the crew")
    assert bead.startswith("mp-") and rig.ledger().get(bead).title == "From the crew"


def test_crew_identity(rig_town, town):
    t = find_town(town, {})
    crew = town / "my_proj/crew/alice"
    assert current_identity(t, crew, {}) == "my_proj/crew/alice"
    assert current_identity(t, crew / "deep", {}) == "my_proj/crew/alice"
    assert current_identity(t, town, {}) == "overseer"
    assert current_identity(t, crew, {"BD_ACTOR": "my_proj/polecats/toast"}) == \
        "my_proj/polecats/toast"
    assert current_identity(t, town, {"GT_ROLE": "mayor"}) == "mayor/"
    assert current_identity(t, town, {"GT_ROLE": "polecat", "GT_RIG": "my_proj",
                                      "GT_POLECAT": "nux"}) == "my_proj/polecats/nux"


def test_crew_list_and_remove(rig_town, town):
    rig_town.ok("crew add bob --rig my_proj")
    rows = rig_town.ok("crew list")
    assert [(m.rig, m.name, m.identity) for m in rows] == [
        ("my_proj", "alice", "my_proj/crew/alice"), ("my_proj", "bob", "my_proj/crew/bob")]
    assert [m.name for m in rig_town.ok("crew list --rig my_proj")] == ["alice", "bob"]
    rig_town.ok("crew remove bob --rig my_proj")
    assert not (town / "my_proj/crew/bob").exists()
    assert [m.name for m in rig_town.ok("crew list")] == ["alice"]


def test_crew_remove_keeps_unpushed_work(rig_town, town):
    crew = town / "my_proj/crew/alice"
    repo = pygit2.Repository(str(crew))
    (crew / "mine.txt").write_text("x\n")
    repo.index.add_all()
    repo.index.write()
    repo.create_commit("HEAD", SIG, SIG, "mine", repo.index.write_tree(), [repo.head.target])
    result = rig_town.gt("crew remove alice --rig my_proj")
    assert result.exit_code == 1 and "unpushed" in result.error
    assert (crew / "mine.txt").exists()
    forced = rig_town.gt("crew remove alice --rig my_proj --force")
    assert forced.ok and not crew.exists()
    aside = Path(forced.data.note.split(" is kept at ")[1].split(" (")[0])
    assert aside.parent == town / ".runtime/archive" and (aside / "mine.txt").read_text() == "x\n"
    assert pygit2.Repository(str(aside)).head.peel().message == "mine"


def test_crew_remove_moves_ignored_files_aside(rig_town, town):
    """A clean clone's git-ignored files (a `.env`, local notes) are no unpushed work, but a
    person wrote them: removing the clone moves them under the town's runtime dir and says
    where; dependencies a tool makes again are not kept."""
    rig_town.ok("crew add dora --rig my_proj")
    crew = town / "my_proj/crew/dora"
    exclude = crew / ".git" / "info" / "exclude"
    exclude.write_text(exclude.read_text() + ".env\nnotes/\nnode_modules/\n")
    (crew / ".env").write_text("TOKEN=1\n")
    (crew / "notes").mkdir()
    (crew / "notes" / "todo.md").write_text("- ship\n")
    (crew / "node_modules" / "x").mkdir(parents=True)
    (crew / "node_modules" / "x" / "i.js").write_text("1\n")
    result = rig_town.gt("crew remove dora --rig my_proj")
    assert result.exit_code == 0, result.error
    assert not crew.exists()
    [aside] = (town / ".runtime" / "archive").glob("crew-my_proj-dora-*")
    assert (aside / ".env").read_text() == "TOKEN=1\n"
    assert (aside / "notes" / "todo.md").read_text() == "- ship\n"
    assert not (aside / "node_modules").exists() and not (aside / ".beads").exists()
    assert f"2 ignored files moved to {aside}" in result.data.render_text()


@pytest.mark.parametrize("line,code,words", [
    ("crew add alice --rig my_proj", 1, "already exists"),
    ("crew add 'bad name' --rig my_proj", 2, "bad crew name"),
    ("crew add ../escape --rig my_proj", 2, "bad crew name"),
    ("crew add carol --rig nope", 2, "no rig named 'nope'"),
    ("crew add carol", 2, "Missing option '--rig'"),
    ("crew remove ghost --rig my_proj", 2, "no crew 'ghost'"),
    ("crew list --rig nope", 2, "no rig named"),
])
def test_crew_bad_input(rig_town, town, line, code, words):
    before = tree_snapshot(town)
    result = rig_town.gt(line)
    assert result.exit_code == code and words in result.error, result.error
    assert tree_snapshot(town) == before


def test_bd_in_a_crew_clone_acts_as_the_crew_member(rig_town, town):
    crew = rig_town.at(town / "my_proj/crew/alice")
    bead = crew.new_bead("Mine")
    rig = find_town(town, {}).rig("my_proj")
    assert rig.ledger().get(bead).created_by == "my_proj/crew/alice"
    crew.ok(f"update {bead} --claim", prog="bd")
    assert rig.ledger().get(bead).assignee == "my_proj/crew/alice"
    other = rig_town.at(town / "my_proj/crew/alice", BD_ACTOR="someone").new_bead("Theirs")
    assert rig.ledger().get(other).created_by == "someone"
