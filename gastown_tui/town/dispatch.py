"""Starting queued work: as many queued issues as the town has room for go on hooks, in the
queue's order (priority, then age). The host calls `dispatch` whenever a polecat may have come
free (a hook completed, archived or unslung, an agent stuck, a setting changed) and starts the
agents of the hooks it gets back; a hook made here and not yet started is a `created` hook,
which any host starts, so a crash between the two loses nothing and starts nothing twice.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Mapping

from . import hooks as hooks_mod
from . import queue
from .errors import TownError

if TYPE_CHECKING:
    from .model import Town
    from .sling import Slung


@dataclasses.dataclass
class Dropped:
    """A queued issue that could not start (closed meanwhile, its rig or preset gone ...):
    out of the queue, back to `status`, and its slinger told why."""

    entry: queue.Queued
    reason: str
    status: str


@dataclasses.dataclass
class Dispatched:
    started: list[tuple["Slung", hooks_mod.Hook]]
    dropped: list[Dropped]
    waiting: list[queue.Queued]
    # Could start but did not, for a reason that may pass (a busy ledger, a git error): they
    # keep their place and are tried again at the next look.
    failed: list[tuple[queue.Queued, str]] = dataclasses.field(default_factory=list)


def dispatch(town: "Town", environ: Mapping[str, str] | None = None,
             hold: Mapping[str, str] | None = None) -> Dispatched:
    """Hook queued issues while the town has room; returns the new hooks (state created) for
    the host to start, what was dropped, and what still waits. Work whose agent preset is in
    `hold` (at its usage limit) keeps its place and lets the next start."""
    import pygit2

    from ..beads import LedgerError
    from .paths import locked
    from .sling import check_queued, sling_one

    if not queue.list_queue(town):
        return Dispatched([], [], [])
    started: list[tuple[Slung, hooks_mod.Hook]] = []
    dropped: list[Dropped] = []
    failed: list[tuple[queue.Queued, str]] = []
    with queue.sling_lock(town):
        limit, at_work = queue.capacity(town)
        room = None if limit is None else limit - at_work
        busy = {(h.rig, h.polecat) for h in hooks_mod.all_hooks(town) if h.live}
        for entry in queue.list_queue(town):
            if room is not None and room <= 0:
                break
            if entry.polecat and (entry.rig, entry.polecat) in busy:
                continue  # slung to a polecat by name: it waits for that one, keeping its place
            if queue.held_by(town, entry.rig, entry.agent, hold):
                continue
            try:
                check_queued(town, entry.issue, entry.target, entry.agent, entry.base, environ)
            except TownError as e:
                dropped.append(_drop(town, entry, str(e)))
                continue
            try:
                with locked(town.rig(entry.rig).polecats_dir):
                    slung, hook = sling_one(town, entry.issue, entry.target, agent=entry.agent,
                                            convoy=entry.convoy, base=entry.base,
                                            actor=_actor(entry), environ=environ, queued=True)
            except (TownError, LedgerError, OSError, pygit2.GitError) as e:
                failed.append((entry, str(e)))
                continue
            started.append((slung, hook))
            busy.add((hook.rig, hook.polecat))
            room = None if room is None else room - 1
        waiting = queue.list_queue(town)
    return Dispatched(started, dropped, waiting, failed)


def _actor(entry: queue.Queued) -> str:
    return entry.by if entry.by and entry.by != "?" else "overseer"


def _drop(town: "Town", entry: queue.Queued, reason: str) -> Dropped:
    from .mail import send_mail

    status = queue.drop(town, entry)
    body = (f"{entry.issue} ({entry.title}) waited in the dispatch queue of {entry.rig} and "
            f"could not start:\n{reason}\n\nIt is {status} again; fix the cause and sling it "
            "once more.")
    for to in dict.fromkeys((_actor(entry), "overseer")):
        try:
            send_mail(town, "mayor/", to, f"Not started: {entry.issue} {entry.title}", body)
            break
        except TownError:
            continue  # not an address mail reaches: the overseer hears of it instead
    return Dropped(entry, reason, status)
