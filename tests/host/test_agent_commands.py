"""`gt prime`, `gt hook`, `gt done`, `gt hooks ...` as agents and people run them (no host)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pygit2
import pytest

from host_helpers import gt_json, new_issue, run_gt

from gastown_tui import records
from gastown_tui.town import TownError, find_town, hooks, inbox
from gastown_tui.town.names import POOL, pick_name


def _agent_env(town, polecat: str) -> dict:
    rig = town.rig("demo")
    return {"GT_ROLE": "polecat", "GT_RIG": "demo", "GT_POLECAT": polecat,
            "BD_ACTOR": f"demo/polecats/{polecat}", "GT_TOWN_ROOT": str(town.root),
            "BEADS_DIR": str(rig.beads_dir)}


def test_prime_for_a_person_shows_the_town(town):
    """`gt prime` in a person's shell (the README's alternative to `gt mayor attach`): the
    rigs, where each rig's issues are made, and the open convoys."""
    issue = new_issue(town, "Tracked work")
    assert run_gt(town.root, "convoy", "create", "Feature X", issue).returncode == 0
    out = run_gt(town.root, "prime")
    assert out.returncode == 0, out.stderr
    clone = town.rig("demo").beads_dir.parent
    assert "Role: overseer" in out.stdout and "You are the overseer" in out.stdout
    assert f"demo  {town.rig('demo').prefix}-*  {clone}" in out.stdout
    assert "Feature X" in out.stdout
    # what it says works: an issue made in that clone is the rig's, and slings to it
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GT_", "BD_", "BEADS_"))}
    made = subprocess.run([shutil.which("bd") or "bd", "create", "Made where prime says",
                           "--json"], cwd=str(clone), env=env, capture_output=True, text=True,
                          timeout=60, check=True)
    made_id = json.loads(made.stdout)["id"]
    assert made_id.startswith(town.rig("demo").prefix + "-")
    assert run_gt(town.root, "sling", made_id, "demo", "--agent", "demo").returncode == 0


def test_prime_hook_done_without_a_host(town):
    led = town.rig("demo").ledger("overseer")
    epic = led.create("Ship the greeting", issue_type="molecule",
                      description="Work through the steps.").id
    led.create("Write it", parent=epic)
    led.create("Test it", parent=epic)
    slung = gt_json(town.root, "sling", epic, "demo", "--agent", "demo")[0]
    assert not slung["started"]
    wt = town.rig("demo").polecats_dir / slung["polecat"]
    env = _agent_env(town, slung["polecat"])

    prime = run_gt(wt, "prime", env=env)
    assert prime.returncode == 0, prime.stderr
    assert "AUTONOMOUS WORK" in prime.stdout and epic in prime.stdout
    assert "[ ] " in prime.stdout and "Write it" in prime.stdout and "Test it" in prime.stdout
    # an agent found by its working directory alone, without the variables
    by_cwd = gt_json(wt, "hook")
    assert by_cwd["issue"] == epic and by_cwd["state"] == "created"

    (wt / "greeting.txt").write_text("hello\n")
    done = run_gt(wt, "done", "-m", "wrote the greeting", env=env)
    assert done.returncode == 0, done.stderr
    # submitted to the merge queue, which no host works yet: the issue waits for it
    assert f"Submitted {town.rig('demo').prefix}-mr-" in done.stdout
    assert "Convoy landed" not in done.stdout
    t = find_town(town.root, {})
    h = hooks.load(t, "demo", slung["polecat"])
    assert h.state == "completed" and set(h.times) == {"created", "active", "completed"}
    repo = pygit2.Repository(str(t.rig("demo").repo_path))
    tip = repo.references[f"refs/heads/{slung['branch']}"].peel(pygit2.Commit)
    assert "greeting.txt" in tip.tree and "CLAUDE.local.md" not in tip.tree
    assert tip.message.startswith("wrote the greeting")
    assert any(m.subject.startswith(f"Done: {epic}") for m in inbox(t, "overseer"))
    assert t.rig("demo").ledger().get(epic).status == "blocked"
    queued = gt_json(town.root, "mq", "list")
    assert [(m["issue"], m["state"], m["head"]) for m in queued] == [(epic, "queued",
                                                                      str(tip.id))]
    events = [e for e in gt_json(town.root, "events") if e["kind"] == "mr_submitted"]
    assert events and events[-1]["mr"] == queued[0]["id"]
    # nothing left on the hook
    empty = gt_json(wt, "hook", env=env)
    assert empty["issue"] is None
    again = run_gt(wt, "done", env=env)
    assert again.returncode == 1 and "nothing is on the hook" in again.stderr




def test_snapshots_rollback_and_repair(town):
    issue = new_issue(town, "Draft")
    slung = gt_json(town.root, "sling", issue, "demo", "--agent", "demo", "--no-convoy")[0]
    assert slung["convoy"] is None
    name, wt = slung["polecat"], town.rig("demo").polecats_dir / slung["polecat"]
    (wt / "draft.txt").write_text("first draft\n")
    from gastown_tui.town.snapshots import take_snapshot

    first = take_snapshot(wt, name, "manual")
    (wt / "draft.txt").write_text("second draft\n")
    listed = gt_json(town.root, "hooks", "snapshots", name)
    assert [s["id"] for s in listed] == [first.id]
    out = run_gt(town.root, "hooks", "rollback", name, first.short)
    assert out.returncode == 0, out.stderr
    assert (wt / "draft.txt").read_text() == "first draft\n"
    # the rolled-back state was kept
    assert len(gt_json(town.root, "hooks", "snapshots", name)) == 2
    bad = run_gt(town.root, "hooks", "rollback", name, "0000000")
    assert bad.returncode == 2 and "matches no snapshots" in bad.stderr
    assert (wt / "draft.txt").read_text() == "first draft\n"

    t = find_town(town.root, {})
    h = hooks.load(t, "demo", name)
    hooks.transition(t, h, "active", pid=999999)
    hooks.save(t, hooks.load(t, "demo", name), stuck=True)
    (t.rig("demo").polecats_dir / "stray").mkdir()
    gitdir = pygit2.Repository(str(wt)).path
    (Path(gitdir) / "index.lock").write_text("")
    report = gt_json(town.root, "hooks", "repair")
    fixed = {f["what"] for f in report["fixes"]}
    assert {"dead session", "stuck agent", "stale git lock"} <= fixed
    assert not (Path(gitdir) / "index.lock").exists()
    assert [p["what"] for p in report["problems"]] == ["orphan worktree"]
    h = hooks.load(t, "demo", name)
    assert h.state == "suspended" and not h.stuck
    clean = gt_json(town.root, "hooks", "repair")
    assert clean["fixes"] == []

    # a worktree removed under a live hook comes back, with its context file and the files
    # of its newest snapshot (taken on the branch's tip)
    import shutil

    shutil.rmtree(wt)
    report = gt_json(town.root, "hooks", "repair")
    missing = [f["detail"] for f in report["fixes"] if f["what"] == "missing worktree"]
    assert len(missing) == 1 and "its files restored from snapshot" in missing[0]
    assert issue in (wt / "CLAUDE.local.md").read_text()
    assert (wt / "draft.txt").read_text() == "first draft\n"   # as repair's snapshot held it


def test_hooks_list_json(town):
    issue = new_issue(town, "Listed")
    gt_json(town.root, "sling", issue, "demo/ace", "--agent", "demo")
    (town.rig("demo").polecats_dir / "ace" / "new.txt").write_text("x")
    rows = gt_json(town.root, "hooks", "list")
    assert rows == [{**rows[0], "polecat": "ace", "issue": issue, "state": "created",
                     "branch": f"polecat/ace/{issue}", "ahead": 0, "dirty": 1}]
    text = run_gt(town.root, "hooks", "list").stdout
    assert "demo/ace" in text and "created" in text


def test_state_machine_and_names(town):
    t = find_town(town.root, {})
    h = hooks.save(t, hooks.Hook("toast", "demo", "polecats", "de-1", "created"))
    with pytest.raises(TownError, match="cannot become completed"):
        hooks.transition(t, h, "completed")
    for state in ("active", "suspended", "active", "completed", "archived", "created"):
        h = hooks.transition(t, h, state)
    assert hooks.load(t, "demo", "toast").state == "created"
    assert pick_name(set(), []) == POOL[0]
    assert pick_name({POOL[0]}, ["zed", "nux"]) == "nux"
    assert pick_name(set(POOL), []) == POOL[0] + "2"
    with pytest.raises(TownError, match="busy"):
        pick_name(set(), [], "nux", {"nux": "de-1"})
    with pytest.raises(TownError, match="bad polecat name"):
        pick_name(set(), [], "Nux!")


def test_crew_snapshots_live_in_the_crew_clone(town):
    assert run_gt(town.root, "crew", "add", "joe", "--rig", "demo").returncode == 0
    issue = new_issue(town, "Crew work")
    slung = gt_json(town.root, "sling", issue, "--crew", "joe", "--rig", "demo", "--agent",
                    "demo", "--no-convoy")[0]
    clone = Path(slung["worktree"])
    (clone / "notes.txt").write_text("crew draft\n")
    from gastown_tui.town.snapshots import take_snapshot

    snap = take_snapshot(clone, "joe", "manual")
    assert [s["id"] for s in gt_json(town.root, "hooks", "snapshots", "joe")] == [snap.id]
    (clone / "notes.txt").write_text("changed\n")
    assert run_gt(town.root, "hooks", "rollback", "joe").returncode == 0
    assert (clone / "notes.txt").read_text() == "crew draft\n"
    # listed as the crew member it is, under a column that does not call it a polecat
    lines = run_gt(town.root, "hooks", "list").stdout.splitlines()
    assert lines[0].split()[0] == "AGENT"
    assert lines[1].split()[:2] == ["demo/crew/joe", issue]
    assert gt_json(town.root, "hooks", "list")[0]["kind"] == "crew"


def test_archive_keeps_ignored_files(town):
    """A finished worktree archived once its branch merges: the git-ignored `.env` and notes a
    person or agent wrote are in the snapshot; a file too big for it is moved aside under the
    town's runtime dir and the report says where; dependencies are left out; rollback brings
    the ignored files back."""
    issue = new_issue(town, "Work with secrets")
    slung = gt_json(town.root, "sling", issue, "demo", "--agent", "demo", "--no-convoy")[0]
    name, wt = slung["polecat"], Path(slung["worktree"])
    env = _agent_env(town, name)
    (wt / ".gitignore").write_text(".env\n*.bin\nnotes/\nnode_modules/\n")
    (wt / ".env").write_text("TOKEN=secret\n")
    (wt / "notes").mkdir()
    (wt / "notes" / "plan.md").write_text("the plan\n")
    (wt / "big.bin").write_bytes(os.urandom(2 << 20))
    (wt / "node_modules" / "dep").mkdir(parents=True)
    (wt / "node_modules" / "dep" / "index.js").write_text("module.exports = 1\n")
    assert run_gt(wt, "done", "-m", "ignore rules", env=env).returncode == 0
    # the branch merges: `gt hooks repair` archives the finished worktree
    t = find_town(town.root, {})
    repo = pygit2.Repository(str(t.rig("demo").repo_path))
    tip = repo.references[f"refs/heads/{slung['branch']}"].target
    repo.references["refs/heads/main"].set_target(tip)
    report = gt_json(town.root, "hooks", "repair")
    merged = [f["detail"] for f in report["fixes"] if f["what"] == "merged work"]
    assert len(merged) == 1
    assert not wt.exists()
    snap = repo.references[f"refs/gastown/wip/{name}"].peel(pygit2.Commit)
    assert repo[snap.tree[".env"].id].data == b"TOKEN=secret\n"
    assert repo[(snap.tree / "notes" / "plan.md").id].data == b"the plan\n"
    assert "big.bin" not in snap.tree and "node_modules" not in snap.tree
    aside = list((town.root / ".runtime" / "archive").glob(f"{name}-*/big.bin"))
    assert len(aside) == 1 and aside[0].stat().st_size == 2 << 20
    assert str(aside[0].parent) in merged[0] and "node_modules/" in merged[0]

    # the worktree made again (as a repair or an undone sling does): rollback restores them
    from gastown_tui.town import worktrees

    worktrees.create_worktree(t.rig("demo"), name, issue)
    assert not (wt / ".env").exists()
    out = run_gt(town.root, "hooks", "rollback", name)
    assert out.returncode == 0, out.stderr
    assert (wt / ".env").read_text() == "TOKEN=secret\n"
    assert (wt / "notes" / "plan.md").read_text() == "the plan\n"



def _finished_with_ignored(town, polecat: str, title: str) -> tuple[dict, Path]:
    """A polecat whose work is done (hook completed) and whose worktree holds an ignored
    small file and an ignored file over the snapshot's per-file cap."""
    issue = new_issue(town, title)
    slung = gt_json(town.root, "sling", issue, f"demo/{polecat}", "--agent", "demo",
                    "--no-convoy")[0]
    wt = Path(slung["worktree"])
    (wt / ".gitignore").write_text("*.local\n*.bin\n")
    (wt / "keys.local").write_text("k=1\n")
    (wt / "big.bin").write_bytes(b"x" * ((1 << 20) + 1))
    assert run_gt(wt, "done", env=_agent_env(town, polecat)).returncode == 0
    # A person drops the work: the issue closed, its merge request rejected. The polecat is
    # idle with its finished worktree, which its next sling archives.
    led = town.rig("demo").ledger("overseer")
    led.close(issue, reason="not needed after all")
    mr = gt_json(town.root, "mq", "list")[0]["id"]
    assert run_gt(town.root, "mq", "reject", mr, "-m", "dropped").returncode == 0
    assert hooks.load(find_town(town.root, {}), "demo", polecat).state == "completed"
    return slung, wt


def test_reused_polecat_says_where_its_big_files_went(town):
    _finished_with_ignored(town, "ace", "First")
    second = new_issue(town, "Second")
    out = run_gt(town.root, "sling", second, "demo/ace", "--agent", "demo", "--no-convoy")
    assert out.returncode == 0, out.stderr
    assert "1 ignored file too big for the snapshot moved to" in out.stdout
    aside = list((town.root / ".runtime" / "archive").glob("ace-*/big.bin"))
    assert len(aside) == 1 and str(aside[0].parent) in out.stdout


def test_undone_archive_puts_every_file_back(town):
    """A sling that fails after archiving the reused polecat's worktree undoes the archive:
    the worktree comes back with its ignored files, the moved one included."""
    from gastown_tui.town import sling as sling_mod

    _finished_with_ignored(town, "bo", "First")
    t = find_town(town.root, {})
    finished = hooks.load(t, "demo", "bo")
    wt = finished.path
    kept = sling_mod.archive(t, records.replace(finished), "reused for new work")
    assert not wt.exists() and kept.moved == ["big.bin"]
    sling_mod._unarchive(t, t.rig("demo"), finished, kept)
    assert (wt / "keys.local").read_text() == "k=1\n"
    assert (wt / "big.bin").read_bytes() == b"x" * ((1 << 20) + 1)
    assert not Path(kept.set_aside).exists()
    assert hooks.load(t, "demo", "bo").state == "completed"


def _immutable(path: Path, on: bool) -> bool:
    return subprocess.run(["chattr", "+i" if on else "-i", str(path)],
                          capture_output=True).returncode == 0 if shutil.which("chattr") \
        else False


@pytest.mark.parametrize("obstacle", ["snapshot lock", "immutable file"])
def test_an_idle_polecat_that_cannot_be_cleared_is_passed_by(town, obstacle):
    """A sling reuses the first idle polecat, archiving its finished worktree first. One the
    machine will not clear (its snapshot ref locked by a write in progress, which is not
    stale by time; a file that cannot be removed) failed every sling to its rig: it is
    marked unusable and passed by, `gt hooks list` and `gt hooks repair` say what to do, and
    once the obstacle is gone repair clears it for new work."""
    _slung, wt = _finished_with_ignored(town, "ace", "First")
    if obstacle == "snapshot lock":
        cause = Path(pygit2.Repository(str(wt)).path).parents[1] / "refs/gastown/wip/ace.lock"
        cause.write_text("")
    else:
        cause = wt / "keys.local"
        if not _immutable(cause, True):
            pytest.skip("chattr +i needs root on a filesystem with immutable files")
    try:
        issues = [new_issue(town, title) for title in ("Second", "Third", "Fourth")]
        names = [gt_json(town.root, "sling", issue, "demo", "--agent", "demo",
                         "--no-convoy")[0]["polecat"] for issue in issues[:2]]
        assert "ace" not in names and len(set(names)) == 2
        t = find_town(town.root, {})
        ace = hooks.load(t, "demo", "ace")
        assert ace.state == "completed" and ace.unusable
        # asked for by name, it is tried again, and refused saying why
        named = run_gt(town.root, "sling", issues[2], "demo/ace", "--agent", "demo")
        assert named.returncode == 1
        assert "demo/polecats/ace cannot take new work (" in named.stderr
        listed = run_gt(town.root, "hooks", "list")
        assert "completed (unusable)" in listed.stdout
        assert "demo/polecats/ace cannot take new work (" in listed.stdout
        assert "run `gt hooks repair`" in listed.stdout
        left = run_gt(town.root, "hooks", "repair")
        assert "left    unusable polecat: demo/polecats/ace cannot take new work" in left.stdout
    finally:
        if obstacle == "snapshot lock":
            cause.unlink()
        else:
            _immutable(cause, False)
    fixed = run_gt(town.root, "hooks", "repair")
    assert "fixed   unusable polecat: demo/polecats/ace takes new work again" in fixed.stdout
    t = find_town(town.root, {})
    ace = hooks.load(t, "demo", "ace")
    assert ace.state == "archived" and ace.unusable is None and not wt.exists()
    # its files were kept: the last snapshot holds the ignored one
    snap = pygit2.Repository(str(t.rig("demo").repo_path)).references[
        "refs/gastown/wip/ace"].peel(pygit2.Commit)
    assert "keys.local" in snap.tree
    again = gt_json(town.root, "sling", issues[2], "demo", "--agent", "demo", "--no-convoy")
    assert again[0]["polecat"] == "ace"


def test_an_agents_bd_holds_its_inflight_lock_until_it_exits(town):
    """What the host checks before it ends a finished agent's terminal (inflight.py): a `bd`
    the agent runs holds the agent's lock while it runs (here it waits for the town ledger,
    which another writer holds), and nothing once it has exited."""
    import sqlite3

    from gastown_tui import inflight
    from host_helpers import wait_for

    (town.root / ".runtime").mkdir(mode=0o700, exist_ok=True)
    address = "demo/polecats/nux"
    env = {**os.environ, **_agent_env(town, "nux"), "BEADS_DIR": str(town.beads_dir)}
    db = sqlite3.connect(str(town.beads_dir / "beads.db"), isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    proc = subprocess.Popen([shutil.which("bd") or "bd", "create", "Waits for the ledger"],
                            cwd=str(town.root), env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        wait_for(lambda: inflight.running(town.root, address), 20, what="bd to hold the lock")
        assert proc.poll() is None
        assert not inflight.running(town.root, "demo/polecats/other")
    finally:
        db.execute("ROLLBACK")
        db.close()
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert not inflight.running(town.root, address)
    assert inflight.lock_path(town.root, "mayor") is None
