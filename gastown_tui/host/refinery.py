"""The refineries: one merge-queue worker per rig, running whenever the host runs.

Each rig's worker is a task on the host's loop whose git work and gates run on a thread of
its own (with its own `Town`, so its own SQLite connections): a gate that takes minutes never
holds up the panes, the ledger thread, or another rig's queue. A worker sleeps until the
ledger changes (`wake`: the watch and the `notify` request call it) or a held merge request's
retry time comes, then works batches until its queue is idle. What a batch does is decided in
`town/refinery.py`; this module schedules it and tells agents whose work came back.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from typing import Any

from ..town import Town
from ..town import mq
from .ending import until_may_end

log = logging.getLogger("gastown_tui.host.refinery")

# The host is passed in, never imported: `host.host` starts the refineries.
Host = Any

IDLE_CHECK_S = 30.0       # held MRs (an unreachable origin, a missing target) are tried again
ERROR_BACKOFF_S = 10.0


class RigWorker:
    def __init__(self, host: Host, rig: str):
        self.host = host
        self.rig = rig
        self.cancel = threading.Event()
        self.wakeup = asyncio.Event()
        self.executor = concurrent.futures.ThreadPoolExecutor(
            1, thread_name_prefix=f"gt-refinery-{rig}")
        self.task: asyncio.Task | None = None
        self._refinery: Any = None

    def start(self) -> None:
        self.task = self.host.spawn_task(self.run())

    def wake(self) -> None:
        self.wakeup.set()

    async def _call(self, fn, *args) -> Any:
        return await self.host.loop.run_in_executor(self.executor, fn, *args)

    def _emit(self, kind: str, **fields: Any) -> None:
        # From the worker thread: events are published on the loop, in order.
        self.host.loop.call_soon_threadsafe(lambda: self.host.publish(kind, **fields))

    def _make(self) -> None:
        from ..town.refinery import Refinery

        self._refinery = Refinery(Town(self.host.root), self.rig, self._emit, self.cancel,
                                  self.host.environ)
        self._refinery.recover()

    def _step(self) -> bool:
        return self._refinery.step()

    async def run(self) -> None:
        from ..town.landing import Cancelled

        started = False
        while not self.cancel.is_set():
            self.wakeup.clear()
            try:
                if not started:
                    await self._call(self._make)
                    started = True
                more = await self._call(self._step)
                await tell_agents(self.host, self.rig)
            except asyncio.CancelledError:
                self.cancel.set()
                raise
            except Cancelled:
                return
            except Exception as e:  # noqa: BLE001 - the queue must outlive one bad batch
                self.host.publish("refinery_error", rig=self.rig,
                                  error=f"{type(e).__name__}: {e}")
                log.warning("refinery %s: %s", self.rig, e, exc_info=True)
                # A batch that failed half-way may leave MRs gating or merging: recover them
                # before the next step, as a new host would, instead of leaving them stuck.
                started = False
                more = False
                await asyncio.sleep(ERROR_BACKOFF_S)
            if more:
                continue
            try:
                await asyncio.wait_for(self.wakeup.wait(), IDLE_CHECK_S)
            except asyncio.TimeoutError:
                pass

    async def stop(self) -> None:
        """End the batch in hand (its gate killed; its MRs back in the queue) and the thread."""
        self.cancel.set()
        self.wakeup.set()
        if self.task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self.task), 10)
            except (asyncio.TimeoutError, asyncio.CancelledError, Exception):  # noqa: BLE001
                pass
        await self.host.loop.run_in_executor(None, self.executor.shutdown, True)


class Refineries:
    """The rigs' workers; `wake()` after any ledger change."""

    def __init__(self, host: Host):
        self.host = host
        self.workers: dict[str, RigWorker] = {}
        self._stopping = False

    async def start(self) -> None:
        await self.sync_rigs()

    async def sync_rigs(self) -> None:
        """A worker for each rig of the town (rigs come and go while the host runs)."""
        if self._stopping:
            return
        names = await self.host.domain(lambda t: [r.name for r in t.rigs()])
        for name in names:
            if name not in self.workers:
                worker = self.workers[name] = RigWorker(self.host, name)
                worker.start()
        for name in [n for n in self.workers if n not in names]:
            await self.workers.pop(name).stop()

    def wake(self) -> None:
        for worker in self.workers.values():
            worker.wake()
        if not self._stopping:
            self.host.spawn_task(self.sync_rigs())

    async def stop(self) -> None:
        self._stopping = True
        await asyncio.gather(*(w.stop() for w in self.workers.values()))


# ---------------------------------------------------------------------- back to the agent


def _untold(town: Town, rig: str) -> list[tuple[mq.MergeRequest, Any]]:
    return [(mr, mq.hook_of(town, mr)) for mr in mq.untold(town.rig(rig))]


def _mark_told(town: Town, rig: str, mr_id: str) -> None:
    mq.mark_told(town, town.rig(rig), mr_id)


def _activate(town: Town, hook, pid: int) -> None:
    from ..town import hooks as hooks_mod

    fresh = hooks_mod.load(town, hook.rig, hook.polecat, hook.kind)
    if fresh is not None and fresh.state == "created":
        hooks_mod.transition(town, fresh, "active", pid=pid, last_activity=hooks_mod.now())


async def tell_agents(host: Host, rig: str) -> None:
    """Each MR sent back since the last look: its agent running on the hook (started again if
    it had finished), and nudged with what to fix; the mail was sent with the rejection."""
    for mr, hook in await host.domain(_untold, rig):
        if hook is not None and hook.issue == mr.issue and hook.live and not hook.stuck:
            async with host.hooks_lock:
                agent = host.agents.get(hook.session)
                session = host.session(hook.session)
                if session is not None and session.alive and agent is not None \
                        and agent.finished_at is not None:
                    # Still in its grace after `gt done`: a fresh session picks the work up.
                    agent.expected_exit = True
                    await until_may_end(host, agent)
                    host.mux.terminate(hook.session)
                    try:
                        await host.mux.wait(hook.session, timeout=5)
                    except asyncio.TimeoutError:
                        host.mux.kill(hook.session)
                        await host.mux.wait(hook.session, timeout=5)
                    host.agents.pop(hook.session, None)
                    session = None
                if session is None or not session.alive:
                    if hook.state in ("created", "active"):
                        try:
                            await host.start_hook(hook)
                        except Exception as e:  # noqa: BLE001 - reported; the mail is there
                            host.publish("agent_start_failed", agent=hook.session,
                                         issue=hook.issue, error=str(e))
                elif hook.state == "created":
                    await host.domain(_activate, hook, session.pid)
            if host.session(hook.session) is not None:
                text = (f"Your merge request {mr.id} came back ({mr.label}): {mr.reason}. "
                        f"{mq.what_to_do(mr)} Details: `gt prime`.")
                host.spawn_task(_nudge(host, hook.session, text))
        await host.domain(_mark_told, rig, mr.id)


async def _nudge(host: Host, name: str, text: str) -> None:
    try:
        await host.nudge(name, text)
    except Exception as e:  # noqa: BLE001 - the session may end meanwhile; the mail stays
        host.publish("nudge_failed", agent=name, error=str(e))
