"""Agent rows, worked out once here for `gt agents`, the app and the dashboard: who runs, in
what state (an agent that stalled on after its recovery shows as stuck to a person), on which
hook, and the parked ones."""

from __future__ import annotations

import time
from typing import Any

from .api import AgentInfo
from .context import Context
from .model import MAYOR
from .stalls import REPORTED


def address(role: str, rig: str | None, name: str, kind: str | None) -> str | None:
    if role == MAYOR:
        return "mayor/"
    if rig and kind in ("polecats", "crew"):
        return f"{rig}/{kind}/{name.rsplit('/', 1)[-1]}"
    return None


def reading(session: Any, state: str) -> tuple[str, float | None]:
    """What a waiting or limited agent waits on and when its limit resets, while the state
    shown is the screen's own (a stalled agent shown as stuck has no such reason)."""
    if session is None or state != str(session.state):
        return "", None
    said = session.reading
    return said.reason, said.resets_at


def agent_infos(host: Context, hooks: list | None = None) -> list[AgentInfo]:
    """Every agent the host runs; with `hooks` (the ledger's), also those it does not run."""
    now = time.time()
    rows = []
    for name, agent in sorted(host.agents.items()):
        session = host.session(name)
        alive = session is not None and session.alive
        state = str(session.state) if session is not None else "exited"
        if agent.stuck or (agent.recovery >= REPORTED and state != "exited"):
            state = "stuck"  # no progress after a nudge and a restart: a person's now
        elif not alive:
            state = "exited"
        rows.append(AgentInfo(
            name, agent.role, agent.rig, agent.agent, session.pid if alive else None, state,
            agent.issue, agent.hook_state, agent.stalled, round(now - agent.started, 1),
            round(now - session.last_activity, 1) if session else None, agent.kind,
            address(agent.role, agent.rig, name, agent.kind), *reading(session, state)))
    if hooks is not None:
        running = {r.name for r in rows}
        for hook in hooks:
            if hook.session in running:
                continue
            role = "polecat" if hook.kind == "polecats" else "crew"
            state = "stuck" if hook.stuck else ("idle" if not hook.live else "exited")
            rows.append(AgentInfo(hook.session, role, hook.rig, hook.agent, None, state,
                                  hook.issue, hook.state, False, None, None, hook.kind,
                                  hook.address))
    return rows


def session_infos(mux: Any) -> list[AgentInfo]:
    """Rows for bare terminals (a multiplexer with no host): names and states only."""
    return [AgentInfo(s.name, "", None, None, s.pid if s.alive else None, str(s.state), None,
                      None, False, None, None, None, None, *reading(s, str(s.state)))
            for s in mux.sessions()]
