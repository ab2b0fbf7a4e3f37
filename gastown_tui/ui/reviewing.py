"""What the Review view shows and does, the same in the app and the dashboard: the merge queue
with each request's state, the live hooks (whose work can be read before `gt done`), a
change's diff, and a person's verbs on a request.

The verbs are the registry's own `gt mq approve` and `gt mq reject` run in process, so they do
what they do in a shell: the same checks and one-line refusals, the note mailed to the agent,
and a running host told at once (its refinery wakes and merges an approved request). Reads are
town functions and `gt diff`, on one thread of their own: a big diff never stalls the panes.
"""

from __future__ import annotations

import asyncio
import shlex
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .acting import OVERSEER

# Runs one registry command line as the command bar does (blocking: call it off the loop) and
# returns its `commands.core` result; the app and the dashboard each make their own.
Runner = Callable[[str], Any]

# state -> (icon, theme colour); the MR states of `town.mq` plus `held` (queued, with the
# reason it cannot go on) and `hook` (work not submitted yet).
LOOKS = {
    "review": ("◆", "$warning"),
    "queued": ("…", "$text-muted"),
    "held": ("‖", "$warning"),
    "gating": ("●", "$accent"),
    "merging": ("●", "$accent"),
    "merged": ("✓", "$success"),
    "conflict": ("✕", "$error"),
    "gate_failed": ("✕", "$error"),
    "rejected": ("✕", "$error"),
    "hook": ("▶", "$secondary"),
}
FINISHED_SHOWN = 8          # merged and sent-back requests listed after the open ones
LIVE_HOOKS = ("created", "active", "suspended")


@dataclass(frozen=True)
class ReviewRow:
    key: str                 # the MR id, or the hook's address (rig/polecats/name)
    kind: str                # mr | hook
    state: str               # a LOOKS key
    label: str               # what a person reads: waiting review, held, gate failed, active
    rig: str
    title: str = ""
    issue: str = ""
    agent: str = ""
    branch: str = ""
    target: str = ""
    reason: str = ""
    human: bool = False      # it waits for a person's approval before it merges
    approved_by: str = ""

    @property
    def is_mr(self) -> bool:
        return self.kind == "mr"

    @property
    def approvable(self) -> bool:
        return self.is_mr and self.human and not self.approved_by \
            and self.state in ("queued", "held", "gating", "review")


def read_rows(town: Any) -> list[ReviewRow]:
    """Requests waiting for review first, then the rest of the queue in its order, then the
    latest merged or sent back; then the live hooks."""
    from ..town.mq import all_mrs

    mrs = all_mrs(town, include_closed=True, with_needs=False)
    review = [m for m in mrs if m.state == "review"]
    waiting = [m for m in mrs if m.open and m.state != "review"]
    finished = sorted((m for m in mrs if not m.open), key=lambda m: m.updated_at,
                      reverse=True)[:FINISHED_SHOWN]
    rows = [_mr_row(m) for m in review + waiting + finished]
    return rows + _hook_rows(town)


def _mr_row(mr: Any) -> ReviewRow:
    held = mr.state == "queued" and bool(mr.reason)
    return ReviewRow(mr.id, "mr", "held" if held else mr.state, "held" if held else mr.label,
                     mr.rig, mr.title, mr.issue or "", mr.agent, mr.branch, mr.target,
                     mr.reason, mr.review == "human", mr.approved_by or "")


def _hook_rows(town: Any) -> list[ReviewRow]:
    from ..beads import LedgerError
    from ..town.hooks import all_hooks

    rows = []
    for hook in all_hooks(town):
        if hook.state not in LIVE_HOOKS or not hook.worktree:
            continue
        title = ""
        if hook.issue:
            try:
                title = town.rig(hook.rig).ledger().get(hook.issue).title
            except LedgerError:
                pass
        rows.append(ReviewRow(hook.address, "hook", "hook", hook.state, hook.rig, title,
                              hook.issue or "", hook.address, hook.branch or ""))
    return rows


class ReviewSource:
    """The Review view's reads for a town: its rows and a row's diff (`gt diff`)."""

    def __init__(self, root: Path, runner: Runner) -> None:
        self.root = root
        self.runner = runner
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gastown-review")
        self._town: Any = None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def rows(self) -> list[ReviewRow]:
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._rows)

    def _rows(self) -> list[ReviewRow]:
        from ..town import Town

        if self._town is None:
            self._town = Town(self.root)
        return read_rows(self._town)

    async def diff(self, key: str) -> Any:
        """The `town.diffs.Diff` of a request or a hook; a one-line `ReviewError` when there
        is none to show (a commit gone, a hook without a worktree)."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._diff, key)

    def _diff(self, key: str) -> Any:
        result = self.runner(f"diff {shlex.quote(key)}")
        if result.error is not None:
            raise ReviewError(result.error)
        return result.data


class FixedReview:
    """Fixed rows and diffs (snapshot apps and screenshots), read as a town's are."""

    def __init__(self, rows: list[ReviewRow], diffs: dict[str, Any]) -> None:
        self._rows = rows
        self._diffs = diffs

    def close(self) -> None:
        pass

    async def rows(self) -> list[ReviewRow]:
        return list(self._rows)

    async def diff(self, key: str) -> Any:
        if key not in self._diffs:
            raise ReviewError(f"no diff for {key}")
        return self._diffs[key]


class ReviewError(Exception):
    """A diff that cannot be shown, in one line."""


def whole_diff(key: str) -> str:
    """How to see all of a diff too big to draw."""
    return f"`gt diff {key}` in a shell"


def verb_line(verb: str, key: str, note: str = "") -> str:
    """The registry command of a person's verb: `mq approve MR`, `mq reject MR -m NOTE`."""
    line = f"mq {verb} {shlex.quote(key)}"
    return f"{line} -m {shlex.quote(note)}" if verb == "reject" else line


async def run_verb(runner: Runner, verb: str, key: str, note: str = "") -> tuple[bool, str]:
    """Approve or reject `key` as `gt mq approve/reject` does; (done, one line to show)."""
    # Off the loop: the command tells the host over its socket, and the host may be this
    # very process's (an embedded app).
    result = await asyncio.to_thread(runner, verb_line(verb, key, note))
    if result.error is not None:
        return False, result.error
    mr = result.data
    if verb == "approve":
        when = "next" if mr.state == "queued" and mr.tested else "once its gate passes"
        return True, f"{mr.id} approved: it merges {when}"
    return True, f"{mr.id} sent back to {mr.agent} with your note"


def event_toast(event: dict, review_keys: str = "") -> tuple[str, str, str] | None:
    """(message, title, severity) of a town event a person should hear about at once: a
    request sent back to its agent, one that waits for their review; None for the rest (and
    for what the person did themselves, which their own verb said)."""
    kind = event.get("kind")
    if event.get("by") == OVERSEER:
        return None
    mr = str(event.get("mr") or "")
    issue = f" ({event['issue']})" if event.get("issue") else ""
    if kind == "mr_rejected":
        state = str(event.get("state") or "rejected").replace("_", " ")
        return (f"{mr}{issue} went back to its agent ({state}): {event.get('reason') or ''}",
                "merge request sent back", "warning")
    if kind == "mr_review":
        where = f"; {review_keys} to review it" if review_keys else ""
        return f"{mr}{issue} passed its gate and waits for your review{where}", \
            "review waiting", "information"
    return None
