"""Sling: put an issue on a polecat's hook (worktree, context file, ledger, convoy), all or nothing.

This is the ledger-and-git half of `gt sling`; starting the agent is the host's half. Each step
registers its undo, and any failure runs the undos in reverse, so a failed sling leaves no
branch, worktree, hook or convoy behind.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping

from .. import records
from ..files import Room, pid_alive
from ..visible import visible
from . import hooks as hooks_mod
from .errors import TownError, usage
from .names import check_name, pick_name
from .paths import write_atomic

if TYPE_CHECKING:
    from . import snapshots
    from .model import Rig, Town

CONTEXT_FILE = "CLAUDE.local.md"
FIRST_PROMPT = "Run `gt prime` and start on the work on your hook."


@dataclasses.dataclass
class Slung:
    issue: str
    title: str
    rig: str
    polecat: str
    address: str
    branch: str | None
    worktree: str | None
    agent: str
    convoy: str | None
    started: bool = False
    pid: int | None = None
    kept: str | None = None  # a reused polecat's ignored files that were moved aside
    queued: int | None = None  # its place in the dispatch queue, when it waits there
    max_polecats: int | None = None
    reason: str = ""  # why it waits though the town had room (its agent's usage limit)

    def render_text(self) -> str:
        if self.queued is not None and self.reason:
            return (f"Queued {visible(self.issue)} for rig {visible(self.rig)}: number "
                    f"{self.queued} in the dispatch queue, because {visible(self.reason)}; it "
                    "starts when the limit resets (`gt queue list`; `gt queue remove ID` takes "
                    "it out)")
        if self.queued is not None:
            return (f"Queued {visible(self.issue)} for rig {visible(self.rig)}: number "
                    f"{self.queued} in the dispatch queue (max_polecats is {self.max_polecats}"
                    "); it starts when a polecat is free (`gt queue list`; `gt queue remove "
                    "ID` takes it out)")
        where = f" on {visible(self.branch)}" if self.branch else ""
        line = f"Slung {visible(self.issue)} to {visible(self.address)}{where} " \
               f"({visible(self.agent)})"
        if self.convoy:
            line += f", convoy {visible(self.convoy)}"
        if self.started:
            line += f"; agent started (pid {self.pid})" if self.pid else "; agent started"
        else:
            line += ("; the agent starts when a host runs (`gt up --headless` or `gt`)")
        return line + (f"\n  ({self.kept})" if self.kept else "")


def parse_target(target: str) -> tuple[str, str | None]:
    parts = target.strip().strip("/").split("/")
    if len(parts) == 1 and parts[0]:
        return parts[0], None
    if len(parts) == 2 and all(parts):
        return parts[0], parts[1]
    if len(parts) == 3 and parts[1] == "polecats" and parts[0] and parts[2]:
        return parts[0], parts[2]
    raise usage(f"bad target {target!r}: give RIG or RIG/NAME")


def agent_env(town: "Town", rig: "Rig", hook: hooks_mod.Hook) -> dict[str, str]:
    """The environment REFERENCE.md gives agents, so `gt`/`bd` inside the pane know who they are."""
    env = {"GT_ROLE": "polecat" if hook.kind == "polecats" else "crew", "GT_RIG": rig.name,
           "BD_ACTOR": hook.address, "GT_TOWN_ROOT": str(town.root),
           "BEADS_DIR": str(rig.beads_dir)}
    env["GT_POLECAT" if hook.kind == "polecats" else "GT_CREW"] = hook.polecat
    return env


def context_text(town: "Town", rig: "Rig", hook: hooks_mod.Hook, title: str) -> str:
    return (f"# You are {hook.address} in Gas Town {town.name!r}\n\n"
            f"Your hook holds {hook.issue}: {title}\n"
            f"You work in this directory on branch `{hook.branch}`.\n\n"
            "1. Run `gt prime` for your full context and the work on your hook.\n"
            "2. Do the work; commit on your branch.\n"
            "3. Run `gt done -m \"what you did\"` when it is finished.\n"
            "If there is work on your hook, you run it.\n")


def _exclude(worktree: Path, pattern: str) -> None:
    """Keep the context file out of the agent's commits (info/exclude is shared by worktrees)."""
    import pygit2

    repo = pygit2.Repository(str(worktree))
    info = Path(repo.path) / "info"
    common = Path(repo.path)
    commondir = common / "commondir"
    if commondir.exists():
        info = (common / commondir.read_text().strip()).resolve() / "info"
    info.mkdir(parents=True, exist_ok=True)
    exclude = info / "exclude"
    current = exclude.read_text() if exclude.exists() else ""
    if pattern not in current.split("\n"):
        write_atomic(exclude, current + ("" if current.endswith("\n") or not current else "\n")
                     + pattern + "\n")


def check_issue_id(issue_id: str) -> None:
    """Refuse what is no bead id: it names a branch and a worktree, and `pr-../../evil` must
    not reach git (a ledger from before imports refused such ids may hold one)."""
    from ..beads.ids import id_problem

    problem = id_problem(issue_id)
    if problem:
        raise usage(f"bad issue id {issue_id!r}: it {problem}")


def _slingable(town: "Town", issue_id: str, target: str, agent: str | None,
               environ: Mapping[str, str] | None, actor: str, queued: bool):
    """The rig, the polecat name asked for, the rig's ledger, the issue and the agent preset
    of a sling, once the issue is known to be work that may go on a hook (or, with `queued`,
    work the dispatch queue holds); else a one-line refusal."""
    from ..beads import LedgerError
    from .presets import resolve_agent
    from .queue import is_queued

    check_issue_id(issue_id)
    rig_name, wanted = parse_target(target)
    if wanted:
        check_name(wanted)
    rig = town.rig(rig_name)
    owner = town.rig_for_prefix(issue_id)
    if owner is None or owner.name != rig.name:
        raise _wrong_rig(town, issue_id, rig, owner)
    led = rig.ledger(actor)
    try:
        issue = led.get(issue_id)
    except LedgerError as e:
        raise TownError(f"{issue_id}: {e}") from None
    if issue.is_closed:
        raise TownError(f"{issue.id} is {issue.status}: reopen it (`bd reopen {issue.id}`) "
                        "before slinging it")
    if issue.issue_type in ("message", "agent", "convoy"):
        raise usage(f"{issue.id} is a {issue.issue_type}, not work to sling")
    holder = hooks_mod.hooked_elsewhere(town, issue.id)
    if holder is not None:
        raise TownError(f"{issue.id} is already on the hook of {holder.address} "
                        f"({holder.state}): see `gt hooks list`")
    if issue.status == "blocked":
        from .mq import mr_for_issue

        waiting = mr_for_issue(rig, issue.id)
        if waiting is not None and waiting.open:
            raise TownError(f"{issue.id} is done and waits for its merge request "
                            f"{waiting.id} ({waiting.label}): see `gt mq show {waiting.id}`")
    if is_queued(issue, rig.name) != queued:
        raise TownError(f"{issue.id} is already in the dispatch queue: `gt queue list` shows "
                        f"where, `gt queue remove {issue.id}` takes it out" if not queued else
                        f"{issue.id} left the dispatch queue ({issue.status}, "
                        f"{issue.assignee or 'no assignee'})")
    if not queued and (issue.status == "hooked"
                       or (issue.assignee and issue.status == "in_progress")):
        raise TownError(f"{issue.id} is {issue.status} by {issue.assignee or 'someone'}: "
                        "unassign it first (`bd update ID --assignee ''`)")
    return rig, wanted, led, issue, resolve_agent(town, rig, agent, environ)


def sling_one(town: "Town", issue_id: str, target: str, *, agent: str | None = None,
              convoy: bool = True, base: str | None = None, crew: str | None = None,
              actor: str = "overseer", environ: Mapping[str, str] | None = None,
              progress: Callable[[str], None] | None = None,
              undo: list[Callable[[], None]] | None = None,
              queued: bool = False) -> tuple[Slung, hooks_mod.Hook]:
    """Hook `issue_id` for `target` (RIG or RIG/NAME, or crew NAME in rig `target`). Undo
    actions are appended to `undo` (run them in reverse to roll back); on failure inside this
    call they are run here. With `queued`, the issue comes out of the dispatch queue (in the
    transaction that hooks it, so it is started once or stays queued)."""
    from . import worktrees
    from .convoys import create_convoy, tracking_convoys
    from .mail import one_line

    own_undo: list[Callable[[], None]] = []
    say = progress or (lambda _line: None)
    reused_note = None
    try:
        rig, wanted, led, issue, preset = _slingable(town, issue_id, target, agent, environ,
                                                     actor, queued)
        kind = "crew" if crew else "polecats"
        if crew:
            if crew not in rig.crew_names():
                raise TownError(f"rig {rig.name!r} has no crew member {crew!r}: add one with "
                                f"`gt crew add {crew} --rig {rig.name}`", exit_code=2)
            name = crew
            old = hooks_mod.load(town, rig.name, name, "crew")
            if old is not None and old.live:
                raise TownError(f"{old.address} already has {old.issue} on its hook ({old.state})")
        else:
            from .mq import waiting_agents

            existing = hooks_mod.rig_hooks(rig)
            # A finished polecat whose work waits in the merge queue keeps its worktree: a
            # rejection sends the work back to it there.
            merging = waiting_agents(rig)
            busy = {h.polecat: (h.issue or "?") + (" (its work waits in the merge queue)"
                                                   if h.address in merging and not h.live
                                                   else "")
                    for h in existing if (h.live or h.address in merging) and h.kind == kind}
            idle = [h.polecat for h in existing
                    if not h.live and h.address not in merging and h.kind == kind
                    and not h.unusable]
            taken = {h.polecat for h in existing} | set(rig.polecat_names())
            while True:
                name = pick_name(taken, idle, wanted, busy)
                try:
                    old, reused_note = _make_ready(town, rig, hooks_mod.load(
                        town, rig.name, name), base, say, own_undo)
                    break
                except Unusable:
                    # One idle polecat the machine will not clear (a file that cannot be
                    # removed, a lock held) must not fail every sling to the rig: it is
                    # marked, and the next idle polecat or a new one takes the work.
                    if wanted:
                        raise
                    idle.remove(name)
        if crew:
            old, reused_note = _make_ready(town, rig, old, None, say, own_undo)
        address = hooks_mod.address_of(rig.name, name, kind)

        if crew:
            path = rig.crew_dir / crew
            import pygit2

            branch = pygit2.Repository(str(path)).head.shorthand
        else:
            say(f"creating worktree for {name} on polecat/{name}/{issue.id}")
            repo_refs = _branch_exists(rig, worktrees.branch_name(name, issue.id))
            path, branch = worktrees.create_worktree(rig, name, issue.id, base)
            own_undo.append(lambda: worktrees.remove_worktree(
                rig, name, None if repo_refs else branch))
        hook = old or hooks_mod.Hook(polecat=name, rig=rig.name, kind=kind, issue=None,
                                     state="created")
        write_atomic(path / CONTEXT_FILE, context_text(town, rig, hook_for_text(
            hook, issue.id, branch), issue.title))
        _exclude(path, "/" + CONTEXT_FILE)

        # Work already in a convoy (`gt convoy create ... ; gt sling`) stays in that one.
        tracking = tracking_convoys(town, issue.id)
        convoy_id = tracking[0] if tracking else None
        if convoy and not tracking:
            made = create_convoy(town, f"Work: {one_line(issue.title)}", [issue.id],
                                 actor=actor)
            convoy_id = made.id
            own_undo.append(lambda: _delete_convoy(town, convoy_id))

        prev = (issue.status, issue.assignee)
        before = records.replace(hook) if old is not None else None
        with led.transaction():
            # Checked again under the ledger's write lock: two slings of one issue at once
            # must not both win.
            now_issue = led.get(issue.id)
            if (now_issue.status, now_issue.assignee) != prev:
                raise TownError(f"{issue.id} was just taken ({now_issue.status}, "
                                f"{now_issue.assignee or 'no assignee'}): see `gt hooks list`")
            led.update(issue.id, status="hooked", assignee=address, actor=actor)
            if queued:
                from .queue import forget

                forget(led, rig.name, issue.id)
            times = {"created": hooks_mod.now()}
            hook = hooks_mod.save(town, hook, actor, led, issue=issue.id, state="created",
                                  branch=branch, worktree=str(path), agent=preset.name,
                                  base=base or rig.branch, convoy=convoy_id, times=times,
                                  respawns=0, stuck=False, pid=None, unusable=None)
        own_undo.append(lambda: _unhook(town, led, issue.id, prev, hook, before))
    except BaseException:
        left = roll_back(own_undo)
        if undo is not None:
            undo.extend(left)   # the caller tries them again once it has made room
        raise
    if undo is not None:
        undo.extend(own_undo)
    slung = Slung(issue.id, issue.title, rig.name, name, address, branch, str(path),
                  preset.name, convoy_id, kept=reused_note)
    return slung, hook


class Unusable(TownError):
    """An idle polecat that cannot be cleared for new work (its finished worktree or its
    snapshot refused by the machine): slings pass it by until `gt hooks repair` clears it."""


def unusable_note(hook: hooks_mod.Hook) -> str:
    return (f"{hook.address} cannot take new work ({hook.unusable}): new work goes to other "
            "polecats until you remove what stopped it and run `gt hooks repair`")


def _make_ready(town: "Town", rig: "Rig", old: hooks_mod.Hook | None, base: str | None,
                say: Callable[[str], None], undo: list[Callable[[], None]],
                ) -> tuple[hooks_mod.Hook | None, str | None]:
    """Clear an idle polecat (or crew member) for new work: its finished worktree archived
    (undone if the sling fails later), a worktree an interrupted sling left removed. Returns
    its hook as it is then and what archiving did with ignored files, to report."""
    if old is None:
        return None, None
    if old.state == "archived" and old.kind == "polecats":
        _refused(town, old, "clearing its folder", lambda: _clear_leftover(
            town, rig, old.polecat))
        return old, None
    if old.state != "completed" or not old.worktree:
        return old, None
    if base:
        # A bad --base must fail before the idle polecat's finished worktree goes.
        _check_base(rig, base)
    finished = records.replace(old)
    kept = _refused(town, old, f"archiving its finished worktree {old.worktree}",
                    lambda: archive(town, old, "reused for new work"))
    undo.append(lambda: _unarchive(town, rig, finished, kept))
    note = None
    if kept is not None and kept.note():
        note = f"{old.polecat}'s finished worktree archived; {kept.note()}"
        say(note)
    return hooks_mod.load(town, rig.name, old.polecat, old.kind), note


def _refused(town: "Town", hook: hooks_mod.Hook, doing: str, step: Callable[[], object]):
    """`step` (`doing`, to clear the idle polecat `hook`); what the machine refuses (not a
    full disk, which refuses every polecat alike) marks the polecat unusable, saying why,
    and raises Unusable."""
    import pygit2

    from ..files import is_no_space

    try:
        return step()
    except (OSError, pygit2.GitError, Unusable) as e:
        if is_no_space(e) or hook.kind != "polecats":
            raise
        why = " ".join(str(e).split()).rstrip(":") or type(e).__name__
        fresh = hooks_mod.load(town, hook.rig, hook.polecat, hook.kind) or hook
        fresh = hooks_mod.save(town, fresh, unusable=f"{doing}: {why}")
        raise Unusable(unusable_note(fresh)) from None


def free_unusable(town: "Town", hook: hooks_mod.Hook) -> "snapshots.Kept | None":
    """`gt hooks repair` for a polecat marked unusable: cleared for new work now, as a sling
    would clear it (its finished worktree archived, a snapshot first); Unusable, the mark
    saying why, while the machine still refuses. Returns what archiving kept."""
    from .paths import locked

    rig = town.rig(hook.rig)
    with locked(rig.polecats_dir):
        fresh = hooks_mod.load(town, hook.rig, hook.polecat, hook.kind)
        if fresh is None or not fresh.unusable:
            return None
        if fresh.state == "completed":
            return _refused(town, fresh, f"archiving its finished worktree {fresh.worktree}",
                            lambda: archive(town, fresh, "cleared by repair"))
        if fresh.state == "archived":
            _refused(town, fresh, "clearing its folder", lambda: _clear_leftover(
                town, rig, fresh.polecat))
        hooks_mod.save(town, fresh, unusable=None)
        return None


def _clear_leftover(town: "Town", rig: "Rig", name: str) -> None:
    """An archived polecat has no worktree: one found there was made by a sling that was
    killed before it recorded the hook. It is snapshotted (ignored files too) and removed, as
    any worktree is, so the polecat can take work again; a folder that is no git worktree is
    left to a person (Unusable says so)."""
    from . import snapshots, worktrees

    path = worktrees.worktree_path(rig, name)
    if not (path / ".git").exists():
        if path.is_dir() and any(path.iterdir()):
            raise Unusable(f"{path} holds files but is no git worktree: move them away")
        return
    snapshots.keep_before_removal(path, name, "left by an interrupted sling",
                                  town.runtime_dir)
    worktrees.remove_worktree(rig, name)


def _wrong_rig(town: "Town", issue_id: str, rig: "Rig", owner: "Rig | None") -> TownError:
    """Why ISSUE cannot go to RIG, and what to do: its own rig, or where rig issues are made."""
    from .routes import read_routes, route_for

    if owner is not None:
        return TownError(f"{issue_id} belongs to rig {owner.name!r}, not rig {rig.name!r}: "
                         f"sling it to {owner.name}", exit_code=2)
    make = (f"the issues of rig {rig.name} start with {rig.prefix}- and are made in its "
            f"clone: `cd {rig.beads_dir.parent} && bd create \"title\"`")
    if route_for(read_routes(town.root), issue_id) == ".":
        return TownError(f"{issue_id} is a town bead, not a rig's issue; {make}", exit_code=2)
    return TownError(f"no rig of this town has the prefix of {issue_id}; {make}", exit_code=2)


def hook_for_text(hook: hooks_mod.Hook, issue: str, branch: str) -> hooks_mod.Hook:
    return records.replace(hook, issue=issue, branch=branch)


def _branch_exists(rig: "Rig", branch: str) -> bool:
    import pygit2

    return f"refs/heads/{branch}" in pygit2.Repository(str(rig.repo_path)).references


def _delete_convoy(town: "Town", convoy_id: str) -> None:
    # Made by this sling a moment ago, so taken back whole: the town ledger is as it was.
    town.ledger().discard(convoy_id)


def roll_back(undo: list[Callable[[], None]]) -> list[Callable[[], None]]:
    """Run the undo steps, last first, as many as can be undone; a step that fails is tried
    once more after the others (removing a worktree frees room a ledger may need). Returns
    the steps that still failed, in the order they were given."""
    failed = []
    for step in reversed(undo):
        try:
            step()
        except Exception:  # noqa: BLE001 - undo as much as can be undone
            failed.append(step)
    left = []
    for step in failed:
        try:
            step()
        except Exception:  # noqa: BLE001 - what still fails is handed back
            left.append(step)
    return left[::-1]


# Room kept free while a sling works, beyond the size of the ledgers' exports its undo may
# rewrite: their write-ahead logs and the worktree's git metadata.
UNDO_MARGIN = 1 << 20


def _room_to_undo(town: "Town", rig: "Rig") -> Room:
    """Set aside what undoing a sling needs (a temp export of the town ledger and of the rig
    ledger), so a sling that a full disk stops half-way can still take back its first steps;
    with less room than that, the sling fails before it changes anything."""
    need = UNDO_MARGIN
    for beads_dir in (town.beads_dir, rig.beads_dir):
        try:
            need += (beads_dir / "issues.jsonl").stat().st_size
        except OSError:
            continue
    town.runtime_dir.mkdir(exist_ok=True)
    for stale in town.runtime_dir.glob(".sling-room.*"):
        # One a killed sling left: its process is gone, so is its need for room.
        pid = stale.name.split(".")[2]
        if pid.isdigit() and not pid_alive(int(pid)):
            stale.unlink(missing_ok=True)
    return Room(town.runtime_dir / f".sling-room.{os.getpid()}.{os.urandom(3).hex()}", need)


def _unarchive(town: "Town", rig: "Rig", finished: hooks_mod.Hook,
               kept: "snapshots.Kept | None") -> None:
    """Undo the archiving of a reused polecat's finished work: its worktree back on its branch
    with its files (from the snapshot and from where they were set aside) and its record as
    it was."""
    from . import snapshots, worktrees

    if (finished.kind == "polecats" and finished.issue
            and finished.branch == worktrees.branch_name(finished.polecat, finished.issue)):
        path, _branch = worktrees.create_worktree(rig, finished.polecat, finished.issue)
        finished.worktree = str(path)
        if kept is not None:
            snapshots.put_back(path, finished.polecat, kept)
    current = hooks_mod.load(town, finished.rig, finished.polecat, finished.kind)
    hooks_mod.save(town, current or finished, **{n: getattr(finished, n)
                                                 for n in records.field_names(finished)
                                                 if n != "bead_id"})


def _unhook(town: "Town", led, issue_id: str, prev: tuple[str, str | None],
            hook: hooks_mod.Hook, before: hooks_mod.Hook | None) -> None:
    """The bead as it was; the polecat's record as it was (a new polecat's is archived, with
    no branch or worktree: the rollback removed them)."""
    restored = ({n: getattr(before, n) for n in records.field_names(before)
                 if n != "bead_id"} if before is not None else
                {"issue": None, "state": "archived", "branch": None, "worktree": None})
    with led.transaction():
        led.update(issue_id, status=prev[0], assignee=prev[1])
        hooks_mod.save(town, hook, led=led, **restored)


def archive(town: "Town", hook: hooks_mod.Hook, reason: str) -> "snapshots.Kept | None":
    """Snapshot the hook's worktree (ignored files too; what a cap leaves out is moved aside),
    then remove it (the branch stays); hook → archived. Returns what was kept, for the
    report, or None when there was no worktree."""
    from . import snapshots, worktrees

    kept = None
    if hook.kind == "polecats" and hook.path is not None and hook.path.exists():
        kept = snapshots.keep_before_removal(hook.path, hook.polecat,
                                             f"before archive: {reason}", town.runtime_dir)
        worktrees.remove_worktree(town.rig(hook.rig), hook.polecat)
    if hook.state != "archived":
        hooks_mod.transition(town, hook, "archived", unusable=None)
    return kept


def archive_finished(town: "Town", hook: hooks_mod.Hook,
                     reason: str) -> tuple[hooks_mod.Hook | None, "snapshots.Kept | None"]:
    """Archive a polecat's finished work (`archive`), unless a sling gave the polecat new work
    meanwhile. The hook is read again under the lock slings hold while they pick and reuse a
    polecat, and archived only while it still holds `hook.issue`, completed: a clean-up that
    archived the record it had read before (the refinery after a merge, `gt done`, the
    watch) removed the worktree a sling had just made and wrote the finished issue back over
    the new one, so the new work was never done. Returns the hook archived (None when there
    was nothing to do) and what was kept."""
    from .paths import locked

    with locked(town.rig(hook.rig).polecats_dir):
        fresh = hooks_mod.load(town, hook.rig, hook.polecat, hook.kind)
        if fresh is None or fresh.state != "completed" or fresh.issue != hook.issue:
            return None, None
        return fresh, archive(town, fresh, reason)


def check_queued(town: "Town", issue_id: str, target: str, agent: str | None,
                 base: str | None, environ: Mapping[str, str] | None) -> None:
    """Refuses (TownError) a queued issue that can never start as it was slung: closed or
    taken meanwhile, its rig, agent preset or base branch gone."""
    rig, _wanted, _led, _issue, _preset = _slingable(town, issue_id, target, agent, environ,
                                                     "gt", True)
    if base:
        _check_base(rig, base)


def _check_base(rig: "Rig", base: str) -> None:
    import pygit2

    from .worktrees import _base_commit

    _base_commit(pygit2.Repository(str(rig.repo_path)), base)


def queue_one(town: "Town", issue_id: str, target: str, *, agent: str | None = None,
              convoy: bool = True, base: str | None = None, actor: str = "overseer",
              environ: Mapping[str, str] | None = None,
              undo: list[Callable[[], None]] | None = None,
              progress: Callable[[str], None] | None = None,
              reason: str = "") -> tuple[Slung, None]:
    """Put `issue_id` in the dispatch queue instead of on a hook: checked as a sling is, so
    what could never start is refused now, not when a polecat frees up. `reason`: why it
    waits though the town has room."""
    from . import queue

    rig, _wanted, _led, issue, preset = _slingable(town, issue_id, target, agent, environ,
                                                   actor, False)
    if base:
        _check_base(rig, base)
    step = queue.enqueue(town, rig, issue, target=target, agent=agent, base=base,
                         convoy=convoy, actor=actor, reason=reason)
    if undo is not None:
        undo.append(step)
    address = queue.queue_address(rig.name)
    return Slung(issue.id, issue.title, rig.name, "", address, None, None, preset.name,
                 None, queued=0, reason=reason), None


def sling(town: "Town", issue_ids: list[str], target: str,
          undo: list[Callable[[], None]] | None = None,
          hold: Mapping[str, str] | None = None,
          **kwargs) -> list[tuple[Slung, hooks_mod.Hook | None]]:
    """Several issues slung at once each get their own polecat; all or nothing. Past the
    town's `max_polecats` the rest wait in the dispatch queue (hook None, `Slung.queued` their
    place in it), as do all of them while others wait there already, so work starts in the
    queue's order. `hold` (agent preset -> why) names presets at their usage limit: work for
    them waits in the queue too, saying why. With `undo`, the caller receives the undo steps
    (to roll back if starting the agents fails)."""
    if not issue_ids:
        raise usage("give at least one issue id to sling")
    if len(issue_ids) > 1 and parse_target(target)[1] and not kwargs.get("crew"):
        raise usage("several issues need several polecats: give the rig only (not RIG/NAME)")
    if len(set(issue_ids)) != len(issue_ids):
        raise usage("an issue id is given twice")
    for issue_id in issue_ids:
        check_issue_id(issue_id)
    from . import queue
    from .paths import locked

    undo = [] if undo is None else undo
    done: list[tuple[Slung, hooks_mod.Hook | None]] = []
    rig = town.rig(parse_target(target)[0])
    # Room is counted town-wide, so slings to two rigs must not both take the last place; and
    # within a rig two at once could pick the same idle polecat, and one would archive the
    # worktree the other had just made.
    with queue.sling_lock(town), locked(rig.polecats_dir):
        limit, at_work = queue.capacity(town)
        # Work held by a usage limit waits apart: it takes no room from the rest.
        waiting = [q for q in queue.list_queue(town)
                   if not queue.held_by(town, q.rig, q.agent, hold)]
        room = None if limit is None or kwargs.get("crew") else limit - at_work - len(waiting)
        held = "" if kwargs.get("crew") else queue.held_by(town, rig.name, kwargs.get("agent"),
                                                           hold)
        set_aside = _room_to_undo(town, rig)
        try:
            for issue_id in issue_ids:
                if held or (room is not None and room <= 0):
                    done.append(queue_one(town, issue_id, target, undo=undo, reason=held, **{
                        k: v for k, v in kwargs.items() if k != "crew"}))
                    continue
                done.append(sling_one(town, issue_id, target, undo=undo, **kwargs))
                room = None if room is None else room - 1
            places = {q.issue: q.position for q in queue.list_queue(town)}
        except BaseException:
            set_aside.release()
            roll_back(undo)
            raise
        finally:
            set_aside.release()
    for slung, hook in done:
        if hook is None:
            slung.queued, slung.max_polecats = places.get(slung.issue), limit
    return done


@dataclasses.dataclass
class Unslung:
    """Work taken off a hook (or out of the dispatch queue) and where it is kept."""

    issue: str
    title: str
    address: str            # the polecat's (or the queue's) address
    status: str             # the issue's status now: open, so `bd ready` offers it again
    branch: str | None = None
    commits: int | None = None   # commits on the branch beyond its base
    snapshot: str | None = None  # the newest snapshot of its files
    kept: str = ""          # what the removal did with ignored files, when it did anything
    stopped: bool = False   # its agent was running and was stopped
    queued: bool = False    # it waited in the dispatch queue

    def render_text(self) -> str:
        again = f"{self.issue} is {self.status} again" + (
            " (`bd ready` offers it)" if self.status == "open" else "")
        if self.queued:
            return f"Took {self.issue} out of the dispatch queue; {again}"
        rig, kind, name = self.address.split("/")
        lines = [f"Unslung {self.issue} from {self.address}"
                 + (" (its agent was stopped)" if self.stopped else "") + f"; {again}."]
        where = []
        if self.branch:
            n = self.commits
            where.append(f"branch {self.branch}" + ("" if n is None else
                                                    f" ({n} commit{'' if n == 1 else 's'})"))
        if self.snapshot:
            where.append(f"snapshot {self.snapshot} of its files, uncommitted ones too "
                         f"(`gt hooks snapshots {name}`)")
        if where:
            lines.append("Its work is kept: " + "; ".join(where) + ".")
        if self.kept:
            lines.append(self.kept)
        if self.branch and kind == "polecats":
            lines.append(f"`gt sling {self.issue} {rig}/{name}` goes on from that branch.")
        return "\n".join(lines)


def find_hook(town: "Town", target: str) -> hooks_mod.Hook:
    """The hook `target` names: a polecat (NAME, RIG/NAME, its address) or the issue on it."""
    holder = hooks_mod.hooked_elsewhere(town, target.strip())
    return holder if holder is not None else hooks_mod.find(town, target)


def unsling(town: "Town", hook: hooks_mod.Hook, actor: str = "overseer",
            agent_stopped: bool = False) -> Unslung:
    """Take the work off `hook`: its files are snapshotted (ignored ones too, as before any
    removal) and a polecat's worktree removed (its branch stays), the hook archived and the
    issue open again. The caller stops a running agent first and says so (`agent_stopped`);
    without that an agent still running in the worktree is refused."""
    from . import snapshots, worktrees
    from .paths import locked
    from .queue import sling_lock

    rig = town.rig(hook.rig)
    with sling_lock(town), locked(rig.polecats_dir):
        hook = hooks_mod.load(town, hook.rig, hook.polecat, hook.kind) or hook
        if not hook.live or not hook.issue:
            raise TownError(f"{hook.address} has no work on its hook ({hook.state}): there is "
                            "nothing to unsling")
        if hook.state == "active" and not agent_stopped and hook.pid and pid_alive(hook.pid):
            raise TownError(f"the agent of {hook.address} still runs (pid {hook.pid}) with no "
                            "host to stop it: start one (`gt up --headless`) and unsling again")
        reason = f"unslung by {actor}"
        commits, kept = None, None
        if hook.path is not None and hook.path.exists():
            commits = worktrees.status(hook.path, hook.base or rig.branch).ahead
            if hook.kind == "polecats":
                kept = snapshots.keep_before_removal(hook.path, hook.polecat, reason,
                                                     town.runtime_dir)
                worktrees.remove_worktree(rig, hook.polecat)
            else:
                snapshots.take_snapshot(hook.path, hook.polecat, reason)
        repo = hook.path if hook.kind == "crew" and hook.path else rig.repo_path
        snaps = snapshots.list_snapshots(repo, hook.polecat, limit=1)
        led = rig.ledger(actor)
        with led.transaction():
            issue = led.get(hook.issue)
            if issue.assignee == hook.address and issue.status in ("hooked", "in_progress"):
                led.update(issue.id, status="open", assignee=None, actor=actor)
            hooks_mod.transition(town, hook, "archived", actor, led, pid=None)
            status = led.get(issue.id).status
    return Unslung(issue.id, issue.title, hook.address, status, hook.branch, commits,
                   snaps[0].short if snaps else None, kept.note() if kept else "",
                   agent_stopped)
