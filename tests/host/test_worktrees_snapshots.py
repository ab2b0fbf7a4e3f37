"""Polecat worktrees and WIP snapshots on real repositories."""

from __future__ import annotations

import os
from pathlib import Path

import pygit2
import pytest

from gastown_tui.town import TownError
from gastown_tui.town import snapshots, worktrees


def test_worktree_on_its_own_branch(town, repo_of):
    rig = town.rig("demo")
    path, branch = worktrees.create_worktree(rig, "nux", "de-abc")
    assert branch == "polecat/nux/de-abc"
    assert (path / "hello.py").read_text() == "print('hello')\n"
    wt = pygit2.Repository(str(path))
    assert wt.head.shorthand == branch
    (path / "new.txt").write_text("x\n")
    cid = worktrees.commit_all(path, "add new", "demo/polecats/nux")
    assert cid
    bare = repo_of()
    assert str(bare.references[f"refs/heads/{branch}"].target) == cid
    st = worktrees.status(path, rig.branch)
    assert (st.branch, st.ahead, st.dirty) == (branch, 1, 0)
    assert not worktrees.is_merged(rig, branch)


def test_commit_all_commits_every_change_and_nothing_twice(town, repo_of):
    """One walk of the worktree: new, changed and deleted files are committed, ignored ones
    are not; with nothing changed there is no commit and the index file is not rewritten."""
    rig = town.rig("demo")
    path, branch = worktrees.create_worktree(rig, "ace", "de-ci")
    wt = pygit2.Repository(str(path))
    index_file = Path(wt.path) / "index"
    stamp = index_file.stat().st_mtime_ns
    assert worktrees.commit_all(path, "nothing yet", "demo/polecats/ace") is None
    assert index_file.stat().st_mtime_ns == stamp
    (path / ".gitignore").write_text("*.log\n")
    (path / "debug.log").write_text("noise\n")
    (path / "hello.py").write_text("print('changed')\n")
    os.remove(path / "README.md")
    (path / "sub").mkdir()
    (path / "sub" / "new.txt").write_text("new\n")
    cid = worktrees.commit_all(path, "work", "demo/polecats/ace")
    tree = repo_of()[cid].peel(pygit2.Commit).tree
    assert sorted(e.name for e in tree) == [".gitignore", "hello.py", "sub"]
    assert repo_of()[tree["hello.py"].id].data == b"print('changed')\n"
    assert worktrees.dirty_files(pygit2.Repository(str(path))) == []
    assert worktrees.commit_all(path, "again", "demo/polecats/ace") is None
    assert str(pygit2.Repository(str(path)).head.target) == cid
    # The clean worktree's snapshot is the branch tip's tree.
    snap = snapshots.take_snapshot(path, "ace", "done")
    wip = repo_of().references["refs/gastown/wip/ace"].peel(pygit2.Commit)
    assert snap is not None and snap.head == cid and wip.tree_id == tree.id
    assert snapshots.take_snapshot(path, "ace", "done again") is None


def test_commit_all_on_an_unborn_branch(tmp_path):
    repo = pygit2.init_repository(str(tmp_path / "r"), initial_head="main")
    assert worktrees.commit_all(Path(repo.workdir), "empty", "me") is None
    (Path(repo.workdir) / "first.txt").write_text("1\n")
    cid = worktrees.commit_all(Path(repo.workdir), "first", "me")
    assert cid and [e.name for e in repo[cid].peel(pygit2.Commit).tree] == ["first.txt"]


def test_worktree_refuses_bad_base_and_busy_dir(town):
    rig = town.rig("demo")
    with pytest.raises(TownError, match="does not exist"):
        worktrees.create_worktree(rig, "nux", "de-1", base="nope")
    busy = rig.polecats_dir / "slit"
    busy.mkdir(parents=True)
    (busy / "mine.txt").write_text("keep me")
    with pytest.raises(TownError, match="not empty"):
        worktrees.create_worktree(rig, "slit", "de-2")
    assert (busy / "mine.txt").read_text() == "keep me"


def test_snapshot_keeps_untracked_and_leaves_index_alone(town, repo_of):
    rig = town.rig("demo")
    path, branch = worktrees.create_worktree(rig, "toast", "de-x")
    wt = pygit2.Repository(str(path))
    head_before = wt.head.target
    index_before = (path / ".git").read_text()  # a worktree's .git is a pointer file
    index_file = os.path.join(wt.path, "index")
    index_bytes = open(index_file, "rb").read()
    (path / "hello.py").write_text("print('changed')\n")
    (path / "sub").mkdir()
    (path / "sub" / "untracked.txt").write_text("draft\n")
    os.remove(path / "README.md")
    snap = snapshots.take_snapshot(path, "toast", "test")
    assert snap is not None
    bare = repo_of()
    commit = bare.references["refs/gastown/wip/toast"].peel(pygit2.Commit)
    tree = commit.tree
    assert bare[tree["hello.py"].id].data == b"print('changed')\n"
    assert bare[(tree / "sub" / "untracked.txt").id].data == b"draft\n"
    assert "README.md" not in tree
    assert snap.head == str(head_before)
    # the agent's branch, index and files are as they were
    assert wt.head.target == head_before
    assert open(index_file, "rb").read() == index_bytes
    assert (path / ".git").read_text() == index_before
    assert (path / "sub" / "untracked.txt").exists()
    assert wt.status()["sub/untracked.txt"] == pygit2.enums.FileStatus.WT_NEW
    # no change, no new snapshot
    assert snapshots.take_snapshot(path, "toast", "again") is None
    (path / "sub" / "untracked.txt").write_text("draft 2\n")
    snapshots.take_snapshot(path, "toast", "second")
    listed = snapshots.list_snapshots(rig.repo_path, "toast")
    assert [s.reason for s in listed] == ["second", "test"]


def test_a_snapshot_ref_lock_left_by_a_killed_process_is_removed_once_stale(town, repo_of):
    """A process killed while it moved the snapshot ref leaves its lock file: a young one is
    somebody's write in progress and is respected; an old one would refuse every snapshot
    of the polecat (its clean-up after a merge, its reuse for new work) for good."""
    import time

    path, _branch = worktrees.create_worktree(town.rig("demo"), "rictus", "de-l")
    lock = Path(repo_of().path) / "refs" / "gastown" / "wip" / "rictus.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text("")
    (path / "a.txt").write_text("a\n")
    with pytest.raises(OSError, match="failed to lock"):
        snapshots.take_snapshot(path, "rictus", "while another writes")
    old = time.time() - snapshots.STALE_LOCK_S - 5
    os.utime(lock, (old, old))
    snap = snapshots.take_snapshot(path, "rictus", "after a killed writer")
    assert snap is not None and not lock.exists()
    assert str(repo_of().references["refs/gastown/wip/rictus"].target).startswith(snap.short)


def test_rollback_restores_files_and_can_be_undone(town):
    rig = town.rig("demo")
    path, _ = worktrees.create_worktree(rig, "dag", "de-y")
    (path / "notes.txt").write_text("version 1\n")
    first = snapshots.take_snapshot(path, "dag", "v1")
    (path / "notes.txt").write_text("version 2\n")
    (path / "extra.txt").write_text("later\n")
    before = snapshots.restore(path, "dag", first.id)
    assert (path / "notes.txt").read_text() == "version 1\n"
    assert not (path / "extra.txt").exists()
    assert before is not None
    snapshots.restore(path, "dag", before.id)
    assert (path / "notes.txt").read_text() == "version 2\n"
    assert (path / "extra.txt").read_text() == "later\n"
    with pytest.raises(TownError):
        snapshots.find_snapshot(rig.repo_path, "dag", "zzzz")


def test_remove_keeps_branch(town, repo_of):
    rig = town.rig("demo")
    path, branch = worktrees.create_worktree(rig, "ace", "de-z")
    worktrees.remove_worktree(rig, "ace")
    assert not path.exists()
    assert f"refs/heads/{branch}" in repo_of().references
    # the name can be used again
    path2, _ = worktrees.create_worktree(rig, "ace", "de-w")
    assert path2 == path and (path / "hello.py").exists()


def test_snapshot_line_counts_files_in_words():
    one = snapshots.Snapshot("a" * 40, "a" * 10, "2026-01-01T00:00:00+00:00", "done", None, 1)
    assert one.render_text().endswith("done  (1 file)")
    assert snapshots.Snapshot(**{**one.__dict__, "files": 3}).render_text().endswith("(3 files)")
