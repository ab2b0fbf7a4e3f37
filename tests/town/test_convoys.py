"""Convoys: cross-rig tracking in the town ledger, landing on the last close, mail on landing."""

import pytest

from gastown_town_test_fixtures import make_repo, tree_snapshot
from gastown_tui.town import check_landing, create_convoy, find_town, inbox


@pytest.fixture
def two_rigs(rig_town, town, tmp_path):
    make_repo(tmp_path / "src2")
    rig_town.ok(f"rig add other {tmp_path / 'src2'}")
    rig_town.ok("crew add bob --rig other")
    a = rig_town.at(town / "my_proj/crew/alice")
    b = rig_town.at(town / "other/crew/bob")
    return a, b


def test_convoy_tracks_issues_of_several_rigs(two_rigs, rig_town, town):
    a, b = two_rigs
    x, y = a.new_bead("Fix login"), b.new_bead("Add API")
    c = rig_town.ok(f"convoy create 'Feature X' {y} {x} --notify --human")
    assert c.id.startswith("hq-cv-") and c.total == 2 and c.done == 0 and c.status == "open"
    assert c.notify == ["mayor/", "overseer"]
    # In the order given, not by id (other's prefix sorts after my_proj's).
    assert [(t.id, t.rig) for t in c.tracked] == [(y, "other"), (x, "my_proj")]
    listed = rig_town.ok("convoy list")
    assert [(v.id, v.progress) for v in listed] == [(c.id, "0/2")]
    a.ok(f"update {x} --claim", prog="bd")
    shown = rig_town.ok("convoy show")
    assert shown.id == c.id
    assert {t.id: t.status for t in shown.tracked}[x] == "in_progress"
    assert {t.id: t.assignee for t in shown.tracked}[x]
    a.ok(f"close {x}", prog="bd")
    assert rig_town.ok(f"convoy show {c.id}").progress == "1/2"
    assert rig_town.ok("mail inbox overseer") == []
    b.ok(f"close {y}", prog="bd")
    landed = rig_town.ok(f"convoy show {c.id}")
    assert landed.status == "landed" and landed.progress == "2/2"
    assert rig_town.ok("convoy list") == []
    assert rig_town.gt("convoy list").render() == \
        "(no open convoys; 1 landed: gt convoy list --all)"
    assert rig_town.gt("convoy list --json").render() == "[]"
    assert [v.id for v in rig_town.ok("convoy list --all")] == [c.id]
    for who in ("overseer", "mayor/"):
        mail = rig_town.ok(f"mail inbox {who}")
        assert [m.subject for m in mail] == ["Convoy landed: Feature X"]
        assert x in rig_town.ok(f"mail read {mail[0].id}").message.body


def test_add_issue_reopens_a_landed_convoy(two_rigs, rig_town):
    a, _ = two_rigs
    x = a.new_bead("One")
    c = rig_town.ok(f"convoy create Small {x}")
    a.ok(f"close {x}", prog="bd")
    assert rig_town.ok(f"convoy show {c.id}").status == "landed"
    # Without --notify the Mayor hears about it.
    assert [m.subject for m in rig_town.ok("mail inbox mayor/")] == ["Convoy landed: Small"]
    y = a.new_bead("Two")
    again = rig_town.ok(f"convoy add-issue {y} --convoy {c.id}")
    assert again.status == "open" and again.progress == "1/2"
    assert [t.id for t in again.tracked] == [x, y]
    z = a.new_bead("Three")
    assert rig_town.ok(f"convoy add-issue {z}").progress == "1/3"  # newest open convoy
    a.ok(["update", y, z, "--status", "closed"], prog="bd")
    assert rig_town.ok(f"convoy show {c.id}").status == "landed"
    assert len(rig_town.ok("mail inbox mayor/")) == 2


def test_reopening_a_tracked_issue_reopens_its_landed_convoy(two_rigs, rig_town, town):
    """A landed convoy must not stay landed (2/3, closed) while one of its issues is open."""
    a, b = two_rigs
    x, y, z = a.new_bead("One"), b.new_bead("Two"), a.new_bead("Three")
    c = rig_town.ok(f"convoy create Ship {x} {y} {z} --human")
    hand = rig_town.ok(f"convoy create Abandoned {x}")
    rig_town.ok(f"convoy close {hand.id}")
    for who, bead in ((a, x), (b, y), (a, z)):
        who.ok(f"close {bead}", prog="bd")
    assert rig_town.ok(f"convoy show {c.id}").status == "landed"

    proc = a.shell("bd", "reopen", x)                    # as a person types it
    assert proc.returncode == 0, proc.stderr
    assert f"convoy {c.id} is open again: Ship (2/3 closed)" in proc.stderr
    shown = rig_town.ok(f"convoy show {c.id}")
    assert (shown.status, shown.progress, shown.closed_at) == ("open", "2/3", None)
    assert [v.id for v in rig_town.ok("convoy list")] == [c.id]
    assert rig_town.ok(f"convoy show {hand.id}").status == "closed"   # closed by hand stays
    events = find_town(town, {}).ledger().events(c.id)
    assert [e.event_type for e in events].count("closed") == 1
    assert (events[-1].event_type, events[-1].new_value) == ("reopened", "open")

    a.ok(f"close {x}", prog="bd")                        # it lands, and mails, again
    assert rig_town.ok(f"convoy show {c.id}").status == "landed"
    assert [m.subject for m in rig_town.ok("mail inbox overseer")] == \
        ["Convoy landed: Ship"] * 2

    b.ok(["update", y, "--status", "in_progress"], prog="bd")   # the same through update
    assert rig_town.ok(f"convoy show {c.id}").progress == "2/3"
    assert rig_town.ok(f"convoy show {c.id}").status == "open"
    b.ok(["update", y, "--status", "closed"], prog="bd")
    assert rig_town.ok(f"convoy show {c.id}").status == "landed"
    assert len(rig_town.ok("mail inbox overseer")) == 3


def test_refresh_and_close(two_rigs, rig_town, town):
    a, _ = two_rigs
    x = a.new_bead("Closed elsewhere")
    c = rig_town.ok(f"convoy create Later {x}")
    # Closing through the ledger API directly skips the CLI hook; refresh catches up.
    find_town(town, {}).rig("my_proj").ledger().close(x)
    assert rig_town.ok(f"convoy show {c.id}").status == "open"
    refreshed = rig_town.gt("convoy refresh")
    assert [v.id for v in refreshed.data.convoys] == [c.id]
    assert refreshed.render() == f"Landed {c.id}: Later (1/1)"
    assert rig_town.gt("convoy refresh").render() == "No convoy landed."
    assert rig_town.gt("convoy refresh --json").render() == "[]"
    y = a.new_bead("Manual")
    d = rig_town.ok(f"convoy create Manual {y}")
    closed = rig_town.ok(f"convoy close {d.id}")
    assert closed.status == "closed"
    assert rig_town.gt(f"convoy close {d.id}").exit_code == 1


def test_api_check_landing_is_idempotent(two_rigs, rig_town, town):
    a, _ = two_rigs
    t = find_town(town, {})
    x = a.new_bead("Only")
    c = create_convoy(t, "Api", [x], notify=["my_proj/crew/alice"])
    t.rig("my_proj").ledger().close(x)
    assert [v.id for v in check_landing(t, x)] == [c.id]
    assert check_landing(t, x) == []
    assert [m.subject for m in inbox(t, "my_proj/crew/alice")] == ["Convoy landed: Api"]


@pytest.mark.parametrize("line,code,words", [
    ("convoy create ''", 2, "one-line name"),
    ("convoy create X mp-nosuch", 1, "no bead"),
    ("convoy create X zz-abc", 1, "no ledger in this town holds ids like"),
    ("convoy create X {x} --notify nobody", 1, "unknown address"),
    ("convoy create X {x} --notify my_proj/crew/ghost", 1, "no crew member 'ghost'"),
    ("convoy create X {x} --notify @rig/nope", 1, "no rig named 'nope'"),
    ("convoy show hq-nosuch", 1, "no bead"),
    ("convoy show {x}", 2, "not a convoy"),
    ("convoy add-issue", 2, "Missing argument"),
    ("convoy add-issue {x} --convoy hq-nosuch", 1, "no bead"),
    ("convoy add-issue mp-nosuch", 1, "no bead"),
    ("convoy close", 2, "Missing argument"),
    ("convoy close hq-nosuch", 1, "no bead"),
    ("convoy refresh hq-nosuch", 1, "no bead"),
    ("convoy list --bogus", 2, "No such option"),
])
def test_convoy_bad_input(rig_town, town, line, code, words):
    x = rig_town.at(town / "my_proj/crew/alice").new_bead("Real")
    before = tree_snapshot(town)
    result = rig_town.gt(line.format(x=x))
    assert result.exit_code == code and words in result.error, result.error
    assert tree_snapshot(town) == before


def test_convoy_show_without_any_convoy(rig_town):
    result = rig_town.gt("convoy show")
    assert result.exit_code == 1 and "gt convoy create" in result.error
    assert rig_town.gt("convoy add-issue mp-x").exit_code == 1


def test_a_listing_leaves_tracked_issues_out_and_show_puts_them_in(rig_town, town):
    """`tracked: []` in a listing would read as "tracks nothing" next to a total of 1."""
    bead = rig_town.at(town / "my_proj/crew/alice").new_bead("Tracked")
    rig_town.ok(f"convoy create Full {bead}")
    empty = rig_town.ok("convoy create 'Bug Fixes' --human")
    listed = rig_town.shell_json("gt", "convoy", "list")
    assert [(c["title"], c["total"], "tracked" in c) for c in listed] == \
        [("Bug Fixes", 0, False), ("Full", 1, False)]
    shown = rig_town.shell_json("gt", "convoy", "show", empty.id)
    assert shown["tracked"] == [] and shown["notify"] == ["overseer"]
    text = rig_town.gt("convoy show").render()
    assert "notify: overseer" in text and f"gt convoy add-issue ID... --convoy {empty.id}" in text
    assert rig_town.gt("convoy list").render().splitlines()[1:] == [
        f"{empty.id}  0/0       open    Bug Fixes", f"{listed[1]['id']}  0/1       open    Full"]


def test_convoy_survives_a_removed_rig(two_rigs, rig_town, town):
    a, b = two_rigs
    x, y = a.new_bead("Stays"), b.new_bead("Goes away")
    c = rig_town.ok(f"convoy create Mixed {x} {y}")
    rig_town.ok("rig remove other --force")
    shown = rig_town.ok(f"convoy show {c.id}")
    assert [(t.id, t.status) for t in shown.tracked] == [(x, "open"), (y, "missing")]
    a.ok(f"close {x}", prog="bd")
    assert rig_town.ok(f"convoy show {c.id}").status == "open"  # y's fate is unknown
    assert rig_town.ok(f"convoy close {c.id}").status == "closed"


def test_racing_closers_land_a_convoy_once(two_rigs, rig_town, town):
    """Two processes close the last two issues at the same moment, three times over: each
    convoy lands exactly once, with exactly one mail per address."""
    a, b = two_rigs
    convoys = []
    for n in range(3):
        x, y = a.new_bead(f"Left {n}"), b.new_bead(f"Right {n}")
        convoys.append(rig_town.ok(f"convoy create 'Race {n}' {x} {y} --human").id)
        procs = [a.shell_async("bd", "close", x), b.shell_async("bd", "close", y)]
        assert [p.wait(timeout=60) for p in procs] == [0, 0]
    for cid in convoys:
        assert rig_town.ok(f"convoy show {cid}").status == "landed"
    subjects = sorted(m.subject for m in rig_town.ok("mail inbox overseer"))
    assert subjects == [f"Convoy landed: Race {n}" for n in range(3)]


def test_sling_keeps_work_in_the_convoy_that_already_tracks_it(rig_town, town):
    """The Gas Town README flow: create a convoy, add the bug, sling it; `convoy show` is that convoy."""
    alice = rig_town.at(town / "my_proj/crew/alice")
    bug, other = alice.new_bead("bug one"), alice.new_bead("bug two")
    fixes = rig_town.ok("convoy create 'Bug Fixes' --human")
    rig_town.ok(f"convoy add-issue {bug}")
    rig_town.ok("config default-agent demo")
    slung = rig_town.ok(f"sling {bug} my_proj/my-agent")
    assert slung.slung[0].convoy == fixes.id
    assert [c.title for c in rig_town.ok("convoy list")] == ["Bug Fixes"]
    shown = rig_town.ok("convoy show")
    assert shown.id == fixes.id and [(t.id, t.status) for t in shown.tracked] == [(bug, "hooked")]
    # Work in no convoy still gets its own, so it shows up in the convoy panel.
    assert rig_town.ok(f"sling {other} my_proj").slung[0].convoy not in (None, fixes.id)
