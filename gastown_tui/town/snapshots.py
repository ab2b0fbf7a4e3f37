"""Work-in-progress snapshots of a polecat's worktree, kept on `refs/gastown/wip/<polecat>`.

A snapshot records the worktree exactly as it is on disk, untracked files included, as a commit
built from an in-memory index: the agent's branch, index file and working files are never
touched. Git-ignored files are left out of the snapshots taken while work goes on; the one taken
before a worktree is removed holds them too (a `.env`, notes in an ignored folder), within caps,
and whatever a cap leaves out is moved aside under the town's runtime dir rather than deleted.
The snapshot chain's first parent is the previous snapshot; the second is the branch tip at that
moment, so the snapshot also keeps the branch's commits alive. A snapshot identical to the last
one is not repeated.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import os
import shutil
import stat
import time
from pathlib import Path
from typing import Iterable

import pygit2

from ..visible import visible
from .errors import TownError

REF_PREFIX = "refs/gastown/wip/"
STALE_LOCK_S = 30.0  # as the refinery's compare-and-swap of a target branch
FS = pygit2.enums.FileStatus
GONE = FS.WT_DELETED | FS.INDEX_DELETED
# Caps on the ignored files a snapshot holds: enough for secrets, notes and local settings,
# not for the bulk a tool makes (every snapshot stays in the rig's repository for good).
IGNORED_FILE_MAX = 1 << 20
IGNORED_TOTAL_MAX = 20 << 20
# Ignored folders a tool makes again (dependencies, build output, virtualenvs, caches): left
# out of the snapshot and removed with the worktree; the report names them.
REGENERABLE = frozenset({
    "node_modules", "bower_components", ".venv", "venv", "__pycache__", ".tox", ".nox",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", ".cache", ".gradle", ".next", ".nuxt",
    ".parcel-cache", ".eggs", "build", "dist", "target", "out", "coverage", ".terraform"})


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
        return (f"{self.short}  {self.time}  {visible(self.reason)}  "
                f"({self.files} file{'' if self.files == 1 else 's'})")


@dataclasses.dataclass
class Ignored:
    """A worktree's git-ignored files, sorted by what a snapshot before a removal does."""
    kept: list[str] = dataclasses.field(default_factory=list)      # in the snapshot
    too_big: list[str] = dataclasses.field(default_factory=list)   # over a cap: moved aside
    regenerable: list[str] = dataclasses.field(default_factory=list)  # folders, "name/"


@dataclasses.dataclass
class Kept:
    """What was done to keep a worktree's ignored files before it was removed."""
    set_aside: str | None         # the folder the files over a cap were moved to
    moved: list[str]
    regenerable: list[str]

    def note(self) -> str:
        """One clause for the report of the removal ('' when there is nothing to say)."""
        parts = []
        if self.moved:
            parts.append(f"{len(self.moved)} ignored file{'s' if len(self.moved) != 1 else ''}"
                         f" too big for the snapshot moved to {self.set_aside}")
        if self.regenerable:
            more = len(self.regenerable) - 3
            parts.append("left out as regenerable: " + ", ".join(self.regenerable[:3])
                         + (f" and {more} more" if more > 0 else ""))
        return "; ".join(parts)


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


def sort_ignored(root: Path, listed: Iterable[str]) -> Ignored:
    """Split the ignored paths git lists (a wholly ignored folder comes as "name/") into what
    fits the caps, smallest first so the many small files a person writes all fit, and what
    does not."""
    out = Ignored()
    sized: list[tuple[int, str]] = []

    def consider(rel: str) -> None:
        try:
            st = os.lstat(root / rel)
        except OSError:
            return
        if stat.S_ISLNK(st.st_mode):
            sized.append((0, rel))
        elif stat.S_ISREG(st.st_mode):
            sized.append((st.st_size, rel))

    for rel in listed:
        if not rel.endswith("/") or (root / rel.rstrip("/")).is_symlink():
            consider(rel.rstrip("/"))
            continue
        if Path(rel).name in REGENERABLE:
            out.regenerable.append(rel)
            continue
        for top, dirs, files in os.walk(root / rel):
            here = Path(top).relative_to(root).as_posix()
            for d in sorted(dirs):
                if d == ".git" or d in REGENERABLE:
                    dirs.remove(d)
                    if d != ".git":
                        out.regenerable.append(f"{here}/{d}/")
            for f in files:
                consider(f"{here}/{f}")
    total = 0
    for size, rel in sorted(sized):
        if size > IGNORED_FILE_MAX or total + size > IGNORED_TOTAL_MAX:
            out.too_big.append(rel)
        else:
            out.kept.append(rel)
            total += size
    out.regenerable.sort()
    return out


def worktree_tree(repo: pygit2.Repository,
                  with_ignored: bool = False) -> tuple[pygit2.Oid, Ignored]:
    """The tree of the working files as they are, built in a private in-memory index; with
    `with_ignored`, the ignored files that fit the caps too (the rest are returned)."""
    root = Path(repo.workdir)
    changed = {rel: flags for rel, flags in
               repo.status(untracked_files="all", ignored=with_ignored).items()
               if flags != FS.CURRENT}
    if not changed and not repo.head_is_unborn:
        # A clean worktree (`gt done` just committed it) is its branch tip's tree: no index
        # of every file is read and written again to make it.
        return repo.head.peel(pygit2.Commit).tree_id, Ignored()
    index = pygit2.Index()
    if not repo.head_is_unborn:
        index.read_tree(repo.head.peel(pygit2.Commit).tree)
    ignored: list[str] = []
    for rel, flags in changed.items():
        if flags & FS.IGNORED:
            ignored.append(rel)
            continue
        entry = None if flags & GONE and not (root / rel).exists() else _entry_for(repo, root, rel)
        if entry is None:
            if rel in index:
                index.remove(rel)
        else:
            index.add(entry)
    sorted_out = sort_ignored(root, ignored)
    for rel in sorted_out.kept:
        entry = _entry_for(repo, root, rel)
        if entry is not None:
            index.add(entry)
    return index.write_tree(repo), sorted_out


def take_snapshot(worktree: Path, polecat: str, reason: str,
                  with_ignored: bool = False) -> Snapshot | None:
    """Record the worktree's state; returns the new snapshot, or None when nothing changed
    since the last one (or there is no worktree to record)."""
    return _take(worktree, polecat, reason, with_ignored)[0]


def keep_before_removal(worktree: Path, polecat: str, reason: str, runtime_dir: Path) -> Kept:
    """Snapshot the worktree with its ignored files, and move the files a cap left out to
    `<runtime>/archive/<polecat>-<time>/` (a rename: same filesystem), so removing the
    worktree next deletes nothing a person or agent wrote that is not kept somewhere."""
    _snap, ignored = _take(worktree, polecat, reason, True)
    aside = move_aside(worktree, ignored.too_big, runtime_dir, polecat)
    return Kept(str(aside) if aside else None, ignored.too_big, ignored.regenerable)


def ignored_files(worktree: Path) -> Ignored:
    """The repository's git-ignored files at `worktree`, sorted as for a snapshot."""
    repo = pygit2.Repository(str(worktree))
    return sort_ignored(Path(repo.workdir), [
        rel for rel, flags in repo.status(untracked_files="all", ignored=True).items()
        if flags & FS.IGNORED])


def aside_folder(runtime_dir: Path, label: str) -> Path:
    """A new `<runtime>/archive/<label>-<time>` path (not made yet) for things set aside."""
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    aside, n = runtime_dir / "archive" / f"{label}-{stamp}", 2
    while aside.exists():
        aside, n = runtime_dir / "archive" / f"{label}-{stamp}-{n}", n + 1
    return aside


def move_aside(root: Path, rels: list[str], runtime_dir: Path, label: str) -> Path | None:
    """Move the files `rels` (relative to `root`) to `<runtime>/archive/<label>-<time>/`, in
    the same layout; returns that folder, or None when there was nothing to move."""
    if not rels:
        return None
    aside = aside_folder(runtime_dir, label)
    for rel in rels:
        dest = aside / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(root / rel), str(dest))
    return aside


def put_back(worktree: Path, polecat: str, kept: Kept) -> None:
    """Undo `keep_before_removal` in the worktree made again: its files as in the newest
    snapshot, and the moved ones back from where they were set aside."""
    newest = list_snapshots(worktree, polecat, limit=1)
    if newest:
        # No "before rollback" snapshot: the fresh worktree holds nothing of its own yet.
        checkout(pygit2.Repository(str(worktree)), newest[0].id)
    if kept.set_aside is None:
        return
    aside = Path(kept.set_aside)
    for rel in kept.moved:
        dest = worktree / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(aside / rel), str(dest))
    for folder in sorted((p for p in aside.rglob("*") if p.is_dir()), reverse=True) + [aside]:
        try:
            folder.rmdir()
        except OSError:
            pass  # not empty: something else was put there; leave it


def _take(worktree: Path, polecat: str, reason: str,
          with_ignored: bool) -> tuple[Snapshot | None, Ignored]:
    try:
        repo = pygit2.Repository(str(worktree))
    except pygit2.GitError:
        return None, Ignored()
    if repo.is_bare:
        return None, Ignored()
    try:
        return _record(repo, polecat, reason, with_ignored)
    except (pygit2.GitError, OSError) as e:
        # libgit2 reports an object it could not write on a full disk as a missing object
        # when the ref update finds it gone; the ref did not move, so nothing changed.
        from ..files import is_no_space, low_space, no_space_error

        if not is_no_space(e) and low_space(repo.path):
            raise no_space_error(repo.path) from e
        raise


def _record(repo: pygit2.Repository, polecat: str, reason: str,
            with_ignored: bool) -> tuple[Snapshot | None, Ignored]:
    tree, ignored = worktree_tree(repo, with_ignored)
    head = None if repo.head_is_unborn else repo.head.target
    ref = wip_ref(polecat)
    prev = repo.references[ref].peel(pygit2.Commit) if ref in repo.references else None
    if prev is not None and prev.tree_id == tree:
        prev_heads = [p.id for p in prev.parents if not _is_snapshot(p)]
        if (prev_heads[0] if prev_heads else None) == head:
            return None, ignored
    parents = [p for p in (prev.id if prev else None, head) if p is not None]
    stamp = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    message = f"wip {polecat}: {reason}\n\nsnapshot-time: {stamp}\n"
    sig = _signature()
    oid = repo.create_commit(None, sig, sig, message, tree, parents)
    _set_ref(repo, ref, oid)
    return _describe(repo, repo[oid]), ignored


def _set_ref(repo: pygit2.Repository, ref: str, oid: pygit2.Oid) -> None:
    """Point the snapshot ref at `oid`. A lock on it older than any write takes was left by a
    process killed while it moved the ref (a `gt done` hung up with its terminal, a host
    killed mid-snapshot): it refused every later snapshot of the polecat for good, and with
    them its clean-up and its reuse for new work, so it is removed."""
    try:
        repo.references.create(ref, oid, force=True)
        return
    except (OSError, pygit2.GitError):
        lock = _common_dir(repo) / (ref + ".lock")
        try:
            stale = time.time() - lock.stat().st_mtime > STALE_LOCK_S
        except OSError:
            stale = False
        if not stale:
            raise
    lock.unlink(missing_ok=True)
    repo.references.create(ref, oid, force=True)


def _common_dir(repo: pygit2.Repository) -> Path:
    """Where a repository's shared refs live (a worktree's gitdir names it in `commondir`)."""
    gitdir = Path(repo.path)
    common = gitdir / "commondir"
    return (gitdir / common.read_text().strip()).resolve() if common.exists() else gitdir


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
    commits stay as they are; the index is reset to the branch tip. Ignored files the
    snapshot holds come back too (and the current ones are in the snapshot taken first)."""
    repo = pygit2.Repository(str(worktree))
    before = take_snapshot(worktree, polecat, "before rollback", with_ignored=True)
    checkout(repo, snapshot_id)
    return before


def checkout(repo: pygit2.Repository, snapshot_id: str) -> None:
    """The worktree's files as the snapshot holds them, its index at the branch tip (the
    snapshot's changes show as uncommitted work)."""
    target = repo[pygit2.Oid(hex=snapshot_id)].peel(pygit2.Commit)
    repo.checkout_tree(target.tree, strategy=pygit2.enums.CheckoutStrategy.FORCE
                       | pygit2.enums.CheckoutStrategy.REMOVE_UNTRACKED)
    index = repo.index
    if repo.head_is_unborn:
        index.clear()
    else:
        index.read_tree(repo.head.peel(pygit2.Commit).tree)
    index.write()
