"""Read-side queries: list, ready, blocked, search, stats. Each is a few indexed SQL statements;
rows come back as their cached JSONL lines, so building an Issue never needs another query, and
callers that only pass JSON on (`raw=True`) never parse at all."""

from __future__ import annotations

import datetime as _dt
import json
import sqlite3
from typing import Iterable, Sequence

from ..records import record
from ..visible import visible
from .model import NOT_WORK_TYPES, Issue, LedgerError, now
from .store import BLOCKING_SQL, DONE_SQL, blocked_source

ORDERS = {
    "priority": ["i.priority", "i.created_at", "i.id"],
    "created": ["i.created_at", "i.id"],
    "-created": ["i.created_at DESC", "i.id DESC"],
    "updated": ["i.updated_at", "i.id"],
    "-updated": ["i.updated_at DESC", "i.id DESC"],
    "id": ["i.id"],
}


def issues_from(rows: Iterable[Sequence], raw: bool = False) -> list:
    if raw:
        return [r[0] for r in rows]
    return [Issue.from_json(json.loads(r[0])) for r in rows]


_FROM = "FROM issues i JOIN lines l ON l.id = i.id"


def _sorted_lines(conn: sqlite3.Connection, where: list[str], args: list, keys: list[str],
                  limit: int | None, raw: bool, head: str = "") -> list:
    """Sort and cut on narrow rows first, then fetch only the lines that survive: a page of
    50 out of 10,000 beads never drags 10,000 JSON lines through the sorter. A result that is
    a large part of the ledger reads every line in one sequential scan instead of one lookup
    per bead, which is faster past a few thousand."""
    order = ", ".join(keys)
    sql = (f"{head}SELECT i.id FROM issues i" + (" WHERE " + " AND ".join(where) if where else "")
           + f" ORDER BY {order}")
    if limit is not None:
        sql += " LIMIT ?"
        args = [*args, int(limit)]
    return _lines_of(conn, [r[0] for r in conn.execute(sql, args)], raw)


def _lines_of(conn: sqlite3.Connection, ids: list[str], raw: bool) -> list:
    """The lines (or Issues) of `ids`, in that order."""
    if len(ids) > _SCAN_ABOVE:
        by_id = dict(conn.execute("SELECT id, line FROM lines"))
    else:
        by_id = {}
        for at in range(0, len(ids), 500):
            chunk = ids[at:at + 500]
            by_id.update(conn.execute(
                f"SELECT id, line FROM lines WHERE id IN ({','.join('?' * len(chunk))})", chunk))
    return issues_from(((by_id[i],) for i in ids), raw)


_SCAN_ABOVE = 2000


def _as_list(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def _filters(where: list[str], args: list, *, status=None, issue_type=None, assignee=None,
             label=None, priority=None, include_closed=False, unassigned=False,
             exclude_types: Sequence[str] = ()) -> None:
    statuses = _as_list(status)
    if statuses:
        where.append(f"i.status IN ({','.join('?' * len(statuses))})")
        args += statuses
    elif not include_closed:
        where.append(f"i.status NOT IN {DONE_SQL}")
    types = _as_list(issue_type)
    if types:
        where.append(f"i.issue_type IN ({','.join('?' * len(types))})")
        args += types
    if exclude_types:
        where.append(f"i.issue_type NOT IN ({','.join('?' * len(exclude_types))})")
        args += list(exclude_types)
    if assignee is not None:
        where.append("i.assignee = ?")
        args.append(assignee)
    if unassigned:
        where.append("(i.assignee IS NULL OR i.assignee = '')")
    for lab in _as_list(label):
        where.append("EXISTS (SELECT 1 FROM labels l WHERE l.issue_id = i.id AND l.label = ?)")
        args.append(lab)
    if priority is not None:
        where.append("i.priority = ?")
        args.append(int(priority))


# What a table of beads shows, straight from the columns (the `issues_list` index holds them
# all, in the default order).
TABLE_COLUMNS = ("id", "priority", "status", "issue_type", "assignee", "title")


def list_issues(conn: sqlite3.Connection, *, status=None, issue_type=None, assignee=None,
                label=None, priority=None, include_closed=False, unassigned=False,
                parent: str | None = None, limit: int | None = None,
                order: str = "priority", raw: bool = False, rows: bool = False,
                exclude_types: Sequence[str] = ()) -> list:
    if order not in ORDERS:
        raise LedgerError(f"unknown order {order!r}: use one of {', '.join(ORDERS)}")
    where: list[str] = []
    args: list = []
    _filters(where, args, status=status, issue_type=issue_type, assignee=assignee, label=label,
             priority=priority, include_closed=include_closed, unassigned=unassigned,
             exclude_types=exclude_types)
    _parent_filter(where, args, parent)
    if rows:
        sql = (f"SELECT {', '.join('i.' + c for c in TABLE_COLUMNS)} FROM issues i"
               + (" WHERE " + " AND ".join(where) if where else "")
               + f" ORDER BY {', '.join(ORDERS[order])}")
        if limit is not None:
            sql += " LIMIT ?"
            args.append(int(limit))
        return conn.execute(sql, args).fetchall()
    return _sorted_lines(conn, where, args, ORDERS[order], limit, raw)


def count_issues(conn: sqlite3.Connection, **filters) -> int:
    """How many beads `list_issues` gives for `filters` with no limit."""
    where: list[str] = []
    args: list = []
    parent = filters.pop("parent", None)
    _filters(where, args, **filters)
    _parent_filter(where, args, parent)
    sql = "SELECT count(*) FROM issues i" + (" WHERE " + " AND ".join(where) if where else "")
    return conn.execute(sql, args).fetchone()[0]


def _parent_filter(where: list[str], args: list, parent: str | None) -> None:
    if parent is not None:
        where.append("EXISTS (SELECT 1 FROM dependencies d WHERE d.issue_id = i.id "
                     "AND d.depends_on_id = ? AND d.type = 'parent-child')")
        args.append(parent)


def _ready_where(blocked: str, *, assignee=None, unassigned=False, label=None,
                 issue_type=None, priority=None, parent=None) -> tuple[list[str], list]:
    where = ["i.status IN ('open', 'in_progress')", "COALESCE(i.ephemeral, 0) = 0",
             # bd writes local offsets (-08:00), so compare instants, not strings; a stamp
             # SQLite cannot read defers nothing.
             "(i.defer_until IS NULL OR i.defer_until = '' OR "
             "COALESCE(julianday(i.defer_until) <= julianday(?), 1))",
             f"i.id NOT IN (SELECT id FROM {blocked})"]
    args: list = [now()]
    _filters(where, args, issue_type=issue_type, assignee=assignee, label=label,
             priority=priority, unassigned=unassigned, include_closed=True,
             exclude_types=() if issue_type else NOT_WORK_TYPES)
    _parent_filter(where, args, parent)
    return where, args


_AGE = "julianday(i.created_at)"


def ready(conn: sqlite3.Connection, *, limit: int | None = None, raw: bool = False,
          **filters) -> list:
    """Open or in-progress work that nothing unfinished blocks, ordered: beads from the last
    48 hours by priority, then older ones by age."""
    head, blocked = blocked_source(conn)
    where, args = _ready_where(blocked, **filters)
    # Imported stamps may carry local offsets (bd writes -08:00), so age is compared as an
    # instant (a Julian day); a stamp SQLite cannot read counts as old and sorts by its text.
    # The cutoff is a number of our own, so it can sit in the SQL text; that keeps the sort
    # keys free of parameters, whose positions would otherwise interleave with the filters'.
    cutoff = _dt.datetime.fromisoformat(args[0]).timestamp() / 86400 + 2440587.5 - 2
    recent = f"COALESCE({_AGE} >= {cutoff!r}, 0)"
    if limit is not None and not (filters.get("assignee") or filters.get("label")
                                  or filters.get("parent") or filters.get("priority")
                                  is not None or filters.get("issue_type")):
        return _ready_page(conn, head, where, args, cutoff, int(limit), raw)
    keys = [f"(CASE WHEN {recent} THEN 0 ELSE 1 END)",
            f"(CASE WHEN {recent} THEN i.priority ELSE 0 END)", _AGE, "i.created_at", "i.id"]
    return _sorted_lines(conn, where, args, keys, limit, raw, head=head)


def _ready_page(conn: sqlite3.Connection, head: str, where: list[str], args: list,
                cutoff: float, limit: int, raw: bool) -> list:
    """The first `limit` ready beads in `ready`'s order, walking the indexes that hold that
    order (issues_recent, issues_age) and stopping once the page is full: `bd ready` on
    10,000 beads reads a few dozen rows instead of sorting every open one. Used when no
    filter is selective (one would leave a walk going through thousands of rows to find a
    few); those go through one sort."""
    ids: list[str] = []
    cond = " AND ".join(where)

    def walk(index: str, match: str, params: list) -> None:
        sql = (f"{head}SELECT i.id FROM issues i INDEXED BY {index} WHERE {match} AND {cond} "
               f"ORDER BY {_AGE}, i.created_at, i.id LIMIT ?")
        ids.extend(r[0] for r in conn.execute(sql, [*params, *args, limit - len(ids)]))

    # Recent beads by priority: a walk from the cutoff on in each priority present, found by
    # seeking the index from the last one (NULL first, as SQLite orders it).
    row = conn.execute("SELECT priority FROM issues INDEXED BY issues_recent "
                       "ORDER BY priority LIMIT 1").fetchone()
    while row is not None and len(ids) < limit:
        priority = row[0]
        if priority is None:
            walk("issues_recent", f"i.priority IS NULL AND {_AGE} >= {cutoff!r}", [])
            row = conn.execute("SELECT priority FROM issues INDEXED BY issues_recent "
                               "WHERE priority IS NOT NULL ORDER BY priority LIMIT 1").fetchone()
        else:
            walk("issues_recent", f"i.priority = ? AND {_AGE} >= {cutoff!r}", [priority])
            row = conn.execute("SELECT priority FROM issues INDEXED BY issues_recent "
                               "WHERE priority > ? ORDER BY priority LIMIT 1",
                               (priority,)).fetchone()
    # Then the older ones by age: stamps SQLite cannot read first (their age is NULL).
    if len(ids) < limit:
        walk("issues_age", f"{_AGE} IS NULL", [])
    if len(ids) < limit:
        walk("issues_age", f"{_AGE} < {cutoff!r}", [])
    return _lines_of(conn, ids, raw)


def ready_count(conn: sqlite3.Connection, **filters) -> int:
    head, blocked = blocked_source(conn)
    where, args = _ready_where(blocked, **filters)
    return conn.execute(head + "SELECT COUNT(*) FROM issues i WHERE "
                        + " AND ".join(where), args).fetchone()[0]


@record
class BlockedIssue:
    issue: Issue
    blocked_by: list[str]

    def to_json(self) -> dict:
        return {**self.issue.to_json(), "blocked_by": self.blocked_by}


def blocked(conn: sqlite3.Connection) -> list[BlockedIssue]:
    """Unfinished beads that wait on something: an unfinished blocker, a blocked parent, or an
    explicit `blocked` status."""
    head, blocked_ids = blocked_source(conn)
    rows = conn.execute(
        head + f"SELECT i.id, l.line {_FROM} WHERE i.status NOT IN {DONE_SQL} AND "
        f"(i.id IN (SELECT id FROM {blocked_ids}) OR i.status = 'blocked') "
        "ORDER BY i.priority, i.created_at, i.id").fetchall()
    blockers: dict[str, list[str]] = {}
    for issue_id, blocker in conn.execute(
            head + "SELECT d.issue_id, d.depends_on_id FROM dependencies d "
            f"JOIN issues b ON b.id = d.depends_on_id WHERE b.status NOT IN {DONE_SQL} AND "
            f"(d.type IN {BLOCKING_SQL} OR (d.type = 'parent-child' AND "
            f"b.id IN (SELECT id FROM {blocked_ids}))) ORDER BY d.issue_id, d.depends_on_id"):
        blockers.setdefault(issue_id, []).append(blocker)
    return [BlockedIssue(Issue.from_json(json.loads(line)), blockers.get(issue_id, []))
            for issue_id, line in rows]


def search(conn: sqlite3.Connection, text: str, *, include_closed=True,
           limit: int | None = None, raw: bool = False) -> list:
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    where = ["(i.id LIKE ? ESCAPE '\\' OR i.title LIKE ? ESCAPE '\\' OR "
             "i.description LIKE ? ESCAPE '\\' OR i.notes LIKE ? ESCAPE '\\')"]
    args: list = [pattern] * 4
    if not include_closed:
        where.append(f"i.status NOT IN {DONE_SQL}")
    return _sorted_lines(conn, where, args, ORDERS["priority"], limit, raw)


@record
class Stats:
    total: int
    by_status: dict[str, int]
    by_type: dict[str, int]
    ready: int
    blocked: int

    def render_text(self) -> str:
        lines = [f"total:   {self.total}", f"ready:   {self.ready}",
                 f"blocked: {self.blocked}", "by status:"]
        lines += [f"  {visible(k)}: {v}" for k, v in self.by_status.items()]
        lines.append("by type:")
        lines += [f"  {visible(k)}: {v}" for k, v in self.by_type.items()]
        return "\n".join(lines)


def stats(conn: sqlite3.Connection) -> Stats:
    by_status = dict(conn.execute(
        "SELECT status, COUNT(*) FROM issues GROUP BY status ORDER BY status"))
    by_type = dict(conn.execute(
        "SELECT issue_type, COUNT(*) FROM issues GROUP BY issue_type ORDER BY issue_type"))
    head, blocked_ids = blocked_source(conn)
    n_blocked = conn.execute(
        head + f"SELECT COUNT(*) FROM issues i WHERE i.status NOT IN {DONE_SQL} AND "
        f"(i.id IN (SELECT id FROM {blocked_ids}) OR i.status = 'blocked')").fetchone()[0]
    return Stats(sum(by_status.values()), by_status, by_type, ready_count(conn), n_blocked)
