"""The app as the town's host: starting the embedded `Host` (taking over from a headless one),
describing its agents for the sidebar, and the registry commands behind agent actions (the
others are the host's own `agent_action`)."""

from __future__ import annotations

import asyncio
import shlex
from pathlib import Path
from typing import Any

from .model import AgentRow, HookRow, TownView

TAKEOVER_WAIT_S = 15.0


async def start_host(app: Any, root: Path, environ: dict[str, str]) -> Any:
    """Start the town's host inside the app's loop; None if the person declined a takeover."""
    from ..host.host import Host
    from ..host.runtime import HostError, host_running
    from ..town import Town

    running = host_running(root)
    if running is not None and running.mode == "app":
        # Another app owns the terminals; stopping its host would leave it open but empty.
        raise HostError(f"the app is already open for this town ({running.describe()}): "
                        "use that one, or quit it first")
    if running is not None:
        from .screens.prompt import ConfirmScreen

        question = (f"A headless host already runs this town ({running.describe()}).\n"
                    "Take over? It snapshots and suspends its hooks and exits; the app then "
                    "resumes them here. No work is lost.")
        if not await app.push_screen_wait(ConfirmScreen(question, "Take over", "Quit")):
            app.exit(message="left the headless host running")
            return None
        await take_over(root, running)
    host = Host(Town(root), asyncio.get_running_loop(), mode="app", environ=environ)
    await host.start()
    return host


async def take_over(root: Path, running: Any) -> None:
    """Ask the running host to stop (it suspends its hooks) and wait until its lock is free."""
    from ..host.client import HostClient
    from ..host.runtime import HostError, host_running

    loop = asyncio.get_running_loop()
    try:
        await loop.run_in_executor(None, lambda: HostClient(root).call("shutdown"))
    except HostError:
        pass  # it may be exiting already; the wait below decides
    deadline = loop.time() + TAKEOVER_WAIT_S
    while host_running(root) is not None:
        if loop.time() > deadline:
            raise RuntimeError("the headless host did not stop; stop it with `gt down`")
        await asyncio.sleep(0.1)


def _state(session: Any, agent: Any) -> str:
    if agent is not None and (getattr(agent, "stuck", False) or getattr(agent, "stalled", False)):
        return "stuck"
    if session is None:
        return "suspended"
    return getattr(session.state, "value", str(session.state))


def host_rows(host: Any, mux: Any, view: TownView,
              fixed: list[AgentRow] = ()) -> tuple[list[AgentRow], list[HookRow]]:
    """Agent rows (live terminals, host metadata where known) and the hook rows to show.
    `fixed` rows (an app started with fixed content) come first and are kept as they are."""
    sessions = {s.name: s for s in mux.sessions()} if mux is not None else {}
    agents = dict(getattr(host, "agents", {}) or {}) if host is not None else {}
    rows = list(fixed)
    for row in fixed:
        sessions.pop(row.name, None)
    for name in list(sessions) + [n for n in agents if n not in sessions]:
        agent = agents.get(name)
        session = sessions.get(name)
        if session is None and (agent is None or agent.hook_state != "active"):
            continue
        rig = (agent.rig if agent is not None else "") or ""
        role = agent.role if agent is not None else ""
        address = ""
        if agent is not None and agent.polecat and agent.rig:
            address = f"{agent.rig}/{agent.kind}/{agent.polecat}"
        elif role == "mayor":
            address = "mayor/"
        state = _state(session, agent)
        reading = session.reading if session is not None and state == str(session.state) \
            else None
        rows.append(AgentRow(name=name, role=role, rig=rig, state=state,
                             bead=(agent.issue if agent is not None else "") or "",
                             unread=view.unread_by.get(address, 0), address=address,
                             parked=state == "suspended" or (
                                 agent is not None and agent.hook_state == "suspended"),
                             reason=reading.reason if reading else "",
                             resets_at=reading.resets_at if reading else None))
    # A parked agent stays listed (‖), so the key that suspended it resumes it.
    shown = {row.name for row in rows}
    for hook in view.hooks:
        if hook.state == "suspended" and hook.agent not in shown:
            address = f"{hook.rig}/{hook.kind}/{hook.agent.rpartition('/')[2]}"
            rows.append(AgentRow(name=hook.agent, role="crew" if hook.kind == "crew" else "polecat",
                                 rig=hook.rig, state="suspended", bead=hook.bead,
                                 unread=view.unread_by.get(address, 0), address=address,
                                 parked=True))
    return rows, list(view.hooks)


def session_of_result(result: Any) -> str | None:
    """The session a successful `gt sling` started, from its data (dict or dataclass)."""
    data = result.data
    items = data if isinstance(data, list) else [data]
    for item in items:
        for key in ("session", "agent", "name"):
            value = item.get(key) if isinstance(item, dict) else getattr(item, key, None)
            if isinstance(value, str) and value:
                return value
    return None


AGENT_COMMANDS = {"nudge": "nudge {name} {text}", "peek": "peek {name} 40"}


def agent_command(what: str, name: str, text: str = "") -> str:
    """The registry command for actions any `gt` can do (through the host's socket)."""
    return AGENT_COMMANDS[what].format(name=shlex.quote(name), text=shlex.quote(text))
