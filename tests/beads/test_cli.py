"""Every `bd` command, in-process through the same click tree as the shell, plus real processes
for exit codes and output streams. Bad input: one line, exit 1 (failed) or 2 (usage)."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys

import pytest

from gastown_tui.beads import Ledger
from gastown_tui.commands.ledger_calls import bead_table, issue_rows
from hostile_text import CATALOGUE

from .conftest import BD, clean_environ


def test_init_creates_ledger_files(workdir, home):
    bd = BD(workdir, clean_environ(home))
    res = bd("init")
    assert res.ok, res.error
    assert res.data.prefix == "pr"                      # from the directory name "proj"
    for name in ("beads.db", "config.toml", "issues.jsonl", ".gitignore"):
        assert (workdir / ".beads" / name).exists()
    assert "beads.db" in (workdir / ".beads" / ".gitignore").read_text()
    assert 'prefix = "pr"' in (workdir / ".beads" / "config.toml").read_text()
    bad = bd("init", "--prefix", "Nope!")
    assert bad.exit_code == 1 and "bad prefix" in bad.error


def test_no_ledger_says_what_to_do(workdir, home):
    bd = BD(workdir, clean_environ(home))
    res = bd("list")
    assert res.exit_code == 1 and "bd init" in res.error
    proc = bd.proc("ready", "--json")
    assert proc.returncode == 1
    assert proc.stderr.startswith("bd: error: no beads ledger") and "Traceback" not in proc.stderr
    assert json.loads(proc.stdout)["exit_code"] == 1


def test_create_options(bd):
    parent = bd.json("create", "Parent", "-t", "epic")
    made = bd.json("create", "Child", "-d", "details", "-p", "P0", "-t", "bug", "-a", "amy",
                   "-l", "a,b", "-l", "c", "--parent", parent["id"])
    assert made["id"] == parent["id"] + ".1"
    assert (made["description"], made["priority"], made["issue_type"], made["assignee"]) == \
        ("details", 0, "bug", "amy")
    assert made["labels"] == ["a", "b", "c"]
    dep = bd.json("create", "Dep", "--deps", f"blocks:{made['id']},related:gt-other")
    assert {(d["type"], d["depends_on_id"]) for d in dep["dependencies"]} == \
        {("blocks", made["id"]), ("related", "gt-other")}
    text = bd("create", "Plain")
    assert text.ok and text.render().startswith("Created tt-")
    quiet = bd("create", "Quiet", "--silent")                 # ID=$(bd create ... --silent)
    assert quiet.render() == quiet.data.issues[0].id and quiet.render().startswith("tt-")
    assert bd("create", "Quiet too", "-q").render().startswith("tt-")
    assert bd.json("create", "Quiet JSON", "--silent")["title"] == "Quiet JSON"


@pytest.mark.parametrize("args, code, words", [
    (["create"], 2, "Missing argument"),
    (["create", "x", "-p", "5"], 2, "bad priority"),
    (["create", "x", "-t", "saga"], 2, "unknown type 'saga'"),
    (["create", "x", "--deps", "blocks:tt-zzzz"], 1, "no bead 'tt-zzzz'"),
    (["create", "x", "--deps", "loves:tt-zzzz"], 1, "unknown dependency type"),
    (["create", "x", "--parent", "tt-nope"], 1, "no bead"),
    (["create", " "], 1, "non-empty title"),
    (["show", "tt-nope"], 1, "no bead"),
    (["show"], 2, "Missing argument"),
    (["update", "tt-nope", "--title", "x"], 1, "no bead"),
    (["update", "tt-nope", "-s", "done"], 2, "unknown status 'done'"),
    (["update", "tt-nope", "-t", "saga"], 2, "unknown type 'saga'"),
    (["list", "--limit", "-1"], 2, "Invalid value"),
    (["list", "--bogus"], 2, "No such option"),
    (["list", "-s", "opne"], 2, "unknown status 'opne'"),
    (["list", "-t", "bug,sage"], 2, "unknown type 'sage'"),
    (["frobnicate"], 2, "No such command"),
    (["dep", "add", "tt-a"], 2, "Missing argument"),
    (["dep", "add", "tt-a", "tt-b", "-t", "blcoks"], 2, "unknown dependency type 'blcoks'"),
    (["comments", "add", "tt-nope", "hi"], 1, "no bead"),
    (["search", " "], 1, "text to search"),
    (["ready", "-a", "amy", "--unassigned"], 2, "exclude each other"),
    (["import", "-i", "nowhere.jsonl"], 1, "no such file"),
])
def test_bad_input(bd, args, code, words):
    res = bd(*args)
    assert res.exit_code == code, (res.exit_code, res.error)
    assert words in res.error and "\n" not in res.error
    assert bd.json("list", "--all") == []                     # nothing half-made


def test_bad_input_as_process(bd):
    proc = bd.proc("update", "tt-nope", "--status", "open")
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr == "bd: error: no bead 'tt-nope' in ledger 'tt' (" + \
        str(bd.cwd / ".beads") + ")\n"
    usage = bd.proc("create", "x", "-p", "high")
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


def test_list_filters_and_limit(bd):
    a = bd.json("create", "A", "-p", "1", "-t", "bug", "-l", "ui")
    bd.json("create", "B", "-a", "bob")
    c = bd.json("create", "C")
    bd.json("close", c["id"])
    assert [i["title"] for i in bd.json("list")] == ["A", "B"]
    assert [i["title"] for i in bd.json("list", "--all")] == ["A", "B", "C"]
    assert [i["title"] for i in bd.json("list", "-s", "closed")] == ["C"]
    assert [i["title"] for i in bd.json("list", "-t", "bug")] == ["A"]
    assert [i["title"] for i in bd.json("list", "-a", "bob")] == ["B"]
    assert [i["title"] for i in bd.json("list", "-l", "ui")] == ["A"]
    assert [i["title"] for i in bd.json("list", "-p", "P1")] == ["A"]
    assert len(bd.json("list", "--all", "-n", "2")) == 2
    assert len(bd.json("list", "--all", "-n", "0")) == 3          # 0 is no limit, as in bd
    table = bd("list").render()
    assert table.splitlines()[0].split() == ["ID", "PRI", "STATUS", "TYPE", "ASSIGNEE", "TITLE"]
    assert a["id"] in table


def test_titles_with_newlines_show_on_one_line(bd):
    made = bd.json("create", "first\nsecond")
    assert made["title"] == "first\nsecond"                 # stored as given
    rows = bd("list").render().splitlines()
    assert len(rows) == 2 and rows[1].endswith("first^Jsecond")   # as `cat -v` shows it
    assert bd("show", made["id"]).render().splitlines()[0] == f"{made['id']}: first^Jsecond"


def test_show_update_close_reopen(bd):
    a = bd.json("create", "A")
    b = bd.json("create", "B", "--deps", a["id"])
    bd.json("comments", "add", a["id"], "first!")
    shown = bd.json("show", a["id"])
    assert shown["dependents"][0]["issue_id"] == b["id"]
    assert shown["comments"][0]["text"] == "first!"
    text = bd("show", b["id"]).render()
    assert "Depends on:" in text and a["id"] in text
    both = bd.json("show", a["id"], b["id"])
    assert [x["id"] for x in both] == [a["id"], b["id"]]
    up = bd.json("update", a["id"], "--title", "A2", "-p", "0", "-s", "in_progress",
                 "--add-label", "x,y", "--notes", "n", "-d", "desc", "-t", "bug")
    assert (up["title"], up["priority"], up["status"], up["labels"], up["notes"],
            up["description"], up["issue_type"]) == \
        ("A2", 0, "in_progress", ["x", "y"], "n", "desc", "bug")
    up = bd.json("update", a["id"], "--remove-label", "x", "-a", "zed")
    assert up["labels"] == ["y"] and up["assignee"] == "zed"
    assert "assignee" not in bd.json("update", a["id"], "-a", "")
    nothing = bd("update", a["id"])
    assert nothing.exit_code == 2 and "nothing to change" in nothing.error
    bad = bd("update", a["id"], "-s", "finished")
    assert bad.exit_code == 2 and "unknown status" in bad.error
    closed = bd.json("close", a["id"], b["id"], "-r", "done")
    assert [c["status"] for c in closed] == ["closed", "closed"]
    assert bd("close", a["id"]).error.endswith("is already closed")
    assert bd.json("reopen", a["id"])["status"] == "open"
    assert "is not closed" in bd("reopen", a["id"]).error


def test_claim(bd):
    a = bd.json("create", "A")
    got = bd.json("update", a["id"], "--claim", "--actor", "agent1")
    assert (got["assignee"], got["status"]) == ("agent1", "in_progress")
    lost = bd.proc("update", a["id"], "--claim", "--actor", "agent2")
    assert lost.returncode == 1
    assert "already claimed by agent1" in lost.stderr
    env_actor = bd.json("create", "B")
    mine = bd.json("update", env_actor["id"], "--claim", BD_ACTOR="from-env")
    assert mine["assignee"] == "from-env"
    both = bd("update", a["id"], "--claim", "-a", "x")
    assert both.exit_code == 2


def test_actor_everywhere(bd):
    made = bd.json("create", "A", "--actor", "amy")
    assert made["created_by"] == "amy"
    assert bd.json("--actor", "root-level", "create", "B")["created_by"] == "root-level"
    c = bd.json("comments", "add", made["id"], "hi", "--actor", "cy")
    assert c["author"] == "cy"
    d = bd.json("dep", "add", made["id"], "gt-x", "-t", "tracks", "--actor", "dee")
    assert d["type"] == "tracks"
    assert bd.json("show", made["id"])["dependencies"][0]["created_by"] == "dee"


def test_ready_blocked_stats(bd):
    a = bd.json("create", "A", "-l", "ui")
    b = bd.json("create", "B", "--deps", a["id"])
    bd.json("create", "C", "-a", "amy")
    assert [i["title"] for i in bd.json("ready")] == ["A", "C"]
    assert [i["title"] for i in bd.json("ready", "--unassigned")] == ["A"]
    assert [i["title"] for i in bd.json("ready", "--assignee", "amy")] == ["C"]
    assert [i["title"] for i in bd.json("ready", "-l", "ui")] == ["A"]
    assert len(bd.json("ready", "-n", "1")) == 1
    blocked = bd.json("blocked")
    assert [(x["id"], x["blocked_by"]) for x in blocked] == [(b["id"], [a["id"]])]
    assert a["id"] in bd("blocked").render()
    st = bd.json("stats")
    assert (st["total"], st["ready"], st["blocked"], st["by_status"]) == (3, 2, 1, {"open": 3})
    bd.json("close", a["id"])
    assert "B" in [i["title"] for i in bd.json("ready")]
    assert bd("blocked").render() == "(nothing is blocked)"


def test_the_towns_records_stay_out_of_list_and_ready_unless_asked(bd):
    """Agents (and the dispatch queue's record, an agent bead), mail, merge requests and
    convoys are the town's bookkeeping, not the project's work."""
    work = bd.json("create", "Fix the login bug", "-p", "1")["id"]
    records = {t: bd.json("create", f"a {t} record", "-t", t)["id"]
               for t in ("agent", "message", "merge-request", "convoy")}
    queue = bd.json("create", "myproject/queue", "-t", "agent", "-l", "gt:queue")["id"]
    assert [i["id"] for i in bd.json("list")] == [work]
    assert [i["id"] for i in bd.json("ready")] == [work]
    assert "agent" not in bd("list").render() and "more ready" not in bd("ready").render()
    assert {i["id"] for i in bd.json("list", "-t", "agent")} == {records["agent"], queue}
    assert [i["id"] for i in bd.json("list", "-t", "convoy")] == [records["convoy"]]
    assert {i["id"] for i in bd.json("list", "--all")} == {work, queue, *records.values()}
    assert [i["id"] for i in bd.json("ready", "-t", "convoy")] == [records["convoy"]]
    assert [i["id"] for i in bd.json("ready", "-t", "task,message")] == \
        [work, records["message"]]
    bad = bd("ready", "-t", "saga")
    assert bad.exit_code == 2 and "unknown type 'saga'" in bad.error


def test_ready_shows_ten_by_default_as_bd_does(bd):
    made = [bd.json("create", f"Work {n:02}", "-p", "1")["id"] for n in range(12)]
    assert [i["id"] for i in bd.json("ready")] == made[:10]
    assert len(bd.json("ready", "-n", "0")) == 12
    assert len(bd.json("ready", "-n", "11")) == 11
    text = bd("ready").render()
    assert "Work 09" in text and "Work 10" not in text
    assert text.splitlines()[-1] == "(10 shown, 2 more ready: -n N shows N, -n 0 all)"
    assert "more ready" not in bd("ready", "-n", "0").render()


def test_list_shows_fifty_by_default_as_bd_does(bd, workdir):
    with Ledger.open(workdir / ".beads", "tester") as led, led.transaction():
        made = [led.create(f"Work {n:02}", priority=1).id for n in range(53)]
    assert [i["id"] for i in bd.json("list")] == made[:50]
    assert len(bd.json("list", "-n", "0")) == 53
    text = bd("list").render().splitlines()
    assert len(text) == 52 and "Work 49" in text[-2]
    assert text[-1] == "(50 shown, 3 more: -n N shows N, -n 0 all)"
    everything = bd("list", "-n", "0").render().splitlines()
    assert len(everything) == 54 and "Work 52" in everything[-1]
    assert bd("list", "-n", "53").render().splitlines() == everything


def test_the_table_from_columns_is_the_table_from_records(led):
    """`bd list` lays its table out from the ledger's columns; it reads as the table of the
    beads' records would, whatever the titles hold, for every filter."""
    titles = [*CATALOGUE.values(), "café", "列表", "plain"]
    with led.transaction():
        for n, title in enumerate(titles):
            led.create(title, priority=n % 5, issue_type=("task", "bug")[n % 2],
                       assignee=("", "bob", None)[n % 3], labels=["ui"] if n % 4 else [],
                       status="in_progress" if n % 7 == 0 else "open")
    for filters in ({}, {"assignee": "bob"}, {"label": ["ui"]}, {"status": "in_progress"},
                    {"include_closed": True, "limit": 3}):
        rows = led.list(rows=True, **filters)
        records = [json.loads(line) for line in led.list(raw=True, **filters)]
        assert rows and [r[0] for r in rows] == [r["id"] for r in records]
        assert bead_table(rows) == issue_rows(records)
    ascii_rows = [r for r in led.list(rows=True) if r[5].isascii()]
    assert bead_table(ascii_rows) == issue_rows(
        [json.loads(line) for line in led.list(raw=True) if json.loads(line)["title"].isascii()])


def test_cells_a_record_leaves_out_read_as_in_the_records_table():
    """A record leaves out empty fields (and an old import may lack a priority): the table
    from columns shows them as the table from records does."""
    rows = [("tt-a", None, "", None, "", ""), ("tt-b", 7, None, "", None, None),
            ("tt-c", 0, "open", "bug", "bob", "imported with spaces  ")]
    records = [{"id": "tt-a"}, {"id": "tt-b", "priority": 7},
               {"id": "tt-c", "priority": 0, "status": "open", "issue_type": "bug",
                "assignee": "bob", "title": "imported with spaces  "}]
    assert bead_table(rows) == issue_rows(records)
    assert bead_table(rows).splitlines()[1].split() == ["tt-a", "P2", "open", "task", "-"]
    assert bead_table([]) == issue_rows([]) == "(no beads)"


def test_dep_commands(bd):
    a, b, c = (bd.json("create", t)["id"] for t in "ABC")
    assert bd.json("dep", "add", b, a)["status"] == "added"
    assert bd("dep", "add", c, b).render() == f"Added: {c} depends on {b} (blocks)"
    cyc = bd("dep", "add", a, c)
    assert cyc.exit_code == 1 and f"cycle: {a} -> {c} -> {b} -> {a}" in cyc.error
    tree = bd.json("dep", "tree", c)
    assert tree["id"] == c and tree["children"][0]["id"] == b
    assert tree["children"][0]["children"][0]["id"] == a
    text = bd("dep", "tree", c).render().splitlines()
    assert text[0].startswith(c) and text[2].strip().startswith(f"blocks: {a}")
    assert bd.json("dep", "remove", c, b)["type"] == "blocks"
    again = bd("dep", "remove", c, b)
    assert again.exit_code == 1 and "does not depend" in again.error
    bad = bd("dep", "add", a, b, "-t", "fancies")
    assert bad.exit_code == 2 and "unknown dependency type" in bad.error


def test_label_commands(bd):
    a, b = (bd.json("create", t)["id"] for t in "AB")
    done = bd.json("label", "add", a, b, "urgent")
    assert [x["labels"] for x in done] == [["urgent"], ["urgent"]]
    assert bd.json("label", "list", a) == ["urgent"]
    assert bd.json("label", "list") == [{"label": "urgent", "count": 2}]
    bd.json("label", "remove", a, "urgent")
    assert bd.json("label", "list", a) == []
    missing = bd("label", "remove", a, "urgent")
    assert missing.exit_code == 1 and "no label" in missing.error
    bad = bd("label", "add", a, "two words")
    assert bad.exit_code == 1 and "bad label" in bad.error


def test_comments_commands(bd):
    a = bd.json("create", "A")["id"]
    assert bd("comments", a).render() == f"(no comments on {a})"
    bd.json("comments", "add", a, "one")
    bd.json("comments", "add", a, "two", "--actor", "amy")
    got = bd.json("comments", a)
    assert [(c["author"], c["text"]) for c in got] == [("tester", "one"), ("amy", "two")]
    assert "amy: two" in bd("comments", a).render()


def test_search(bd):
    bd.json("create", "Fix the login page", "-d", "oauth is broken")
    c = bd.json("create", "Unrelated")
    bd.json("close", c["id"])
    assert [i["title"] for i in bd.json("search", "oauth")] == ["Fix the login page"]
    assert [i["title"] for i in bd.json("search", "LOGIN")] == ["Fix the login page"]
    assert [i["title"] for i in bd.json("search", "unrel")] == ["Unrelated"]
    assert bd.json("search", "unrel", "--open") == []
    assert bd.json("search", "100%") == []
    assert len(bd.json("search", "e", "-n", "1")) == 1
    assert len(bd.json("search", "e", "-n", "0")) == 2             # 0 is no limit, as in bd


def test_export_import(bd, workdir, tmp_path, home):
    a = bd.json("create", "A", "-l", "x")["id"]
    out = bd.json("export", "-o", "snapshot.jsonl")
    assert out["count"] == 1
    assert (workdir / "snapshot.jsonl").read_bytes() == \
        (workdir / ".beads" / "issues.jsonl").read_bytes()
    other = tmp_path / "other"
    other.mkdir()
    bd2 = BD(other, clean_environ(home))
    bd2("init", "--prefix", "tt")
    bd2.json("create", "Other")
    (workdir / "snapshot.jsonl").write_text((workdir / "snapshot.jsonl").read_text()
                                            + "oops, not json\n")
    rep = bd2("import", "-i", str(workdir / "snapshot.jsonl"))
    assert rep.ok and rep.data.created == 1 and rep.data.rejected == 1
    assert {i["title"] for i in bd2.json("list")} == {"A", "Other"}
    assert bd2.json("show", a)["labels"] == ["x"]
    assert "oops" in (other / ".beads" / "issues.jsonl.rejected").read_text()
    proc = bd2.proc("import", "-i", str(workdir / "snapshot.jsonl"))
    assert proc.returncode == 0 and "issues.jsonl:2: not JSON" not in proc.stderr
    assert "snapshot.jsonl:2: not JSON" in proc.stderr
    again = bd2.json("import", "-i", str(workdir / "snapshot.jsonl"))
    assert (again["created"], again["updated"]) == (0, 0)


def _bd_bytes(cwd, environ, *args, stdin=None):
    """A real bd process with raw byte streams, as a shell redirect gives them."""
    code = "from gastown_tui.commands.bd import main; main()"
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=environ,
                          stdin=stdin, capture_output=True, timeout=60)


def test_export_to_stdout_and_import_from_stdin(bd, workdir, tmp_path, home):
    """`bd export > backup.jsonl` and `bd import < backup.jsonl`, as real bd does them."""
    bd.json("create", "Ünïcode title", "-l", "x")
    bd.json("create", "Second")
    ledger_bytes = (workdir / ".beads" / "issues.jsonl").read_bytes()
    for args in ((), ("--json",), ("-o", "-")):
        out = _bd_bytes(workdir, bd.environ, "export", *args, stdin=subprocess.DEVNULL)
        assert out.returncode == 0, out.stderr
        assert out.stdout == ledger_bytes                # the JSONL alone, byte for byte
        assert out.stderr == b"Exported 2 beads to stdout\n"
    backup = tmp_path / "backup.jsonl"
    backup.write_bytes(out.stdout + b"not json\n")

    other = tmp_path / "other"
    other.mkdir()
    bd2 = BD(other, clean_environ(home))
    bd2("init", "--prefix", "tt")
    with open(backup, "rb") as f:
        got = _bd_bytes(other, bd2.environ, "import", stdin=f)
    assert got.returncode == 0, got.stderr
    assert got.stdout == b"Imported stdin: 2 new, 0 updated, 1 unreadable line(s) kept aside\n"
    assert b"stdin:3: not JSON" in got.stderr
    assert {i["title"] for i in bd2.json("list")} == {"Ünïcode title", "Second"}
    assert "not json" in (other / ".beads" / "issues.jsonl.rejected").read_text()
    with open(backup, "rb") as f:
        again = _bd_bytes(other, bd2.environ, "import", "-i", "-", "--json", stdin=f)
    assert json.loads(again.stdout)["created"] == 0
    assert (other / ".beads" / "issues.jsonl").read_bytes() == ledger_bytes

    empty = _bd_bytes(tmp_path, {**bd2.environ, "BEADS_DIR": str(tmp_path / "e" / ".beads")},
                      "init", "--prefix", "ee")
    assert empty.returncode == 0, empty.stderr
    none = _bd_bytes(tmp_path, {**bd2.environ, "BEADS_DIR": str(tmp_path / "e" / ".beads")},
                     "export", stdin=subprocess.DEVNULL)
    assert none.returncode == 0 and none.stdout == b""


def test_import_without_a_piped_stdin_says_to_pass_a_file(bd, workdir):
    res = bd("import")                                   # in-process: the app has no stdin
    assert res.exit_code == 2 and "pass -i FILE" in res.error
    leader, follower = pty.openpty()                     # a terminal, nothing piped in
    try:
        proc = _bd_bytes(workdir, bd.environ, "import", stdin=follower)
    finally:
        os.close(follower)
        os.close(leader)
    assert proc.returncode == 2
    assert proc.stderr.startswith(b"bd: error: bd import reads JSONL from stdin")
    assert b"-i FILE" in proc.stderr and proc.stdout == b""


def test_import_of_sparse_records_and_of_a_file_without_any(bd, workdir):
    (workdir / "sparse.jsonl").write_text('{"id":"tt-sp1","title":"only a title"}\n')
    first = bd.json("import", "-i", "sparse.jsonl")
    assert (first["created"], first["updated"]) == (1, 0)
    got = bd.json("show", "tt-sp1")
    assert (got["status"], got["issue_type"], got["priority"]) == ("open", "task", 2)
    assert bd.json("import", "-i", "sparse.jsonl")["updated"] == 0   # the same file: no change
    (workdir / "notes.txt").write_text("shopping list\nmilk\n")
    before = (workdir / ".beads" / "issues.jsonl").read_bytes()
    res = bd("import", "-i", "notes.txt")
    assert res.exit_code == 1 and "holds no bead records" in res.error and ":1: not JSON" in res.error
    assert (workdir / ".beads" / "issues.jsonl").read_bytes() == before
    assert not (workdir / ".beads" / "issues.jsonl.rejected").exists()


def test_beads_dir_and_walk_up(bd, workdir, home, tmp_path):
    sub = workdir / "src" / "deep"
    sub.mkdir(parents=True)
    a = bd.json("create", "A")["id"]
    assert bd.json("show", a, cwd=sub)["id"] == a
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert bd.json("show", a, cwd=elsewhere, BEADS_DIR=str(workdir / ".beads"))["id"] == a
    # Formulas in ~/.beads/ do not make the home directory a ledger for everything below it.
    (home / ".beads" / "formulas").mkdir(parents=True)
    project = home / "code" / "project"
    project.mkdir(parents=True)
    res = bd("create", "lost", cwd=project)
    assert res.exit_code == 1 and f"no beads ledger in {project} or above" in res.error
    assert not (home / ".beads" / "beads.db").exists()


def test_help_is_fast_to_import():
    import subprocess
    import sys

    code = ("import sys; from gastown_tui.commands.bd import root; root(); "
            "print(sorted(m for m in sys.modules if m.startswith(('gastown_tui.beads', "
            "'sqlite3', 'pygit2', 'tomllib', 'textual'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


HEAVY = ("textual", "pygit2", "ptyprocess", "pyte", "tomlkit", "asyncio", "gastown_tui.town",
         "gastown_tui.host", "gastown_tui.term", "gastown_tui.ui", "gastown_tui.web")


@pytest.mark.parametrize("args", [["ready", "--json"], ["list", "--json", "-n", "5"],
                                  ["create", "x", "-p", "1"], ["update", "{id}", "--claim"],
                                  ["show", "{id}"], ["stats"]])
def test_bd_commands_import_nothing_heavy(bd, args):
    """What a bd process imports, measured with -X importtime on the real entry point."""
    import subprocess
    import sys

    bead = bd.json("create", "target")["id"]
    argv = [a.format(id=bead) for a in args]
    code = "from gastown_tui.commands.bd import main; main()"
    # No BD_ACTOR: the default actor is looked up too, as for a person at a shell.
    environ = {k: v for k, v in bd.environ.items() if k != "BD_ACTOR"}
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", code, *argv],
                          cwd=bd.cwd, env=environ, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    imported = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:") and "|" in line}
    assert "gastown_tui.beads.ledger" in imported        # the measurement sees our modules
    heavy = sorted(m for m in imported if m.split(".")[0] in HEAVY or m.startswith(HEAVY))
    assert heavy == []


def test_multi_id_commands_are_all_or_nothing(bd):
    a = bd.json("create", "A")["id"]
    res = bd("close", a, "tt-missing")
    assert res.exit_code == 1 and "tt-missing" in res.error
    assert bd.json("show", a)["status"] == "open"
    b = bd.json("create", "B")["id"]
    bd.json("update", b, "--claim", "--actor", "amy")
    res = bd("update", a, b, "--claim", "--actor", "bob")
    assert res.exit_code == 1 and "already claimed by amy" in res.error
    assert "assignee" not in bd.json("show", a)


def test_fresh_clone_opened_by_many_processes_at_once(bd, workdir, tmp_path):
    import subprocess
    import sys

    for n in range(20):
        bd.json("create", f"bead {n}")
    clone = tmp_path / "clone" / ".beads"
    clone.mkdir(parents=True)
    for name in ("issues.jsonl", "config.toml"):
        (clone / name).write_bytes((workdir / ".beads" / name).read_bytes())
    code = "from gastown_tui.commands.bd import main; main()"
    procs = [subprocess.Popen([sys.executable, "-c", code, "list", "--json"],
                              cwd=clone.parent, env=bd.environ, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(12)]
    try:
        results = [p.communicate(timeout=60) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    for p, (out, err) in zip(procs, results):
        assert p.returncode == 0, err
        assert len(json.loads(out)) == 20


@pytest.mark.parametrize("args, code, words", [
    (["close"], 2, "Missing argument"),
    (["close", "tt-nope", "-r", "x"], 1, "no bead 'tt-nope'"),
    (["reopen", "tt-nope"], 1, "no bead 'tt-nope'"),
    (["ready", "-n", "many"], 2, "Invalid value"),
    (["blocked", "extra"], 2, "unexpected extra argument"),
    (["stats", "--bogus"], 2, "No such option"),
    (["dep", "remove", "tt-nope", "tt-other"], 1, "no bead 'tt-nope'"),
    (["dep", "tree", "tt-nope"], 1, "no bead 'tt-nope'"),
    (["dep", "tree", "tt-x", "--max-depth", "0"], 2, "Invalid value"),
    (["label", "add", "tt-nope", "ui"], 1, "no bead 'tt-nope'"),
    (["label", "remove", "tt-nope", "ui"], 1, "no bead 'tt-nope'"),
    (["label", "list", "tt-nope"], 1, "no bead 'tt-nope'"),
    (["comments", "tt-nope"], 1, "no bead 'tt-nope'"),
    (["export", "-o", "no/such/dir/out.jsonl"], 1, "cannot write"),
    (["export", "-o", "-", "extra"], 2, "unexpected extra argument"),
    (["init", "--prefix", "9lives"], 1, "bad prefix"),
    (["formula", "show", "nope"], 1, "no formula 'nope'"),
    (["cook", "nope"], 1, "no formula 'nope'"),
    (["cook", "nope", "--var", "novalue"], 2, "write it as name=value"),
    (["mol", "pour", "nope"], 1, "no formula 'nope'"),
    (["mol", "show", "tt-nope"], 1, "no bead 'tt-nope'"),
    (["mol", "list", "extra"], 2, "unexpected extra argument"),
    (["merge-driver", "a"], 2, "Missing argument"),
])
def test_more_bad_input_as_processes(bd, args, code, words):
    """Real bd processes: one line on stderr, the right exit code, no traceback, nothing made."""
    proc = bd.proc(*args)
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("bd: error: "), proc.stderr
    assert words in proc.stderr and "Traceback" not in proc.stderr
    assert bd.json("list", "--all") == []
