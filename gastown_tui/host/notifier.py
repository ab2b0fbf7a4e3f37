"""The host decides, once for every client, what a person is told outside the app
(`town/notify.py` has the rules): each town event that needs a person becomes a `notice`
event, which attached apps write to their terminals, and the host runs the town's
`notify_command` and `notify-send` for it. A headless host does the same, with no app.

Channels run one notice at a time, off the loop (a slow webhook never holds up the agents); a
channel that fails says so once per reason in a `notify_failed` event.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from ..town.notify import Gate, Notice, Sent, desktop, notice_for, run_command
from .context import Context


class Notifier:
    def __init__(self, host: Context) -> None:
        self.host = host
        self.gate = Gate(window=host.settings.notify_window)
        self._lock: asyncio.Lock | None = None
        self._flush: asyncio.TimerHandle | None = None
        self._failed: set[str] = set()

    def on_event(self, event: dict[str, Any]) -> None:
        notice = notice_for(event, self._where)
        if notice is None or self.host.stopping:
            return
        if notice.kind == "waiting":
            # Start-up dialogs the host answers itself come and go within a second.
            self.host.loop.call_later(self.host.settings.notify_wait_grace,
                                      self._if_still_waiting, notice)
            return
        self._offer(notice)

    def _if_still_waiting(self, notice: Notice) -> None:
        session = self.host.session(notice.agent or "")
        if session is not None and session.alive and str(session.state) == "waiting" \
                and not self.host.stopping:
            self._offer(notice)

    def _offer(self, notice: Notice) -> None:
        now = time.monotonic()
        if self.gate.offer(notice, now):
            self.send(notice)
        elif self.gate.held and self._flush is None:
            self._flush = self.host.loop.call_later(self.gate.next_free(now) + 0.05,
                                                    self._send_held)

    def _where(self, name: str) -> tuple[str | None, str | None]:
        agent = self.host.agents.get(name)
        return (agent.rig, agent.issue) if agent is not None else (None, None)

    def _send_held(self) -> None:
        self._flush = None
        notice = self.gate.summary(time.monotonic())
        if notice is not None:
            self.send(notice)
        if self.gate.held:
            self._flush = self.host.loop.call_later(
                self.gate.next_free(time.monotonic()) + 0.05, self._send_held)

    def send(self, notice: Notice) -> asyncio.Task:
        """Publish the notice (apps show it) and run the other channels in the background;
        the task's result is what each channel did."""
        self.host.publish("notice", what=notice.kind, text=notice.text, agent=notice.agent,
                          rig=notice.rig, bead=notice.bead, convoy=notice.convoy)
        return self.host.spawn_task(self._channels(notice))

    async def _channels(self, notice: Notice) -> list[Sent]:
        if self._lock is None:
            self._lock = asyncio.Lock()
        settings = self.host.settings
        out: list[Sent] = []
        async with self._lock:
            loop = self.host.loop
            if settings.notify_command:
                out.append(await loop.run_in_executor(
                    None, run_command, settings.notify_command, notice, str(self.host.root),
                    self.host.environ))
            if settings.notify_desktop:
                out.append(await loop.run_in_executor(None, desktop, notice,
                                                      self.host.environ))
        for sent in out:
            if not sent.ok and sent.detail not in self._failed and \
                    not sent.detail.startswith("notify-send is not installed"):
                self._failed.add(sent.detail)
                self.host.publish("notify_failed", channel=sent.channel, error=sent.detail)
        return out

    async def test(self) -> list[Sent]:
        """`gt notify test`: one notice through every channel, past the gate."""
        notice = Notice("test", "a test notice from gt notify test: notifications reach you "
                        "here")
        return await self.send(notice)
