"""Two clones change the ledger; `git merge` goes through the beads driver registered by
`bd init` (or by the first `bd` in a fresh clone) and yields the union with nothing dropped."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from .conftest import BD, clean_environ


def git(cwd: Path, *args: str, env: dict) -> str:
    out = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert out.returncode == 0, f"git {' '.join(args)}: {out.stderr}{out.stdout}"
    return out.stdout


def records(path: Path) -> dict[str, dict]:
    return {r["id"]: r for r in map(json.loads, path.read_text().splitlines())}


def test_two_clones_merge_without_conflicts(tmp_path, home):
    env = clean_environ(home)
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin), env=env)
    seed = tmp_path / "seed"
    git(tmp_path, "clone", "-q", str(origin), str(seed), env=env)
    bd = BD(seed, env)
    assert bd.proc("init", "--prefix", "mg").returncode == 0
    shared = bd.json("create", "Shared bead", "-l", "base")["id"]
    gone = bd.json("create", "Label goes", "-l", "old")["id"]
    assert (seed / ".gitattributes").read_text() == ".beads/issues.jsonl merge=beads\n"
    git(seed, "add", "-A", env=env)
    git(seed, "commit", "-qm", "ledger", env=env)
    git(seed, "push", "-q", "origin", "HEAD:main", env=env)

    a, b = tmp_path / "a", tmp_path / "b"
    for clone in (a, b):
        git(tmp_path, "clone", "-q", str(origin), str(clone), env=env)
    bda, bdb = BD(a, env), BD(b, env)
    # The first bd in a fresh clone builds the db and registers the driver there.
    assert bda.proc("list").returncode == 0 and bdb.proc("list").returncode == 0
    assert "merge-driver" in git(b, "config", "merge.beads.driver", env=env)

    a_new = bda.json("create", "From A", "-p", "1")["id"]
    bda.json("update", shared, "--title", "Shared bead, renamed in A", "--add-label", "a")
    bda.json("comments", "add", shared, "comment from A")
    git(a, "commit", "-qam", "A work", env=env)
    git(a, "push", "-q", "origin", "HEAD:main", env=env)

    b_new = bdb.json("create", "From B", "-d", "only in B", "-t", "bug")["id"]
    bdb.json("update", shared, "-p", "0", "--add-label", "b", "--notes", "B notes")
    bdb.json("comments", "add", shared, "comment from B")
    bdb.json("update", gone, "--remove-label", "old")
    bdb.json("close", b_new, "-r", "fixed in B")
    git(b, "commit", "-qam", "B work", env=env)
    git(b, "pull", "-q", "--no-rebase", "--no-edit", "origin", "main", env=env)

    text = (b / ".beads" / "issues.jsonl").read_text()
    assert "<<<<<<<" not in text and ">>>>>>>" not in text
    recs = records(b / ".beads" / "issues.jsonl")
    assert set(recs) == {shared, gone, a_new, b_new}
    s = recs[shared]
    assert s["title"] == "Shared bead, renamed in A"
    assert s["priority"] == 0 and s["notes"] == "B notes"
    assert s["labels"] == ["a", "b", "base"]
    assert sorted(c["text"] for c in s["comments"]) == ["comment from A", "comment from B"]
    assert "labels" not in recs[gone]
    assert recs[b_new]["status"] == "closed" and recs[b_new]["close_reason"] == "fixed in B"
    assert recs[b_new]["description"] == "only in B" and recs[b_new]["issue_type"] == "bug"
    assert recs[a_new]["priority"] == 1

    # The next bd in B imports the merged file, and everything is there.
    got = bdb.json("show", shared)
    assert got["title"] == "Shared bead, renamed in A" and got["priority"] == 0
    assert len(got["comments"]) == 2
    assert {i["id"] for i in bdb.json("list", "--all")} == {shared, gone, a_new, b_new}
    assert git(b, "status", "--porcelain", env=env).strip() in ("", "M .beads/issues.jsonl")


def test_a_pull_brings_a_reopen_and_removals_as_they_are(tmp_path, home):
    """Clone B reopens a closed bead and removes a label and a dependency; once A pulls, A's
    ledger shows exactly that, and A's working tree stays clean (nothing to commit back)."""
    env = clean_environ(home)
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin), env=env)
    a, b = tmp_path / "a", tmp_path / "b"
    git(tmp_path, "clone", "-q", str(origin), str(a), env=env)
    bda = BD(a, env)
    assert bda.proc("init", "--prefix", "ro").returncode == 0
    blocker = bda.json("create", "Blocker")["id"]
    bead = bda.json("create", "Bug", "-l", "keep,drop", "--deps", blocker)["id"]
    bda.json("close", bead, "-r", "looked fixed")
    git(a, "add", "-A", env=env)
    git(a, "commit", "-qm", "ledger", env=env)
    git(a, "push", "-q", "origin", "HEAD:main", env=env)

    git(tmp_path, "clone", "-q", str(origin), str(b), env=env)
    bdb = BD(b, env)
    bdb.json("reopen", bead)
    bdb.json("label", "remove", bead, "drop")
    bdb.json("dep", "remove", bead, blocker)
    git(b, "commit", "-qam", "not fixed after all", env=env)
    git(b, "push", "-q", "origin", "HEAD:main", env=env)

    git(a, "pull", "-q", "--no-rebase", "origin", "main", env=env)
    got = bda.json("show", bead)
    assert got["status"] == "open" and "closed_at" not in got
    assert got["labels"] == ["keep"] and "dependencies" not in got
    assert git(a, "status", "--porcelain", env=env).strip() == ""
