"""`gt queue` (the dispatch queue: work slung past `max_polecats`, waiting for a polecat) and
`gt unsling` (work off a hook, or out of the queue, and its issue ready again)."""

from __future__ import annotations

import click

from .core import UsageError
from .render import table, to_jsonable, view
from .towncli import complete_rig, current_town, identity


@view
class QueueList:
    """`gt queue list`: the queue in start order, and the room the town has."""

    rows: list
    limit: int | None
    at_work: int
    host: bool = True  # a host runs: only then does queued work start

    def to_json(self) -> list[dict]:
        return [to_jsonable(r) for r in self.rows]

    def render_text(self) -> str:
        room = (f"max_polecats is {self.limit}, {self.at_work} at work" if self.limit
                else f"no max_polecats limit, {self.at_work} at work")
        if not self.rows:
            return f"the dispatch queue is empty ({room}); slings past max_polecats wait here"
        head = f"{len(self.rows)} queued ({room}); they start in this order" + (
            ":" if self.host else " once a host runs (`gt up --headless`, or `gt`):")
        held = [q for q in self.rows if q.reason]
        return head + "\n" + table(
            [[str(q.position), q.issue, f"P{q.priority}", q.target, q.agent or "-",
              q.queued_at[:19], q.by, q.title] for q in self.rows],
            ["#", "ISSUE", "PRI", "TARGET", "AGENT", "QUEUED", "BY", "TITLE"], keep=["ISSUE"]) + "".join(
            f"\n{q.issue} waits because {q.reason}" for q in held)


def _notify_host(town) -> None:
    from ..host.api import Notify
    from ..host.client import HostClient
    from ..host.runtime import HostError

    try:
        HostClient(town.root, timeout=2).request(Notify())
    except HostError:
        pass  # no host, or a busy one: it sees the change on its next ledger check


def _complete_queued(ctx: click.Context, _param: click.Parameter, incomplete: str):
    from click.shell_completion import CompletionItem

    try:
        from ..town.queue import list_queue

        return [CompletionItem(q.issue, help=q.title) for q in list_queue(current_town(ctx))
                if q.issue.startswith(incomplete)]
    except Exception:  # noqa: BLE001 - completion is best effort by design
        return []


def _complete_unsling(ctx: click.Context, param: click.Parameter, incomplete: str):
    """Polecats with work on their hooks, and queued issues."""
    from click.shell_completion import CompletionItem

    try:
        from ..town import hooks as hooks_mod

        live = [CompletionItem(f"{h.rig}/{h.polecat}", help=h.issue or "")
                for h in hooks_mod.all_hooks(current_town(ctx)) if h.live
                and f"{h.rig}/{h.polecat}".startswith(incomplete)]
    except Exception:  # noqa: BLE001 - completion is best effort by design
        live = []
    return live + _complete_queued(ctx, param, incomplete)


def register(root: click.Group) -> None:
    @root.group("queue")
    def queue():
        """The dispatch queue: work slung past max_polecats waits here and starts, by priority
        then age, as polecats free up (while a host runs)."""

    @queue.command("list")
    @click.option("--rig", shell_complete=complete_rig, help="Only this rig's queued work.")
    def queue_list(rig: str | None):
        """Queued work in the order it starts: place, issue, priority, target, agent, when,
        who slung it."""
        from ..host.runtime import host_running
        from ..town.queue import capacity, list_queue

        town = current_town()
        if rig:
            town.rig(rig)
        limit, at_work = capacity(town)
        return QueueList(list_queue(town, [rig] if rig else None), limit, at_work,
                         host_running(town.root) is not None)

    @queue.command("remove")
    @click.argument("issue", metavar="ID", shell_complete=_complete_queued)
    def queue_remove(issue: str):
        """Take issue ID out of the dispatch queue; it is ready again."""
        return _take_out(issue)

    @root.command("unsling")
    @click.argument("name", shell_complete=_complete_unsling)
    def unsling(name: str):
        """Take the work off polecat NAME's hook (its agent stopped, its files snapshotted, its
        worktree removed, its branch kept) and make the issue ready again; NAME may also be
        the issue on the hook, or an issue in the dispatch queue (taken out of it)."""
        from ..host.api import Unsling
        from ..host.client import HostClient
        from ..host.runtime import HostNotRunning, host_running
        from ..town.queue import queued_entry
        from ..town.sling import find_hook, unsling as town_unsling

        if not name.strip():
            raise UsageError("give the polecat to unsling: a name from `gt hooks list`, or a "
                             "queued issue id from `gt queue list`")
        town = current_town()
        if queued_entry(town, name) is not None:
            return _take_out(name)
        actor = identity(town)
        if host_running(town.root) is not None:
            try:
                return HostClient(town.root, timeout=60).request(Unsling(name, actor))
            except HostNotRunning:
                pass  # it stopped between the check and the call: no agent runs, do it here
        done = town_unsling(town, find_hook(town, name), actor)
        _record(town, "unslung", agent=done.address, issue=done.issue, snapshot=done.snapshot,
                by=actor)
        return done


def _record(town, kind: str, **fields) -> None:
    """An event for `gt events` (the host records its own), and a word to a host that runs."""
    from ..host.events import append_event, make_event

    append_event(town.root, make_event(kind, **fields))
    _notify_host(town)


def _take_out(issue: str):
    from ..town.queue import remove
    from ..town.sling import Unslung

    town = current_town()
    actor = identity(town)
    entry, status = remove(town, issue, actor)
    _record(town, "queue_removed", issue=entry.issue, rig=entry.rig, by=actor)
    return Unslung(entry.issue, entry.title, f"{entry.rig}/queue", status, queued=True)
