"""Convoys: town-ledger beads (`issue_type=convoy`, ids `hq-cv-*`) that track issues of any
rig through `tracks` dependencies, and land (close, then mail their notify addresses) when every
tracked issue is closed. `check_landing` runs after each close, so no daemon is needed, and
`reopen_landed` after each reopen, so a convoy is never landed while it tracks open work."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Iterable

from ..records import Factory, field_names, record
from .addresses import MAYOR, OVERSEER, expand
from .errors import TownError, usage
from .model import Town
from .routes import read_routes, route_for

if TYPE_CHECKING:
    from ..beads import Issue

CONVOY_PREFIX = "hq-cv"
NOTIFY = "notify:"
LANDED = "landed"
DONE = ("closed", "tombstone")
AWAITING_MERGE = "awaiting merge"
# A convoy made with --human: its merge requests wait for a person's approval after the gate.
HUMAN_REVIEW_LABEL = "gt:review-human"


@record
class Tracked:
    id: str
    title: str
    status: str       # the bead's status, or "awaiting merge" while its MR is queued
    assignee: str | None
    rig: str
    close_reason: str | None = None   # e.g. "merged into main as 1a2b3c4d5e"


@record
class Convoy:
    id: str
    title: str
    status: str  # open | landed | closed
    done: int
    total: int
    notify: list[str]
    created_at: str
    created_by: str
    closed_at: str | None = None
    tracked: list[Tracked] = Factory(list)
    # Whether `tracked` was looked up (`gt convoy show`) or left out (`gt convoy list`): an
    # empty list must not read as "tracks nothing" in a listing.
    detailed: bool = False
    __text_hidden__ = ("tracked",)

    def __repr__(self) -> str:
        return "Convoy(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in field_names(self)
                                     if n != "detailed") + ")"

    @property
    def progress(self) -> str:
        return f"{self.done}/{self.total}"

    def to_json(self) -> dict:
        d = {n: getattr(self, n) for n in field_names(self) if n not in ("tracked", "detailed")}
        if self.detailed:
            d["tracked"] = [{n: getattr(t, n) for n in field_names(t)} for t in self.tracked]
        d["progress"] = self.progress
        return d


def _status_of(issue: "Issue") -> str:
    if not issue.is_closed:
        return "open"
    return LANDED if issue.close_reason == LANDED else "closed"


def _tracked_ids(issue: "Issue") -> list[str]:
    """In the order they were added, which is how people think of a convoy's list."""
    tracks = [d for d in issue.dependencies if d.type == "tracks"]
    return [d.depends_on_id for d in sorted(tracks, key=lambda d: d.created_at or "")]


def _lookup(town: Town, ids: Iterable[str]) -> dict[str, tuple]:
    """(title, status, assignee, rig) of many beads: one query per ledger they live in, plain
    tuples because a convoy list looks up thousands."""
    from ..beads import LedgerError

    routes = read_routes(town.root)
    by_path: dict[str, list[str]] = defaultdict(list)
    for bead_id in ids:
        path = route_for(routes, bead_id)
        if path is not None:
            by_path[path].append(bead_id)
    found: dict[str, tuple] = {}
    for path, wanted in by_path.items():
        rig = "" if path == "." else path.split("/")[0]
        try:
            led = town.ledger_at_route(path)
        except (TownError, LedgerError):
            continue  # a missing rig ledger must not hide the other rigs' issues
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            for bead_id, title, status, assignee, reason, merging in led.conn.execute(
                    "SELECT i.id, i.title, i.status, i.assignee, i.close_reason, "
                    "i.status = 'blocked' AND EXISTS (SELECT 1 FROM dependencies d JOIN issues m "
                    "ON m.id = d.depends_on_id WHERE d.issue_id = i.id AND d.type = 'blocks' "
                    "AND m.issue_type = 'merge-request' AND m.status NOT IN ('closed', "
                    "'tombstone')) FROM issues i WHERE i.id IN "
                    f"({','.join('?' * len(chunk))})", chunk):
                found[bead_id] = (title, AWAITING_MERGE if merging else status, assignee, rig,
                                  reason)
    return found


def _convoys(town: Town, issues: list["Issue"], detail: bool) -> list[Convoy]:
    tracked_ids = [_tracked_ids(issue) for issue in issues]
    known = _lookup(town, {i for ids in tracked_ids for i in ids})
    missing = ("(missing)", "missing", None, "", None)
    out = []
    for issue, ids in zip(issues, tracked_ids):
        rows = [known.get(i, missing) for i in ids]
        out.append(Convoy(
            issue.id, issue.title, _status_of(issue),
            sum(1 for r in rows if r[1] in DONE), len(rows),
            [lab[len(NOTIFY):] for lab in issue.labels if lab.startswith(NOTIFY)],
            issue.created_at, issue.created_by, issue.closed_at,
            [Tracked(i, *r) for i, r in zip(ids, rows)] if detail else [], detail))
    return out


def _resolve_issue(town: Town, bead_id: str) -> "Issue":
    from ..beads import LedgerError

    try:
        issue = town.ledger_for(bead_id).get(bead_id)
    except LedgerError as e:
        raise TownError(str(e)) from None
    if issue.issue_type in ("convoy", "message"):
        raise usage(f"{issue.id} is a {issue.issue_type}, not an issue a convoy can track")
    return issue


def create_convoy(town: Town, name: str, issue_ids: Iterable[str] = (),
                  notify: Iterable[str] = (), human: bool = False,
                  actor: str | None = None) -> Convoy:
    name = name.strip()
    if not name or "\n" in name:
        raise usage("a convoy needs a one-line name, e.g. gt convoy create \"Feature X\" ID...")
    issues = [_resolve_issue(town, i) for i in issue_ids]
    addresses = list(dict.fromkeys(a for n in notify for a in expand(town, n)))
    if human and OVERSEER not in addresses:
        addresses.append(OVERSEER)
    led = town.ledger(actor)
    with led.transaction():
        convoy = led.create(name, issue_type="convoy", id_prefix=CONVOY_PREFIX,
                            labels=[NOTIFY + a for a in addresses]
                            + ([HUMAN_REVIEW_LABEL] if human else []))
        for issue in dict.fromkeys(i.id for i in issues):
            led.add_dependency(convoy.id, issue, type="tracks")
    return get_convoy(town, convoy.id)


def list_convoys(town: Town, include_closed: bool = False) -> list[Convoy]:
    issues = town.ledger().list(issue_type="convoy", include_closed=include_closed,
                                order="-created")
    return _convoys(town, issues, detail=False)


def _convoy_issue(town: Town, convoy_id: str | None) -> "Issue":
    from ..beads import LedgerError

    led = town.ledger()
    if convoy_id is None:
        newest = led.list(issue_type="convoy", order="-created", limit=1)
        if not newest:
            raise TownError("no open convoy: create one with `gt convoy create NAME ID...`")
        return newest[0]
    try:
        issue = led.get(convoy_id)
    except LedgerError as e:
        rig = town.rig_for_prefix(convoy_id)
        if rig is not None:
            raise usage(f"{convoy_id} is an id of rig {rig.name!r}, not a convoy "
                        "(see `gt convoy list`)") from None
        raise TownError(str(e)) from None
    if issue.issue_type != "convoy":
        raise usage(f"{issue.id} is a {issue.issue_type}, not a convoy (see `gt convoy list`)")
    return issue


def get_convoy(town: Town, convoy_id: str | None = None) -> Convoy:
    """One convoy with its tracked issues; the newest open one when no id is given."""
    return _convoys(town, [_convoy_issue(town, convoy_id)], detail=True)[0]


def add_issues(town: Town, issue_ids: Iterable[str], convoy_id: str | None = None,
               actor: str | None = None) -> Convoy:
    """Track more issues; a landed convoy with new open work is open again."""
    issues = [_resolve_issue(town, i) for i in issue_ids]
    if not issues:
        raise usage("give at least one issue id to add")
    convoy = _convoy_issue(town, convoy_id)
    led = town.ledger(actor)
    already = set(_tracked_ids(convoy))
    with led.transaction():
        for issue in issues:
            if issue.id not in already:
                led.add_dependency(convoy.id, issue.id, type="tracks")
                already.add(issue.id)
        if convoy.is_closed and any(not i.is_closed for i in issues):
            led.reopen(convoy.id)
    return get_convoy(town, convoy.id)


def close_convoy(town: Town, convoy_id: str, actor: str | None = None) -> Convoy:
    convoy = _convoy_issue(town, convoy_id)
    if convoy.is_closed:
        raise TownError(f"convoy {convoy.id} is already {_status_of(convoy)}")
    town.ledger(actor).close(convoy.id, reason="closed by hand")
    return get_convoy(town, convoy.id)


def refresh(town: Town, convoy_id: str | None = None, actor: str | None = None) -> list[Convoy]:
    """Re-check landing for one convoy, or every open one; returns those that landed."""
    if convoy_id is not None:
        issues = [_convoy_issue(town, convoy_id)]
    else:
        issues = town.ledger().list(issue_type="convoy")
    return [c for c in (_land_if_done(town, i.id, actor) for i in issues) if c is not None]


def tracking_convoys(town: Town, issue_id: str) -> list[str]:
    """Ids of the open convoys that track `issue_id`, newest first."""
    led = town.ledger()
    ids = [d.issue_id for d in led.dependents(issue_id) if d.type == "tracks"]
    found = [led.get(i) for i in ids]
    found = [i for i in found if i.issue_type == "convoy" and not i.is_closed]
    return [i.id for i in sorted(found, key=lambda i: i.created_at, reverse=True)]


def check_landing(town: Town, closed_issue_id: str, actor: str | None = None) -> list[Convoy]:
    """Call after closing any issue: lands every open convoy that tracks it and is now done."""
    led = town.ledger()
    convoy_ids = [d.issue_id for d in led.dependents(closed_issue_id) if d.type == "tracks"]
    return [c for c in (_land_if_done(town, cid, actor) for cid in convoy_ids) if c is not None]


def reopen_landed(town: Town, reopened_issue_id: str,
                  actor: str | None = None) -> list[Convoy]:
    """Call after reopening any issue: every landed convoy that tracks it has open work again,
    so it is open again (as `gt convoy add-issue` makes it) and lands, and mails, once more
    when the issue closes. A convoy closed by hand stays closed. Returns the re-opened ones."""
    led = town.ledger(actor)
    reopened = []
    # Under the town ledger's write lock, so a racing close cannot land it in between.
    with led.transaction():
        for dep in led.dependents(reopened_issue_id):
            if dep.type != "tracks":
                continue
            convoy = led.get(dep.issue_id)
            if convoy.issue_type == "convoy" and _status_of(convoy) == LANDED:
                led.reopen(convoy.id)
                reopened.append(convoy.id)
    return [get_convoy(town, cid) for cid in reopened]


def _land_if_done(town: Town, convoy_id: str, actor: str | None) -> Convoy | None:
    from .mail import deliver

    led = town.ledger(actor)
    # Under the town ledger's write lock, so two closers cannot both land (and mail) it.
    with led.transaction():
        issue = led.get(convoy_id)
        if issue.issue_type != "convoy" or issue.is_closed:
            return None
        convoy = _convoys(town, [issue], detail=True)[0]
        if convoy.total == 0 or convoy.done < convoy.total:
            return None
        led.close(convoy.id, reason=LANDED)
        recipients = [a for a in convoy.notify if _still_there(town, a)] or [MAYOR]
        lines = "\n".join(f"  {t.id}  {t.title}" + (f"\n      {t.close_reason}"
                                                    + (f" (rig {t.rig})" if t.rig else "")
                                                    if t.close_reason else "")
                          for t in convoy.tracked)
        deliver(led, MAYOR, recipients, f"Convoy landed: {convoy.title}",
                f"Convoy {convoy.id} landed: each of its {convoy.total} issues is merged or "
                f"closed.\n{lines}\n")
    return get_convoy(town, convoy_id)


def _still_there(town: Town, address: str) -> bool:
    try:
        expand(town, address)
    except TownError:
        return False
    return True


def after_close(cwd, environ, closed_ids: Iterable[str], actor: str | None = None) -> list[Convoy]:
    """For any command that closes issues (`bd close`, `gt done`): land the convoys that were
    waiting on them. Outside a town there are no convoys, so nothing happens."""
    return _for_each(cwd, environ, closed_ids, actor, check_landing)


def after_reopen(cwd, environ, reopened_ids: Iterable[str],
                 actor: str | None = None) -> list[Convoy]:
    """For any command that reopens issues (`bd reopen`, `bd update --status open`): re-open
    the landed convoys that track them. Outside a town nothing happens."""
    return _for_each(cwd, environ, reopened_ids, actor, reopen_landed)


def _for_each(cwd, environ, bead_ids: Iterable[str], actor: str | None, check) -> list[Convoy]:
    from .errors import NotInTown
    from .model import find_town

    try:
        town = find_town(cwd, environ)
    except NotInTown:
        return []
    if actor is None:
        from .addresses import current_identity

        actor = current_identity(town, cwd, environ)
    changed: list[Convoy] = []
    for bead_id in bead_ids:
        changed.extend(check(town, bead_id, actor))
    return changed
