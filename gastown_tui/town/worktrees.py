"""Polecat worktrees: one git worktree per polecat off the rig's shared bare repository.

A polecat works at `<rig>/polecats/<name>` on branch `polecat/<name>/<issue>`, cut from the rig's
default branch (or `--base`). Worktrees share the bare repository's objects and refs, so the
branch and the polecat's commits are visible from `<rig>/.repo.git` the moment they exist.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
from pathlib import Path

import pygit2

from .errors import TownError


def branch_name(polecat: str, issue_id: str) -> str:
    return f"polecat/{polecat}/{issue_id}"


def worktree_path(rig, polecat: str) -> Path:
    return Path(rig.polecats_dir) / polecat


def _base_commit(repo: pygit2.Repository, base: str) -> pygit2.Commit:
    refs = ([f"refs/remotes/{base}"] if base.startswith("origin/")
            else [f"refs/heads/{base}", f"refs/remotes/origin/{base}"])
    for ref in refs:
        if ref in repo.references:
            return repo.references[ref].peel(pygit2.Commit)
    raise TownError(f"branch {base!r} does not exist in the rig's repository: "
                    "give an existing branch with --base", exit_code=2)


def create_worktree(rig, polecat: str, issue_id: str, base: str | None = None) -> tuple[Path, str]:
    """Make the polecat's worktree on a fresh (or its existing) branch; returns (path, branch).
    Refuses to reuse a directory that holds anything, so no one's files are overwritten."""
    repo = pygit2.Repository(str(rig.repo_path))
    path = worktree_path(rig, polecat)
    if path.exists() and any(path.iterdir()):
        raise TownError(f"{path} already exists and is not empty: run `gt hooks repair` "
                        "or remove it after checking its work")
    branch = branch_name(polecat, issue_id)
    ref_name = f"refs/heads/{branch}"
    made_ref = ref_name not in repo.references
    commit = _base_commit(repo, base or rig.branch) if made_ref else None
    _drop_stale_registration(repo, polecat)
    adding = False
    try:
        ref = repo.references.create(ref_name, commit.id) if made_ref \
            else repo.references[ref_name]
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            path.rmdir()
        adding = True
        repo.add_worktree(polecat, str(path), ref)
    except BaseException as e:
        # A full disk can stop git half-way: what this call made goes again (the folder was
        # empty and the name unregistered before), so a failed sling leaves nothing behind.
        _take_back(repo, rig, polecat, path if adding else None, ref_name if made_ref else None)
        from ..files import is_no_space, low_space, no_space_error

        if is_no_space(e) or (isinstance(e, (OSError, pygit2.GitError))
                              and low_space(rig.repo_path)):
            raise no_space_error(rig.repo_path) from None
        if isinstance(e, pygit2.GitError):
            raise TownError(f"cannot create the worktree {path}: {e}") from None
        raise
    return path, branch


def _take_back(repo: pygit2.Repository, rig, polecat: str, path: Path | None,
               ref_name: str | None) -> None:
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)
        if polecat in repo.list_worktrees():
            repo.lookup_worktree(polecat).prune(True)
        shutil.rmtree(Path(repo.path) / "worktrees" / polecat, ignore_errors=True)
    if ref_name is not None:
        if ref_name in repo.references:
            repo.references.delete(ref_name)
        # The polecat's own folder of branches, when a half-made ref left it empty.
        with contextlib.suppress(OSError):
            (Path(repo.path) / "refs" / "heads" / "polecat" / polecat).rmdir()


def _drop_stale_registration(repo: pygit2.Repository, name: str) -> None:
    if name in repo.list_worktrees():
        wt = repo.lookup_worktree(name)
        if not Path(wt.path).exists():
            wt.prune(True)
        else:
            raise TownError(f"a worktree named {name!r} is already registered at {wt.path}: "
                            "run `gt hooks repair`")


def remove_worktree(rig, polecat: str, delete_branch: str | None = None) -> None:
    """Delete the worktree's files and registration (callers snapshot first). The branch is
    kept unless named: it holds the polecat's commits."""
    repo = pygit2.Repository(str(rig.repo_path))
    path = worktree_path(rig, polecat)
    if path.exists():
        shutil.rmtree(path)
    if polecat in repo.list_worktrees():
        repo.lookup_worktree(polecat).prune(True)
    # A registration git left half-written (a full disk) is no worktree to list, yet a folder.
    shutil.rmtree(Path(repo.path) / "worktrees" / polecat, ignore_errors=True)
    if delete_branch and f"refs/heads/{delete_branch}" in repo.references:
        repo.references.delete(f"refs/heads/{delete_branch}")


def registered_worktrees(rig) -> dict[str, Path]:
    try:
        repo = pygit2.Repository(str(rig.repo_path))
    except pygit2.GitError:
        return {}
    out = {}
    for name in repo.list_worktrees():
        out[name] = Path(repo.lookup_worktree(name).path)
    return out


def prune_worktree(rig, name: str) -> None:
    repo = pygit2.Repository(str(rig.repo_path))
    if name in repo.list_worktrees():
        repo.lookup_worktree(name).prune(True)


@dataclasses.dataclass
class WorktreeStatus:
    branch: str | None
    ahead: int
    dirty: int
    exists: bool = True


def dirty_files(repo: pygit2.Repository) -> list[str]:
    ignore = (pygit2.enums.FileStatus.IGNORED, pygit2.enums.FileStatus.CURRENT)
    return sorted(p for p, flags in repo.status(untracked_files="all").items()
                  if flags not in ignore)


def status(path: Path, base: str) -> WorktreeStatus:
    """Branch, commits ahead of `base` and changed files of the worktree at `path`."""
    try:
        repo = pygit2.Repository(str(path))
    except pygit2.GitError:
        return WorktreeStatus(None, 0, 0, exists=False)
    if repo.head_is_unborn:
        return WorktreeStatus(None, 0, len(dirty_files(repo)))
    branch = repo.head.shorthand if not repo.head_is_detached else None
    ahead = 0
    try:
        # A crew clone works on the base branch itself: compare with what origin has.
        base_commit = (_base_commit(repo, f"origin/{base}") if branch == base
                       else _base_commit(repo, base))
        ahead, _behind = repo.ahead_behind(repo.head.target, base_commit.id)
    except TownError:
        pass
    return WorktreeStatus(branch, ahead, len(dirty_files(repo)))


def is_merged(rig, branch: str) -> bool:
    """Whether the rig's default branch already contains `branch`'s tip."""
    repo = pygit2.Repository(str(rig.repo_path))
    ref = f"refs/heads/{branch}"
    if ref not in repo.references:
        return False
    tip = repo.references[ref].target
    try:
        base = _base_commit(repo, rig.branch).id
    except TownError:
        return False
    return tip == base or repo.descendant_of(base, tip)


def commit_all(path: Path, message: str, author: str) -> str | None:
    """Commit every change in the worktree (untracked files included) on its branch; the
    commit id, or None when there was nothing to commit."""
    repo = pygit2.Repository(str(path))
    index = repo.index
    # One walk of the worktree (adding every file, and dropping deleted ones, as `git add
    # -A`): the tree it makes is HEAD's when nothing changed, and the index file on disk is
    # left as it was then.
    index.add_all()
    tree = index.write_tree()
    head = None if repo.head_is_unborn else repo.head.peel(pygit2.Commit)
    if tree == (head.tree_id if head is not None else None) or (head is None and not len(index)):
        return None
    index.write()
    sig = pygit2.Signature(author, f"{author.replace('/', '.')}@gastown.local")
    parents = [] if head is None else [head.id]
    return str(repo.create_commit("HEAD", sig, sig, message, tree, parents))
