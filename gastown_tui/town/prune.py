"""`gt hooks prune`: hooks whose work is over (merged, or closed without anything to merge)
archived, and merged polecat branches deleted. Work still waiting for a merge, or sent back to
its agent, is never touched; every worktree is snapshotted (ignored files too) before it goes.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from ..visible import visible
from . import hooks as hooks_mod
from . import mq, outcomes

if TYPE_CHECKING:
    from .model import Rig, Town


@dataclasses.dataclass
class Pruned:
    agent: str
    issue: str | None
    state: str
    why: str
    done: bool     # False on --dry-run

    def render_text(self) -> str:
        verb = "archived" if self.done else "would archive"
        return (f"{verb} {self.agent} ({self.issue or 'no issue'}, {self.state}): "
                f"{visible(self.why)}")


def _why(town: "Town", rig: "Rig", hook: hooks_mod.Hook,
         mrs: dict[str, mq.MergeRequest]) -> str | None:
    """Why the hook's work is over, or None when it is not."""
    if hook.kind != "polecats" or hook.state not in ("completed", "suspended"):
        return None
    mr = mrs.get(hook.issue or "")
    if mr is not None and mr.state == "merged":
        return f"{mr.id} merged into {mr.target}"
    if mr is not None and mr.open:
        return None
    if not hook.issue:
        return "no work on it"
    try:
        issue = rig.ledger().get(hook.issue)
    except Exception:  # noqa: BLE001 - the bead is gone: nothing to come back to
        return f"{hook.issue} is gone from the ledger"
    if not issue.is_closed:
        return None
    if hook.state == "suspended":
        return f"{issue.id} was {issue.status} while its agent was parked (dropped)"
    return f"{issue.id} is {issue.status}" + (f" ({issue.close_reason})"
                                               if issue.close_reason else "")


def prune(town: "Town", dry_run: bool = False, actor: str = "overseer") -> list[Pruned]:
    from .sling import archive

    out = []
    for rig in town.rigs():
        try:
            hooks = hooks_mod.rig_hooks(rig)
            mrs = mq.by_issue(rig)
        except Exception:  # noqa: BLE001 - a broken rig is `gt hooks repair`'s business
            continue
        for hook in hooks:
            why = _why(town, rig, hook, mrs)
            if why is None:
                continue
            out.append(Pruned(hook.session, hook.issue, hook.state, why, not dry_run))
            if dry_run:
                continue
            if hook.state == "suspended":
                hooks_mod.transition(town, hook, "completed", actor)
                hook = hooks_mod.load(town, hook.rig, hook.polecat) or hook
            archive(town, hook, f"pruned: {why}")
            mr = mrs.get(hook.issue or "")
            ref = mr.ref if mr is not None else f"refs/heads/{hook.branch}"
            if hook.branch and (mr is not None and mr.state == "merged"
                                or _contained(rig, ref)):
                outcomes.delete_branch(rig, hook.polecat, ref)
    return out


def _contained(rig: "Rig", ref: str) -> bool:
    import pygit2

    repo = pygit2.Repository(str(rig.repo_path))
    branch = repo.references.get(ref)
    tip = mq.target_tip(repo, mq.merge_settings(rig).target)
    return branch is not None and tip is not None and (
        branch.target == tip.id or repo.descendant_of(tip.id, branch.target))
