"""Links between beads and what hangs off them: dependencies, labels, comments, the event log.

A mixin of `Ledger` (which provides conn, transaction, resolve, get and the event helpers).
"""

from __future__ import annotations

from .fields import check_label
from .model import (BLOCKING_DEP_TYPES, DEP_TYPES, Comment, Dependency, Event, Issue,
                    LedgerError, now)


class LinksMixin:
    def dependencies(self, issue_id: str) -> list[Dependency]:
        return self._deps("issue_id", self.resolve(issue_id))

    def dependents(self, issue_id: str) -> list[Dependency]:
        # Ids of other ledgers can be tracked from here.
        return self._deps("depends_on_id", self.find(issue_id) or issue_id.strip())

    def _deps(self, column: str, value: str) -> list[Dependency]:
        return [Dependency(*r) for r in self.conn.execute(
            "SELECT issue_id, depends_on_id, type, COALESCE(created_at, ''), "
            f"COALESCE(created_by, '') FROM dependencies WHERE {column}=? "
            "ORDER BY issue_id, depends_on_id", (value,))]

    def labels(self, issue_id: str) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT label FROM labels WHERE issue_id=? ORDER BY label", (self.resolve(issue_id),))]

    def all_labels(self) -> dict[str, int]:
        return dict(self.conn.execute(
            "SELECT label, COUNT(*) FROM labels GROUP BY label ORDER BY label"))

    def comments(self, issue_id: str) -> list[Comment]:
        return [Comment(*r) for r in self.conn.execute(
            "SELECT id, issue_id, author, text, created_at FROM comments WHERE issue_id=? "
            "ORDER BY created_at, id", (self.resolve(issue_id),))]

    def last_event_id(self) -> int:
        """The newest event's id (0 for none): a mark to pass as `events(since=...)` later."""
        return self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0]

    def events(self, issue_id: str | None = None, since: int | str | None = None,
               limit: int | None = None) -> list[Event]:
        """The audit log, oldest first; `since` is an event id (int) or a timestamp (str)."""
        where, args = [], []
        if issue_id is not None:
            where.append("issue_id = ?")
            args.append(self.resolve(issue_id))
        if isinstance(since, int):
            where.append("id > ?")
            args.append(since)
        elif since:
            where.append("created_at > ?")
            args.append(since)
        sql = "SELECT id, issue_id, event_type, actor, old_value, new_value, created_at " \
              "FROM events" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(int(limit))
        return [Event(*r) for r in self.conn.execute(sql, args)]

    def add_dependency(self, issue_id: str, depends_on_id: str, type: str = "blocks", *,
                       actor: str | None = None) -> Dependency:
        """`issue_id` depends on `depends_on_id`. Blocking types need both beads here and must
        not close a cycle; other types may point at beads of other ledgers."""
        if type not in DEP_TYPES:
            raise LedgerError(f"unknown dependency type '{type}': use one of "
                              f"{', '.join(DEP_TYPES)}")
        with self.transaction():
            src = self.resolve(issue_id)
            dst = self.find(depends_on_id)
            if dst is None:
                if type in BLOCKING_DEP_TYPES:
                    raise LedgerError(f"cannot add '{type}' dependency: no bead "
                                      f"'{depends_on_id}' in ledger '{self.prefix}' (only "
                                      "non-blocking types may point outside it)")
                dst = depends_on_id.strip()
            if src == dst:
                raise LedgerError(f"{src} cannot depend on itself")
            old = self.conn.execute("SELECT type FROM dependencies WHERE issue_id=? AND "
                                    "depends_on_id=?", (src, dst)).fetchone()
            if old:
                if old[0] == type:
                    return next(d for d in self._deps("issue_id", src) if d.depends_on_id == dst)
                raise LedgerError(f"{src} already depends on {dst} as '{old[0]}'; "
                                  f"remove that first with 'bd dep remove {src} {dst}'")
            if type in BLOCKING_DEP_TYPES:
                cycle = self._path(dst, src)
                if cycle:
                    raise LedgerError("that would make a cycle: " + " -> ".join([src, *cycle]))
            who = self._actor(actor)
            stamp = now()
            self.conn.execute(
                "INSERT INTO dependencies(issue_id, depends_on_id, type, created_at, created_by)"
                " VALUES (?, ?, ?, ?, ?)", (src, dst, type, stamp, who))
            self._touch(src, stamp)
            self._event(src, "dependency_added", who, None, f"{type}:{dst}", stamp)
            return Dependency(src, dst, type, stamp, who)

    def _path(self, start: str, goal: str) -> list[str] | None:
        """A chain of blocking dependencies from `start` to `goal`, if there is one."""
        blocking = tuple(BLOCKING_DEP_TYPES)
        marks = ",".join("?" * len(blocking))
        came_from: dict[str, str | None] = {start: None}
        frontier = [start]
        while frontier:
            nxt = []
            for node in frontier:
                for (target,) in self.conn.execute(
                        f"SELECT depends_on_id FROM dependencies WHERE issue_id=? AND type IN "
                        f"({marks})", (node, *blocking)):
                    if target in came_from:
                        continue
                    came_from[target] = node
                    if target == goal:
                        path, at = [], target
                        while at is not None:
                            path.append(at)
                            at = came_from[at]
                        return path[::-1]
                    nxt.append(target)
            frontier = nxt
        return None

    def remove_dependency(self, issue_id: str, depends_on_id: str, *,
                          actor: str | None = None) -> Dependency:
        with self.transaction():
            src = self.resolve(issue_id)
            dst = self.find(depends_on_id) or depends_on_id.strip()
            row = self.conn.execute("SELECT type FROM dependencies WHERE issue_id=? AND "
                                    "depends_on_id=?", (src, dst)).fetchone()
            if row is None:
                raise LedgerError(f"{src} does not depend on {dst}")
            self.conn.execute("DELETE FROM dependencies WHERE issue_id=? AND depends_on_id=?",
                              (src, dst))
            stamp = now()
            self._touch(src, stamp)
            self._event(src, "dependency_removed", actor, f"{row[0]}:{dst}", None, stamp)
            return Dependency(src, dst, row[0])

    def add_label(self, issue_id: str, label: str, *, actor: str | None = None) -> Issue:
        label = check_label(label)
        with self.transaction():
            rid = self.resolve(issue_id)
            if self.conn.execute("INSERT OR IGNORE INTO labels(issue_id, label) VALUES (?, ?)",
                                 (rid, label)).rowcount:
                stamp = now()
                self._touch(rid, stamp)
                self._event(rid, "label_added", actor, None, label, stamp)
            return self.get(rid)

    def remove_label(self, issue_id: str, label: str, *, actor: str | None = None) -> Issue:
        with self.transaction():
            rid = self.resolve(issue_id)
            if not self.conn.execute("DELETE FROM labels WHERE issue_id=? AND label=?",
                                     (rid, label)).rowcount:
                raise LedgerError(f"{rid} has no label '{label}'")
            stamp = now()
            self._touch(rid, stamp)
            self._event(rid, "label_removed", actor, label, None, stamp)
            return self.get(rid)

    def add_comment(self, issue_id: str, text: str, *, author: str | None = None) -> Comment:
        if not (text or "").strip():
            raise LedgerError("a comment needs some text")
        who = self._actor(author)
        with self.transaction():
            rid = self.resolve(issue_id)
            stamp = now()
            cid = self.conn.execute(
                "INSERT INTO comments(issue_id, author, text, created_at) VALUES (?, ?, ?, ?)",
                (rid, who, text, stamp)).lastrowid
            self._touch(rid, stamp)
            self._event(rid, "commented", who, None, text, stamp)
            return Comment(cid, rid, who, text, stamp)
