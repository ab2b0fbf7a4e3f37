"""What landing means for people and beads: a merge closes the issue, lands convoys and cleans
up the hook; a rejection (a conflict, a failing gate, a person's no) sends the work back to the
same hook and tells its agent; and a person's verbs on the queue (`gt mq retry/approve/reject`).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Iterable

from . import hooks as hooks_mod
from .errors import TownError, usage
from .mq import (IN_FLIGHT, MAX_REJECTIONS, REFINERY, REJECTED, STATES, WAITING, MergeRequest,
                 find_mr, from_bead, hook_of, mark_needs, save, what_to_do)

if TYPE_CHECKING:
    from .model import Rig, Town


def retry(town: "Town", ident: str, actor: str) -> MergeRequest:
    """Queue the MR again as it is: after a flaky gate, a fixed target, a held reason."""
    rig, mr = find_mr(town, ident)
    if mr.state == "merged":
        raise TownError(f"{mr.id} is merged already (into {mr.target} at "
                        f"{(mr.merged_commit or '')[:10]}): there is nothing to retry")
    if mr.state in IN_FLIGHT:
        raise TownError(f"{mr.id} is {mr.label} right now: wait for its result "
                        f"(`gt mq show {mr.id}`)")
    led = rig.ledger(actor)
    with led.transaction():
        if mr.state in REJECTED:
            led.reopen(mr.id, actor=actor)
        led.add_comment(mr.id, f"retried by {actor}", author=actor)
        mr.state, mr.reason, mr.retry_after, mr.landing = "queued", "", 0.0, None
        mr.told = True
        save(led, mr, actor)
        if mr.issue:
            issue = led.get(mr.issue)
            if not issue.is_closed and issue.status != "blocked":
                # "Merge it anyway": the issue waits for the MR again.
                led.update(issue.id, status="blocked", actor=actor)
            hook = hook_of(town, mr)
            if hook is not None and hook.issue == mr.issue and hook.state == "created":
                # Given back to its agent, which has not started on it: through active, as
                # `gt done` goes (a created hook cannot be completed).
                hook = hooks_mod.transition(town, hook, "active", actor, led)
                hooks_mod.transition(town, hook, "completed", actor, led)
    mark_needs(town, [mr])
    return mr


def approve(town: "Town", ident: str, actor: str) -> MergeRequest:
    rig, mr = find_mr(town, ident)
    if mr.review != "human":
        raise TownError(f"{mr.id} needs no approval (merge.review of rig {rig.name} is auto "
                        "and its convoy was not made with --human)")
    if mr.state not in WAITING and mr.state != "gating":
        raise TownError(f"{mr.id} is {mr.label}: only a queued or waiting merge request can "
                        "be approved")
    if mr.approved_by:
        raise TownError(f"{mr.id} is approved already (by {mr.approved_by})")
    led = rig.ledger(actor)
    with led.transaction():
        fresh = from_bead(led.get(mr.id), rig.name)
        fresh.approved_by = actor
        if fresh.state == "review":
            fresh.state = "queued"
        led.add_comment(mr.id, f"approved by {actor}", author=actor)
        save(led, fresh, actor)
    return fresh


def reject_by_person(town: "Town", ident: str, note: str, actor: str) -> MergeRequest:
    note = (note or "").strip()
    if not note:
        raise usage("say why with -m NOTE: it goes to the agent who made the change")
    rig, mr = find_mr(town, ident)
    if mr.state == "merged":
        raise TownError(f"{mr.id} is merged already: revert it on {mr.target} instead")
    if mr.state == "merging":
        raise TownError(f"{mr.id} is being merged right now: wait, then revert if needed")
    if mr.state in REJECTED:
        raise TownError(f"{mr.id} is rejected already ({mr.label}): the agent has it back")
    return reject(town, rig, mr, "rejected", f"{actor}: {note}", actor=actor)


def reject(town: "Town", rig: "Rig", mr: MergeRequest, state: str, reason: str, *,
           files: Iterable[str] = (), tail: Iterable[str] = (), log: str | None = None,
           actor: str = REFINERY) -> MergeRequest:
    """Send the work back: the MR closed with its reason, the issue back on the same hook
    (worktree kept; a finished polecat's hook `created` again so the host starts it), and the
    agent mailed. The host nudges it (`told` is False until then)."""
    if state not in REJECTED:
        raise ValueError(state)
    led = rig.ledger(actor)
    with led.transaction():
        fresh = from_bead(led.get(mr.id), rig.name)
        if fresh.state in REJECTED or fresh.state == "merged":
            return fresh    # a person sent it back meanwhile, or it merged: said already
        back = False
        if fresh.issue:
            issue = led.get(fresh.issue)
            # A closed issue (dropped by a person) stays closed, and nobody gets it back.
            back = not issue.is_closed
            if back and issue.status == "blocked":
                led.update(issue.id, status="hooked", actor=actor)
        hook = hook_of(town, fresh)
        if back and hook is not None and hook.issue == fresh.issue and hook.state == "completed":
            hooks_mod.transition(town, hook, "created", actor, led, stuck=False, respawns=0)
        fresh.state, fresh.reason = state, reason
        fresh.files, fresh.gate_tail, fresh.log = list(files), list(tail), log
        fresh.rejections += 1
        fresh.landing, fresh.told, fresh.approved_by = None, not back, None
        save(led, fresh, actor)
        led.add_comment(mr.id, f"{STATES[state][1]}: {reason}", author=actor)
    mr = fresh
    mark_needs(town, [mr])
    _mail_rejection(town, mr)
    return mr


def _mail_rejection(town: "Town", mr: MergeRequest) -> None:
    from .mail import send_mail

    body = [f"{mr.id} ({mr.branch} -> {mr.target}) was not merged: {mr.label}.",
            f"Reason: {mr.reason}", "", what_to_do(mr)]
    if mr.gate_tail:
        body += ["", "Last lines of the gate:"] + mr.gate_tail
    subject = f"Rejected: {mr.issue or mr.branch} ({mr.label})"
    sender = f"{mr.rig}/{REFINERY}"
    try:
        send_mail(town, sender, mr.agent, subject, "\n".join(body) + "\n")
    except TownError:
        # The agent's folder is gone (a person removed it): the person hears instead.
        send_mail(town, sender, "overseer", subject, "\n".join(body) + "\n")
    if mr.rejections >= MAX_REJECTIONS:
        send_mail(town, sender, "overseer",
                  f"Needs you: {mr.issue or mr.branch} rejected {mr.rejections} times",
                  "\n".join(body) + "\n")


@dataclasses.dataclass
class Finished:
    convoys: list[str]                 # the convoys that landed with it
    archived: hooks_mod.Hook | None    # its hook, when it was archived now
    kept: Any = None                   # what archiving did with ignored files (snapshots.Kept)
    unclean: str | None = None         # why its hook could not be cleaned up (see clean_up_after)


def finish_merge(town: "Town", rig: "Rig", mr: MergeRequest, merged_commit: str,
                 landed_as: str, actor: str = REFINERY) -> Finished:
    """After the target moved: the MR merged, its issue closed (saying where it went), the
    convoys that waited for it landed; then the hook archived and its branch deleted. Each
    step is safe to run again, so a host killed half-way finishes it on its next start."""
    from .convoys import check_landing

    led = rig.ledger(actor)
    with led.transaction():
        fresh = from_bead(led.get(mr.id), rig.name)
        if fresh.state != "merged":
            fresh.state, fresh.reason = "merged", ""
            fresh.merged_commit, fresh.landed_as = merged_commit, landed_as
            fresh.retry_after = 0.0
            save(led, fresh, actor)
        if fresh.issue:
            issue = led.get(fresh.issue)
            if not issue.is_closed:
                led.update(issue.id, status="closed", actor=actor,
                           close_reason=f"merged into {fresh.target} as {landed_as[:10]}")
    landed = check_landing(town, fresh.issue, actor) if fresh.issue else []
    hook, kept, unclean = clean_up_after(town, rig, fresh)
    return Finished([c.id for c in landed], hook, kept, unclean)


def clean_up_after(town: "Town", rig: "Rig", mr: MergeRequest) -> tuple[
        hooks_mod.Hook | None, Any, str | None]:
    """`clean_up`, with its failure (a worktree that cannot be removed, a snapshot ref left
    locked, a busy ledger) returned as a one-line reason, not raised: the work is merged, and
    a clean-up that fails every time must stop neither the MRs landed with it nor a host's
    recovery of them, which left them `merging` for good."""
    import pygit2

    from ..beads import LedgerError

    try:
        hook, kept = clean_up(town, rig, mr)
    except (TownError, LedgerError, OSError, pygit2.GitError) as e:
        why = " ".join(str(e).split()) or type(e).__name__
        return None, None, (f"{mr.id} is merged, but the hook of {mr.agent} could not be "
                            f"cleaned up ({why}): `gt hooks prune` archives it once that is "
                            "fixed")
    return hook, kept, None


def clean_up(town: "Town", rig: "Rig", mr: MergeRequest) -> tuple[hooks_mod.Hook | None, Any]:
    """A merged MR's hook archived (snapshot first) and its polecat branch deleted, its
    commits kept reachable by the snapshot ref. Returns the hook and what archiving kept
    (snapshots.Kept), or (None, None) when there was nothing to clean."""
    hook = hook_of(town, mr)
    if hook is None or hook.kind != "polecats":
        return None, None
    from .sling import archive_finished

    done, kept = None, None
    if hook.issue == mr.issue and hook.state == "completed":
        done, kept = archive_finished(town, hook, f"{mr.id} merged")
        if done is None:
            hook = hook_of(town, mr) or hook
    if not (hook.issue == mr.issue and hook.live):
        # Whoever archived the worktree first (this clean-up, the watch, a sling that reused
        # the idle polecat) kept its files in a snapshot: the merged branch goes all the same.
        delete_branch(rig, hook.polecat, mr.ref)
    return done, kept


def delete_branch(rig: "Rig", polecat: str, ref: str) -> bool:
    """Delete a polecat branch only when its tip is kept by the polecat's snapshot ref."""
    import pygit2

    from .snapshots import wip_ref

    repo = pygit2.Repository(str(rig.repo_path))
    if not ref.startswith("refs/heads/polecat/") or ref not in repo.references:
        return False
    tip = repo.references[ref].target
    keep = repo.references.get(wip_ref(polecat))
    if keep is None or not (keep.target == tip or repo.descendant_of(keep.target, tip)):
        return False
    repo.references.delete(ref)
    return True
