"""The host's half of the dispatch queue: start queued work as polecats free up, and take work
off a hook (`gt unsling`), stopping its agent first.

What may start, in what order, and what queued means for a bead are `town.queue` and
`town.dispatch`; here the hooks they make get their agents. Every reconcile ends with
`dispatch_locked` (a completed, archived or unslung hook, or a stuck agent, is a ledger change
that brings one), the watch's slow checks reconcile while work waits (a raised `max_polecats`
is no ledger change), and the host calls `dispatch` once its hooks are resumed.

It reaches the rest of the host only through the `Host` it is given, so it stays outside the
host's own import circle.
"""

from __future__ import annotations

from typing import Any


async def dispatch(host: Any) -> None:
    async with host.hooks_lock:
        await dispatch_locked(host)


async def dispatch_locked(host: Any) -> None:
    """Start what the queue may start now; keep `host.queued` (what `gt agents` shows) fresh.
    The caller holds `host.hooks_lock`."""
    from ..town.dispatch import dispatch as town_dispatch

    result = await host.domain(town_dispatch, host.environ, host.limits.holds())
    host.queued = [queue_row(q) for q in result.waiting]
    for d in result.dropped:
        host.publish("queue_dropped", issue=d.entry.issue, rig=d.entry.rig, reason=d.reason,
                     status=d.status)
    for entry, error in result.failed:
        host.publish("queue_start_failed", issue=entry.issue, rig=entry.rig, error=error)
    if not result.started:
        return

    def publish_slings() -> None:
        for slung, _hook in result.started:
            host.publish("sling", issue=slung.issue, agent=f"{slung.rig}/{slung.polecat}",
                         convoy=slung.convoy, by="dispatch queue")

    await host.start_hooks([h for _s, h in result.started], before_active=publish_slings)


def queue_row(q: Any) -> dict[str, Any]:
    """A queued issue as a row of `gt agents` (role and state `queued`, no process yet)."""
    return {"name": f"{q.rig}/queue#{q.position}", "role": "queued", "rig": q.rig,
            "agent": q.agent, "pid": None, "state": "queued", "hook": q.issue,
            "hook_state": "queued", "stalled": False, "uptime": None, "last_activity": None,
            "reason": q.reason or ""}


async def unsling(host: Any, target: str, by: str) -> dict[str, Any]:
    """`gt unsling NAME`: a running agent on that hook is suspended (snapshot, terminal
    ended), then the work comes off the hook (worktree removed after a snapshot, issue open
    again), and the freed polecat's place goes to the queue."""
    import dataclasses

    from ..town.sling import find_hook, unsling as town_unsling

    async with host.hooks_lock:
        hook = await host.domain(find_hook, target)
        session = host.session(hook.session)
        stopped = hook.live and session is not None and session.alive
        if hook.live and hook.session in host.agents:
            await host.suspend_agent(hook.session, f"unslung by {by}")
        # A hook with no work is refused there, with nothing stopped above.
        done = await host.domain(town_unsling, hook, by, True)
        done.stopped = stopped
        host.publish("unslung", agent=hook.session, issue=done.issue, snapshot=done.snapshot,
                     by=by)
        await dispatch_locked(host)
    return dataclasses.asdict(done)
