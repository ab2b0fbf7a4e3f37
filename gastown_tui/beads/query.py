"""Read-side queries: list, ready, blocked, search, stats. Each is a few indexed SQL statements;
rows come back as their cached JSONL lines, so building an Issue never needs another query, and
callers that only pass JSON on (`raw=True`) never parse at all."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import sqlite3
from typing import Iterable, Sequence

from ..visible import visible
from .model import (BLOCKING_DEP_TYPES, DONE_STATUSES, NOT_WORK_TYPES, Issue, LedgerError,
                    now)

_DONE = "('" + "','".join(DONE_STATUSES) + "')"
_BLOCKS = "('" + "','".join(t for t in BLOCKING_DEP_TYPES if t != "parent-child") + "')"

# Beads blocked directly by an unfinished blocker, or through a blocked parent.
BLOCKED_CTE = f"""
WITH RECURSIVE blocked(id) AS (
    SELECT d.issue_id FROM dependencies d JOIN issues b ON b.id = d.depends_on_id
     WHERE d.type IN {_BLOCKS} AND b.status NOT IN {_DONE}
    UNION
    SELECT d.issue_id FROM dependencies d JOIN blocked p ON d.depends_on_id = p.id
     WHERE d.type = 'parent-child'
)
"""

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
    ids = [r[0] for r in conn.execute(sql, args)]
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
        where.append(f"i.status NOT IN {_DONE}")
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


def list_issues(conn: sqlite3.Connection, *, status=None, issue_type=None, assignee=None,
                label=None, priority=None, include_closed=False, unassigned=False,
                parent: str | None = None, limit: int | None = None,
                order: str = "priority", raw: bool = False,
                exclude_types: Sequence[str] = ()) -> list:
    if order not in ORDERS:
        raise LedgerError(f"unknown order {order!r}: use one of {', '.join(ORDERS)}")
    where: list[str] = []
    args: list = []
    _filters(where, args, status=status, issue_type=issue_type, assignee=assignee, label=label,
             priority=priority, include_closed=include_closed, unassigned=unassigned,
             exclude_types=exclude_types)
    _parent_filter(where, args, parent)
    return _sorted_lines(conn, where, args, ORDERS[order], limit, raw)


def _parent_filter(where: list[str], args: list, parent: str | None) -> None:
    if parent is not None:
        where.append("EXISTS (SELECT 1 FROM dependencies d WHERE d.issue_id = i.id "
                     "AND d.depends_on_id = ? AND d.type = 'parent-child')")
        args.append(parent)


def _ready_where(*, assignee=None, unassigned=False, label=None, issue_type=None,
                 priority=None, parent=None) -> tuple[list[str], list]:
    where = ["i.status IN ('open', 'in_progress')", "COALESCE(i.ephemeral, 0) = 0",
             # bd writes local offsets (-08:00), so compare instants, not strings; a stamp
             # SQLite cannot read defers nothing.
             "(i.defer_until IS NULL OR i.defer_until = '' OR "
             "COALESCE(julianday(i.defer_until) <= julianday(?), 1))",
             "i.id NOT IN (SELECT id FROM blocked)"]
    args: list = [now()]
    _filters(where, args, issue_type=issue_type, assignee=assignee, label=label,
             priority=priority, unassigned=unassigned, include_closed=True,
             exclude_types=() if issue_type else NOT_WORK_TYPES)
    _parent_filter(where, args, parent)
    return where, args


def ready(conn: sqlite3.Connection, *, limit: int | None = None, raw: bool = False,
          **filters) -> list:
    """Open or in-progress work that nothing unfinished blocks, ordered: beads from the last
    48 hours by priority, then older ones by age."""
    where, args = _ready_where(**filters)
    # Imported stamps may carry local offsets (bd writes -08:00), so age is compared as an
    # instant (a Julian day); a stamp SQLite cannot read counts as old and sorts by its text.
    # The cutoff is a number of our own, so it can sit in the SQL text; that keeps the sort
    # keys free of parameters, whose positions would otherwise interleave with the filters'.
    cutoff = _dt.datetime.fromisoformat(args[0]).timestamp() / 86400 + 2440587.5 - 2
    age = "julianday(i.created_at)"
    recent = f"COALESCE({age} >= {cutoff!r}, 0)"
    keys = [f"(CASE WHEN {recent} THEN 0 ELSE 1 END)",
            f"(CASE WHEN {recent} THEN i.priority ELSE 0 END)", age, "i.created_at", "i.id"]
    return _sorted_lines(conn, where, args, keys, limit, raw, head=BLOCKED_CTE)


def ready_count(conn: sqlite3.Connection, **filters) -> int:
    where, args = _ready_where(**filters)
    return conn.execute(BLOCKED_CTE + "SELECT COUNT(*) FROM issues i WHERE "
                        + " AND ".join(where), args).fetchone()[0]


@dataclasses.dataclass
class BlockedIssue:
    issue: Issue
    blocked_by: list[str]

    def to_json(self) -> dict:
        return {**self.issue.to_json(), "blocked_by": self.blocked_by}


def blocked(conn: sqlite3.Connection) -> list[BlockedIssue]:
    """Unfinished beads that wait on something: an unfinished blocker, a blocked parent, or an
    explicit `blocked` status."""
    rows = conn.execute(
        BLOCKED_CTE + f"SELECT i.id, l.line {_FROM} WHERE i.status NOT IN {_DONE} AND "
        "(i.id IN (SELECT id FROM blocked) OR i.status = 'blocked') "
        "ORDER BY i.priority, i.created_at, i.id").fetchall()
    blockers: dict[str, list[str]] = {}
    for issue_id, blocker in conn.execute(
            BLOCKED_CTE + "SELECT d.issue_id, d.depends_on_id FROM dependencies d "
            f"JOIN issues b ON b.id = d.depends_on_id WHERE b.status NOT IN {_DONE} AND "
            f"(d.type IN {_BLOCKS} OR (d.type = 'parent-child' AND "
            "b.id IN (SELECT id FROM blocked))) ORDER BY d.issue_id, d.depends_on_id"):
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
        where.append(f"i.status NOT IN {_DONE}")
    return _sorted_lines(conn, where, args, ORDERS["priority"], limit, raw)


@dataclasses.dataclass
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
    n_blocked = conn.execute(
        BLOCKED_CTE + f"SELECT COUNT(*) FROM issues i WHERE i.status NOT IN {_DONE} AND "
        "(i.id IN (SELECT id FROM blocked) OR i.status = 'blocked')").fetchone()[0]
    return Stats(sum(by_status.values()), by_status, by_type, ready_count(conn), n_blocked)
