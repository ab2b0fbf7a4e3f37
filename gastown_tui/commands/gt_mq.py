"""`gt mq ...` (the merge queue of each rig) and `gt diff` (what a change is, file by file).

They work on the ledger directly, as every command that only changes beads does, and tell a
running host that the ledger changed; its refinery picks the change up at once.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from ..visible import visible
from .agent_calls import tell_host
from .core import UsageError, get_env
from .render import table, to_jsonable, view
from .towncli import complete_rig, current_town, identity


def event(kind: str, mr, by: str, **extra: Any) -> dict[str, Any]:
    from ..host.events import make_event

    return make_event(kind, mr=mr.id, rig=mr.rig, issue=mr.issue, by=by, **extra)


@view
class MrList:
    rows: list
    rig: str | None = None

    def to_json(self) -> list:
        return [to_jsonable(r) for r in self.rows]

    def render_text(self) -> str:
        if not self.rows:
            where = f" of rig {self.rig}" if self.rig else ""
            return (f"the merge queue{where} is empty (`gt done` on a hook, or `gt mq submit` "
                    "in a crew clone, adds to it)")
        v = visible
        return table([[m.id, m.label + (" !" if m.needs_you else ""), m.rig, m.issue or "-",
                       v(m.agent), f"{v(m.branch)} -> {v(m.target)}",
                       v(m.reason) or (m.merged_commit or "")[:10]]
                      for m in self.rows],
                     ["MR", "STATE", "RIG", "ISSUE", "FROM", "BRANCH", "NOTE"],
                     keep=["MR", "ISSUE"])


def _crew_here(town) -> tuple[str, str]:
    """(rig, crew name) of the crew clone the caller stands in."""
    env = get_env()
    me = identity(town)
    parts = me.split("/")
    if len(parts) == 3 and parts[1] == "crew":
        return parts[0], parts[2]
    raise UsageError(f"run `gt mq submit` inside your crew clone (<town>/<rig>/crew/<name>); "
                     f"here ({env.cwd}) you are {me}. Polecats submit with `gt done`.")


def register(root: click.Group) -> None:
    @root.group("mq")
    def mq_group():
        """The merge queue of each rig: merge requests, their gates and reviews."""

    @mq_group.command("list")
    @click.argument("rig", required=False, shell_complete=complete_rig)
    @click.option("--all", "all_", is_flag=True, help="Merged and rejected ones too.")
    def mq_list(rig: str | None, all_: bool):
        """Merge requests in queue order, with their states and reasons."""
        from ..town.mq import all_mrs

        if rig is not None and not rig.strip():
            raise UsageError("the rig is empty: give a rig name (see `gt rig list`) or none")
        from ..town.mq import REJECTED

        town = current_town()
        rows = all_mrs(town, rig, include_closed=True)
        if not all_:
            rows = [m for m in rows if m.open or m.needs_you
                    or m.state in REJECTED and _waiting_fix(town, m)]
        return MrList(rows, rig)

    @mq_group.command("show")
    @click.argument("mr")
    def mq_show(mr: str):
        """One merge request: branch, target, state, reason, conflicts or gate output."""
        from ..town.mq import find_mr

        return find_mr(current_town(), mr)[1]

    @mq_group.command("submit")
    @click.option("--branch", help="The branch of your clone to merge (default: its HEAD's).")
    @click.option("--issue", help="The issue it finishes (default: the one on your hook).")
    def mq_submit(branch: str | None, issue: str | None):
        """Queue a branch of your crew clone for merging (your files are only read)."""
        from ..town.mq import submit_crew

        if branch is not None and not branch.strip():
            raise UsageError("the branch is empty: give a branch name or leave --branch out")
        if issue is not None and not issue.strip():
            raise UsageError("the issue is empty: give an issue id or leave --issue out")
        town = current_town()
        rig, crew = _crew_here(town)
        me = identity(town)
        mr = submit_crew(town, rig, crew, branch, issue, me)
        tell_host(town, [event("mr_submitted", mr, me, branch=mr.branch, target=mr.target)])
        return mr

    @mq_group.command("retry")
    @click.argument("mr")
    def mq_retry(mr: str):
        """Queue a merge request again as it is (after a flaky gate or a fixed target)."""
        from ..town.outcomes import retry

        town = current_town()
        me = identity(town)
        out = retry(town, mr, me)
        tell_host(town, [event("mr_submitted", out, me, retry=True)])
        return out

    @mq_group.command("reject")
    @click.argument("mr")
    @click.option("-m", "--message", "note", default="", help="Why (the agent reads it).")
    def mq_reject(mr: str, note: str):
        """Send a merge request back to its agent with a note."""
        from ..town.outcomes import reject_by_person

        town = current_town()
        me = identity(town)
        out = reject_by_person(town, mr, note, me)
        tell_host(town, [event("mr_rejected", out, me, state=out.state, reason=out.reason,
                               rejections=out.rejections)])
        return out

    @mq_group.command("approve")
    @click.argument("mr")
    def mq_approve(mr: str):
        """Let a merge request that waits for review merge (once its gate passes)."""
        from ..town.outcomes import approve

        town = current_town()
        me = identity(town)
        out = approve(town, mr, me)
        tell_host(town, [event("mr_approved", out, me)])
        return out

    @root.command("diff")
    @click.argument("what", metavar="NAME|MR")
    @click.option("--stat", is_flag=True, help="Only the files with their +/- counts.")
    def diff(what: str, stat: bool):
        """A hook's work as it is now, or a merge request's change, against the target."""
        from ..town.diffs import diff_for

        env = get_env()
        out = diff_for(current_town(), what, stat)
        # Coloured for a person at a terminal; plain when piped or asked from the app.
        out.color = (env.stdin is not None and sys.stdout.isatty()
                     and "NO_COLOR" not in env.environ and env.environ.get("TERM") != "dumb")
        return out


def _waiting_fix(town, mr) -> bool:
    """A rejected MR still shows in the queue while its work is out with the agent (until it
    is resubmitted, or the issue is dropped)."""
    if mr.issue is None:
        return False
    try:
        issue = town.rig(mr.rig).ledger().get(mr.issue)
    except Exception:  # noqa: BLE001 - a deleted issue waits for nothing
        return False
    return not issue.is_closed
