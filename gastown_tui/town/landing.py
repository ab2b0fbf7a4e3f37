"""The refinery's git work: candidates built in memory, a scratch worktree to gate them in,
the gate run with a timeout, the target moved by compare-and-swap, and fetch and push.

Candidate commits are made with pygit2 straight into the rig's object database (a rebase is a
cherry-pick of each commit with `merge_trees`), so nothing touches an agent's or a person's
working tree. Only the gate needs files on disk: one detached scratch worktree per rig under
`<town>/.runtime/refinery/<rig>/scratch`, checked out anew for each run. Fetch and push use the
`git` program, which knows the person's credential helpers and ssh settings; everything else
is pygit2.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Mapping

import pygit2

from ..files import write_atomic
from .errors import TownError

SCRATCH_NAME = "_refinery"     # a worktree name no polecat can have (they take no '_')
TAIL_LINES = 60
KILL_GRACE_S = 2.0
GIT_TIMEOUT_S = 120.0


def committer() -> pygit2.Signature:
    return pygit2.Signature("Gas Town refinery", "refinery@gastown.local")


# ---------------------------------------------------------------------- building candidates


@dataclasses.dataclass
class Piece:
    """One MR to put on a stack."""
    key: str
    head: str
    title: str
    branch: str


@dataclasses.dataclass
class Stack:
    base: str
    tips: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (key, commit)
    conflicts: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    # Clean on the base alone but not on the MRs ahead of it: it waits for them to land.
    deferred: list[str] = dataclasses.field(default_factory=list)

    def tip(self, n: int | None = None) -> str:
        """The commit after the first `n` MRs (all of them by default)."""
        n = len(self.tips) if n is None else n
        return self.tips[n - 1][1] if n else self.base


def _conflict_paths(index: pygit2.Index) -> list[str]:
    paths = set()
    for ancestor, ours, theirs in index.conflicts:
        for entry in (ours, theirs, ancestor):
            if entry is not None:
                paths.add(entry.path)
                break
    return sorted(paths)


def _empty_tree(repo: pygit2.Repository) -> pygit2.Oid:
    return repo.TreeBuilder().write()


def _replayed(repo: pygit2.Repository, head: pygit2.Oid, onto: pygit2.Oid) -> list[pygit2.Commit]:
    """The commits `git rebase` replays: on `head` and not on `onto`, oldest first, merges
    left out."""
    walker = repo.walk(head, pygit2.enums.SortMode.TOPOLOGICAL | pygit2.enums.SortMode.REVERSE)
    base = repo.merge_base(head, onto)
    if base is not None:
        walker.hide(base)
    return [c for c in walker if len(c.parents) <= 1]


def apply(repo: pygit2.Repository, onto: pygit2.Commit, piece: Piece,
          strategy: str) -> tuple[pygit2.Oid | None, list[str]]:
    """`piece` on top of `onto`: (the new tip, []) or (None, the conflicting files)."""
    head = repo[pygit2.Oid(hex=piece.head)].peel(pygit2.Commit)
    if head.id == onto.id or repo.descendant_of(onto.id, head.id):
        return onto.id, []      # already in: nothing to add
    if strategy == "rebase":
        if repo.descendant_of(head.id, onto.id):
            return head.id, []  # cut from this very tip: the agent's commits as they are
        tip = onto
        for commit in _replayed(repo, head.id, onto.id):
            parent = commit.parents[0].tree_id if commit.parents else _empty_tree(repo)
            index = repo.merge_trees(parent, tip.tree_id, commit.tree_id)
            if index.conflicts is not None:
                return None, _conflict_paths(index)
            tree = index.write_tree(repo)
            if tree == tip.tree_id:
                continue        # its change is on the target already
            tip = repo[repo.create_commit(None, commit.author, committer(), commit.message,
                                          tree, [tip.id])]
        return tip.id, []
    base = repo.merge_base(onto.id, head.id)
    index = repo.merge_trees(base if base is not None else _empty_tree(repo), onto.tree_id,
                             head.tree_id)
    if index.conflicts is not None:
        return None, _conflict_paths(index)
    tree = index.write_tree(repo)
    if strategy == "merge":
        message = f"Merge {piece.branch}\n\n{piece.title}\n"
        return repo.create_commit(None, committer(), committer(), message, tree,
                                  [onto.id, head.id]), []
    subjects = [c.message.splitlines()[0] for c in _replayed(repo, head.id, onto.id)
                if c.message.strip()]
    message = piece.title.removeprefix("Merge ") + "\n\n" + "".join(
        f"* {s}\n" for s in subjects) + f"\nSquashed from {piece.branch}\n"
    return repo.create_commit(None, head.author, committer(), message, tree, [onto.id]), []


def build_stack(repo: pygit2.Repository, base: str, pieces: list[Piece],
                strategy: str) -> Stack:
    """Each piece on top of the ones before it. A piece that conflicts there but not on the
    base alone is deferred (the one it clashes with may yet fail its gate); one that
    conflicts with the base itself is a real conflict."""
    stack = Stack(base)
    base_commit = repo[pygit2.Oid(hex=base)].peel(pygit2.Commit)
    tip = base_commit
    for piece in pieces:
        new, files = apply(repo, tip, piece, strategy)
        if new is None and tip.id != base_commit.id:
            alone, alone_files = apply(repo, base_commit, piece, strategy)
            if alone is not None:
                stack.deferred.append(piece.key)
                continue
            files = alone_files
        if new is None:
            stack.conflicts[piece.key] = files
            continue
        stack.tips.append((piece.key, str(new)))
        tip = repo[new].peel(pygit2.Commit)
    return stack


def contains(repo: pygit2.Repository, tip: str | None, commit: str | None) -> bool:
    if not tip or not commit:
        return False
    try:
        a, b = pygit2.Oid(hex=tip), pygit2.Oid(hex=commit)
        return a == b or repo.descendant_of(a, b)
    except (pygit2.GitError, ValueError, KeyError):
        return False


def tree_of(repo: pygit2.Repository, commit: str) -> str:
    return str(repo[pygit2.Oid(hex=commit)].peel(pygit2.Commit).tree_id)


# ---------------------------------------------------------------------- the target


def ref_value(repo: pygit2.Repository, name: str) -> str | None:
    ref = repo.references.get(name)
    return None if ref is None else str(ref.resolve().target)


def move_ref(repo: pygit2.Repository, name: str, old: str | None, new: str | None,
             message: str) -> bool:
    """Compare-and-swap: `name` becomes `new` (None deletes it) only if it is `old` now (None:
    it does not exist). git's lock file is held across the check and the write, so no other
    writer can slip in between; readers see the old value or the new, never a mix."""
    for attempt in (1, 2):
        try:
            with repo.transaction() as txn:
                txn.lock_ref(name)
                if ref_value(repo, name) != old:
                    return False
                if new is None:
                    txn.remove(name)
                else:
                    txn.set_target(name, pygit2.Oid(hex=new), message=message)
            return True
        except pygit2.GitError as e:
            lock = Path(repo.path) / (name + ".lock")
            # A lock left by a process killed mid-write: old enough that no one holds it.
            if attempt == 1 and lock.exists() and time.time() - lock.stat().st_mtime > 30:
                lock.unlink(missing_ok=True)
                continue
            raise TownError(f"cannot update {name}: {str(e).strip() or 'locked'}") from None
    return False


# ---------------------------------------------------------------------- fetch and push


@dataclasses.dataclass
class Remote:
    ok: bool
    kind: str = ""      # moved | refused | unreachable
    line: str = ""      # git's words, one line


def _git(repo_path: Path, args: list[str], timeout: float) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.update({"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_ASKPASS": "true"})
    env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes -o ConnectTimeout=20")
    for var in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(var, None)
    try:
        return subprocess.run(["git", "-C", str(repo_path), *args], env=env,
                              capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(args, 124, "", f"git {args[0]} timed out after "
                                           f"{int(timeout)} s")
    except FileNotFoundError:
        return subprocess.CompletedProcess(args, 127, "", "git is not installed (it is needed "
                                           "to fetch and push)")


UNREACHABLE = ("could not resolve", "connection refused", "timed out", "unable to access",
               "network is unreachable", "could not read from remote", "authentication failed",
               "permission denied", "could not read username", "terminal prompts disabled",
               "does not appear to be a git repository", "no such device", "not installed",
               "host key verification failed", "no route to host")


def _one_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()
             and not ln.startswith(("hint:", "To "))]
    errors = [ln for ln in lines if ln.lower().startswith(("fatal:", "error:", "!", "remote:"))]
    line = (errors or lines or ["no message from git"])[0]
    return line.removeprefix("fatal: ").removeprefix("error: ")[:200]


def _classify(text: str) -> str:
    low = text.lower()
    if "[rejected]" in low and ("fetch first" in low or "non-fast-forward" in low):
        return "moved"
    if "[remote rejected]" in low or "protected" in low or "hook declined" in low:
        return "refused"
    if any(word in low for word in UNREACHABLE):
        return "unreachable"
    return "refused"


def fetch(repo_path: Path, target: str, timeout: float = GIT_TIMEOUT_S) -> Remote:
    """origin's `target` into refs/remotes/origin/<target>."""
    proc = _git(repo_path, ["fetch", "--no-tags", "--quiet", "origin",
                            f"+refs/heads/{target}:refs/remotes/origin/{target}"], timeout)
    if proc.returncode == 0:
        return Remote(True)
    text = proc.stderr + proc.stdout
    if "couldn't find remote ref" in text.lower():
        return Remote(False, "missing", f"origin has no branch {target}")
    return Remote(False, "unreachable", _one_line(text))


def push(repo_path: Path, target: str, commit: str, timeout: float = GIT_TIMEOUT_S) -> Remote:
    """`commit` to origin's `target`, never forced: a push that origin refuses because it moved
    says so (`moved`), and nothing of origin's is lost."""
    proc = _git(repo_path, ["push", "--porcelain", "origin", f"{commit}:refs/heads/{target}"],
                timeout)
    if proc.returncode == 0:
        return Remote(True)
    text = proc.stdout + "\n" + proc.stderr
    return Remote(False, _classify(text), _one_line(proc.stderr or proc.stdout))


# ---------------------------------------------------------------------- scratch and gate


@dataclasses.dataclass
class GateResult:
    ok: bool
    code: int | None
    seconds: float
    log: str
    tail: list[str]
    timed_out: bool = False
    cancelled: bool = False


class Cancelled(Exception):
    """The host is stopping: the work in hand is abandoned (its MRs go back to the queue)."""


class Scratch:
    """The rig's scratch worktree, its logs, and the record of a running gate."""

    def __init__(self, runtime_dir: Path, rig_name: str, repo_path: Path):
        self.root = Path(runtime_dir) / "refinery" / rig_name
        self.path = self.root / "scratch"
        self.logs = self.root / "logs"
        self.pidfile = self.root / "gate.pid"
        self.repo_path = Path(repo_path)

    def discard(self) -> None:
        """Whatever a killed host left: its gate's processes ended, the tree removed."""
        self.kill_leftover_gate()
        shutil.rmtree(self.path, ignore_errors=True)
        try:
            repo = pygit2.Repository(str(self.repo_path))
            if SCRATCH_NAME in repo.list_worktrees():
                repo.lookup_worktree(SCRATCH_NAME).prune(True)
        except pygit2.GitError:
            pass

    def kill_leftover_gate(self) -> None:
        try:
            pgid = int(self.pidfile.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return
        # Only a process still working in our scratch tree: the pid may belong to someone
        # else by now.
        try:
            cwd = os.readlink(f"/proc/{pgid}/cwd")
        except OSError:
            cwd = ""
        if cwd.startswith(str(self.path)):
            _kill_group(pgid)
        self.pidfile.unlink(missing_ok=True)

    def checkout(self, commit: str) -> Path:
        """The scratch tree holding exactly `commit`'s files (nothing left from a last run)."""
        repo = pygit2.Repository(str(self.repo_path))
        target = repo[pygit2.Oid(hex=commit)].peel(pygit2.Commit)
        if not (self.path / ".git").exists():
            self.discard()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # libgit2 checks a new worktree out on a branch: a moment's one, then detached.
            temp = f"refs/heads/_refinery-scratch-{os.getpid()}"
            ref = repo.references.create(temp, target.id, force=True)
            try:
                repo.add_worktree(SCRATCH_NAME, str(self.path), ref)
                pygit2.Repository(str(self.path)).set_head(target.id)
            finally:
                repo.references.delete(temp)
            return self.path
        wt = pygit2.Repository(str(self.path))
        target = wt[target.id]   # objects belong to the Repository that looked them up
        wt.checkout_tree(target.tree, strategy=pygit2.enums.CheckoutStrategy.FORCE
                         | pygit2.enums.CheckoutStrategy.REMOVE_UNTRACKED
                         | pygit2.enums.CheckoutStrategy.REMOVE_IGNORED)
        wt.set_head(target.id)
        index = wt.index
        index.read_tree(target.tree)
        index.write()
        return self.path

    def log_path(self, label: str) -> Path:
        self.logs.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S")
        path, n = self.logs / f"{stamp}-{label}.log", 2
        while path.exists():
            path, n = self.logs / f"{stamp}-{label}-{n}.log", n + 1
        return path

    def run_gate(self, command: str, timeout: float, label: str,
                 cancel: threading.Event | None = None,
                 environ: Mapping[str, str] | None = None) -> GateResult:
        """`command` in the scratch tree under /bin/sh, in its own process group; the whole
        group is killed at `timeout` (or when `cancel` is set) and after the gate ends, so
        nothing it started outlives it."""
        log = self.log_path(label)
        env = gate_env(environ if environ is not None else os.environ)
        started = time.monotonic()
        timed_out = cancelled = False
        with open(log, "wb") as out:
            out.write(f"$ {command}\n".encode())
            out.flush()
            proc = subprocess.Popen(["/bin/sh", "-c", command], cwd=str(self.path), env=env,
                                    stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
            # Whole or not at all: the next host reads it to end a gate a crash left running.
            write_atomic(self.pidfile, f"{proc.pid}\n", sync=False)
            try:
                while True:
                    left = timeout - (time.monotonic() - started)
                    try:
                        proc.wait(timeout=max(0.01, min(0.25, left)))
                        break
                    except subprocess.TimeoutExpired:
                        pass
                    if cancel is not None and cancel.is_set():
                        cancelled = True
                    elif time.monotonic() - started >= timeout:
                        timed_out = True
                    if cancelled or timed_out:
                        _kill_group(proc.pid, proc=proc)
                        proc.wait()
                        break
            finally:
                _kill_group(proc.pid, grace=0)
                self.pidfile.unlink(missing_ok=True)
            seconds = time.monotonic() - started
            if timed_out:
                out.write(f"\n[gate killed after {int(timeout)} s: merge.gate_timeout]\n"
                          .encode())
        if cancelled:
            raise Cancelled()
        tail = tail_lines(log)
        return GateResult(proc.returncode == 0 and not timed_out, proc.returncode, seconds,
                          str(log), tail, timed_out)


def gate_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The host's environment without the identity of any agent or git repository."""
    env = {k: v for k, v in environ.items()
           if not k.startswith(("GT_", "GIT_")) and k not in ("BD_ACTOR", "BEADS_DIR")}
    env["GT_REFINERY"] = "1"
    return env


def _kill_group(pgid: int, grace: float = KILL_GRACE_S,
                proc: subprocess.Popen | None = None) -> None:
    """TERM the process group, then KILL what is left after `grace` (at once with 0)."""
    try:
        os.killpg(pgid, signal.SIGKILL if grace == 0 else signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if proc is not None:
            proc.poll()     # our own child: reaped, so it no longer counts as alive
        if not _group_alive(pgid):
            return
        time.sleep(0.05)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _group_alive(pgid: int) -> bool:
    """Whether any process of the group still runs (zombies waiting to be reaped do not)."""
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != b"Z":
            return True
    return False


def tail_lines(path: str | Path, n: int = TAIL_LINES) -> list[str]:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 64 * 1024))
            data = f.read()
    except OSError:
        return []
    return [line.rstrip("\r") for line in data.decode(errors="replace").splitlines()[-n:]]
