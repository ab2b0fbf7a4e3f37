"""Work-in-progress snapshots of a polecat's worktree, kept on `refs/gastown/wip/<polecat>`.

A snapshot records the worktree exactly as it is on disk, untracked files included (ignored
ones excluded), as a commit built from an in-memory index: the agent's branch, index file and
working files are never touched. The snapshot chain's first parent is the previous snapshot; the
second is the branch tip at that moment, so the snapshot also keeps the branch's commits alive.
A snapshot identical to the last one is not repeated.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import os
import stat
from pathlib import Path

import pygit2

from .errors import TownError

REF_PREFIX = "refs/gastown/wip/"
FS = pygit2.enums.FileStatus
GONE = FS.WT_DELETED | FS.INDEX_DELETED


def wip_ref(polecat: str) -> str:
    return REF_PREFIX + polecat


@dataclasses.dataclass
class Snapshot:
    id: str
    short: str
    time: str
    reason: str
    head: str | None
    files: int

    def render_text(self) -> str:
        return f"{self.short}  {self.time}  {self.reason}  ({self.files} files)"


def _signature() -> pygit2.Signature:
    return pygit2.Signature("Gas Town", "snapshots@gastown.local")


def _entry_for(repo: pygit2.Repository, root: Path, rel: str) -> pygit2.IndexEntry | None:
    full = root / rel
    try:
        st = os.lstat(full)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(st.st_mode):
        oid = repo.create_blob(os.fsencode(os.readlink(full)))
        return pygit2.IndexEntry(rel, oid, pygit2.enums.FileMode.LINK)
    if not stat.S_ISREG(st.st_mode):
        return None
    oid = repo.create_blob_fromdisk(str(full))
    mode = (pygit2.enums.FileMode.BLOB_EXECUTABLE if st.st_mode & 0o111
            else pygit2.enums.FileMode.BLOB)
    return pygit2.IndexEntry(rel, oid, mode)


def worktree_tree(repo: pygit2.Repository) -> pygit2.Oid:
    """The tree of the working files as they are, built in a private in-memory index."""
    root = Path(repo.workdir)
    index = pygit2.Index()
    if not repo.head_is_unborn:
        index.read_tree(repo.head.peel(pygit2.Commit).tree)
    for rel, flags in repo.status(untracked_files="all").items():
        if flags & FS.IGNORED or flags == FS.CURRENT:
            continue
        entry = None if flags & GONE and not (root / rel).exists() else _entry_for(repo, root, rel)
        if entry is None:
            if rel in index:
                index.remove(rel)
        else:
            index.add(entry)
    return index.write_tree(repo)


def take_snapshot(worktree: Path, polecat: str, reason: str) -> Snapshot | None:
    """Record the worktree's state; returns the new snapshot, or None when nothing changed
    since the last one (or there is no worktree to record)."""
    try:
        repo = pygit2.Repository(str(worktree))
    except pygit2.GitError:
        return None
    if repo.is_bare:
        return None
    tree = worktree_tree(repo)
    head = None if repo.head_is_unborn else repo.head.target
    ref = wip_ref(polecat)
    prev = repo.references[ref].peel(pygit2.Commit) if ref in repo.references else None
    if prev is not None and prev.tree_id == tree:
        prev_heads = [p.id for p in prev.parents if not _is_snapshot(p)]
        if (prev_heads[0] if prev_heads else None) == head:
            return None
    parents = [p for p in (prev.id if prev else None, head) if p is not None]
    stamp = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    message = f"wip {polecat}: {reason}\n\nsnapshot-time: {stamp}\n"
    sig = _signature()
    oid = repo.create_commit(None, sig, sig, message, tree, parents)
    repo.references.create(ref, oid, force=True)
    return _describe(repo, repo[oid])


def _is_snapshot(commit: pygit2.Commit) -> bool:
    return commit.message.startswith("wip ")


def _describe(repo: pygit2.Repository, commit: pygit2.Commit) -> Snapshot:
    first = commit.message.partition("\n")[0]
    reason = first.split(": ", 1)[1] if ": " in first else first
    stamp = _dt.datetime.fromtimestamp(commit.commit_time, _dt.timezone.utc).astimezone()
    heads = [str(p.id) for p in commit.parents if not _is_snapshot(p)]
    files = sum(1 for _ in _walk_tree(repo, commit.tree))
    return Snapshot(str(commit.id), str(commit.id)[:10], stamp.isoformat(timespec="seconds"),
                    reason, heads[0] if heads else None, files)


def _walk_tree(repo: pygit2.Repository, tree: pygit2.Tree):
    for entry in tree:
        if entry.type_str == "tree":
            yield from _walk_tree(repo, repo[entry.id])
        else:
            yield entry


def list_snapshots(repo_path: Path, polecat: str, limit: int = 50) -> list[Snapshot]:
    """Newest first, following the chain of first parents."""
    repo = pygit2.Repository(str(repo_path))
    ref = wip_ref(polecat)
    if ref not in repo.references:
        return []
    out = []
    commit = repo.references[ref].peel(pygit2.Commit)
    while commit is not None and _is_snapshot(commit) and len(out) < limit:
        out.append(_describe(repo, commit))
        commit = commit.parents[0] if commit.parents else None
    return out


def find_snapshot(repo_path: Path, polecat: str, spec: str | None) -> Snapshot:
    snaps = list_snapshots(repo_path, polecat, limit=10_000)
    if not snaps:
        raise TownError(f"{polecat} has no snapshots yet")
    if not spec:
        return snaps[0]
    matches = [s for s in snaps if s.id.startswith(spec.lower())]
    if len(matches) != 1:
        what = "matches no" if not matches else "is ambiguous between"
        raise TownError(f"{spec!r} {what} snapshots of {polecat}: see `gt hooks snapshots "
                        f"{polecat}`", exit_code=2)
    return matches[0]


def restore(worktree: Path, polecat: str, snapshot_id: str) -> Snapshot | None:
    """Put the worktree's files back as they were in the snapshot. The current state is
    snapshotted first (returned), so a rollback can itself be undone. The branch and its
    commits stay as they are; the index is reset to the branch tip."""
    repo = pygit2.Repository(str(worktree))
    before = take_snapshot(worktree, polecat, "before rollback")
    target = repo[pygit2.Oid(hex=snapshot_id)].peel(pygit2.Commit)
    repo.checkout_tree(target.tree, strategy=pygit2.enums.CheckoutStrategy.FORCE
                       | pygit2.enums.CheckoutStrategy.REMOVE_UNTRACKED)
    index = repo.index
    if repo.head_is_unborn:
        index.clear()
    else:
        index.read_tree(repo.head.peel(pygit2.Commit).tree)
    index.write()
    return before
