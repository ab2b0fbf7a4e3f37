"""Ending an agent's terminal, and starting or stopping the Mayor (the coordinator agent, with
no hook). Used by the person's actions (`actions.py`) and by the host's start, which brings
back a Mayor that was running (`supervisor.resume_all`)."""

from __future__ import annotations

import asyncio
import time

from .context import Context
from .model import MAYOR, Agent
from .presets import wants_first_prompt
from .runtime import HostError, want_mayor


async def end_session(host: Context, name: str) -> None:
    """End an agent's terminal: TERM to its process group, KILL if it is still there after 5 s."""
    session = host.session(name)
    if session is None or not session.alive:
        return
    host.mux.terminate(name)
    try:
        await host.mux.wait(name, timeout=5)
    except asyncio.TimeoutError:
        host.mux.kill(name)
        await host.mux.wait(name, timeout=5)


async def mayor_start(host: Context, agent: str | None = None) -> dict:
    from ..town.presets import resolve_agent

    current = host.session(MAYOR)
    if current is not None and current.alive:
        raise HostError(f"the Mayor is already running (pid {current.pid}): "
                        "`gt mayor attach` or `gt mayor stop`")
    if current is not None:
        host.mux.close(MAYOR)
    preset = await host.domain(lambda t: resolve_agent(t, None, agent, host.environ))
    # No BEADS_DIR: `bd` in <town>/mayor finds the town ledger by itself, and inside a rig's
    # clone the rig's ledger, where the issues it slings must be made.
    env = host.agent_env({**dict(preset.env), "GT_ROLE": "mayor", "BD_ACTOR": "mayor/"})
    record = Agent(MAYOR, "mayor", None, None, "mayor", preset.name, time.time())
    cwd = host.root / "mayor"
    cwd.mkdir(exist_ok=True)
    session = host.start_terminal(record, list(preset.argv), cwd, env)
    want_mayor(host.root, preset.name)
    if wants_first_prompt(record.family):
        from ..town.sling import FIRST_PROMPT

        host.nudger.enqueue(MAYOR, FIRST_PROMPT)
    return {"agent": MAYOR, "pid": session.pid, "preset": preset.name}


async def mayor_stop(host: Context) -> dict:
    session = host.session(MAYOR)
    if session is None or not session.alive:
        raise HostError("the Mayor is not running: start it with `gt mayor start`")
    want_mayor(host.root, None)
    host.agents[MAYOR].expected_exit = True
    await end_session(host, MAYOR)
    return {"agent": MAYOR, "stopped": True}
