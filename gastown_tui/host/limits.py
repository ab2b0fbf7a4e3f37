"""Usage limits: an agent whose screen says its provider's limit was reached (state `limited`,
from the terminal engine's detector, with the reset time when the message gives one) holds its
preset. While a preset is held, new slings for it wait in the dispatch queue (with the reason)
and queued work for it does not start; its limited agents are neither nudged nor restarted for
their silence (`stalls.py`).

The hold ends when the limit resets: at the reset time the limited agents are told to go on,
and the queue may start the preset's work again. A limit that gives no reset time is tried
with a nudge after `limit_retry_seconds`, then after twice that and so on (at most an hour
apart); an agent of the preset that gets busy again ends the hold at once. A person can also
move an agent to another preset (`gt hooks move`), e.g. one with another account's
CLAUDE_CONFIG_DIR: it restarts there on the same hook.
"""

from __future__ import annotations

import dataclasses
import time

from .context import Context
from .model import Agent
from .runtime import HostError

RESUME_PROMPT = ("Your usage limit has reset. Go on with the work on your hook (run gt prime "
                 "if you need its context again).")
GRACE_S = 5.0          # after the reset time the message gives, before the agent is told
MAX_RETRY_S = 3600.0


@dataclasses.dataclass
class Hold:
    preset: str
    reason: str
    resets_at: float | None
    next_try: float
    tries: int = 0

    def why(self) -> str:
        until = (time.strftime(", resets %H:%M", time.localtime(self.resets_at))
                 if self.resets_at else "")
        return f"agent {self.preset} is at its usage limit ({self.reason or 'limit'}{until})"


class Limits:
    def __init__(self, host: Context) -> None:
        self.host = host
        self.held: dict[str, Hold] = {}
        self.agents: set[str] = set()   # names of agents limited now

    def holds(self) -> dict[str, str]:
        """Preset -> why its slings wait (for `town.sling` and `town.dispatch`)."""
        return {p: h.why() for p, h in self.held.items()}

    def on_state(self, agent: Agent, new: str, reason: str = "",
                 resets_at: float | None = None) -> None:
        if new == "limited":
            self._limited(agent, reason, resets_at)
            return
        if agent.name not in self.agents:
            return
        if new in ("busy", "exited"):
            self.agents.discard(agent.name)
            agent.limit_resets_at = None
            if new == "busy":
                self.release(agent.agent, f"{agent.name} is working again")
        elif agent.limit_resets_at is not None and time.time() >= agent.limit_resets_at:
            # Its screen no longer counts the limit, whose time has come: go on at once.
            self.host.spawn_task(self._resume(agent.name))
            self.release(agent.agent, "its limit reset")

    def _limited(self, agent: Agent, reason: str, resets_at: float | None) -> None:
        now = time.time()
        self.agents.add(agent.name)
        agent.limit_resets_at = resets_at
        hold = self.held.get(agent.agent)
        if hold is not None and (resets_at or 0) <= (hold.resets_at or 0):
            return  # held already, until then or later
        retry = self.host.settings.limit_retry_seconds
        self.held[agent.agent] = Hold(agent.agent, reason, resets_at,
                                      resets_at + GRACE_S if resets_at else now + retry)
        self.host.publish("limit_hold", preset=agent.agent, agent=agent.name, reason=reason,
                          resets_at=resets_at)

    def release(self, preset: str, why: str) -> None:
        if self.held.pop(preset, None) is None:
            return
        self.host.publish("limit_released", preset=preset, reason=why)
        from .dispatch import dispatch

        self.host.spawn_task(dispatch(self.host))

    def retry_after(self, preset: str) -> float:
        """Seconds until a held preset is tried again (0: not held)."""
        hold = self.held.get(preset)
        return max(0.0, hold.next_try - time.time()) if hold is not None else 0.0

    async def check(self) -> None:
        """From the watch's slow checks: holds whose time has come."""
        now = time.time()
        for hold in [h for h in self.held.values() if now >= h.next_try]:
            names = [n for n in sorted(self.agents)
                     if (a := self.host.agents.get(n)) is not None and a.agent == hold.preset]
            for name in names:
                await self._resume(name)
            if hold.resets_at is not None:
                self.release(hold.preset, "its limit reset")
            else:
                hold.tries += 1
                wait = self.host.settings.limit_retry_seconds * 2 ** hold.tries
                hold.next_try = now + min(wait, MAX_RETRY_S)
                self.host.publish("limit_retry", preset=hold.preset, agents=",".join(names)
                                  or None, next_in=int(min(wait, MAX_RETRY_S)))

    async def _resume(self, name: str) -> None:
        session = self.host.session(name)
        if session is None or not session.alive:
            self.agents.discard(name)
            return
        agent = self.host.agents.get(name)
        if agent is not None:
            agent.limit_resets_at = None   # told once; a new limit message holds it again
        try:
            await self.host.nudger.deliver(name, RESUME_PROMPT, "limit reset")
        except HostError as e:
            self.host.publish("nudge_failed", agent=name, error=str(e))
            return
        self.host.publish("limit_resumed", agent=name)
