"""Keys typed ahead of a focus move: they wait until the terminal they were meant for has the
focus, then go on in the order they were typed.

Choosing an agent (Enter on its row in Agents or Hooks, a needs-me item, a sling) moves the
focus to its pane through messages: the panel hears the key, names the agent, then the pane is
focused. Meanwhile the app hands each newer key to the widget that still has the focus, where
letters are actions (R restarts, x suspends, s slings): on a busy machine "Run the tests" typed
right after Enter would restart the agent. So from such a key until the focus has moved (or a
time limit), the app holds the keys.

A mixin of the app and of the dashboard, listed before anything else that reads keys (the
prefix key included), so a held key waits for all of it. The app says which keys start a wait:
`keys_wait_after(event)` gives how long the keys typed after `event` may wait for the focus to
move (0: they go on at once); the focus move ends the wait with `release_keys`.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.message import Message

HOLD_S = 1.0  # at most this long, keys typed after choosing an agent wait for its terminal


class KeysFree(Message):
    """The focus move the held keys wait for is done or will not happen: hand them on."""


class TypeAhead:
    _held: list[events.Key] | None = None  # keys waiting for a focus move, in order
    _hold_timer: Any = None

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            if self._held is not None:
                self._held.append(event)
            else:
                await self._pass_key(event)
            return
        await super().on_event(event)

    async def _pass_key(self, event: events.Key) -> None:
        wait = self.keys_wait_after(event)
        if wait:
            self.hold_keys(wait)
        await super().on_event(event)

    @property
    def holding_keys(self) -> bool:
        return self._held is not None

    def hold_keys(self, seconds: float = HOLD_S) -> None:
        """Hold the keys from now on (still holding: wait `seconds` more from now)."""
        if self._held is None:
            self._held = []
        if self._hold_timer is not None:
            self._hold_timer.stop()
        self._hold_timer = self.set_timer(seconds, self.release_keys)

    async def release_keys(self) -> None:
        """Hand the held keys on to what has the focus now. Only from the app's own message
        handlers, so no newer key can overtake them; elsewhere `release_keys_soon`."""
        held, self._held = self._held or [], None
        if self._hold_timer is not None:
            self._hold_timer.stop()
            self._hold_timer = None
        for i, event in enumerate(held):
            if self._held is not None:  # a held key chose an agent in turn: the rest wait again
                self._held.extend(held[i:])
                return
            await self._pass_key(event)

    def release_keys_soon(self) -> None:
        """`release_keys` from a worker or a screen: after the keys already in the app's queue,
        which are held too, so the order stays."""
        self.post_message(KeysFree())

    async def on_keys_free(self, message: KeysFree) -> None:
        await self.release_keys()
