"""The Ledger's Python API on a real SQLite ledger."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from gastown_tui.beads import (ClaimError, Ledger, LedgerError, derive_prefix, find_beads_dir)
from gastown_tui.beads.ids import hash_length


def test_create_get_and_ids(led):
    a = led.create("First", description="desc", priority="P1", labels=["x", "y"])
    assert re.fullmatch(r"tt-[0-9a-z]{3}", a.id)
    assert (a.title, a.priority, a.status, a.labels, a.created_by) == \
        ("First", 1, "open", ["x", "y"], "tester")
    child = led.create("Child", parent=a.id)
    assert child.id == f"{a.id}.1"
    assert led.create("Child 2", parent=a.id).id == f"{a.id}.2"
    assert [d.type for d in child.dependencies] == ["parent-child"]
    convoy = led.create("Convoy", id_prefix="tt-cv", issue_type="convoy")
    assert convoy.id.startswith("tt-cv-")
    assert led.get(a.id[3:]).id == a.id            # unambiguous prefix without "tt-"
    assert led.get(a.id).id == a.id


def test_ambiguous_prefix_lists_candidates(led):
    made = {led.create(f"bead {n}").id for n in range(60)}
    first_chars = {}
    for rid in made:
        first_chars.setdefault(rid[3], []).append(rid)
    shared = next(v for v in first_chars.values() if len(v) > 1)
    with pytest.raises(LedgerError, match="ambiguous") as e:
        led.get(shared[0][:4])
    assert all(c in str(e.value) for c in sorted(shared)[:10])
    with pytest.raises(LedgerError, match="no bead"):
        led.get("tt-nothere")


def test_ambiguity_lists_parents_not_their_children(led):
    mols = [led.create(f"mol {n}", id_prefix="tt-mol", issue_type="molecule") for n in range(3)]
    for m in mols:
        for n in range(6):
            led.create(f"step {n}", parent=m.id)
    with pytest.raises(LedgerError, match="ambiguous") as e:
        led.get("tt-mol")
    assert str(e.value) == (f"'tt-mol' is ambiguous: it matches "
                            f"{', '.join(sorted(m.id for m in mols))}; give more of the id")
    assert led.get(mols[0].id[:-1] if sum(m.id.startswith(mols[0].id[:-1]) for m in mols) == 1
                   else mols[0].id).id == mols[0].id
    with pytest.raises(LedgerError, match=r"matches .*\.1, .*\.2"):
        led.get(mols[0].id + ".")


def test_hash_length_grows_with_count():
    assert hash_length(0) == 3
    assert hash_length(1000) > 3
    assert hash_length(100_000) > hash_length(1000)
    assert hash_length(10**9) == 8


def test_derive_prefix():
    assert derive_prefix("my-project") == "mp"
    assert derive_prefix("gastown") == "ga"
    assert derive_prefix("api") == "api"


def test_create_rejects_bad_input(led):
    for kwargs, msg in [({"title": "  "}, "title"), ({"title": "x", "priority": 7}, "priority"),
                        ({"title": "x", "issue_type": "nope"}, "type"),
                        ({"title": "x", "status": "weird"}, "status"),
                        ({"title": "x", "bogus": 1}, "bogus"),
                        ({"title": "x", "labels": ["a b"]}, "label"),
                        ({"title": "x", "deps": ["blocks:tt-missing"]}, "no bead")]:
        with pytest.raises(LedgerError, match=msg):
            led.create(**kwargs)
    assert led.list(include_closed=True) == []       # nothing half-made


def test_update_close_reopen_and_events(led):
    a = led.create("A")
    b = led.update(a.id, title="A2", priority=0, notes="n", assignee="bob")
    assert (b.title, b.priority, b.notes, b.assignee) == ("A2", 0, "n", "bob")
    c = led.close(a.id, "done")
    assert c.status == "closed" and c.closed_at and c.close_reason == "done"
    with pytest.raises(LedgerError, match="already closed"):
        led.close(a.id)
    r = led.reopen(a.id)
    assert r.status == "open" and r.closed_at is None and r.close_reason is None
    kinds = [e.event_type for e in led.events(a.id)]
    assert kinds[0] == "created" and "closed" in kinds and kinds[-1] == "reopened"
    assert kinds.count("updated") == 5      # title, priority, notes, assignee, close reason
    last = led.last_event_id()
    assert last == led.events()[-1].id
    led.add_label(a.id, "z")
    assert [e.event_type for e in led.events(since=last)] == ["label_added"]


def test_claim_is_compare_and_swap(led):
    a = led.create("A")
    won = led.claim(a.id, "agent1")
    assert (won.assignee, won.status) == ("agent1", "in_progress")
    assert led.claim(a.id, "agent1").assignee == "agent1"     # idempotent for the holder
    with pytest.raises(ClaimError, match="already claimed by agent1"):
        led.claim(a.id, "agent2")
    b = led.create("B", assignee="carol")
    with pytest.raises(ClaimError, match="carol"):
        led.claim(b.id, "agent2")
    c = led.create("C")
    led.close(c.id)
    with pytest.raises(ClaimError, match="closed"):
        led.claim(c.id, "agent2")
    slung = led.create("D", assignee="rig/polecats/nux", status="hooked")
    with pytest.raises(ClaimError, match="nux"):
        led.claim(slung.id, "agent2")
    mine = led.claim(slung.id, "rig/polecats/nux")
    assert (mine.assignee, mine.status) == ("rig/polecats/nux", "in_progress")


def test_dependencies_cycles_and_foreign_ids(led):
    a, b, c = (led.create(t) for t in "ABC")
    led.add_dependency(b.id, a.id)
    led.add_dependency(c.id, b.id)
    with pytest.raises(LedgerError, match=f"cycle: {a.id} -> {c.id} -> {b.id} -> {a.id}"):
        led.add_dependency(a.id, c.id)
    with pytest.raises(LedgerError, match="itself"):
        led.add_dependency(a.id, a.id)
    with pytest.raises(LedgerError, match="only non-blocking"):
        led.add_dependency(a.id, "gt-elsewhere", "blocks")
    tracked = led.add_dependency(a.id, "gt-elsewhere", "tracks")
    assert tracked.depends_on_id == "gt-elsewhere"
    assert [d.issue_id for d in led.dependents("gt-elsewhere")] == [a.id]
    assert [d.issue_id for d in led.dependents(a.id)] == [b.id]
    with pytest.raises(LedgerError, match="unknown dependency type"):
        led.add_dependency(a.id, b.id, "likes")
    removed = led.remove_dependency(c.id, b.id)
    assert removed.type == "blocks"
    with pytest.raises(LedgerError, match="does not depend"):
        led.remove_dependency(c.id, b.id)
    # An ambiguous prefix is an error even for types that may point outside the ledger;
    # it must not be stored as if it were another ledger's id.
    with pytest.raises(LedgerError, match="ambiguous"):
        led.add_dependency(a.id, "tt-", "related")
    assert led.find("tt-nothere") is None and led.find(b.id) == b.id


def test_ready_and_blocked_rules(led):
    blocker = led.create("blocker")
    led.create("blocked", deps=[f"blocks:{blocker.id}"])
    parent = led.create("epic", issue_type="epic")
    kid = led.create("kid of open parent", parent=parent.id)
    gated_parent = led.create("gated epic", issue_type="epic", deps=[blocker.id])
    gated_kid = led.create("kid of blocked parent", parent=gated_parent.id)
    grandkid = led.create("grandkid", parent=gated_kid.id)
    led.create("mail", issue_type="message")
    led.create("later", defer_until=(dt.datetime.now(dt.timezone.utc)
                                     + dt.timedelta(days=1)).isoformat())
    led.create("wisp", ephemeral=True)
    led.create("related only", deps=[f"related:{blocker.id}"])
    ready = {i.title for i in led.ready()}
    assert ready == {"blocker", "epic", "kid of open parent", "related only"}
    assert {b.issue.title: b.blocked_by for b in led.blocked()} == {
        "blocked": [blocker.id], "gated epic": [blocker.id],
        "kid of blocked parent": [gated_parent.id], "grandkid": [gated_kid.id]}
    led.close(blocker.id)
    ready = {i.title for i in led.ready()}
    assert {"blocked", "gated epic", "kid of blocked parent", "grandkid"} <= ready
    assert kid.id and grandkid.id


def test_defer_until_compares_instants_whatever_the_offset(led):
    """bd writes local offsets; "12:50-08:00" is later than "19:50+00:00" though it sorts first."""
    now = dt.datetime.now(dt.timezone.utc)
    west, east = dt.timezone(dt.timedelta(hours=-8)), dt.timezone(dt.timedelta(hours=9))
    led.create("deferred an hour, written in -08:00",
               defer_until=(now + dt.timedelta(hours=1)).astimezone(west).isoformat())
    led.create("deferred until an hour ago, written in +09:00",
               defer_until=(now - dt.timedelta(hours=1)).astimezone(east).isoformat())
    led.create("unreadable stamp", defer_until="next tuesday")
    assert {i.title for i in led.ready()} == {"deferred until an hour ago, written in +09:00",
                                              "unreadable stamp"}
    assert led.stats().ready == 2


def test_ready_order_and_filters(led):
    low = led.create("low", priority=3)
    high = led.create("high", priority=0, labels=["ui"])
    led.create("mine", assignee="me")
    assert [i.title for i in led.ready()] == ["high", "mine", "low"]
    assert [i.title for i in led.ready(unassigned=True)] == ["high", "low"]
    assert [i.title for i in led.ready(assignee="me")] == ["mine"]
    assert [i.title for i in led.ready(label="ui")] == ["high"]
    assert len(led.ready(limit=1)) == 1
    assert low.id != high.id
    epic = led.create("epic", issue_type="epic")
    first = led.create("first step", parent=epic.id)
    second = led.create("second step", parent=epic.id, deps=[first.id])
    assert [i.id for i in led.ready(parent=epic.id)] == [first.id]
    led.close(first.id)
    assert [i.id for i in led.ready(parent=epic.id)] == [second.id]


def test_ready_compares_imported_stamps_as_instants(led):
    """Stamps with local offsets, as bd writes them: the recent ones sort by priority, the
    old ones by age, whatever their text says."""
    import json

    def stamp(hours_ago: float, offset_hours: int) -> str:
        zone = dt.timezone(dt.timedelta(hours=offset_hours))
        return (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=hours_ago)) \
            .astimezone(zone).isoformat()

    beads = [("tt-old1", 4, stamp(100, -8)),   # reads as 8 h older than it is
             ("tt-old2", 4, stamp(101, 0)),    # older, though its text sorts later
             ("tt-new1", 0, stamp(47, -8)),    # recent, though its text is past 48 h
             ("tt-new2", 2, stamp(1, 0))]
    lines = [json.dumps({"id": i, "title": i, "status": "open", "priority": p,
                         "issue_type": "task", "created_at": c, "updated_at": c})
             for i, p, c in beads]
    led.import_data("\n".join(lines).encode() + b"\n", "test")
    assert [i.id for i in led.ready()] == ["tt-new1", "tt-new2", "tt-old2", "tt-old1"]


def test_list_filters(led):
    led.create("m1", issue_type="message", assignee="mayor/", labels=["from:bob", "thread:t1"])
    led.create("m2 from amy", issue_type="message", assignee="mayor/", labels=["from:amy"])
    done = led.create("m3", issue_type="message", assignee="mayor/", labels=["from:bob"])
    led.close(done.id)
    led.create("task", priority=1)
    mail = led.list(issue_type="message", assignee="mayor/", label="from:bob")
    assert [i.title for i in mail] == ["m1"]
    assert len(led.list(issue_type="message", include_closed=True, label="from:bob")) == 2
    assert [i.title for i in led.list(priority=1)] == ["task"]
    assert [i.title for i in led.list(status="closed")] == ["m3"]
    assert len(led.list(label=["from:bob", "thread:t1"])) == 1
    assert len(led.list(limit=2)) == 2
    # (a space: "m2" alone is also in some ids, which are random base36)
    assert [i.title for i in led.search("m2 from")] == ["m2 from amy"]


def test_transaction_is_atomic_and_nests(led):
    with pytest.raises(RuntimeError):
        with led.transaction():
            led.create("one")
            led.create("two")
            raise RuntimeError("boom")
    assert led.list() == []
    with led.transaction():
        led.create("kept")
        try:
            with led.transaction():
                led.create("inner, rolled back")
                raise ValueError
        except ValueError:
            pass
    assert [i.title for i in led.list()] == ["kept"]


def test_change_token_moves_across_processes(led, workdir):
    before = led.change_token()
    other = Ledger.open(workdir / ".beads", actor="other")
    other.create("from another connection")
    other.close_db()
    assert led.change_token() > before
    still = led.change_token()
    led.list()
    assert led.change_token() == still


def test_labels_and_comments(led):
    a = led.create("A")
    led.add_label(a.id, "b")
    led.add_label(a.id, "a")
    assert led.labels(a.id) == ["a", "b"]
    led.remove_label(a.id, "a")
    with pytest.raises(LedgerError, match="no label"):
        led.remove_label(a.id, "a")
    c = led.add_comment(a.id, "hello", author="amy")
    assert [(x.author, x.text) for x in led.comments(a.id)] == [("amy", "hello")]
    assert led.get(a.id).comments[0].id == c.id
    with pytest.raises(LedgerError, match="text"):
        led.add_comment(a.id, "  ")
    assert led.all_labels() == {"b": 1}


def test_find_beads_dir(tmp_path):
    rig = tmp_path / "rig"
    (rig / ".beads").mkdir(parents=True)
    (rig / ".beads" / "config.toml").write_text('prefix = "rg"\n')
    deep = rig / "src" / "pkg"
    deep.mkdir(parents=True)
    assert find_beads_dir(deep, {}) == (rig / ".beads").resolve()
    # A .beads/ holding only formulas (as ~/.beads/ does) is not a ledger: the walk goes on,
    # though formulas are still looked for there first.
    (deep / ".beads" / "formulas").mkdir(parents=True)
    assert find_beads_dir(deep, {}) == (rig / ".beads").resolve()
    assert find_beads_dir(deep, {}, ledger_only=False) == (deep / ".beads").resolve()
    assert find_beads_dir(tmp_path, {}) != (rig / ".beads").resolve()    # never downwards
    crew = tmp_path / "crew" / "me"
    (crew / ".beads").mkdir(parents=True)
    (crew / ".beads" / "redirect").write_text("../../../rig/.beads\n")
    assert find_beads_dir(crew, {}) == (rig / ".beads").resolve()
    assert find_beads_dir(deep, {"BEADS_DIR": str(crew / ".beads")}) == \
        (rig / ".beads").resolve()


def test_open_without_ledger_says_init(tmp_path):
    with pytest.raises(LedgerError, match="bd init"):
        Ledger.open(tmp_path / ".beads")
    (tmp_path / ".beads").mkdir()
    with pytest.raises(LedgerError, match="bd init"):
        Ledger.open(tmp_path / ".beads")


def test_init_refuses_other_prefix(led, workdir):
    with pytest.raises(LedgerError, match="already holds ledger 'tt'"):
        Ledger.init(workdir / ".beads", "zz")
    with pytest.raises(LedgerError, match="bad prefix"):
        Ledger.init(workdir / "x" / ".beads", "Bad Prefix")
    again = Ledger.init(workdir / ".beads", "tt")
    assert again.prefix == "tt"
    again.close_db()


@pytest.mark.parametrize("older", ["2", "4"])
def test_older_schema_is_upgraded_in_place(led, workdir, older):
    a = led.create("kept")
    led.conn.execute("DROP INDEX issues_ready")
    led.conn.execute("DROP INDEX issues_list")
    led.conn.execute(f"UPDATE meta SET value='{older}' WHERE key='schema'")
    led.close_db()
    again = Ledger.open(workdir / ".beads")
    assert again.get(a.id).title == "kept"
    for index in ("issues_ready", "issues_list"):
        assert again.conn.execute("SELECT 1 FROM sqlite_master WHERE name=?",
                                  (index,)).fetchone()
    assert again.list(rows=True)[0][::5] == (a.id, "kept")
    again.conn.execute("UPDATE meta SET value='0' WHERE key='schema'")
    again.close_db()
    with pytest.raises(LedgerError, match="another version of the ledger"):
        Ledger.open(workdir / ".beads")


def test_damaged_database_says_how_to_recover(led, workdir):
    a = led.create("survives in the JSONL")
    led.close_db()
    for name in ("beads.db-wal", "beads.db-shm"):
        (workdir / ".beads" / name).unlink(missing_ok=True)
    (workdir / ".beads" / "beads.db").write_bytes(b"this is not a database" * 200)
    with pytest.raises(LedgerError, match="move it aside and run bd again"):
        Ledger.open(workdir / ".beads")
    (workdir / ".beads" / "beads.db").rename(workdir / ".beads" / "beads.db.broken")
    rebuilt = Ledger.open(workdir / ".beads")
    assert rebuilt.get(a.id).title == "survives in the JSONL"
    rebuilt.close_db()


def test_wal_deleted_under_a_running_process_is_said_so(led, workdir, bd):
    """The -wal of a database a running process (the town's host) holds open, deleted: the
    error says what happened and what to do, and never calls the good database damaged. Once
    that process is gone the ledger works again, its last change back from issues.jsonl."""
    made = led.create("only in the wal and the jsonl")
    (workdir / ".beads" / "beads.db-wal").unlink()
    for words in (["list"], ["create", "after the wal went"]):
        proc = bd.proc(*words)
        assert proc.returncode == 1, proc.stderr
        assert "its -wal or -shm file changed under a running process" in proc.stderr
        assert "`gt down`, then run the command again" in proc.stderr
        assert "aside" not in proc.stderr and "damaged" not in proc.stderr
        assert proc.stderr.count("\n") == 1
    led.close_db()
    listed = bd.proc("list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [i["title"] for i in json.loads(listed.stdout)] == [made.title]


def test_unwritable_jsonl_rolls_the_change_back(led, workdir):
    import os

    if os.geteuid() == 0:
        # root ignores directory permissions; a directory in the file's place fails for all.
        led.jsonl_path.unlink()
        led.jsonl_path.mkdir()
    else:
        (workdir / ".beads").chmod(0o500)
    try:
        with pytest.raises(LedgerError, match="nothing was changed"):
            led.create("lost?")
    finally:
        (workdir / ".beads").chmod(0o700)
        if led.jsonl_path.is_dir():
            led.jsonl_path.rmdir()
    assert led.list() == []


def test_init_where_it_cannot_write(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(LedgerError, match="cannot create the ledger"):
        Ledger.init(blocker / ".beads", "tt")


def test_unreadable_jsonl_at_open(led, workdir):
    led.create("A")
    led.close_db()
    (workdir / ".beads" / "issues.jsonl").unlink()
    (workdir / ".beads" / "issues.jsonl").mkdir()
    with pytest.raises(LedgerError, match="cannot read .*issues.jsonl"):
        Ledger.open(workdir / ".beads")
