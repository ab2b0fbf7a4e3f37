"""The git work of the town layer, with pygit2: clones, first commits, unpushed-work checks."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Callable

import pygit2

from .errors import TownError

Progress = Callable[[str], None]

SCP_URL = re.compile(r"^[\w.-]+@[\w.-]+:.+")
NETWORK_SCHEMES = ("https://", "http://", "ssh://", "git://")


def is_network_url(url: str) -> bool:
    return url.startswith(NETWORK_SCHEMES) or bool(SCP_URL.match(url))


def normalize_source(source: str, cwd: Path) -> str:
    """An absolute path for local repositories, the URL unchanged otherwise; refuses what is
    neither before anything is made on disk."""
    if is_network_url(source):
        return source
    local = source[len("file://"):] if source.startswith("file://") else source
    path = Path(local).expanduser()
    if not path.is_absolute():
        path = Path(cwd) / path
    if not path.exists():
        raise TownError(f"{source} is neither a URL nor an existing path: give a git URL "
                        "(https://, ssh://, git@host:path, file://) or a repository path")
    found = pygit2.discover_repository(str(path))
    if found is None or Path(found).resolve() not in (path.resolve(), (path / ".git").resolve()):
        raise TownError(f"{path} is not a git repository: give the repository's top directory")
    return str(path.resolve())


def signature(repo: pygit2.Repository | None = None) -> pygit2.Signature:
    if repo is not None:
        try:
            return repo.default_signature
        except (KeyError, pygit2.GitError):
            pass
    return pygit2.Signature("Gas Town", "gastown@localhost")


def init_repo(path: Path) -> pygit2.Repository:
    try:
        return pygit2.init_repository(str(path), initial_head="main")
    except pygit2.GitError as e:  # e.g. a ~/.gitconfig git cannot parse: the person can fix it
        raise TownError(f"cannot make a git repository at {path}: {e}") from None


def commit_all(repo: pygit2.Repository, message: str,
               paths: list[str] | None = None) -> pygit2.Oid:
    """Commit everything not ignored, or only `paths` (so files of the person's that were
    already there stay theirs to commit)."""
    repo.index.add_all(paths or [])
    repo.index.write()
    tree = repo.index.write_tree()
    parents = [] if repo.head_is_unborn else [repo.head.target]
    sig = signature(repo)
    return repo.create_commit("HEAD", sig, sig, message, tree, parents)


class _Callbacks(pygit2.RemoteCallbacks):
    """Progress lines at most every half second, and ssh keys from the agent (tried once, so a
    refused key fails instead of looping)."""

    def __init__(self, progress: Progress | None):
        super().__init__()
        self._progress = progress
        self._last = 0.0
        self._asked = 0

    def credentials(self, url, username_from_url, allowed_types):
        self._asked += 1
        if self._asked > 1:
            raise TownError(f"authentication to {url} failed: check your ssh agent or "
                            "credentials (`ssh -T` to the host)")
        if allowed_types & pygit2.enums.CredentialType.SSH_KEY:
            return pygit2.KeypairFromAgent(username_from_url or "git")
        if allowed_types & pygit2.enums.CredentialType.USERNAME:
            return pygit2.Username(username_from_url or "git")
        raise TownError(f"{url} asks for a password: use an ssh URL or a credential helper "
                        "that needs no prompt")

    def transfer_progress(self, stats):
        now = time.monotonic()
        if self._progress is None or (now - self._last < 0.5
                                      and stats.received_objects < stats.total_objects):
            return
        self._last = now
        done = stats.received_objects
        total = stats.total_objects or 1
        self._progress(f"receiving objects: {100 * done // total}% ({done}/{total}), "
                       f"{stats.received_bytes // 1024} KiB")


def clone_bare(url: str, dest: Path, branch: str | None, progress: Progress | None) -> str:
    """Clone `url` bare into `dest`; return the default branch (or `branch`, checked)."""
    callbacks = _Callbacks(progress if is_network_url(url) else None)
    try:
        repo = pygit2.clone_repository(url, str(dest), bare=True, callbacks=callbacks,
                                       checkout_branch=branch)
    except pygit2.GitError as e:
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        if branch and "not found" in msg:
            raise TownError(f"branch {branch!r} does not exist in {url}") from None
        raise TownError(f"cannot clone {url}: {msg}") from None
    if repo.head_is_unborn:
        raise TownError(f"{url} has no commits yet: commit something first, then add the rig")
    return repo.head.shorthand


def clone_from_shared(shared: Path, dest: Path, origin_url: str, branch: str) -> pygit2.Repository:
    """A full working clone made from the rig's bare repository (no network), whose `origin` is
    then pointed at the rig's real origin so pushes go where the person expects."""
    try:
        repo = pygit2.clone_repository(str(shared), str(dest), checkout_branch=branch)
    except pygit2.GitError as e:
        raise TownError(f"cannot clone {shared} into {dest}: {e}") from None
    repo.remotes.set_url("origin", origin_url)
    return repo


def unsaved_work(path: Path) -> str | None:
    """Why removing the repository at `path` would lose work, or None: uncommitted changes, or
    a HEAD that no remote-tracking branch contains."""
    try:
        repo = pygit2.Repository(str(path))
    except pygit2.GitError:
        return None
    if repo.head_is_unborn:
        return None
    changed = [f for f, flags in repo.status().items()
               if flags not in (pygit2.enums.FileStatus.IGNORED, pygit2.enums.FileStatus.CURRENT)]
    if changed:
        return f"{len(changed)} uncommitted change(s) in {path}"
    head = repo.head.target
    remotes = [repo.references[r].target for r in repo.references
               if r.startswith("refs/remotes/") and not r.endswith("/HEAD")]
    for tip in remotes:
        if tip == head or repo.descendant_of(tip, head):
            return None
    return f"unpushed commits on {repo.head.shorthand} in {path}"
