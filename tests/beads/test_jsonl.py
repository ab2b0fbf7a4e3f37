"""The JSONL mirror: deterministic export, import of outside changes with field-level merge,
malformed lines kept aside, fresh clones, and the three-way merge used by the git driver."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gastown_tui.beads import Ledger, LedgerError
from gastown_tui.beads.jsonl import merge_files, merge_three, merge_two, normalise
from gastown_tui.beads.model import HEAD_FIELDS, TAIL_FIELDS

FIELD_ORDER = [*HEAD_FIELDS[:19], "labels", "dependencies", "comments", *TAIL_FIELDS]


def lines(led) -> list[dict]:
    return [json.loads(x) for x in led.jsonl_path.read_text().splitlines()]


def test_export_is_deterministic_bd_format(led):
    a = led.create("A", description="d", labels=["z", "a"], sender="mayor/", ephemeral=False)
    b = led.create("B", deps=[a.id], priority=0)
    led.add_comment(a.id, "hi")
    text = led.jsonl_path.read_text()
    assert text.endswith("\n") and text.count("\n") == 2
    recs = lines(led)
    assert [r["id"] for r in recs] == sorted([a.id, b.id])
    for rec in recs:
        keys = list(rec)
        assert keys == sorted(keys, key=FIELD_ORDER.index)
        assert "priority" in rec and "assignee" not in rec and "ephemeral" not in rec
        assert rec["created_at"].endswith("+00:00")
    ra = next(r for r in recs if r["id"] == a.id)
    assert ra["labels"] == ["a", "z"] and ra["sender"] == "mayor/"
    assert ra["comments"][0]["text"] == "hi"
    rb = next(r for r in recs if r["id"] == b.id)
    assert rb["dependencies"] == [{**rb["dependencies"][0], "issue_id": b.id,
                                   "depends_on_id": a.id, "type": "blocks"}]
    assert '": ' not in text and ', "' not in text       # compact separators
    before = led.jsonl_path.read_bytes()
    led.export_file(led.beads_dir / "copy.jsonl")
    assert (led.beads_dir / "copy.jsonl").read_bytes() == before
    led.list()
    assert led.jsonl_path.read_bytes() == before        # reads do not rewrite


def _edit(path: Path, issue_id: str, **changes) -> None:
    recs = [json.loads(x) for x in path.read_text().splitlines()]
    for r in recs:
        if r["id"] == issue_id:
            r.update(changes)
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))


def test_outside_edit_is_imported_on_open(led, workdir):
    a = led.create("A", labels=["mine"])
    led.add_comment(a.id, "local comment")
    path = led.jsonl_path
    rec = next(r for r in lines(led) if r["id"] == a.id)
    _edit(path, a.id, title="A from git", labels=["theirs"], updated_at="2999-01-01T00:00:00+00:00",
          comments=rec["comments"] + [{"id": 99, "issue_id": a.id, "author": "amy",
                                       "text": "remote", "created_at": "2999-01-01T00:00:00Z"}])
    with path.open("a") as f:
        f.write(json.dumps({"id": "tt-new1", "title": "pulled", "status": "open",
                            "priority": 1, "issue_type": "bug", "mystery_field": {"x": 1}}) + "\n")
    led2 = Ledger.open(workdir / ".beads")
    got = led2.get(a.id)
    assert got.title == "A from git"
    # The db's version is the one the file held before the edit: the newer outside version
    # descends from it, so its label change stands (a removal is not undone by a union).
    assert got.labels == ["theirs"]
    assert [c.text for c in got.comments] == ["local comment", "remote"]
    new = led2.get("tt-new1")
    assert (new.title, new.priority, new.issue_type) == ("pulled", 1, "bug")
    assert new.extra == {"mystery_field": {"x": 1}}
    assert json.loads([x for x in path.read_text().splitlines() if "tt-new1" in x][0])[
        "mystery_field"] == {"x": 1}
    led2.close_db()


def test_closed_beats_open_and_newer_wins(led, workdir):
    a = led.create("A")
    b = led.create("B")
    led.update(b.id, title="B newer locally")
    _edit(led.jsonl_path, a.id, status="closed", closed_at="2000-01-01T00:00:00+00:00",
          updated_at="2000-01-01T00:00:00+00:00", title="old title")
    _edit(led.jsonl_path, b.id, title="B old", updated_at="2000-01-01T00:00:00+00:00")
    led2 = Ledger.open(workdir / ".beads")
    got = led2.get(a.id)
    assert got.status == "closed" and got.title == "A"       # older record: only the close wins
    assert led2.get(b.id).title == "B newer locally"
    led2.close_db()


def test_hand_edit_without_new_stamp_wins(led, workdir):
    # A hand edit keeps updated_at; whichever way its text sorts, it must not be overwritten.
    bead = led.create("Middle", labels=["keep"])
    for title in ("Zebra by hand", "Aardvark by hand"):
        _edit(led.jsonl_path, bead.id, title=title)
        with Ledger.open(workdir / ".beads") as again:
            got = again.get(bead.id)
            assert (got.title, got.labels) == (title, ["keep"])
        assert f'"title":"{title}"' in led.jsonl_path.read_text()


def test_malformed_lines_reported_and_kept(led, workdir):
    led.create("A")
    with led.jsonl_path.open("a") as f:
        f.write("{not json\n")
        f.write(json.dumps({"title": "no id"}) + "\n")
        f.write(json.dumps({"id": "tt-ok9", "title": "fine"}) + "\n")
    led2 = Ledger.open(workdir / ".beads")
    assert len(led2.warnings) == 2
    assert "issues.jsonl:2: not JSON" in led2.warnings[0]
    assert "issues.jsonl:3: no string 'id'" in led2.warnings[1]
    assert led2.get("tt-ok9").title == "fine"
    rejected = (workdir / ".beads" / "issues.jsonl.rejected").read_text()
    assert "{not json" in rejected and '"no id"' in rejected
    assert "{not json" not in led2.jsonl_path.read_text()
    led2.close_db()
    led3 = Ledger.open(workdir / ".beads")
    assert led3.warnings == []
    led3.close_db()


def test_fresh_clone_builds_db_from_jsonl(led, workdir, tmp_path):
    a = led.create("A", labels=["l"])
    led.create("B", deps=[a.id])
    clone = tmp_path / "clone" / ".beads"
    clone.mkdir(parents=True)
    for name in ("issues.jsonl", "config.toml"):
        (clone / name).write_bytes((workdir / ".beads" / name).read_bytes())
    fresh = Ledger.open(clone)
    assert fresh.prefix == "tt"
    assert {i.title for i in fresh.list()} == {"A", "B"}
    assert [i.title for i in fresh.ready()] == ["A"]
    assert (clone / "issues.jsonl").read_bytes() == led.jsonl_path.read_bytes()
    fresh.close_db()
    (clone / "config.toml").unlink()
    (clone / "beads.db").unlink()
    assert Ledger.open(clone).prefix == "tt"     # prefix inferred from the ids


def test_deleted_jsonl_is_rewritten(led, workdir):
    led.create("A")
    led.jsonl_path.unlink()
    led2 = Ledger.open(workdir / ".beads")
    assert "A" in led2.jsonl_path.read_text()
    led2.close_db()


def rec(**kw) -> dict:
    base = {"id": "x-1", "title": "t", "status": "open", "priority": 2, "issue_type": "task",
            "created_at": "2025-01-01T00:00:00+00:00", "updated_at": "2025-01-01T00:00:00+00:00"}
    return normalise({**base, **kw})


def test_merge_two_is_symmetric():
    a = rec(title="a", labels=["1"], updated_at="2025-02-01T00:00:00+00:00")
    b = rec(title="b", labels=["2"], status="closed", closed_at="2025-01-15T00:00:00+00:00")
    assert merge_two(a, b) == merge_two(b, a)
    m = merge_two(a, b)
    assert (m["title"], m["status"], m["labels"]) == ("a", "closed", ["1", "2"])
    assert m["updated_at"] == "2025-02-01T00:00:00+00:00"


def test_merge_three_field_level():
    base = rec(labels=["keep", "drop"], description="d",
               dependencies=[{"issue_id": "x-1", "depends_on_id": "x-0", "type": "blocks"}])
    ours = rec(title="ours title", labels=["keep", "drop", "o"], description="d",
               updated_at="2025-03-01T00:00:00+00:00",
               dependencies=base["dependencies"])
    theirs = rec(priority=0, labels=["keep", "t"], description="d", notes="their notes",
                 updated_at="2025-02-01T00:00:00+00:00",
                 comments=[{"id": 1, "author": "a", "text": "c", "created_at": "x"}])
    m = merge_three(base, ours, theirs)
    assert m["title"] == "ours title" and m["priority"] == 0 and m["notes"] == "their notes"
    assert m["labels"] == ["keep", "o", "t"]          # "drop" removed by theirs only
    assert "dependencies" not in m                    # removed by theirs, unchanged by ours
    assert m["comments"][0]["text"] == "c"
    assert m["updated_at"] == "2025-03-01T00:00:00+00:00"


def test_merge_files_keeps_bad_lines_and_all_beads():
    base = (json.dumps(rec()) + "\n").encode()
    ours = base + (json.dumps(rec(id="x-2", title="o")) + "\nGARBAGE\n").encode()
    theirs = base + (json.dumps(rec(id="x-3", title="t")) + "\n").encode()
    text, bad = merge_files(base, ours, theirs)
    assert [json.loads(x)["id"] for x in text.splitlines()] == ["x-1", "x-2", "x-3"]
    assert [b.text for b in bad] == ["GARBAGE"]


def test_pull_during_a_command_is_merged_not_overwritten(led):
    led.create("mine")
    pulled = {"id": "tt-pull1", "title": "arrived with git pull", "status": "open",
              "priority": 2, "issue_type": "task"}
    with led.jsonl_path.open("a") as f:      # the ledger is already open: no re-check at open
        f.write(json.dumps(pulled) + "\n")
    led.create("after the pull")
    titles = {r["title"] for r in lines(led)}
    assert titles == {"mine", "arrived with git pull", "after the pull"}
    assert led.get("tt-pull1").title == "arrived with git pull"


@pytest.mark.parametrize("read_inside", [False, True])
@pytest.mark.parametrize("later", ["2999-01-01T00:00:00+00:00", None])
def test_pull_of_the_bead_a_command_is_changing_keeps_both_changes(led, read_inside, later):
    bead = led.create("shared", labels=["local"])
    # None: the pulled change is older than ours (it was made before this command started).
    later = later or led.get(bead.id).updated_at
    with led.transaction():
        led.update(bead.id, status="in_progress", assignee="me")
        if read_inside:                 # a query inside the command rebuilds the bead's line
            assert [i.id for i in led.list(assignee="me")] == [bead.id]
        # git pull lands while this command runs: the same bead, renamed and labelled there.
        _edit(led.jsonl_path, bead.id, title="renamed upstream", labels=["local", "remote"],
              updated_at=later)
    got = led.get(bead.id)
    assert (got.status, got.assignee) == ("in_progress", "me")     # our change survives
    assert got.labels == ["local", "remote"]                       # theirs is merged in
    assert got.title == "renamed upstream"                         # and theirs, whatever the stamps
    exported = next(r for r in lines(led) if r["id"] == bead.id)
    assert exported["status"] == "in_progress" and exported["title"] == "renamed upstream"


GO_BD_LINE = ('{"id":"bd-z830","title":"Test child task","status":"closed","priority":2,'
              '"issue_type":"task","created_at":"2025-12-27T23:26:58.246573-08:00",'
              '"created_by":"beads/crew/emma","updated_at":"2025-12-27T23:27:40.451603-08:00",'
              '"closed_at":"2025-12-27T23:27:40.451603-08:00","dependencies":[{"issue_id":'
              '"bd-z830","depends_on_id":"bd-fbl9","type":"parent-child","created_at":'
              '"2025-12-27T23:27:02.984294-08:00","created_by":"daemon"}]}')


def test_go_bd_ledger_is_adopted_unchanged(tmp_path):
    beads = tmp_path / ".beads"
    beads.mkdir()
    parent = ('{"id":"bd-fbl9","title":"Parent","status":"open","priority":1,"issue_type":'
              '"epic","created_at":"2025-12-27T23:26:00.000000-08:00","updated_at":'
              '"2025-12-27T23:26:00.000000-08:00","content_hash":"abc"}')
    (beads / "issues.jsonl").write_text(GO_BD_LINE + "\n" + parent + "\n")
    led = Ledger.open(beads)
    assert led.prefix == "bd"
    child = led.get("bd-z830")
    assert child.status == "closed" and child.dependencies[0].created_by == "daemon"
    assert (beads / "issues.jsonl").read_text().splitlines() == [parent, GO_BD_LINE]
    led.close_db()


def test_conflict_markers_import_both_sides(led, workdir):
    a = led.create("A")
    ours = next(r for r in lines(led) if r["id"] == a.id)
    theirs = {**ours, "title": "A from them", "labels": ["t"],
              "updated_at": "2999-01-01T00:00:00+00:00"}
    led.jsonl_path.write_text("<<<<<<< HEAD\n" + json.dumps(ours) + "\n=======\n"
                              + json.dumps(theirs) + "\n>>>>>>> branch\n")
    led2 = Ledger.open(workdir / ".beads")
    assert [w.split(": ", 1)[0].rsplit(":", 1)[1] for w in led2.warnings] == ["1", "3", "5"]
    got = led2.get(a.id)
    assert got.title == "A from them" and got.labels == ["t"]
    assert "<<<<<<<" not in led2.jsonl_path.read_text()
    led2.close_db()


def test_foreign_database_is_refused_not_mixed(tmp_path):
    import sqlite3

    beads = tmp_path / ".beads"
    beads.mkdir()
    (beads / "issues.jsonl").write_text(GO_BD_LINE + "\n")
    conn = sqlite3.connect(beads / "beads.db")
    conn.execute("CREATE TABLE issues (id TEXT PRIMARY KEY, content_hash TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(LedgerError, match="another beads tool"):
        Ledger.open(beads)
    (beads / "beads.db").rename(beads / "beads.db.go")
    assert Ledger.open(beads).get("bd-z830").title == "Test child task"


def test_patched_exports_equal_full_exports(led):
    """Each write patches the previous JSONL with the beads it touched; after every kind of
    change (and rolled-back ones) the file must equal a full export of the database, and the
    digest the ledger keeps of it must be the file's."""
    import random

    from gastown_tui.beads import store

    rnd = random.Random(5)
    made: list[str] = []
    for step in range(250):
        op = rnd.choice(["create", "create", "child", "update", "dep", "label", "comment",
                         "close", "rollback", "batch"])
        try:
            if op == "create" or not made:
                made.append(led.create(f"bead {step}", priority=rnd.randint(0, 4)).id)
            elif op == "child":
                made.append(led.create(f"child {step}", parent=rnd.choice(made)).id)
            elif op == "update":
                led.update(rnd.choice(made), title=f"renamed {step}", notes="ü" * (step % 5))
            elif op == "dep":
                led.add_dependency(rnd.choice(made), rnd.choice(made), "related")
            elif op == "label":
                led.add_label(rnd.choice(made), f"l{step % 7}")
            elif op == "comment":
                led.add_comment(rnd.choice(made), f"comment {step}")
            elif op == "close":
                led.close(rnd.choice(made))
            elif op == "rollback":
                with led.transaction():
                    led.create("kept in batch")
                    try:
                        with led.transaction():
                            led.update(rnd.choice(made), title="never")
                            led.create("never either")
                            raise ValueError
                    except ValueError:
                        pass
            else:
                with led.transaction():
                    for _ in range(rnd.randint(2, 5)):
                        made.append(led.create(f"batch {step}", parent=rnd.choice(made)).id)
        except LedgerError:
            pass        # self-dependency, already closed, ...: refused, nothing written
        written = led.jsonl_path.read_bytes()
        assert written == store.all_lines(led.conn), f"after {op} #{step}"
        # the digest made from the pieces it was written from is the file's own
        assert store.get_meta(led.conn, "jsonl_digest") == store.digest(written)
    assert "never" not in led.jsonl_path.read_text()


def test_ids_with_quotes_or_spaces_are_refused(led, workdir):
    with led.jsonl_path.open("a") as f:
        f.write(json.dumps({"id": 'tt-"x', "title": "q"}) + "\n")
        f.write(json.dumps({"id": "tt x", "title": "s"}) + "\n")
    led2 = Ledger.open(workdir / ".beads")
    assert len(led2.warnings) == 2 and all("is not PREFIX-HASH" in w for w in led2.warnings)
    led2.close_db()
