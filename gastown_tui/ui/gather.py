"""Gathering the sidebar's rows from the town's ledgers and the live sessions.

`TownReader` runs in one worker thread of its own (SQLite connections stay in the thread that
opened them), so ledger reads never stall key echo in the panes.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from .model import ConvoyRow, HookRow, MailRow, MergeRow, TownView, WorkRow

LANDED_SHOWN = 3
OVERSEER = "overseer"
SHOWN_HOOK_STATES = ("created", "active", "suspended", "hooked")
# Worktree status costs a git status per hook: reuse it for a while.
STATUS_TTL_S = 10.0
# Costs read the agents' new transcript lines: often enough for a day's spend (tests set
# GT_COSTS_SECONDS).
COSTS_TTL_S = 30.0
# The status line's numbers read every ledger again: at most this often.
TOWN_STATUS_TTL_S = 1.0


class TownReader:
    """Reads convoys, the overseer's mail and ready work; one thread, one Town object."""

    def __init__(self, root: Path, environ: dict[str, str] | None = None) -> None:
        self.root = root
        self.environ = environ
        self.costs_ttl = float((environ or {}).get("GT_COSTS_SECONDS") or COSTS_TTL_S)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gastown-reader")
        self._town: Any = None
        self._status: dict[str, tuple[float, Any]] = {}
        self._costs: dict[str, tuple[float, Any]] = {}
        self._town_status_at: tuple[float, Any] = (float("-inf"), None)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def read(self, loop: Any) -> TownView:
        return await loop.run_in_executor(self._pool, self._read)

    def _read(self) -> TownView:
        from ..town import Town
        from ..town.convoys import list_convoys
        from ..town.mail import inbox

        if self._town is None:
            self._town = Town(self.root)
        town = self._town
        view = TownView(town=town.name, theme=town.config().get("theme"))
        convoys = [c for c in list_convoys(town, include_closed=True) if not one_sling(c)]
        open_ = [c for c in convoys if c.status == "open"]
        landed = [c for c in convoys if c.status != "open"][:LANDED_SHOWN]
        view.convoys = [ConvoyRow(c.id, c.title, c.done, c.total, c.status != "open")
                        for c in open_ + landed]
        view.mail = [MailRow(m.id, m.sender, m.subject, not m.read, m.urgent, m.created_at)
                     for m in inbox(town, OVERSEER)[:50]]
        for message in town.ledger().list(issue_type="message"):
            if message.assignee:
                view.unread_by[message.assignee] = view.unread_by.get(message.assignee, 0) + 1
        for rig in town.rigs():
            for issue in rig.ledger().ready(unassigned=True, limit=50):
                if issue.status == "open":
                    view.work.append(WorkRow(issue.id, issue.title, rig.name, issue.priority,
                                             issue.issue_type))
        from ..town.mq import all_mrs

        mrs = all_mrs(town, include_closed=True)
        view.hooks = self._hooks(town, mrs)
        view.queued = queued_rows(town)
        view.merges = [MergeRow(m.id, m.rig, m.label, m.issue or "", m.agent, m.reason,
                                m.needs_you or "") for m in mrs if m.open or m.needs_you]
        view.costs = self._agent_costs(town)
        return view

    async def status(self, loop: Any, infos: list | None) -> Any:
        """`gt status`'s numbers (`town.status.town_status`) with the host's agent rows (None:
        no host runs; the ledger's hooks say the rest)."""
        return await loop.run_in_executor(self._pool, self._town_status, infos)

    def _town_status(self, infos: list | None) -> Any:
        from ..host.api import to_wire
        from ..town import Town
        from ..town.status import town_status

        now = time.monotonic()
        at, last = self._town_status_at
        if last is not None and now - at < TOWN_STATUS_TTL_S:
            return last
        if self._town is None:
            self._town = Town(self.root)
        town = self._town
        last = town_status(town, to_wire(infos), "", self.environ, self._report(town, "rig"))
        self._town_status_at = (now, last)
        return last

    def _report(self, town: Any, by: str) -> Any:
        from ..town.costs import cost_report, today_start

        now = time.monotonic()
        cached = self._costs.get(by)
        if cached is None or now - cached[0] > self.costs_ttl:
            cached = self._costs[by] = (now, cost_report(town, by, today_start(),
                                                         self.environ))
        return cached[1]

    def _agent_costs(self, town: Any) -> dict[str, str]:
        """Today's cost of each agent (`town.costs.agent_costs`' rows), as the Agents panel
        shows it: "-" when its preset records nothing."""
        from ..commands.gt_status import money

        try:
            report = self._report(town, "agent")
        except Exception:  # noqa: BLE001 - a damaged cache must not empty the sidebar
            return {}
        return {r.key: money(r.cost, r.tokens.total if r.tokens else 0) for r in report.rows}

    def _hooks(self, town: Any, mrs: list) -> list[HookRow]:
        """Live hooks, and finished ones whose work is still in the merge queue; each with
        the state of its own latest merge request."""
        from ..town.hooks import all_hooks

        latest = {(m.agent, m.issue): m for m in mrs if m.issue}  # (queue order: newest last)
        rows = []
        for hook in all_hooks(town):
            mr = latest.get((hook.address, hook.issue))
            if hook.state not in SHOWN_HOOK_STATES and not (
                    hook.state == "completed" and mr is not None and mr.open):
                continue
            ahead, dirty = self._worktree_status(hook)
            rows.append(HookRow(hook.session, hook.rig, hook.state, hook.issue or "",
                                hook.branch or "", ahead, dirty, hook.kind,
                                (hook.reason or "") if hook.state == "suspended" else "",
                                mr.label if mr is not None else "",
                                since=hook.times.get("created", "")))
        return rows

    def _worktree_status(self, hook: Any) -> tuple[int, bool]:
        from ..town.worktrees import status

        path = hook.worktree
        if not path or not hook.base:
            return 0, False
        now = time.monotonic()
        cached = self._status.get(path)
        if cached is None or now - cached[0] > STATUS_TTL_S:
            try:
                got = status(Path(path), hook.base)
            except Exception:  # noqa: BLE001 - a worktree mid-removal has no status; skip it
                return 0, False
            cached = self._status[path] = (now, got)
        return cached[1].ahead, cached[1].dirty > 0


def one_sling(convoy: Any) -> bool:
    """A convoy `gt sling` made for one issue ("Work: <title>", tracking only it). The panels
    leave these out: the Hooks panel already shows that work, and quick single slings would
    fill the Convoys panel with them. Convoys people make or name, and those slings of several
    issues travel under, are listed; `gt convoy list` lists all."""
    return convoy.total == 1 and convoy.title.startswith("Work: ")


def queued_rows(town: Any) -> list[HookRow]:
    from ..town.queue import list_queue

    return [HookRow(f"{q.rig}/queue#{q.position}", q.rig, "queued", q.issue, kind="queue")
            for q in list_queue(town)]
