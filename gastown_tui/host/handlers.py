"""The host's requests (`api.py`), each a thin async function over the host's parts. The same
table serves the socket (`server.py`) and the app that runs the host in process (`local.py`),
so both get the same checks and the same one-line refusals."""

from __future__ import annotations

import os
import time
from typing import Any, Awaitable, Callable

from ..town import hooks as hooks_mod
from . import actions, api, dispatch, mayor, supervisor, watch
from .context import Context
from .model import MAYOR
from .rows import agent_infos
from .runtime import HostError


async def ping(host: Context, req: api.Ping) -> api.HostInfo:
    return host_info(host)


def host_info(host: Context) -> api.HostInfo:
    return api.HostInfo(os.getpid(), host.mode, str(host.root), host.started_at,
                        len(host.agents), api.PROTOCOL, host.sizes.rule())


async def hello(host: Context, req: api.Hello) -> api.HostInfo:
    return host_info(host)


async def shutdown(host: Context, req: api.Shutdown) -> api.Stopping:
    host.request_stop()
    return api.Stopping(os.getpid())


async def notify(host: Context, req: api.Notify) -> api.Done:
    # A command changed the ledger: look now instead of at the next watch tick. The events it
    # brings (`mr_submitted`, ...) reach live viewers and the event log.
    if not all(isinstance(e.get("kind"), str) for e in req.events):
        raise HostError("'events' must be a list of objects with a 'kind'", exit_code=2)
    for event in req.events:
        host.publish(event["kind"], **{k: v for k, v in event.items()
                                       if k not in ("kind", "time", "ts")})
    host.refineries.wake()
    host.spawn_task(watch.reconcile(host))
    return api.Done()


async def agents(host: Context, req: api.Agents) -> list[api.AgentInfo]:
    hooks = await host.domain(hooks_mod.all_hooks) if req.all else None
    # `gt agents` asks for the queued work too; viewers that draw agent panes do not.
    queued = [api.AgentInfo(**row) for row in host.queued] if req.queued else []
    return agent_infos(host, hooks) + queued


async def peek(host: Context, req: api.Peek) -> api.PeekReply:
    name = host.resolve_target(req.target)
    if req.lines < 1:
        raise HostError("give a positive number of lines", exit_code=2)
    session = host.session(name)
    text = list(session.screen.text_lines()) if session is not None else []
    while text and not text[-1].strip():
        text.pop()
    return api.PeekReply(name, str(session.state) if session else "exited", text[-req.lines:])


async def nudge(host: Context, req: api.Nudge) -> api.NudgeReply:
    out = await host.nudger.nudge(host.resolve_target(req.target), req.message, req.mode)
    return api.NudgeReply(out["agent"], out["mode"], out["delivered"], out["queued"],
                          out.get("attempts"), out.get("verified"), out.get("position"))


async def sling(host: Context, req: api.Sling) -> list:
    return await supervisor.sling(host, req.issues, req.target, agent=req.agent,
                                  convoy=not req.no_convoy, base=req.base, crew=req.crew,
                                  actor=req.actor)


async def act(host: Context, req: api.Act) -> api.Acted:
    # restart and handoff answer first: `gt handoff` runs inside the session it ends.
    out = await actions.agent_action(host, req.what, req.target, by=req.by, sender=req.sender,
                                     message=req.message, preset=req.agent,
                                     later=req.what in ("restart", "handoff", "move"))
    return api.Acted(out["agent"], out["action"], out["said"], out.get("state"),
                     out.get("issue"), out.get("snapshot"), out.get("pid"), out.get("mailed"))


async def mayor_request(host: Context, req: api.Mayor) -> api.MayorInfo:
    if req.action == "start":
        await mayor.mayor_start(host, req.agent)
    elif req.action == "stop":
        await mayor.mayor_stop(host)
    elif req.action != "status":
        raise HostError(f"unknown mayor action {req.action!r} (start, stop or status)",
                        exit_code=2)
    session = host.session(MAYOR)
    agent = host.agents.get(MAYOR)
    running = bool(session and session.alive)
    return api.MayorInfo(running, session.pid if running else None,
                         str(session.state) if session else None,
                         agent.agent if agent else None,
                         round(time.time() - agent.started, 1) if agent else None)


async def reap(host: Context, req: api.Reap) -> api.Reaped:
    hooks = {h.session: h for h in await host.domain(hooks_mod.all_hooks)}
    ended = []
    for name, agent in list(host.agents.items()):
        if agent.role == MAYOR:
            continue
        hook = hooks.get(name)
        session = host.session(name)
        if (hook is None or not hook.live) and session is not None:
            agent.expected_exit = True
            if session.alive:
                host.mux.terminate(name)
            ended.append(name)
    await watch.reconcile(host)
    return api.Reaped(ended, await actions.resume_suspended(host))


def live_target(host: Context, target: str) -> str:
    name = host.resolve_target(target)
    session = host.session(name)
    if session is None or not session.alive:
        raise HostError(f"{name} has no live terminal to type into")
    return name


async def keys(host: Context, req: api.Keys) -> api.Typed:
    """A person's keystrokes (or paste) from a command, on the same held path as the app's."""
    name = live_target(host, req.target)
    # Whitespace is input here (space, Enter, Tab): only empty is refused.
    if req.paste:
        host.paste_text(name, req.paste)
    elif req.data:
        host.type_keys(name, req.data.encode())
    else:
        raise HostError("request needs a non-empty text 'data' or 'paste'", exit_code=2)
    return api.Typed(name)


async def unsling(host: Context, req: api.Unsling) -> Any:
    """`gt unsling NAME` with its agent running here: stopped first (`dispatch.unsling`)."""
    from ..town.sling import Unslung

    return Unslung(**await dispatch.unsling(host, req.target, req.by))


async def notify_test(host: Context, req: api.NotifyTest) -> api.NotifyReport:
    sent = await host.notifier.test()
    apps = len(host.viewers) + (1 if host.mode == "app" else 0)
    return api.NotifyReport([api.ChannelSent(s.channel, s.ok, s.detail) for s in sent], apps)


async def history(host: Context, req: api.GetHistory) -> api.History:
    from .screens import history_of

    name = host.resolve_target(req.target)
    session = host.session(name)
    if session is None:
        raise HostError(f"{name} has no terminal")
    return history_of(name, session.screen)


HANDLERS: dict[type, Callable[[Any, Any], Awaitable[Any]]] = {
    api.Hello: hello, api.Ping: ping, api.Shutdown: shutdown, api.Notify: notify,
    api.Agents: agents, api.Peek: peek, api.Nudge: nudge, api.Sling: sling, api.Act: act,
    api.Mayor: mayor_request, api.Reap: reap, api.Keys: keys, api.GetHistory: history,
    api.Unsling: unsling, api.NotifyTest: notify_test,
}


async def handle(host: Context, req: Any) -> Any:
    """Answer one typed request (the host's errors are raised, as `HostError` and friends)."""
    handler = HANDLERS.get(type(req))
    if handler is None:
        raise HostError(f"{type(req).op or type(req).__name__} is not a request this host "
                        "answers here", exit_code=2)
    return await handler(host, req)
