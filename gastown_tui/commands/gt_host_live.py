"""`gt up/down`, `gt agents`, `gt nudge`, `gt peek`, `gt events`, `gt mayor`: the live town.

These talk to the town's host over its control socket; without a host they say how to start one
(except `gt up`, and `gt mayor start/attach`, which start one). `gt up` and `gt mayor attach`
open the app when they run in a terminal.
"""

from __future__ import annotations

import json

import click

from ..visible import visible
from .core import Seconds, UsageError, get_env
from .live_views import Agents, AgentRow, NudgeResult, age as _age
from .render import view
from .towncli import current_town



def _tty() -> bool:
    import sys

    return sys.stdin.isatty() and sys.stdout.isatty()


def _client(town, timeout: float = 10.0):
    from ..host.client import HostClient

    return HostClient(town.root, timeout=timeout)


@view
class HostStatus:
    pid: int | None
    socket: str | None = None
    log: str | None = None
    message: str = ""

    def render_text(self) -> str:
        return self.message


@view
class Peek:
    agent: str
    state: str
    lines: list[str]

    def render_text(self) -> str:
        return "\n".join(visible(line) for line in self.lines)


@view
class MayorStatus:
    running: bool
    pid: int | None = None
    state: str | None = None
    agent: str | None = None
    uptime: float | None = None
    note: str = ""

    def render_text(self) -> str:
        line = (f"the Mayor is running ({self.agent}, pid {self.pid}, {self.state}, "
                f"up {_age(self.uptime)})" if self.running else "the Mayor is not running")
        return line + (f"\n{self.note}" if self.note else "")


def _ensure_host(town) -> bool:
    """Start a detached host if none runs; True when one was started."""
    from ..host.headless import start_detached
    from ..host.runtime import host_running

    if host_running(town.root) is not None:
        return False
    get_env().progress("starting a host in the background")
    start_detached(town.root)
    return True


def register(root: click.Group) -> None:
    @root.command("up")
    @click.option("--headless", is_flag=True, help="Run the host without the app.")
    @click.option("--detach", is_flag=True, help="Run the host in the background (pid file, log).")
    def up(headless: bool, detach: bool):
        """Start the town's host, which runs and supervises the agents' terminals: the app in a
        terminal, else (or with --headless) in the foreground; --detach in the background."""
        from ..host.headless import run_foreground, start_detached

        town = current_town()
        env = get_env()
        if detach:
            info = start_detached(town.root)
            return HostStatus(info["pid"], info["socket"], info["log"],
                              f"host started in the background (pid {info['pid']}); "
                              f"log: {info['log']}; stop it with `gt down`")
        if not headless and _tty():
            from .gt_app import open_app

            return open_app(env, town.root)
        run_foreground(town.root, env.progress)
        return HostStatus(None, message="host stopped")

    @root.command("down")
    @click.option("--timeout", type=Seconds(high=3600), default=20.0, show_default=True,
                  help="Seconds to wait for the host to stop.")
    def down(timeout: float):
        """Stop the town's host gracefully: active hooks are snapshotted and suspended."""
        from ..host.headless import stop

        info = stop(current_town().root, timeout)
        return HostStatus(info["pid"], message=f"host stopped (pid {info['pid']}); "
                          "its hooks are suspended and resume with the next host")

    @root.command("agents")
    @click.option("--all", "all_", is_flag=True, help="Include polecats without a live terminal.")
    def agents(all_: bool):
        """Running agents: role, pid, state (busy/waiting/idle/limited/stuck/exited) and why
        (what a waiting agent asks, a limit and when it resets), hook, uptime; then the work
        queued for a free polecat."""
        from ..host import api

        rows = _client(current_town()).request(api.Agents(all=all_, queued=True))
        return Agents([AgentRow.of(r) for r in rows])

    @root.command("nudge")
    @click.argument("target")
    @click.argument("message")
    @click.option("--mode", type=click.Choice(["immediate", "wait-idle", "queue"]),
                  help="immediate, wait-idle (default: wait until idle, else queue), or queue.")
    def nudge(target: str, message: str, mode: str | None):
        """Type MESSAGE into TARGET's terminal and verify that it was submitted."""
        if not target.strip():
            raise UsageError("give the agent to nudge: a name from `gt agents`, or mayor")
        if not message.strip():
            raise UsageError("the message is empty")
        from ..host import api

        reply = _client(current_town(), timeout=60).request(api.Nudge(target, message, mode))
        return NudgeResult(reply.agent, reply.mode, reply.delivered, reply.queued,
                           reply.attempts)

    @root.command("peek")
    @click.argument("target")
    @click.argument("lines", type=click.IntRange(min=1, max=10_000), default=20, required=False)
    def peek(target: str, lines: int):
        """The last LINES lines of TARGET's screen (default 20)."""
        if not target.strip():
            raise UsageError("give the agent to peek at: a name from `gt agents`, or mayor")
        from ..host import api

        reply = _client(current_town()).request(api.Peek(target, lines))
        return Peek(reply.agent, reply.state, reply.lines)

    @root.command("events")
    @click.option("--follow", "-f", is_flag=True, help="Keep printing events as they happen.")
    @click.option("-n", "count", type=click.IntRange(min=0, max=1_000_000), default=30,
                  show_default=True, help="How many past events to show.")
    def events(follow: bool, count: int):
        """Agent states, hook transitions, slings, landings and mail, as a stream."""
        from ..host.events import describe, read_events

        town = current_town()
        env = get_env()
        past = read_events(town.root, count) if count else []
        if not follow:
            if env.json:
                return past
            return "\n".join(describe(e) for e in past) or "(no events yet)"
        stream = _client(town).events()
        out = click.get_text_stream("stdout")
        for event in past:
            out.write((json.dumps(event) if env.json else describe(event)) + "\n")
        out.flush()
        try:
            for event in stream:
                out.write((json.dumps(event) if env.json else describe(event)) + "\n")
                out.flush()
        except KeyboardInterrupt:
            pass
        env.json = False  # the stream was the output; no trailing JSON "null"
        return None

    @root.group("mayor")
    def mayor():
        """The Mayor: the coordinator agent that runs in <town>/mayor."""

    def _mayor(town, action: str, agent: str | None = None):
        from ..host import api

        timeout = 30.0 if action == "start" else 10.0
        return _client(town, timeout=timeout).request(api.Mayor(action, agent))

    def _status(town, note: str = "") -> MayorStatus:
        info = _mayor(town, "status")
        return MayorStatus(info.running, info.pid, info.state, info.agent, info.uptime, note)

    def _check_agent(town, agent: str | None) -> None:
        """Refuse an agent that cannot start before a background host is started for it."""
        from ..host.runtime import host_running
        from ..town import resolve_agent

        if agent or host_running(town.root) is None:
            resolve_agent(town, None, agent, get_env().environ)

    def _other_agent(town, agent: str | None, status) -> str | None:
        """What to say when --agent asks for another agent than the running Mayor's."""
        from ..town import resolve_agent

        if not agent:
            return None
        wanted = resolve_agent(town, None, agent, get_env().environ).name
        if wanted == status.agent:
            return None
        return (f"the Mayor already runs {status.agent}, not {wanted}: to change it, "
                f"`gt mayor stop` and then `gt mayor attach --agent {agent}`")

    @mayor.command("start")
    @click.option("--agent", help="Agent preset for the Mayor (default: the town's).")
    def mayor_start(agent: str | None):
        """Start the Mayor (and a background host if none runs)."""
        town = current_town()
        _check_agent(town, agent)
        _ensure_host(town)
        _mayor(town, "start", agent)
        return _status(town)

    @mayor.command("attach")
    @click.option("--agent", help="Agent preset if the Mayor has to be started.")
    def mayor_attach(agent: str | None):
        """Open the app on the Mayor's pane, attached to the town's host (starting the host in
        the background, and the Mayor, if needed)."""
        from ..host.runtime import host_running

        from .calls import IN_APP

        town = current_town()
        env = get_env()
        _check_agent(town, agent)
        in_app = env.environ.get(IN_APP) and host_running(town.root) is not None
        _ensure_host(town)
        status = _mayor(town, "status")
        other = None
        if not status.running:
            _mayor(town, "start", agent)
        else:
            other = _other_agent(town, agent, status)
        if in_app:
            # The app's command bar: the app focuses the Mayor's pane when it shows.
            return _status(town, "the Mayor's pane is here in the app")
        if _tty():
            from .gt_app import open_app

            if other:
                env.progress(other)
            return open_app(env, town.root, focus="mayor")
        return _status(town, (other + "\n" if other else "") +
                       "no terminal to open the app in; the Mayor runs in the host: "
                       "use `gt peek mayor` and `gt nudge mayor \"...\"`")

    @mayor.command("detach")
    def mayor_detach():
        """Leave the Mayor running in the background (in a background host when no host runs
        and the Mayor was started before)."""
        from ..host.runtime import host_running, wanted_mayor

        town = current_town()
        running = host_running(town.root)
        if running is None and wanted_mayor(town.root):
            _ensure_host(town)  # a new host brings back the Mayor that was running
            return _status(town, "the Mayor runs in a background host; `gt mayor attach` "
                           "opens it, `gt down` stops the host")
        note = "the Mayor keeps running in the host"
        if running is not None and running.mode == "app":
            note += (" while the app that runs the town (--embedded) is open; to keep it "
                     "running after you quit, quit and run `gt`")
        return _status(town, note)

    @mayor.command("stop")
    def mayor_stop():
        """Stop the Mayor's session."""
        town = current_town()
        _mayor(town, "stop")
        return _status(town)

    @mayor.command("status")
    def mayor_status():
        """Whether the Mayor runs, its agent, pid, state and uptime."""
        return _status(current_town())
