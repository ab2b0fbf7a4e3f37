"""The control socket's requests, each a thin async function over the host."""

from __future__ import annotations

import dataclasses
import os
import time

from ..town import hooks as hooks_mod
from . import actions, watch
from .host import MAYOR, Host
from .runtime import HostError


def _str(args: dict, key: str, required: bool = True) -> str | None:
    value = args.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise HostError(f"request needs a text '{key}'", exit_code=2)
    return value


def _reading(session, state: str) -> dict:
    """What a waiting or limited agent waits on, when its screen says."""
    reading = session.reading if session is not None and state == str(session.state) else None
    return {"reason": reading.reason if reading else "",
            "resets_at": reading.resets_at if reading else None}


def agent_rows(host: Host, include_all: bool = False, hooks: list | None = None) -> list[dict]:
    now = time.time()
    rows = []
    for name, agent in sorted(host.agents.items()):
        session = host.session(name)
        alive = session is not None and session.alive
        state = str(session.state) if session is not None else "exited"
        if agent.stuck:
            state = "stuck"
        elif agent.stalled and state != "exited":
            state = "stuck"  # alive but silent past the stall limit: stuck, to a person
        rows.append({
            "name": name, "role": agent.role, "rig": agent.rig, "agent": agent.agent,
            "pid": session.pid if alive else None, "state": state if alive or agent.stuck
            else "exited", "hook": agent.issue, "hook_state": agent.hook_state,
            "stalled": agent.stalled, "uptime": round(now - agent.started, 1),
            "last_activity": round(now - session.last_activity, 1) if session else None,
            **_reading(session, state),
        })
    if include_all and hooks is not None:
        running = {r["name"] for r in rows}
        for hook in hooks:
            if hook.session in running:
                continue
            rows.append({
                "name": hook.session, "role": "polecat" if hook.kind == "polecats" else "crew",
                "rig": hook.rig, "agent": hook.agent, "pid": None,
                "state": "stuck" if hook.stuck else ("idle" if not hook.live else "exited"),
                "hook": hook.issue, "hook_state": hook.state, "stalled": False, "uptime": None,
                "last_activity": None, "reason": "", "resets_at": None,
            })
    return rows


def register(host: Host) -> None:
    server = host.server

    async def ping(args: dict) -> dict:
        return {"pid": os.getpid(), "mode": host.mode, "town": str(host.root),
                "started": host.started_at, "agents": len(host.agents)}

    async def shutdown(args: dict) -> dict:
        host.request_stop()
        return {"pid": os.getpid(), "stopping": True}

    async def notify(args: dict) -> dict:
        # A command changed the ledger: look now instead of at the next watch tick.
        host.spawn_task(watch.reconcile(host))
        return {"ok": True}

    async def agents(args: dict) -> list[dict]:
        hooks = await host.domain(hooks_mod.all_hooks) if args.get("all") else None
        return agent_rows(host, bool(args.get("all")), hooks)

    async def peek(args: dict) -> dict:
        name = host.resolve_target(_str(args, "target"))
        lines = int(args.get("lines") or 20)
        if lines < 1:
            raise HostError("give a positive number of lines", exit_code=2)
        session = host.session(name)
        text = list(session.screen.text_lines()) if session is not None else []
        while text and not text[-1].strip():
            text.pop()
        return {"agent": name, "state": str(session.state) if session else "exited",
                "lines": text[-lines:]}

    async def nudge(args: dict) -> dict:
        return await host.nudge(_str(args, "target"), _str(args, "message"),
                                _str(args, "mode", required=False))

    async def sling(args: dict) -> list[dict]:
        issues = args.get("issues")
        if not isinstance(issues, list) or not all(isinstance(i, str) for i in issues):
            raise HostError("request needs a list of issue ids", exit_code=2)
        done = await host.sling(issues, _str(args, "target"),
                                agent=_str(args, "agent", required=False),
                                convoy=not args.get("no_convoy"),
                                base=_str(args, "base", required=False),
                                crew=_str(args, "crew", required=False),
                                actor=_str(args, "actor", required=False) or "overseer")
        return [dataclasses.asdict(s) for s in done]

    def agent_action(what: str):
        async def act(args: dict) -> dict:
            # restart and handoff answer first: `gt handoff` runs inside the session it ends.
            return await host.agent_action(
                what, _str(args, "target"), by=_str(args, "by", required=False) or "gt",
                sender=_str(args, "sender", required=False) or "overseer",
                message=_str(args, "message", required=False) or "",
                later=what in ("restart", "handoff"))
        return act

    async def mayor(args: dict) -> dict:
        action = _str(args, "action")
        if action == "start":
            return await actions.mayor_start(host, _str(args, "agent", required=False))
        if action == "stop":
            return await actions.mayor_stop(host)
        if action == "status":
            session = host.session(MAYOR)
            agent = host.agents.get(MAYOR)
            return {"running": bool(session and session.alive),
                    "pid": session.pid if session and session.alive else None,
                    "state": str(session.state) if session else None,
                    "agent": agent.agent if agent else None,
                    "uptime": round(time.time() - agent.started, 1) if agent else None}
        raise HostError(f"unknown mayor action {action!r}", exit_code=2)

    async def reap(args: dict) -> dict:
        """`gt hooks repair`'s live half: sessions whose hook is no longer live are ended."""
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
        return {"ended": ended, "resumed": await actions.resume_suspended(host)}

    async def screens(args: dict) -> dict:
        """Live screens for remote viewers (`gt dashboard`): only those whose version (bytes
        parsed and size) differs from the caller's `known` map, so an idle town costs nothing."""
        known = args.get("known") or {}
        only = args.get("only")  # the screens the caller shows; None: all of them
        if not isinstance(known, dict) or not isinstance(only, (list, type(None))):
            raise HostError("request needs 'known' as an object of name -> version and "
                            "'only', if given, as a list of names", exit_code=2)
        out = {}
        for session in host.mux.sessions():
            s = session.screen
            version = f"{session.bytes_parsed}:{s.columns}x{s.lines}"
            if known.get(session.name) == version or (only is not None
                                                       and session.name not in only):
                continue
            out[session.name] = {
                "version": version, "cols": s.columns, "rows": s.lines, "lines": s.ansi_lines(),
                "cursor": [s.cursor_x, s.cursor_y, not s.cursor_hidden],
                "app_cursor": s.modes.application_cursor,
                "bracketed_paste": s.modes.bracketed_paste, "alive": session.alive}
        return {"screens": out, "names": [s.name for s in host.mux.sessions()]}

    async def keys(args: dict) -> dict:
        """A remote person's keystrokes (or paste), on the same held path as the app's."""
        name = host.resolve_target(_str(args, "target"))
        session = host.session(name)
        if session is None or not session.alive:
            raise HostError(f"{name} has no live terminal to type into")
        # Whitespace is input here (space, Enter, Tab), so _str's "not blank" rule does not fit.
        paste, data = args.get("paste"), args.get("data")
        if isinstance(paste, str) and paste:
            host.paste_text(name, paste)
        elif isinstance(data, str) and data:
            host.type_keys(name, data.encode())
        else:
            raise HostError("request needs a non-empty text 'data' or 'paste'", exit_code=2)
        return {"agent": name}

    for op, fn in {"ping": ping, "shutdown": shutdown, "notify": notify, "agents": agents,
                   "peek": peek, "nudge": nudge, "sling": sling, "mayor": mayor, "reap": reap,
                   "screens": screens, "keys": keys}.items():
        server.register(op, fn)
    for what in actions.AGENT_ACTIONS:
        server.register(what, agent_action(what))
