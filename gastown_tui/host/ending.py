"""When a finished agent's terminal may end: never while a `gt` or `bd` command the agent
started still runs in it (`inflight.py`), so `gt done` always mails, snapshots and submits
its work whole, however slow the disk or busy the machine. A command that outlives
`done_wait_limit` (one that never ends, such as a followed event stream) is reported once,
as `agent_end_forced`, and the terminal ends all the same.
"""

from __future__ import annotations

import asyncio
import logging
import time

from ..inflight import running
from ..town.hooks import address_of
from .context import Context
from .model import Agent

log = logging.getLogger("gastown_tui.host")


def commands_running(host: Context, agent: Agent) -> bool:
    if agent.role not in ("polecat", "crew") or not agent.rig or not agent.polecat:
        return False
    return running(host.root, address_of(agent.rig, agent.polecat, agent.kind))


def may_end(host: Context, agent: Agent, since: float) -> bool:
    """Whether the agent's terminal may end now: none of its commands runs, or one still
    does `done_wait_limit` seconds after `since` (when its work finished)."""
    if not commands_running(host, agent):
        return True
    waited = time.monotonic() - since
    if waited < host.settings.done_wait_limit:
        return False
    if not agent.end_forced:
        agent.end_forced = True
        log.warning("%s: a gt or bd command still runs %d s after its work finished; its "
                    "terminal ends all the same", agent.name, waited)
        host.publish("agent_end_forced", agent=agent.name, issue=agent.issue,
                     waited_seconds=int(waited))
    return True


async def until_may_end(host: Context, agent: Agent) -> None:
    """Wait until `may_end` (for a terminal the host must end at once: new work for the
    polecat, work sent back to it)."""
    since = agent.finished_at if agent.finished_at is not None else time.monotonic()
    while not may_end(host, agent, since):
        await asyncio.sleep(0.05)
