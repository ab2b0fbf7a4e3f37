"""Town events: one structured stream of agent states, hook transitions, slings, landings, mail.

The host publishes to an `EventBus` (in-process subscribers such as the app, socket streams
for `gt events --follow`) and appends each event to `<town>/.runtime/events.jsonl`, so
`gt events` works without a host and history survives restarts. Processes without a host
(e.g. `gt sling` recording a hook) append to the same file.
"""

from __future__ import annotations

import collections
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..visible import visible
from .runtime import events_path

if TYPE_CHECKING:
    # Only the host's bus uses asyncio; `gt done` and `gt sling` append events without a
    # host, and asyncio's import would cost them ~30 ms.
    import asyncio

MAX_QUEUE = 10_000
KEEP_RECENT = 500
# The log is cut to its newer half when it passes this size, so a town running for weeks
# does not grow it without bound.
MAX_LOG_BYTES = 4 * 1024 * 1024


def make_event(kind: str, **fields: Any) -> dict[str, Any]:
    return {"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "ts": round(time.time(), 3),
            "kind": kind, **{k: v for k, v in fields.items() if v is not None}}


def append_event(town_root: Path, event: dict[str, Any]) -> None:
    path = events_path(town_root)
    line = json.dumps(event, ensure_ascii=False, default=str) + "\n"
    # O_APPEND writes of one short line are atomic between processes.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        os.write(fd, line.encode())
        size = os.fstat(fd).st_size
    finally:
        os.close(fd)
    if size > MAX_LOG_BYTES:
        _trim(path)


def _trim(path: Path) -> None:
    data = path.read_bytes()
    keep = data[len(data) // 2:]
    keep = keep[keep.find(b"\n") + 1:]
    from ..files import write_atomic

    write_atomic(path, keep, private=True, sync=False)


def read_events(town_root: Path, limit: int = 50) -> list[dict[str, Any]]:
    try:
        with open(events_path(town_root), "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 256 * 1024))
            lines = f.read().splitlines()
    except FileNotFoundError:
        return []
    out = []
    for line in lines[-limit:] if limit else lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue  # a torn first line after the seek
        if isinstance(event, dict):
            out.append(event)
    return out


def describe(event: dict[str, Any]) -> str:
    """One human line per event. Events quote the ledger (a mail's subject, a convoy's
    title): shown with their controls as marks, never obeyed."""
    skip = {"time", "ts", "kind"}
    rest = " ".join(f"{visible(str(k))}={visible(str(v))}" for k, v in event.items()
                    if k not in skip)
    return (f"{visible(str(event.get('time', '')))}  "
            f"{visible(str(event.get('kind', '?'))):<16} {rest}").rstrip()


class EventBus:
    def __init__(self, town_root: Path | None = None):
        self.town_root = town_root
        self._queues: set[asyncio.Queue] = set()
        self._callbacks: list[Callable[[dict[str, Any]], None]] = []
        self._recent: collections.deque = collections.deque(maxlen=KEEP_RECENT)

    def subscribe(self, callback: Callable[[dict[str, Any]], None]) -> Callable[[], None]:
        """Call `callback(event)` on the host's loop for every event; returns an unsubscribe."""
        self._callbacks.append(callback)
        return lambda: self._callbacks.remove(callback) if callback in self._callbacks else None

    def publish(self, kind: str, **fields: Any) -> dict[str, Any]:
        event = make_event(kind, **fields)
        self._recent.append(event)
        if self.town_root is not None:
            try:
                append_event(self.town_root, event)
            except OSError:
                pass  # a full disk must not stop supervision; the live stream still gets it
        for cb in list(self._callbacks):
            try:
                cb(event)
            except Exception:  # noqa: BLE001 - a subscriber's bug must not stop the others
                pass
        for q in list(self._queues):
            if q.qsize() < MAX_QUEUE:
                q.put_nowait(event)
        return event

    def recent(self, n: int) -> list[dict[str, Any]]:
        return list(self._recent)[-n:] if n > 0 else []

    def open_queue(self) -> asyncio.Queue:
        import asyncio

        q: asyncio.Queue = asyncio.Queue()
        self._queues.add(q)
        return q

    def close_queue(self, q: asyncio.Queue) -> None:
        self._queues.discard(q)

    def close(self) -> None:
        for q in list(self._queues):
            q.put_nowait(None)
