"""What a person (or a command) does to a running agent: restart it fresh (`gt handoff`),
suspend and resume it on purpose, resume parked work after `gt hooks repair`, and start or stop
the Mayor. `agent_action` is the one way in for the app's keys, the dashboard and `gt` (over
the control socket): they all get the same checks and the same one-line refusals. The
supervision itself (starts, exits, respawns) is in `supervisor.py`.
"""

from __future__ import annotations

import asyncio

from ..town import hooks as hooks_mod
from .context import Context
from .mayor import end_session, mayor_stop
from .model import MAYOR, Agent
from .runtime import HostError
from .supervisor import _suspend, start_hook, start_hooks


async def restart(host: Context, name: str, resume: bool = False,
                  why: str = "handoff") -> dict:
    """`gt handoff`: end the session and start it fresh in the same worktree (with `resume`,
    with its resume flags: picking up its conversation); `why` is the event published."""
    agent = host.agents.get(name)
    if agent is None or agent.role == "mayor":
        raise HostError(f"{name} is not a running polecat or crew agent")
    agent.expected_exit = True
    agent.restarting = True
    await end_session(host, name)
    host.agents.pop(name, None)
    hook = await host.domain(hooks_mod.load, agent.rig, agent.polecat, agent.kind)
    if hook is None or not hook.live:
        raise HostError(f"{name} has no live hook to restart on")
    session = await start_hook(host, hook, resume=resume)
    host.publish(why, agent=name, issue=hook.issue, pid=session.pid)
    return {"agent": name, "pid": session.pid}


async def resume_suspended(host: Context) -> list[str]:
    """Start every suspended, not-stuck hook that has no terminal (after `gt hooks repair`)."""
    async with host.hooks_lock:
        hooks = [h for h in await host.domain(hooks_mod.all_hooks)
                 if h.state == "suspended" and not h.stuck and h.session not in host.agents]
        sessions = await start_hooks(host, hooks, resume=True)
    return [h.session for h, s in zip(hooks, sessions) if s is not None]


async def suspend_agent(host: Context, name: str, reason: str) -> str | None:
    """Park a running polecat on purpose: snapshot, hook suspended, terminal ended. It stays
    suspended until `resume_agent`, `gt hooks repair` or the next host."""
    agent = host.agents.get(name)
    if agent is None or agent.role == "mayor":
        raise HostError(f"{name} is not a running polecat or crew agent")
    agent.expected_exit = True
    await end_session(host, name)
    hook, snap = await host.domain(_suspend, agent.rig, agent.polecat, agent.kind, reason, False)
    host.agents.pop(name, None)
    if host.session(name) is not None:
        host.mux.close(name)
    host.publish("hook_suspended", agent=name, issue=agent.issue, reason=reason, snapshot=snap)
    return snap


async def resume_agent(host: Context, name: str):
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


AGENT_ACTIONS = ("suspend", "resume", "stop", "restart", "handoff", "move")
RESTART_DELAY_S = 0.3  # the caller may run inside the session being restarted: answer it first


async def agent_action(host: Context, what: str, target: str, *, by: str = "the app",
                       sender: str = "overseer", message: str = "", preset: str | None = None,
                       later: bool = False) -> dict:
    """Act on one agent; the result says what happened in one line (`said`).

    suspend: snapshot the worktree, park the hook (suspended) and end the terminal; the work
    resumes with `resume` or the next host. stop: the same for a polecat (work is never thrown
    away), `mayor stop` for the Mayor. restart: a fresh session on the same hook. handoff: a
    handoff note from `sender` in the agent's mail, then a restart. move: the hook goes on
    with agent `preset` (another account, another program), in a fresh session. `by` names
    who asked (in the snapshot's reason); with `later`, a restart happens just after the
    answer.
    """
    if what not in AGENT_ACTIONS:
        raise HostError(f"unknown agent action {what!r} (one of {', '.join(AGENT_ACTIONS)})",
                        exit_code=2)
    name, hook = await _locate(host, target)
    if name == MAYOR:
        return await _mayor_action(host, what)
    problem = _wrong_state(what, name, hook, host.agents.get(name))
    if problem is not None:
        raise HostError(problem)
    out: dict = {"agent": name, "action": what, "issue": hook.issue}
    if what == "move":
        said = await _move(host, hook, preset)
        if later:
            host.spawn_task(_restart_soon(host, name, "agent_restarted"))
            return {**out, "state": "active", "pid": None, "said": f"{name} {said}"}
        started = await restart(host, name, why="agent_restarted")
        return {**out, "state": "active", "pid": started["pid"], "said": f"{name} {said}"}
    if what in ("suspend", "stop"):
        snap = await suspend_agent(host, name, f"{what} from {by}")
        return {**out, "state": "suspended", "snapshot": snap,
                "said": f"{name} suspended; its work is kept"
                        + (f" (snapshot {snap})" if snap else "")}
    if what == "resume":
        session = await resume_agent(host, name)
        return {**out, "state": "active", "pid": session.pid,
                "said": f"{name} resumed on its hook"}
    said = "restarted on its hook" if not later else "restarts on its hook"
    if what == "handoff":
        from ..town.mail import send_mail

        await host.domain(send_mail, sender, hook.address, f"Handoff: {hook.issue}",
                          message or f"Continue {hook.issue} on {hook.branch} where the last "
                          "session stopped; run `gt prime` first.")
        out["mailed"] = hook.address
        said = f"got a handoff note and {said}"
    if later:
        host.spawn_task(_restart_soon(host, name))
        return {**out, "state": "active", "pid": None, "said": f"{name} {said}"}
    started = await restart(host, name)
    return {**out, "state": "active", "pid": started["pid"], "said": f"{name} {said}"}


async def _move(host: Context, hook: hooks_mod.Hook, preset: str | None) -> str:
    """Put agent preset `preset` on the hook (checked to be runnable); the caller restarts the
    session. A fresh session, not a resumed one: another account or program does not hold
    this conversation; the hook, its worktree and its branch hold the work."""
    from ..town.presets import resolve_agent

    if not preset or not preset.strip():
        raise HostError("give the agent preset to move to (see `gt config agent list`)",
                        exit_code=2)
    rig = hook.rig
    chosen = await host.domain(lambda t: resolve_agent(t, rig, preset.strip(), host.environ))
    if chosen.name == hook.agent:
        raise HostError(f"{hook.session} runs {chosen.name} already", exit_code=2)
    old = hook.agent
    await host.domain(lambda t: hooks_mod.save(t, hooks_mod.load(t, hook.rig, hook.polecat,
                                                                 hook.kind) or hook,
                                               agent=chosen.name))
    host.publish("agent_moved", agent=hook.session, issue=hook.issue, old=old, new=chosen.name)
    return f"moves from {old} to {chosen.name} on its hook"


async def _locate(host: Context, target: str) -> tuple[str, hooks_mod.Hook | None]:
    """The session name and hook `target` means: a running agent (see `resolve_target`), else
    any polecat or crew member the ledger knows, parked or finished."""
    target = target.strip()
    if not target.strip("/"):
        raise HostError("give the agent: a name from `gt agents --all`, or mayor", exit_code=2)
    if target.strip("/") == MAYOR:
        return MAYOR, None
    try:
        name = host.resolve_target(target)
    except HostError:
        # Not running: the ledger's refusal names the polecats it knows (exit code 2).
        hook = await host.domain(hooks_mod.find, target)
        return hook.session, hook
    agent = host.agents[name]
    return name, await host.domain(hooks_mod.load, agent.rig, agent.polecat, agent.kind)


def _wrong_state(what: str, name: str, hook: hooks_mod.Hook | None, agent: Agent | None):
    """Why `what` cannot be done to `name` now, or None."""
    if hook is None or not hook.live:
        held = f"its hook is {hook.state}" if hook is not None else "it has no hook"
        return f"{name} has no work on its hook ({held}): sling it some with `gt sling`"
    if what == "resume":
        if hook.state == "suspended":
            return None
        if agent is not None:
            return f"{name} is running, not suspended: there is nothing to resume"
        return f"{name} is not suspended (its hook is {hook.state}): see `gt hooks list`"
    if hook.state == "suspended":
        if what in ("suspend", "stop"):
            return (f"{name} is suspended already" + (" (stuck)" if hook.stuck else "")
                    + f": resume it with `gt hooks resume {name}`")
        return f"{name} is suspended: resume it first with `gt hooks resume {name}`"
    if agent is None:
        return (f"{name} has no terminal in this host though its hook is {hook.state}: "
                "`gt hooks repair` reconciles them")
    return None


async def _mayor_action(host: Context, what: str) -> dict:
    if what in ("suspend", "stop"):
        await mayor_stop(host)
        return {"agent": MAYOR, "action": what, "state": "stopped",
                "said": "the Mayor stopped"}
    if what == "resume":
        raise HostError("the Mayor has no hook to resume: start it with `gt mayor start`")
    verb = "hand off" if what == "handoff" else "restart on"
    raise HostError(f"the Mayor has no hook to {verb}: `gt mayor stop`, then `gt mayor start`")


async def _restart_soon(host: Context, name: str, why: str = "handoff") -> None:
    await asyncio.sleep(RESTART_DELAY_S)
    try:
        await restart(host, name, why=why)
    except HostError as e:
        host.publish("agent_start_failed", agent=name, error=str(e))
