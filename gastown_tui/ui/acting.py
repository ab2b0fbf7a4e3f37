"""What a person does to the town from the app or the dashboard, the same way in both: slinging
beads, acting on an agent (suspend, resume, stop, restart, handoff), nudging and peeking. Each
is a typed request to the host (`host.api`), in process or over the socket, with no command
line in between; only the convoy of a sling is the ledger's, written directly. Also the
environment the registry's commands run in (the command bar, the dashboard's panels).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from ..host import api

OVERSEER = "overseer"  # who acts from the app and the dashboard: the person at the keyboard


def command_env(root: Path | None, environ: dict[str, str], **extra: str) -> Any:
    """The environment of a registry command run from the app or the dashboard, with `extra`
    variables (the app marks its commands: they must not open a second app)."""
    from ..commands.core import Env

    environ = {**environ, **extra}
    if root is not None:
        environ["GT_TOWN_ROOT"] = str(root)
    return Env(cwd=root or Path.cwd(), environ=environ)


async def sling(host: api.HostAPI, root: Path, beads: list[str], rig: str, agent: str = "",
                convoy: str = "") -> list:
    """Hook the beads to polecats of `rig` and start their agents (all or nothing); with
    `convoy`, a new convoy of that name tracks them, made once they are all on hooks (so a
    failed sling leaves no empty convoy); without, each gets `gt sling`'s "Work: <title>"
    (which the panels leave out: see gather.py). The `town.sling.Slung` records."""
    slung = await host.request(api.Sling(list(beads), rig, agent or None,
                                         no_convoy=bool(convoy), actor=OVERSEER))
    if convoy:
        await asyncio.to_thread(_convoy, root, convoy, list(beads))
        await host.request(api.Notify())
    return slung


def _convoy(root: Path, title: str, beads: list[str]) -> None:
    from ..town import Town
    from ..town.convoys import create_convoy

    create_convoy(Town(root), title, beads, actor=OVERSEER)


def session_of(slung: Any) -> str:
    return f"{slung.rig}/{slung.polecat}"


def started(slung: list) -> list:
    """The slung work that got an agent; the rest waits in the dispatch queue (past the
    town's max_polecats) and has no pane yet."""
    return [s for s in slung if getattr(s, "queued", None) is None]


def queued_note(slung: list) -> str | None:
    """What to tell a person about slung work that waits in the dispatch queue."""
    waiting = [s for s in slung if getattr(s, "queued", None) is not None]
    return "\n".join(s.render_text() for s in waiting) or None


async def act(host: api.HostAPI, what: str, name: str, by: str) -> str:
    """suspend | resume | stop | restart | handoff; the host's one line for a person."""
    return (await host.request(api.Act(what, name, by=by, sender=OVERSEER))).said


async def nudge(host: api.HostAPI, name: str, text: str) -> str:
    from ..commands.live_views import NudgeResult

    reply = await host.request(api.Nudge(name, text))
    return NudgeResult(reply.agent, reply.mode, reply.delivered, reply.queued,
                       reply.attempts).render_text()


async def peek(host: api.HostAPI, name: str, lines: int = 40) -> str:
    return "\n".join((await host.request(api.Peek(name, lines))).lines)
