"""The ledger watch: changes from any process reach the host without polling subprocesses.

Each ledger's `change_token()` (one SQLite read) is checked every `watch_seconds`; when one moves,
the host reconciles its sessions with the hooks (starting new hooks, ending finished agents) and
turns new mail and landings in the town ledger into events. Slower checks (stalls, periodic
snapshots) run every few seconds; finished work whose branch has been merged is archived about
once a minute. Town settings a running host uses (`stall_minutes`, `window_size`) are read again
when the settings file changed.
"""

from __future__ import annotations

import asyncio
import os
import time

from ..town import hooks as hooks_mod
from . import stalls
from .context import Context
from .ending import may_end
from .supervisor import _snapshot, start_hook


def _tokens(town) -> dict[str, int]:
    out = {}
    for key, get in [("hq", town.ledger)] + [(r.name, r.ledger) for r in town.rigs()]:
        try:
            out[key] = get().change_token()
        except Exception:  # noqa: BLE001 - a broken rig is repair's business, not the watch's
            continue
    return out


def _town_news(town, since: int | str) -> tuple[int | str, list[dict]]:
    """Mail and landings in the town ledger after `since` (an event id, or at first the host's
    start time), and the new mark."""
    led = town.ledger()
    news = []
    last = since
    for ev in led.events(since=since):
        last = ev.id
        if ev.event_type not in ("created", "closed"):
            continue
        try:
            issue = led.get(ev.issue_id)
        except Exception:  # noqa: BLE001 - deleted meanwhile
            continue
        if ev.event_type == "created" and issue.issue_type == "message":
            news.append({"kind": "mail", "id": issue.id, "to": issue.assignee,
                         "sender": issue.sender, "subject": issue.title})
        elif ev.event_type == "closed" and issue.issue_type == "convoy":
            kind = "convoy_landed" if issue.close_reason == "landed" else "convoy_closed"
            news.append({"kind": kind, "id": issue.id, "title": issue.title})
    return last, news


async def watch_loop(host: Context) -> None:
    from ..beads.model import now

    tokens: dict[str, int] = {}
    mark: int | str = now()
    last_slow = 0.0
    last_merge_check = time.monotonic()
    while True:
        try:
            new = await host.domain(_tokens)
            if new != tokens:
                first = not tokens
                tokens = new
                if not first:
                    host.refineries.wake()
                    await reconcile(host)
                mark, news = await host.domain(_town_news, mark)
                for item in news:
                    kind = item.pop("kind")
                    host.publish(kind, **item)
            _end_finished(host)
            _reread_settings(host)
            now = time.monotonic()
            if now - last_slow >= min(5.0, host.settings.stall_seconds / 2):
                last_slow = now
                await _slow_checks(host)
                if host.queued:
                    await reconcile(host)  # `max_polecats` may have been raised
            if now - last_merge_check >= host.settings.merge_check_seconds:
                last_merge_check = now
                await archive_merged(host)
        except asyncio.CancelledError:
            raise
        except Exception as e:  # noqa: BLE001 - the watch must outlive one bad pass
            from ..files import os_error_message

            host.publish("host_error", error=os_error_message(e) or f"{type(e).__name__}: {e}")
        await asyncio.sleep(host.settings.watch_seconds)


async def reconcile(host: Context) -> None:
    """Bring sessions in line with the ledger: start created hooks, end finished ones."""
    from .dispatch import dispatch_locked

    async with host.hooks_lock:
        await _reconcile(host)
        await dispatch_locked(host)  # a hook that completed or went away frees a polecat


async def _reconcile(host: Context) -> None:
    hooks = await host.domain(hooks_mod.all_hooks)
    for hook in hooks:
        agent = host.agents.get(hook.session)
        if agent is not None:
            if agent.hook_state != hook.state:
                host.publish("hook_" + hook.state, agent=hook.session, issue=hook.issue)
            agent.hook_state, agent.issue = hook.state, hook.issue
            if hook.state in ("completed", "archived") and agent.finished_at is None:
                agent.expected_exit = True
                agent.finished_at = time.monotonic()
        elif hook.state == "created" and not hook.stuck:
            # Suspended hooks stay parked until a person, `gt hooks repair` or the next host
            # resumes them: the app suspends work on purpose.
            try:
                await start_hook(host, hook)
            except Exception as e:  # noqa: BLE001 - reported; the others still start
                host.publish("agent_start_failed", agent=hook.session, issue=hook.issue,
                             error=str(e))


def _end_finished(host: Context) -> None:
    """An agent whose work is done gets a short grace to finish writing, then its terminal ends
    and the polecat is idle; not before its `gt done` (or any gt/bd command it runs) ends."""
    now = time.monotonic()
    for agent in list(host.agents.values()):
        if agent.finished_at is None or now - agent.finished_at < host.settings.done_grace:
            continue
        session = host.session(agent.name)
        if session is not None and session.alive and may_end(host, agent, agent.finished_at):
            host.mux.terminate(agent.name)


def _reread_settings(host: Context) -> None:
    """`gt config set` reaches a running host (one stat while nothing changed); a new
    `window_size` rule resizes the terminals at once."""
    rule = host.settings.window_size
    host.settings.reread(host.town, host.environ)
    if host.settings.window_size != rule:
        host.sizes.apply_all()


async def _slow_checks(host: Context) -> None:
    await _suspend_without_worktree(host)
    await host.limits.check()
    now_wall, now = time.time(), time.monotonic()
    snap_due = []
    for agent in list(host.agents.values()):
        session = host.session(agent.name)
        if session is None or not session.alive or agent.finished_at is not None:
            continue
        if agent.role == "mayor" or agent.hook_state != "active":
            continue
        stalls.check(host, agent, session, now_wall)
        if now - (agent.last_snapshot or 0) >= host.settings.snapshot_seconds:
            if agent.last_snapshot:
                snap_due.append(agent)
            agent.last_snapshot = now
    for agent in snap_due:
        hook = await host.domain(hooks_mod.load, agent.rig, agent.polecat, agent.kind)
        if hook is not None and hook.state == "active":
            snap = await host.domain(_snapshot, hook, "periodic")
            if snap:
                host.publish("snapshot", agent=agent.name, snapshot=snap, reason="periodic")


async def _suspend_without_worktree(host: Context) -> None:
    """An agent whose worktree was deleted under it would idle in a folder that is gone while
    its hook stayed active: it is suspended, saying why, until `gt hooks repair` brings the
    worktree back (from its branch and last snapshot) and resumes it."""
    from .actions import suspend_agent
    from .runtime import HostError

    gone = [a for a in list(host.agents.values())
            if a.worktree and a.hook_state == "active" and a.finished_at is None
            and not a.expected_exit and not os.path.isdir(a.worktree)]
    for agent in gone:
        reason = (f"worktree {agent.worktree} was deleted: `gt hooks repair` restores it and "
                  "resumes the agent")
        try:
            await suspend_agent(host, agent.name, reason)
        except HostError:
            continue    # it ended meanwhile: its exit is handled as any other


def _archive_merged(town, running: set[str]) -> list[tuple]:
    from ..town import worktrees
    from ..town.mq import waiting_agents
    from ..town.sling import archive_finished

    out = []
    for rig in town.rigs():
        try:
            hooks = hooks_mod.rig_hooks(rig)
            # Work in the merge queue is the refinery's to archive, once it has merged it.
            queued = waiting_agents(rig)
        except Exception:  # noqa: BLE001 - a broken rig is repair's business
            continue
        for hook in hooks:
            if (hook.state != "completed" or hook.kind != "polecats" or not hook.branch
                    or hook.session in running or hook.path is None
                    or not hook.path.exists() or hook.address in queued):
                continue
            if worktrees.is_merged(rig, hook.branch):
                done, kept = archive_finished(town, hook, "branch merged")
                if done is not None:
                    out.append((hook.session, hook.issue, hook.branch, kept))
    return out


async def archive_merged(host: Context) -> None:
    """Finished work whose branch is now in the rig's default branch: its worktree goes (after
    a snapshot; the branch stays) and the hook is archived."""
    running = {name for name, a in host.agents.items()
               if (s := host.session(name)) is not None and s.alive}
    async with host.hooks_lock:
        done = await host.domain(_archive_merged, running)
    for name, issue, branch, kept in done:
        # Ignored files a cap kept out of the snapshot were moved aside: say where.
        extra = ({"set_aside": kept.set_aside, "moved": len(kept.moved) or None,
                  "left_out": ",".join(kept.regenerable) or None} if kept else {})
        host.publish("hook_archived", agent=name, issue=issue, branch=branch,
                     reason="branch merged", **extra)
