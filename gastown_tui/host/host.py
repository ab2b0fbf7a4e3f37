"""The live town: the one process per town that owns the terminals, supervises agents and serves
the control socket, where the apps, the dashboard and `gt` reach it (`api.py`); it outlives them.

    host = Host(town, loop=None, mode="detached")  # or "app" inside `gt app --embedded`
    await host.start()                         # lock, socket, resume suspended hooks
    host.mux                                   # the Multiplexer with every agent's terminal
    host.agents                                # name -> Agent (role, rig, hook, preset, pid)
    host.subscribe(callback)                   # town events (dicts), see events.py
    host.type_keys(name, data)                 # a person's keys: held while a nudge is typed
    host.paste_text(name, text)                # a person's paste, held the same way
    await host.nudge(name, text, mode)         # verified nudge
    await host.sling(issue_ids, target, ...)   # hook + start agents at once (or queue them)
    await host.suspend_agent(name) / resume_agent(name) / restart_agent(name)
    await host.agent_action(what, target)      # the same with checks, for the app and socket
    await host.mayor_start(agent=None) / mayor_stop()
    await host.answer(request)                 # any typed request of api.py, in process
    host.sizes                                 # terminal sizes from the clients' panes
    await host.domain(fn, *args)               # fn(town, *args) on the ledger/git thread
    await host.stop()                          # snapshot + suspend active hooks, end terminals
    host.commands                              # the command server beside it (cmdserver.py)

Ledger and git work runs on one worker thread with its own `Town` (and so its own SQLite
connections), never on the loop: an agent's `gt done` holding the ledger's write lock must not
freeze every pane. Ledger changes from other processes arrive through the ledgers'
`change_token()`, checked on a timer, or at once through a `notify` request.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import time
from pathlib import Path
from typing import Any, Callable, Mapping

from ..town import Town
from . import actions, dispatch, handlers, mayor, supervisor, watch
from .cmdserver import CommandServer
from .events import EventBus
from .model import COLS, MAYOR, ROWS, Agent, Settings
from .limits import Limits
from .notifier import Notifier
from .nudge import Nudger
from .refinery import Refineries
from .runtime import HostError, HostLock, socket_path
from .server import ControlServer
from .sizes import WindowSizes
from .viewers import Viewer

log = logging.getLogger("gastown_tui.host")

class Host:
    def __init__(self, town: Town, loop: asyncio.AbstractEventLoop | None = None, *,
                 mode: str = "app", environ: Mapping[str, str] | None = None):
        self.town = town
        self.root = Path(town.root)
        self.mode = mode
        self.environ = dict(os.environ if environ is None else environ)
        self._loop = loop
        self.mux = None
        self.bus = EventBus(self.root)
        self.agents: dict[str, Agent] = {}
        self.queued: list[dict[str, Any]] = []  # the dispatch queue as last read (gt agents)
        self.settings = Settings.from_env(town, self.environ)
        self.socket = socket_path(self.root)
        self.lock = HostLock(self.root)
        self.server = ControlServer(self.socket, self.bus, self.answer, self._watch)
        self.nudger = Nudger(self)
        self.sizes = WindowSizes(self._resize, lambda: self.settings.window_size)
        self.refineries = Refineries(self)
        self.notifier = Notifier(self)
        self.limits = Limits(self)
        self.commands = CommandServer(self.root, self.environ)
        self.bus.subscribe(self.notifier.on_event)
        self.viewers: set[Viewer] = set()
        self._domain = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="gt-domain")
        self._dtown = Town(self.root)
        self._tasks: set[asyncio.Task] = set()
        self._tokens: dict[str, int] = {}
        self._stopping = False
        self._started = False
        self.stopped = asyncio.Event() if loop is None else None
        self.started_at = 0.0

    # ------------------------------------------------------------------ plumbing

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop or asyncio.get_running_loop()

    async def domain(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run ledger/git work on the domain thread with the host's own Town."""
        return await self.loop.run_in_executor(self._domain, lambda: fn(self._dtown, *args,
                                                                        **kwargs))

    def spawn_task(self, coro) -> asyncio.Task:
        task = self.loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("host task failed", exc_info=task.exception())

    def subscribe(self, callback: Callable[[dict[str, Any]], None]) -> Callable[[], None]:
        return self.bus.subscribe(callback)

    def publish(self, kind: str, **fields: Any) -> None:
        self.bus.publish(kind, **fields)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        from ..term.mux import Multiplexer
        from ..town.private import tighten_town
        from ..town.rigs import ensure_redirects

        if self._started:
            return
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        if self.stopped is None:
            self.stopped = asyncio.Event()
        # Held while hooks are being created or started, so the ledger watch never starts a
        # hook that a sling in progress is about to start itself.
        self.hooks_lock = asyncio.Lock()
        self.lock.acquire(self.mode, self.socket)
        try:
            self.mux = Multiplexer(loop=self._loop)
            self.mux.subscribe(lambda ev: supervisor.on_term_event(self, ev))
            self._started = True
            self.started_at = time.time()
            self.publish("host_started", pid=os.getpid(), mode=self.mode)
            # Rigs added before gt wrote their ledger redirect get it here, so bd in a rig
            # folder uses the rig ledger without anyone running `gt hooks repair`; the same
            # for a town made before its private files were made private.
            await self.domain(ensure_redirects)
            await self.domain(tighten_town)
            # Resume before serving: once the socket answers, every hook is running again.
            await supervisor.resume_all(self)
            await dispatch.dispatch(self)  # polecats that finished while no host ran
            await self.server.start()
            await self.refineries.start()
            self.commands.start()
        except BaseException:
            self._started = False
            if self.mux is not None:
                await self.mux.shutdown(grace=1.0)
            self.lock.release()
            raise
        self.spawn_task(watch.watch_loop(self))

    async def stop(self) -> None:
        if not self._started or self._stopping:
            return
        self._stopping = True
        self.server.say_goodbye("the town was stopped: its hooks are suspended and resume "
                                "with the next `gt`")
        me = asyncio.current_task()
        for task in list(self._tasks):
            if task is not me:
                task.cancel()
        try:
            # A gate in progress is ended and its merge requests wait in the queue.
            await self.refineries.stop()
            await supervisor.suspend_all(self)
        finally:
            for agent in self.agents.values():
                agent.expected_exit = True
            if self.mux is not None:
                await self.mux.shutdown(grace=2.0)
            await self.commands.stop()
            self.publish("host_stopped", pid=os.getpid())
            self.bus.close()  # event streams end after host_stopped, then the server closes
            await self.server.stop()
            self.lock.release()
            self._domain.shutdown(wait=True)
            self._started = False
            if self.stopped is not None:
                self.stopped.set()

    async def answer(self, req: Any) -> Any:
        """One typed request (api.py), as the socket and the app in process ask it."""
        return await handlers.handle(self, req)

    def _watch(self, conn: Any, req: Any) -> Any:
        return Viewer(self, conn.id, conn.write, conn.buffered, req.fps)

    def _resize(self, name: str, cols: int, rows: int) -> None:
        self.mux.resize(name, cols, rows)

    def request_stop(self) -> None:
        if not self._stopping and self._started:
            self.loop.create_task(self.stop())

    @property
    def running(self) -> bool:
        return self._started and not self._stopping

    @property
    def stopping(self) -> bool:
        return self._stopping

    # ------------------------------------------------------------------ terminals

    def agent_env(self, extra: Mapping[str, str]) -> dict[str, str]:
        env = dict(self.environ)
        for var in ("GT_ROLE", "GT_RIG", "GT_POLECAT", "GT_CREW", "BD_ACTOR", "BEADS_DIR"):
            env.pop(var, None)
        env.update(extra)
        env["GT_TOWN_ROOT"] = str(self.root)
        return env

    def start_terminal(self, agent: Agent, argv: list[str], cwd: Path, env: dict[str, str]):
        from .presets import term_preset

        preset = term_preset(agent.agent, argv)
        agent.family = preset.name
        cols, rows = self.sizes.size(agent.name) or (COLS, ROWS)
        session = self.mux.spawn(agent.name, argv, cwd=str(cwd), env=env, cols=cols, rows=rows,
                                 preset=preset, transcript=None)
        agent.pid = session.pid
        self.agents[agent.name] = agent
        self.publish("agent_started", agent=agent.name, role=agent.role, pid=session.pid,
                     issue=agent.issue, preset=agent.agent)
        return session

    def session(self, name: str):
        try:
            return self.mux.get(name)
        except LookupError:
            return None

    def resolve_target(self, target: str) -> str:
        """A session name from `mayor`, `RIG/NAME`, `RIG/polecats/NAME` or a unique `NAME`."""
        target = target.strip().strip("/")
        if target in ("mayor", "mayor/"):
            target = MAYOR
        parts = target.split("/")
        if len(parts) == 3 and parts[1] in ("polecats", "crew"):
            target = f"{parts[0]}/{parts[2]}"
        if target in self.agents:
            return target
        hits = [n for n in self.agents if n.split("/")[-1] == target]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise HostError(f"{target!r} names several agents ({', '.join(hits)}): say which",
                            exit_code=2)
        known = ", ".join(sorted(self.agents)) or "none running"
        raise HostError(f"no running agent {target!r} (running: {known}); see `gt agents`",
                        exit_code=2)

    # ------------------------------------------------------------------ operations

    def type_keys(self, name: str, data: bytes | str) -> None:
        """The path for a person's keystrokes: held while a nudge is being typed, then replayed."""
        self.nudger.type_keys(name, data)

    def paste_text(self, name: str, text: str) -> None:
        """A person's paste, held like `type_keys` while a nudge is being typed."""
        self.nudger.paste(name, text)

    async def nudge(self, target: str, text: str, mode: str | None = None) -> dict[str, Any]:
        return await self.nudger.nudge(self.resolve_target(target), text, mode)

    async def sling(self, issue_ids: list[str], target: str, **kwargs: Any) -> list:
        """`gt sling` in-process: hook each issue and start its agent at once; returns the
        `town.sling.Slung` records. All or nothing."""
        return await supervisor.sling(self, issue_ids, target, **kwargs)

    async def start_hooks(self, hooks: list, resume: bool = False, **kwargs: Any) -> list:
        """Start the agents of hooks made elsewhere (the dispatch queue's); see
        `supervisor.start_hooks`."""
        return await supervisor.start_hooks(self, hooks, resume, **kwargs)

    async def start_hook(self, hook: Any):
        """Start the agent on `hook` (a `town.hooks.Hook`) in its worktree (the hook becomes
        active)."""
        return await supervisor.start_hook(self, hook)

    async def suspend_agent(self, name: str, reason: str = "suspended by a person") -> str | None:
        """Snapshot, suspend and end a polecat's terminal; it stays parked until
        `resume_agent`. Returns the snapshot's short id, if one was taken."""
        return await actions.suspend_agent(self, self.resolve_target(name), reason)

    async def resume_agent(self, name: str):
        return await actions.resume_agent(self, name)

    async def restart_agent(self, name: str) -> dict:
        """A fresh session on the same hook (what `gt handoff` does after its mail)."""
        return await actions.restart(self, self.resolve_target(name))

    async def agent_action(self, what: str, target: str, **kwargs: Any) -> dict:
        """suspend | resume | stop | restart | handoff of one agent, with its checks, for the
        app and the control socket alike; `said` in the result is one line for a person."""
        return await actions.agent_action(self, what, target, **kwargs)

    async def mayor_start(self, agent: str | None = None) -> dict:
        return await mayor.mayor_start(self, agent)

    async def mayor_stop(self) -> dict:
        return await mayor.mayor_stop(self)
