"""`gt done` and `gt handoff`'s ledger half: finish the work on the caller's hook."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping

from ..visible import visible
from . import hooks as hooks_mod
from .errors import TownError

if TYPE_CHECKING:
    from .model import Town


@dataclasses.dataclass
class Done:
    issue: str
    title: str
    polecat: str
    commit: str | None
    branch: str | None
    hook_state: str
    archived: bool
    mailed: list[str]
    landed: list[str]
    kept: str = ""  # what archiving did with ignored files, when it did anything
    merge_request: str | None = None   # the MR that lands the work, when there was a change
    target: str | None = None
    rig: str = ""

    def render_text(self) -> str:
        lines = [] if self.merge_request else [
            f"Closed {visible(self.issue)}: {visible(self.title)}",
            "Its branch holds no change to merge"]
        lines.append(f"Committed {self.commit[:10]} on {self.branch}" if self.commit
                     else f"Nothing left to commit on {self.branch}")
        if self.merge_request:
            lines.append(f"Submitted {self.merge_request} to merge {self.branch} into "
                         f"{self.target} of rig {self.rig}; {self.issue} closes when it "
                         f"merges (`gt mq show {self.merge_request}`)")
            lines.append("Worktree kept with a snapshot until the merge")
        elif self.archived:
            lines.append("Worktree archived (branch merged)" + (f"; {self.kept}" if self.kept
                                                                else ""))
        else:
            lines.append("Worktree kept with a snapshot until its branch is merged")
        if self.mailed:
            lines.append("Mailed " + ", ".join(visible(m) for m in self.mailed))
        for convoy in self.landed:
            lines.append(f"Convoy landed: {visible(convoy)}")
        lines.append(f"{self.polecat} is idle now.")
        return "\n".join(lines)


def require_hook(town: "Town", cwd: Path, environ: Mapping[str, str]) -> hooks_mod.Hook:
    hook = hooks_mod.my_hook(town, environ, cwd)
    if hook is None:
        raise TownError("you are not a polecat or crew member with a hook here: run this inside "
                        "an agent's worktree (GT_RIG and GT_POLECAT set)")
    if not hook.issue or not hook.live:
        raise TownError(f"nothing is on the hook of {hook.address} ({hook.state}): "
                        "there is no work to finish")
    return hook


def finish(town: "Town", cwd: Path, environ: Mapping[str, str],
           message: str | None = None,
           later: Callable[[Callable[[], None]], None] | None = None) -> Done:
    """Commit what is left, then submit the branch to the rig's merge queue (the issue waits
    for the merge), or close the issue when the branch holds no change. The snapshot of the
    finished worktree is `later`'s to take (a served command takes it once its caller has
    the answer: the work is committed by then, and the snapshot keeps its own lock), or now."""
    from . import mq, worktrees
    from .convoys import check_landing
    from .mail import one_line, send_mail

    hook = require_hook(town, cwd, environ)
    me = hook.address
    rig = town.rig(hook.rig)
    led = rig.ledger(me)
    issue = led.get(hook.issue)
    commit = None
    if hook.path is not None and hook.path.exists():
        commit = worktrees.commit_all(hook.path, message or f"{issue.id}: {issue.title}", me)
    mr = None
    # One transaction: no one ever sees the bead waiting for a merge (or closed) while the
    # hook still says active.
    with led.transaction():
        if not issue.is_closed:
            mr = mq.submit_hook(town, hook, led, me, message)
            if mr is None:
                led.close(issue.id, reason=message or "done (no change to merge)", actor=me)
        if hook.state != "active":
            hook = hooks_mod.transition(town, hook, "active", me, led)
        hook = hooks_mod.transition(town, hook, "completed", me, led, pid=None,
                                    last_activity=hooks_mod.now())
    mailed = []
    owner = _convoy_owner(town, hook.convoy)
    body = (f"{me} finished {issue.id}: {issue.title}\n"
            f"Branch: {hook.branch}\n" + (f"Commit: {commit}\n" if commit else "")
            + (f"Merge request: {mr.id} (queued to merge into {mr.target})\n" if mr else "")
            + (f"\n{message}\n" if message else ""))
    subject = f"Done: {issue.id} {one_line(issue.title)}"
    try:
        send_mail(town, me, owner, subject, body)
        mailed.append(owner)
    except TownError:
        send_mail(town, me, "mayor/", subject, body)
        mailed.append("mayor/")
    landed = [] if mr else [f"{c.id} {c.title}" for c in check_landing(town, issue.id, me)]
    archived, kept = False, None
    if (mr is None and hook.kind == "polecats" and hook.branch
            and worktrees.is_merged(rig, hook.branch)):
        # (sling's module only here: `gt done` usually leaves the archiving to the merge)
        from .sling import archive_finished

        # Idle from the moment the transaction above ended: a host may be reusing it already.
        done_hook, kept = archive_finished(town, hook, "done and merged")
        archived = done_hook is not None
    else:
        (later or _now)(lambda: _snapshot_done(town, rig, hook))
    return Done(issue.id, issue.title, hook.polecat, commit, hook.branch,
                "archived" if archived else "completed", archived, mailed, landed,
                kept.note() if kept else "", mr.id if mr else None,
                mr.target if mr else None, rig.name)


def _now(work: Callable[[], None]) -> None:
    work()


def _snapshot_done(town: "Town", rig, hook: hooks_mod.Hook) -> None:
    """The finished worktree as it was left. Its MR may merge within moments, and the
    refinery then archives the worktree (or a sling reuses the polecat): under the lock they
    hold for that, so this snapshot never reads a worktree being removed or races theirs for
    the polecat's snapshot ref."""
    from .paths import locked
    from .snapshots import take_snapshot

    with locked(rig.polecats_dir):
        fresh = hooks_mod.load(town, hook.rig, hook.polecat, hook.kind)
        if (fresh is not None and fresh.issue == hook.issue and fresh.state == "completed"
                and hook.path is not None and hook.path.exists()):
            take_snapshot(hook.path, hook.polecat, "done")


def _convoy_owner(town: "Town", convoy_id: str | None) -> str:
    if not convoy_id:
        return "mayor/"
    try:
        convoy = town.ledger().get(convoy_id)
    except Exception:  # noqa: BLE001 - a deleted convoy just means "tell the Mayor"
        return "mayor/"
    owner = convoy.created_by or "mayor/"
    return "mayor/" if owner in ("mayor", "") else owner
