"""The Ledger: every read and write of beads goes through here.

Each mutating call is one transaction (nesting joins the outer one) that ends by exporting
`issues.jsonl`; opening a ledger first imports the JSONL if something outside changed it.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..files import write_atomic
from . import ids, query, store, sync
from .fields import check_fields, check_label, parse_dep_spec, parse_priority
from .links import LinksMixin
from .locate import default_actor
from .model import DONE_STATUSES, SCALAR_FIELDS, ClaimError, Issue, LedgerError, now

__all__ = ["Ledger", "parse_priority"]

GITIGNORE = "beads.db\nbeads.db-wal\nbeads.db-shm\n.*.tmp\n"


class Ledger(ids.IdsMixin, LinksMixin, sync.SyncMixin):
    def __init__(self, beads_dir: Path, conn: sqlite3.Connection, prefix: str, actor: str):
        self.beads_dir = beads_dir
        self.conn = conn
        self.prefix = prefix
        self.actor = actor
        self.warnings: list[str] = []   # problems found while importing, for the caller to show
        self._depth = 0
        self._dirty: set[str] = set()
        # Lines of dirty beads as last exported, kept when a read inside the transaction
        # rebuilds them: the common base if a git pull changes the same beads meanwhile.
        self._bases: dict[str, str | None] = {}
        self._force_export = False

    # ------------------------------------------------------------------ opening

    @classmethod
    def init(cls, beads_dir: Path, prefix: str, actor: str | None = None) -> "Ledger":
        """Create (or adopt) the ledger in `beads_dir`: db, config, JSONL, .gitignore."""
        ids.check_prefix(prefix)
        beads_dir = Path(beads_dir)
        try:
            return cls._init(beads_dir, prefix, actor)
        except OSError as e:
            raise LedgerError(f"cannot create the ledger in {beads_dir}: "
                              f"{e.strerror or e}") from None

    @classmethod
    def _init(cls, beads_dir: Path, prefix: str, actor: str | None) -> "Ledger":
        beads_dir.mkdir(parents=True, exist_ok=True)
        db = beads_dir / store.DB_NAME
        if db.exists():
            conn = store.connect(db)
            with contextlib.suppress(sqlite3.OperationalError):
                old = store.get_meta(conn, "prefix")
                if old and old != prefix:
                    conn.close()
                    raise LedgerError(f"{beads_dir} already holds ledger '{old}'; "
                                      f"use --prefix {old} or another directory")
            conn.close()
        config = beads_dir / store.CONFIG_NAME
        if not config.exists():
            write_atomic(config, f'# beads ledger settings\nprefix = "{prefix}"\n')
        gitignore = beads_dir / ".gitignore"
        if not gitignore.exists():
            write_atomic(gitignore, GITIGNORE)
        led = cls.open(beads_dir, actor)
        if not (beads_dir / store.JSONL_NAME).exists():
            with led.transaction():
                led._force_export = True
        return led

    @classmethod
    def open(cls, beads_dir: Path, actor: str | None = None) -> "Ledger":
        beads_dir = Path(beads_dir)
        if not beads_dir.is_dir():
            raise LedgerError(f"no beads ledger at {beads_dir}: run 'bd init' first")
        if not os.access(beads_dir, os.R_OK | os.X_OK):
            from ..files import owner_of

            owner = owner_of(beads_dir) or "another user"
            raise LedgerError(f"the ledger in {beads_dir} belongs to {owner}: it is private to "
                              f"its owner, so run the command as {owner}")
        db = beads_dir / store.DB_NAME
        fresh = not db.exists()
        if fresh and not ((beads_dir / store.CONFIG_NAME).exists()
                          or (beads_dir / store.JSONL_NAME).exists()):
            raise LedgerError(f"no beads ledger in {beads_dir}: run 'bd init' first")
        try:
            conn = store.connect(db)
            prefix = cls._prepare(conn, db, beads_dir)
        except (sqlite3.Error, OSError) as e:
            explained = store.explain(e, beads_dir)
            if explained is None:
                raise
            raise explained from None
        led = cls(beads_dir, conn, prefix, actor or default_actor(os.environ))
        if fresh:
            # A fresh clone: route its ledger file through our merge driver. Another bd
            # starting at the same moment may hold git's config lock; one of them succeeds.
            try:
                sync.register_merge_driver(beads_dir)
            except Exception as e:  # noqa: BLE001 - pygit2 raises several types here
                led.warnings.append(f"could not register the git merge driver ({e}); "
                                    "run 'bd init' in this clone")
        led.sync_in()
        return led

    @staticmethod
    def _prepare(conn: sqlite3.Connection, db: Path, beads_dir: Path) -> str:
        """The ledger's prefix, after creating or upgrading the schema when needed."""
        try:
            prefix = store.get_meta(conn, "prefix")
        except sqlite3.OperationalError:
            prefix = None
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            if "meta" in names:     # another bd just created the schema: ours after all
                prefix = store.get_meta(conn, "prefix")
            elif "issues" in names:
                conn.close()
                raise LedgerError(f"{db} belongs to another beads tool (the Go bd?): move it "
                                  "aside and run bd again; the ledger is rebuilt from "
                                  "issues.jsonl") from None
        if prefix is None:
            prefix = sync.configured_prefix(beads_dir)
            store.create_schema(conn, prefix)
            prefix = store.get_meta(conn, "prefix") or prefix
        schema = store.get_meta(conn, "schema")
        if schema in store.UPGRADABLE:
            store.upgrade_schema(conn)
            schema = store.get_meta(conn, "schema")
        if schema != store.SCHEMA_VERSION:
            conn.close()
            raise LedgerError(f"{db} is from another version of the ledger (schema {schema}, "
                              f"this one uses {store.SCHEMA_VERSION}): remove {db.name}* and run "
                              "bd again; it is rebuilt from issues.jsonl")
        return prefix

    def close_db(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close_db()

    @property
    def jsonl_path(self) -> Path:
        return self.beads_dir / store.JSONL_NAME

    # ------------------------------------------------------------------ transactions

    @contextlib.contextmanager
    def transaction(self) -> Iterator["Ledger"]:
        """Several changes as one atomic unit; the JSONL is exported once at the end (see
        `store`: written before the commit, put in place after it)."""
        if self._depth:
            name = f"sp{self._depth}"
            self.conn.execute(f"SAVEPOINT {name}")
            self._depth += 1
            try:
                yield self
            except BaseException:
                self.conn.execute(f"ROLLBACK TO {name}")
                self.conn.execute(f"RELEASE {name}")
                raise
            finally:
                self._depth -= 1
            self.conn.execute(f"RELEASE {name}")
            return
        export = None
        try:
            with store.write_lock(self.conn):
                self._depth, self._dirty, self._bases, self._force_export = 1, set(), {}, False
                try:
                    yield self
                    export = self._finish()
                finally:
                    self._depth = 0
        except BaseException as e:
            if export is not None:
                export.discard()
            explained = store.explain(e, self.beads_dir)
            if explained is None:
                raise
            raise explained from None
        if export is not None:
            self._publish(export)

    def _finish(self) -> store.Export | None:
        store.refresh_blocked(self.conn)
        lagging = store.export_lags(self.conn)
        if not self._dirty and not self._force_export and not lagging:
            return None
        try:
            self._absorb_outside_edits()
            store.refresh_lines(self.conn, self._dirty)
            self.conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 "
                              "WHERE key = 'changes'")
            change = int(store.get_meta(self.conn, "changes", "0") or 0)
            whole = self._force_export or lagging
            export = store.prepare_export(self.conn, self.jsonl_path,
                                          None if whole else self._dirty, change)
        except OSError as e:    # disk full, read-only: the transaction rolls back whole
            raise store.explain(e, self.beads_dir) or LedgerError(
                f"cannot write {self.jsonl_path}: {e.strerror or e}; nothing was changed") \
                from None
        self._dirty = set()
        return export

    def _publish(self, export: store.Export) -> None:
        """Put the committed transaction's export in place. The change is committed whatever
        happens here: a failure leaves the export lagging, for the next open to redo."""
        try:
            with store.write_lock(self.conn):
                store.publish_export(self.conn, self.jsonl_path, export)
        except BaseException as e:
            export.discard()
            if not isinstance(e, Exception):
                raise
            if not export.placed:
                why = store.explain(e, self.beads_dir) or e
                self.warnings.append(f"the change is saved in {store.DB_NAME}, but "
                                     f"{self.jsonl_path} is not updated yet ({why}); the next "
                                     "bd command updates it")

    def change_token(self) -> int:
        """Changes whenever any process commits a change to this ledger."""
        return int(store.get_meta(self.conn, "changes", "0") or 0)

    def _actor(self, actor: str | None) -> str:
        return actor or self.actor

    def _event(self, issue_id: str, kind: str, actor: str | None, old: Any = None,
               new: Any = None, stamp: str | None = None) -> None:
        self.conn.execute(
            "INSERT INTO events(issue_id, event_type, actor, old_value, new_value, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (issue_id, kind, self._actor(actor), None if old is None else str(old),
             None if new is None else str(new), stamp or now()))

    def _touch(self, issue_id: str, stamp: str) -> None:
        self.conn.execute("UPDATE issues SET updated_at=? WHERE id=?", (stamp, issue_id))
        self._dirty.add(issue_id)

    # ------------------------------------------------------------------ reading

    def get(self, id_or_prefix: str) -> Issue:
        issue_id = self.resolve(id_or_prefix)
        if issue_id in self._dirty:   # changed in this transaction; its line is built at commit
            return Issue.from_json(store.render_record(self.conn, issue_id))
        row = self.conn.execute("SELECT line FROM lines WHERE id=?", (issue_id,)).fetchone()
        return Issue.from_json(json.loads(row[0]))

    def exists(self, issue_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM issues WHERE id=?", (issue_id,)).fetchone() \
            is not None

    def list(self, status=None, issue_type=None, assignee=None, label=None, priority=None,
             include_closed=False, limit=None, *, unassigned=False, parent=None,
             order="priority", raw=False, rows=False, exclude_types=()) -> list[Issue]:
        """Beads matching every filter given, none of `exclude_types`. `raw=True` returns
        their JSONL lines instead (for callers that only pass JSON on); `rows=True` returns
        what a table of beads shows, `query.TABLE_COLUMNS` as stored (a missing priority is
        None, a missing text None or ""), read from the columns without a line parsed."""
        self._flush_lines()
        return query.list_issues(
            self.conn, status=status, issue_type=issue_type, assignee=assignee, label=label,
            priority=priority, include_closed=include_closed, unassigned=unassigned,
            parent=None if parent is None else self.resolve(parent), limit=limit, order=order,
            raw=raw, rows=rows, exclude_types=exclude_types)

    def count(self, status=None, issue_type=None, assignee=None, label=None, priority=None,
              include_closed=False, *, unassigned=False, parent=None, exclude_types=()) -> int:
        """How many beads `list` gives for the same filters with no limit."""
        return query.count_issues(
            self.conn, status=status, issue_type=issue_type, assignee=assignee, label=label,
            priority=priority, include_closed=include_closed, unassigned=unassigned,
            parent=None if parent is None else self.resolve(parent),
            exclude_types=exclude_types)

    def ready(self, *, assignee=None, unassigned=False, label=None, issue_type=None,
              priority=None, parent=None, limit=None, raw=False) -> list[Issue]:
        self._flush_lines()
        return query.ready(self.conn, assignee=assignee, unassigned=unassigned, label=label,
                           issue_type=issue_type, priority=priority,
                           parent=None if parent is None else self.resolve(parent),
                           limit=limit, raw=raw)

    def ready_count(self, *, assignee=None, unassigned=False, label=None,
                    issue_type=None) -> int:
        """How many beads `ready` gives with no limit."""
        self._flush_lines()
        return query.ready_count(self.conn, assignee=assignee, unassigned=unassigned,
                                 label=label, issue_type=issue_type)

    def blocked(self) -> list[query.BlockedIssue]:
        self._flush_lines()
        return query.blocked(self.conn)

    def search(self, text: str, *, include_closed=True, limit=None, raw=False) -> list[Issue]:
        self._flush_lines()
        return query.search(self.conn, text, include_closed=include_closed, limit=limit,
                            raw=raw)

    def stats(self) -> query.Stats:
        self._flush_lines()
        return query.stats(self.conn)

    def _flush_lines(self) -> None:
        """Inside a transaction, make reads see the lines of beads changed so far."""
        if self._dirty:
            for issue_id in self._dirty - self._bases.keys():
                row = self.conn.execute("SELECT line FROM lines WHERE id=?",
                                        (issue_id,)).fetchone()
                self._bases[issue_id] = row and row[0]
            store.refresh_lines(self.conn, self._dirty)

    # ------------------------------------------------------------------ writing

    def create(self, title: str, *, description: str = "", priority: int | str = 2,
               issue_type: str = "task", assignee: str | None = None,
               labels: Iterable[str] = (), parent: str | None = None,
               deps: Iterable[str | tuple[str, str]] = (), id_prefix: str | None = None,
               status: str = "open", actor: str | None = None, **extra: Any) -> Issue:
        fields = check_fields({"title": title, "description": description or "",
                                     "priority": priority, "issue_type": issue_type,
                                     "assignee": assignee or None, "status": status, **extra})
        labels = [check_label(x) for x in labels]
        dep_specs = [parse_dep_spec(d) for d in deps]
        if id_prefix is not None:
            ids.check_prefix(id_prefix)
        who = self._actor(actor)
        with self.transaction():
            stamp = now()
            if parent:
                parent_id = self.resolve(parent)
                new_id = self._child_id(parent_id)
            else:
                new_id = self._new_id(id_prefix or self.prefix, fields["title"],
                                      fields["description"], who, stamp)
            row = {**fields, "id": new_id, "created_at": stamp, "created_by": who,
                   "updated_at": stamp}
            if fields["status"] in DONE_STATUSES:
                row["closed_at"] = stamp
            cols = ", ".join(row)
            self.conn.execute(f"INSERT INTO issues({cols}) VALUES ({', '.join('?' * len(row))})",
                              list(row.values()))
            self.conn.executemany("INSERT OR IGNORE INTO labels(issue_id, label) VALUES (?, ?)",
                                  [(new_id, x) for x in labels])
            self._dirty.add(new_id)
            self._event(new_id, "created", who, new=fields["title"], stamp=stamp)
            if parent:
                self.add_dependency(new_id, parent_id, "parent-child", actor=who)
            for dep_type, target in dep_specs:
                self.add_dependency(new_id, target, dep_type, actor=who)
            return self.get(new_id)

    def update(self, issue_id: str, *, actor: str | None = None, **fields: Any) -> Issue:
        changes = check_fields(fields)
        with self.transaction():
            rid = self.resolve(issue_id)
            cur = dict(zip(SCALAR_FIELDS, self.conn.execute(
                f"SELECT {store.ROW_COLUMNS} FROM issues WHERE id=?", (rid,)).fetchone()))
            changes = {k: v for k, v in changes.items() if cur.get(k) != v}
            if not changes:
                return self.get(rid)
            stamp = now()
            if "status" in changes:
                was_done = cur["status"] in DONE_STATUSES
                is_done = changes["status"] in DONE_STATUSES
                if is_done and not was_done:
                    changes["closed_at"] = stamp
                elif was_done and not is_done:
                    changes["closed_at"] = None
                    changes.setdefault("close_reason", None)
            changes["updated_at"] = stamp
            sets = ", ".join(f"{k}=?" for k in changes)
            self.conn.execute(f"UPDATE issues SET {sets} WHERE id=?", [*changes.values(), rid])
            self._dirty.add(rid)
            for key, value in changes.items():
                if key in ("updated_at", "closed_at") or (key == "close_reason" and value is None
                                                          and "status" in changes):
                    continue
                if key == "status":
                    kind = ("closed" if value in DONE_STATUSES and cur["status"] not in
                            DONE_STATUSES else "reopened" if cur["status"] in DONE_STATUSES
                            else "status_changed")
                    self._event(rid, kind, actor, cur["status"], value, stamp)
                else:
                    self._event(rid, "updated", actor, json.dumps({key: cur.get(key)}),
                                json.dumps({key: value}), stamp)
            return self.get(rid)

    def claim(self, issue_id: str, actor: str | None = None) -> Issue:
        """Atomically take an open, unassigned bead: assignee = actor, status in_progress.
        A bead already yours (slung to your hook, or claimed before) just goes in_progress;
        any other state raises ClaimError."""
        who = self._actor(actor)
        with self.transaction():
            rid = self.resolve(issue_id)
            stamp = now()
            status, holder = self.conn.execute(
                "SELECT status, assignee FROM issues WHERE id=?", (rid,)).fetchone()
            # The write lock is held, so this check and the update below cannot interleave
            # with another claim; the WHERE clause states the rule once more regardless.
            won = self.conn.execute(
                "UPDATE issues SET assignee=?, status='in_progress', updated_at=? "
                "WHERE id=? AND ((status='open' AND (assignee IS NULL OR assignee='')) "
                "OR (assignee=? AND status IN ('open', 'hooked')))",
                (who, stamp, rid, who)).rowcount
            if won:
                self._dirty.add(rid)
                self._event(rid, "claimed", who, holder, who, stamp)
                self._event(rid, "status_changed", who, status, "in_progress", stamp)
                return self.get(rid)
            if holder == who and status == "in_progress":
                return self.get(rid)
            if holder:
                raise ClaimError(f"{rid} is already claimed by {holder} ({status}); "
                                 "pick another with 'bd ready --unassigned'")
            raise ClaimError(f"{rid} is {status}, not open; only open beads can be claimed")

    def close(self, issue_id: str, reason: str | None = None, *,
              actor: str | None = None) -> Issue:
        with self.transaction():
            issue = self.get(issue_id)
            if issue.is_closed:
                raise LedgerError(f"{issue.id} is already closed")
            return self.update(issue.id, actor=actor, status="closed", close_reason=reason)

    def discard(self, issue_id: str) -> None:
        """Take back a bead as if it had never been made: the undo of a create whose operation
        failed later on (a sling rolled back). Refused when another bead depends on it; a bead
        that lived (git may hold it) is closed or tombstoned instead, never discarded."""
        with self.transaction():
            rid = self.resolve(issue_id)
            others = [r[0] for r in self.conn.execute(
                "SELECT issue_id FROM dependencies WHERE depends_on_id=? AND issue_id!=?",
                (rid, rid))]
            if others:
                raise LedgerError(f"{rid} cannot be discarded: {', '.join(others[:3])} "
                                  "depend on it")
            for table, column in (("issues", "id"), ("labels", "issue_id"),
                                  ("dependencies", "issue_id"), ("comments", "issue_id"),
                                  ("events", "issue_id"), ("lines", "id"),
                                  ("child_counters", "parent_id")):
                self.conn.execute(f"DELETE FROM {table} WHERE {column}=?", (rid,))
            self._dirty.add(rid)    # its line goes from the export

    def reopen(self, issue_id: str, *, actor: str | None = None) -> Issue:
        with self.transaction():
            issue = self.get(issue_id)
            if not issue.is_closed:
                raise LedgerError(f"{issue.id} is not closed (it is {issue.status})")
            return self.update(issue.id, actor=actor, status="open")
