"""What the host's parts need of it, as narrow interfaces (typing only).

Supervision, agent actions, the ledger watch, the nudger and the request handlers are called
by the `Host` and act on it; they take it as one of these protocols instead of importing the
`Host` class back, so the host package has no import circle and each part says what it uses.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Awaitable, Callable, Coroutine, Mapping, Protocol

from .model import Agent, Settings


class Events(Protocol):
    """Publishing town events and running background work on the host's loop."""

    def publish(self, kind: str, **fields: Any) -> None: ...

    def subscribe(self, callback: Callable[[dict[str, Any]], None]) -> Callable[[], None]: ...

    def spawn_task(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task: ...


class Terminals(Events, Protocol):
    """The nudger's view: the terminals and the town's settings."""

    town: Any
    mux: Any
    settings: Settings

    def session(self, name: str) -> Any: ...


class Context(Terminals, Protocol):
    """Supervision, actions, the watch and the handlers: the agents and their terminals, the
    ledger thread, and the nudger."""

    root: Path
    environ: dict[str, str]
    mode: str
    agents: dict[str, Agent]
    nudger: Any
    hooks_lock: asyncio.Lock
    loop: asyncio.AbstractEventLoop
    started_at: float

    @property
    def stopping(self) -> bool: ...

    def domain(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Awaitable[Any]: ...

    def resolve_target(self, target: str) -> str: ...

    def agent_env(self, extra: Mapping[str, str]) -> dict[str, str]: ...

    def start_terminal(self, agent: Agent, argv: list[str], cwd: Path,
                       env: dict[str, str]) -> Any: ...

    def request_stop(self) -> None: ...

    sizes: Any        # sizes.WindowSizes
    refineries: Any   # refinery.Refineries
    queued: list[dict[str, Any]]  # the dispatch queue as last read
    notifier: Any     # notifier.Notifier
    limits: Any       # limits.Limits: presets held by a usage limit
    viewers: set      # the watching clients (viewers.Viewer): attached apps, dashboards

    def type_keys(self, name: str, data: bytes | str) -> None: ...

    def paste_text(self, name: str, text: str) -> None: ...
