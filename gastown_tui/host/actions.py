"""What a person (or a command) does to a running agent: restart it fresh (`gt handoff`),
suspend and resume it on purpose, resume parked work after `gt hooks repair`, and start or stop
the Mayor. The supervision itself (starts, exits, respawns) is in `supervisor.py`.
"""

from __future__ import annotations

import asyncio
import time

from ..town import hooks as hooks_mod
from .host import MAYOR, Agent, Host
from .presets import wants_first_prompt
from .runtime import HostError, want_mayor
from .supervisor import _suspend, start_hook, start_hooks


async def _end_session(host: Host, name: str) -> None:
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


async def restart(host: Host, name: str) -> dict:
    """`gt handoff`: end the session and start it fresh in the same worktree."""
    agent = host.agents.get(name)
    if agent is None or agent.role == "mayor":
        raise HostError(f"{name} is not a running polecat or crew agent")
    agent.expected_exit = True
    agent.restarting = True
    await _end_session(host, name)
    host.agents.pop(name, None)
    hook = await host.domain(hooks_mod.load, agent.rig, agent.polecat, agent.kind)
    if hook is None or not hook.live:
        raise HostError(f"{name} has no live hook to restart on")
    session = await start_hook(host, hook, resume=False)
    host.publish("handoff", agent=name, issue=hook.issue, pid=session.pid)
    return {"agent": name, "pid": session.pid}


async def mayor_start(host: Host, agent: str | None = None) -> dict:
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
    env = host.agent_env({"GT_ROLE": "mayor", "BD_ACTOR": "mayor/"})
    record = Agent(MAYOR, "mayor", None, None, "mayor", preset.name, time.time())
    cwd = host.root / "mayor"
    cwd.mkdir(exist_ok=True)
    session = host.start_terminal(record, list(preset.argv), cwd, env)
    want_mayor(host.root, preset.name)
    if wants_first_prompt(record.family):
        from ..town.sling import FIRST_PROMPT

        host.nudger.enqueue(MAYOR, FIRST_PROMPT)
    return {"agent": MAYOR, "pid": session.pid, "preset": preset.name}


async def mayor_stop(host: Host) -> dict:
    session = host.session(MAYOR)
    if session is None or not session.alive:
        raise HostError("the Mayor is not running: start it with `gt mayor start`")
    want_mayor(host.root, None)
    host.agents[MAYOR].expected_exit = True
    await _end_session(host, MAYOR)
    return {"agent": MAYOR, "stopped": True}


async def resume_suspended(host: Host) -> list[str]:
    """Start every suspended, not-stuck hook that has no terminal (after `gt hooks repair`)."""
    async with host.hooks_lock:
        hooks = [h for h in await host.domain(hooks_mod.all_hooks)
                 if h.state == "suspended" and not h.stuck and h.session not in host.agents]
        sessions = await start_hooks(host, hooks, resume=True)
    return [h.session for h, s in zip(hooks, sessions) if s is not None]


async def suspend_agent(host: Host, name: str, reason: str) -> str | None:
    """Park a running polecat on purpose: snapshot, hook suspended, terminal ended. It stays
    suspended until `resume_agent`, `gt hooks repair` or the next host."""
    agent = host.agents.get(name)
    if agent is None or agent.role == "mayor":
        raise HostError(f"{name} is not a running polecat or crew agent")
    agent.expected_exit = True
    await _end_session(host, name)
    hook, snap = await host.domain(_suspend, agent.rig, agent.polecat, agent.kind, reason, False)
    host.agents.pop(name, None)
    if host.session(name) is not None:
        host.mux.close(name)
    host.publish("hook_suspended", agent=name, issue=agent.issue, reason=reason, snapshot=snap)
    return snap


async def resume_agent(host: Host, name: str):
    rig, _, polecat = name.partition("/")
    async with host.hooks_lock:
        hook = None
        for kind in ("polecats", "crew"):
            hook = await host.domain(hooks_mod.load, rig, polecat, kind)
            if hook is not None:
                break
        if hook is None or hook.state != "suspended":
            raise HostError(f"{name} has no suspended hook to resume")
        if hook.stuck:
            await host.domain(lambda t: hooks_mod.save(t, hook, stuck=False, respawns=0))
        return await start_hook(host, hook, resume=True)
