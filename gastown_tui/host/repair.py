"""`gt hooks repair`: reconcile worktrees, the ledger and live sessions, reporting each fix."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ..files import write_atomic
from ..town import hooks as hooks_mod
from .runtime import (INFO_NAME, PID_NAME, HostError, host_running, read_info, runtime_dir,
                      socket_path)


@dataclasses.dataclass
class Fix:
    what: str
    detail: str

    def render_text(self) -> str:
        return f"{self.what}: {self.detail}"


@dataclasses.dataclass
class RepairReport:
    fixes: list[Fix]
    problems: list[Fix]

    def render_text(self) -> str:
        if not self.fixes and not self.problems:
            return "hooks are consistent: nothing to repair"
        lines = [f"fixed   {f.render_text()}" for f in self.fixes]
        lines += [f"left    {p.render_text()}" for p in self.problems]
        return "\n".join(lines)


STALE_LOCK_S = 600.0


def _stale_git_lock(hook, host_running: bool) -> Path | None:
    """The worktree's `index.lock` when no git command can still be holding it: its agent is
    not running, or the lock is older than any commit takes."""
    import time

    if hook.path is None or not (hook.path / ".git").exists():
        return None
    dot_git = hook.path / ".git"
    gitdir = dot_git
    if dot_git.is_file():
        text = dot_git.read_text().strip()
        if not text.startswith("gitdir:"):
            return None
        gitdir = (hook.path / text.split(":", 1)[1].strip()).resolve()
    lock = gitdir / "index.lock"
    try:
        age = time.time() - lock.stat().st_mtime
    except FileNotFoundError:
        return None
    agent_may_run = host_running and hook.state == "active"
    return lock if not agent_may_run or age > STALE_LOCK_S else None


def _write_context(town, rig, hook, path: Path, branch: str) -> None:
    """The agent's context file, as sling wrote it, for a recreated worktree."""
    from ..town import sling

    title = rig.ledger().get(hook.issue).title
    text = sling.context_text(town, rig, sling.hook_for_text(hook, hook.issue, branch), title)
    write_atomic(path / sling.CONTEXT_FILE, text)
    sling._exclude(path, "/" + sling.CONTEXT_FILE)


def _restore_files(rig, polecat: str, path: Path) -> str:
    """Put the recreated worktree's files back as its newest snapshot holds them, when that
    snapshot was taken on the branch's current tip (an older one would undo commits made
    since); what was done, as a clause of the report."""
    import pygit2

    from ..town import snapshots

    last = snapshots.list_snapshots(rig.repo_path, polecat, limit=1)
    if not last:
        return ""
    repo = pygit2.Repository(str(path))
    if repo.head_is_unborn or last[0].head != str(repo.head.target):
        return (f"; its files as of snapshot {last[0].short} (older than the branch's last "
                f"commit) come back with `gt hooks rollback {polecat}`")
    snapshots.checkout(repo, last[0].id)
    return f"; its files restored from snapshot {last[0].short}"


def repair(town) -> RepairReport:
    from ..town import snapshots, worktrees

    fixes: list[Fix] = []
    problems: list[Fix] = []
    host = host_running(town.root)
    runtime_dir(town.root)
    if host is None:
        sock = socket_path(town.root)
        if sock.is_dir() and not sock.is_symlink():
            try:
                sock.rmdir()
                fixes.append(Fix("stale socket", f"removed the empty directory {sock} in the "
                                 "host socket's place"))
            except OSError:
                problems.append(Fix("stale socket", f"{sock} is a directory in the host "
                                    "socket's place: move it away"))
        elif sock.exists() or sock.is_symlink():
            sock.unlink()
            fixes.append(Fix("stale socket", f"removed {sock} (no host holds the lock)"))
        if read_info(town.root) is not None:
            for name in (INFO_NAME, PID_NAME):
                (Path(town.root) / ".runtime" / name).unlink(missing_ok=True)
            fixes.append(Fix("stale host record", "removed .runtime/host.json and host.pid"))

    from ..town.private import tighten_town
    from ..town.rigs import ensure_redirects

    loose = tighten_town(town)
    if loose:
        shown = ", ".join(str(p.relative_to(town.root)) for p in loose[:3])
        fixes.append(Fix("private files", f"{len(loose)} readable by other users made private "
                         f"({shown}{' ...' if len(loose) > 3 else ''})"))
    from ..town.routes import repair_routes

    try:
        fixes += [Fix("routes", said) for said in repair_routes(town.root)]
    except Exception as e:  # noqa: BLE001 - reported; the rest is still repaired
        problems.append(Fix("routes", str(e)))
    for rig, state in ensure_redirects(town):
        if state == "written":
            fixes.append(Fix("ledger redirect", f"wrote {rig.path / '.beads' / 'redirect'}: "
                             f"bd in {rig.name}/ uses the rig ledger"))
        else:
            problems.append(Fix("ledger redirect", f"{rig.path / '.beads'} holds a ledger of "
                                f"its own, so bd in {rig.name}/ does not use the rig ledger in "
                                f"{rig.beads_dir}; move it away and run `gt hooks repair`"))
    for rig in town.rigs():
        try:
            hooks = hooks_mod.rig_hooks(rig)
        except Exception as e:  # noqa: BLE001 - report a broken rig, repair the others
            problems.append(Fix(f"rig {rig.name}", f"cannot read its ledger: {e}"))
            continue
        by_name = {h.polecat: h for h in hooks if h.kind == "polecats"}
        registered = worktrees.registered_worktrees(rig)
        for name, path in registered.items():
            if not path.exists():
                worktrees.prune_worktree(rig, name)
                fixes.append(Fix("stale worktree registration",
                                 f"{rig.name}/{name} pointed at missing {path}; pruned"))
        for child in sorted(rig.polecats_dir.glob("*")) if rig.polecats_dir.is_dir() else []:
            hook = by_name.get(child.name)
            if hook is None or not hook.live and hook.worktree != str(child):
                snap = snapshots.take_snapshot(child, child.name, "orphan found by repair") \
                    if (child / ".git").exists() else None
                problems.append(Fix("orphan worktree", f"{child} has no live hook"
                                    + (f"; snapshot {snap.short} taken" if snap else "")
                                    + "; remove it by hand once you have checked it"))
        for hook in hooks:
            if hook.unusable and hook.kind == "polecats":
                from ..town.sling import Unusable, free_unusable

                try:
                    kept = free_unusable(town, hook)
                except Unusable as e:
                    problems.append(Fix("unusable polecat", str(e)))
                else:
                    note = kept.note() if kept else ""
                    fixes.append(Fix("unusable polecat", f"{hook.address} takes new work again "
                                     "(its worktree removed, a snapshot kept)"
                                     + (f"; {note}" if note else "")))
                continue
            lock = _stale_git_lock(hook, host is not None)
            if lock is not None:
                lock.unlink(missing_ok=True)
                fixes.append(Fix("stale git lock", f"removed {lock} (left by an agent that "
                                 "died mid-commit)"))
            if (hook.state == "completed" and hook.kind == "polecats" and hook.branch
                    and hook.path is not None and hook.path.exists()
                    and worktrees.is_merged(rig, hook.branch)):
                from ..town.sling import archive_finished

                done, kept = archive_finished(town, hook, "branch merged")
                note = kept.note() if kept else ""
                if done is not None:
                    fixes.append(Fix("merged work", f"{hook.address}: {hook.branch} is "
                                     "merged; worktree archived (snapshot kept)"
                                     + (f"; {note}" if note else "")))
            if not hook.live:
                continue
            if hook.kind == "polecats" and (hook.path is None or not hook.path.exists()):
                try:
                    path, branch = worktrees.create_worktree(rig, hook.polecat, hook.issue)
                    _write_context(town, rig, hook, path, branch)
                    hooks_mod.save(town, hook, worktree=str(path), reason=None)
                    fixes.append(Fix("missing worktree", f"recreated {path} on {hook.branch}"
                                     + _restore_files(rig, hook.polecat, path)))
                except Exception as e:  # noqa: BLE001 - reported, the rest still repaired
                    problems.append(Fix("missing worktree", f"{hook.address}: {e}"))
            elif hook.kind == "crew" and hook.path is not None and not hook.path.exists():
                problems.append(Fix("missing clone", f"{hook.address}: {hook.path} is gone; "
                                    f"`gt crew add {hook.polecat} --rig {rig.name}` clones it "
                                    "again"))
            if hook.stuck:
                hooks_mod.save(town, hook, stuck=False, respawns=0)
                fixes.append(Fix("stuck agent", f"{hook.address} may be restarted again"))
            if hook.state == "active" and host is None:
                snap = None
                if hook.path is not None and hook.path.exists():
                    snap = snapshots.take_snapshot(hook.path, hook.polecat, "repair: no host")
                hooks_mod.transition(town, hook, "suspended", pid=None)
                fixes.append(Fix("dead session", f"{hook.address} was active with no host; "
                                 "suspended" + (f" (snapshot {snap.short})" if snap else "")
                                 + "; it resumes when a host starts"))
    if host is not None:
        from .api import Reap
        from .client import HostClient

        try:
            reply = HostClient(town.root, timeout=60).request(Reap())
        except HostError as e:
            problems.append(Fix("live sessions", f"the host did not answer: {e}"))
        else:
            fixes += [Fix("dead session", f"{name} had no live hook; ended")
                      for name in reply.ended]
            fixes += [Fix("suspended hook", f"{name} resumed")
                      for name in reply.resumed]
    return RepairReport(fixes, problems)
