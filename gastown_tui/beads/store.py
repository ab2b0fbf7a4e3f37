"""The SQLite store under `.beads/`: schema, connection, transactions, and the JSONL mirror.

SQLite in WAL mode is the working store; `issues.jsonl` is its git-tracked export. Every
transaction takes the write lock up front (`BEGIN IMMEDIATE`), so concurrent processes queue on
the busy timeout instead of failing to upgrade a read lock.

A change reaches the export in two steps, so that a command that fails changed nothing and one
that succeeds is in both stores. Under the transaction's lock the new export is written to a
temp file beside `issues.jsonl` (a full disk fails here, and the transaction rolls back); the
transaction commits; then, under the write lock again, the temp file is renamed into place if no
later commit has exported since. `meta.exported` names the commit (`meta.changes`) the file
shows: when it lags (a process killed between the steps), the next ledger opened exports again.
Until then the file shows the state before that commit, never a change that was rolled back.

Each issue's JSONL line is cached in `lines` (a narrow table clustered by id), rebuilt only
for issues a transaction touched, so an export of 10,000 beads is one sequential scan and one
write.

The ids of beads that something unfinished blocks are kept in `blocked_ids`, brought up to
date in the transaction that changed what blocks what (triggers list the beads to look at
again in `blocked_dirty`), so `bd ready` looks them up instead of walking every dependency:
every committed state has it exact, and a read that finds beads listed (inside a transaction
that has not finished) computes the set instead.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sqlite3
import time
import zlib
from pathlib import Path
from typing import Any, Iterator

from ..files import (PRIVATE_FILE, is_no_space, low_space, no_space_message, os_error_message,
                     owner_of, pid_alive, temp_beside)
from ..records import record
from .model import (BLOCKING_DEP_TYPES, DONE_STATUSES, SCALAR_FIELDS, LedgerError, NoSpaceError,
                    dumps, record_from_row)

DB_NAME = "beads.db"
JSONL_NAME = "issues.jsonl"
CONFIG_NAME = "config.toml"
REJECTED_NAME = "issues.jsonl.rejected"
SCHEMA_VERSION = "5"
# Versions whose databases become current by running SCHEMA and TRIGGERS again (they only add
# indexes, the blocked_ids table and its triggers).
UPGRADABLE = ("2", "3", "4")
BUSY_TIMEOUT_S = 60.0

_COLUMNS = ",\n    ".join(
    f"{f} INTEGER" if f in ("priority", "estimated_minutes", "ephemeral", "pinned", "is_template")
    else f"{f} TEXT" for f in SCALAR_FIELDS if f != "id")

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS issues (
    id TEXT PRIMARY KEY,
    {_COLUMNS},
    extra TEXT
);
CREATE TABLE IF NOT EXISTS lines (
    id TEXT PRIMARY KEY,
    line TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS issues_status ON issues(status, priority);
CREATE INDEX IF NOT EXISTS issues_ready ON issues(status, issue_type, ephemeral, defer_until,
                                                 assignee, priority, created_at, id);
CREATE INDEX IF NOT EXISTS issues_assignee ON issues(assignee, issue_type, status);
CREATE INDEX IF NOT EXISTS issues_type ON issues(issue_type, status);
CREATE TABLE IF NOT EXISTS dependencies (
    issue_id TEXT NOT NULL,
    depends_on_id TEXT NOT NULL,
    type TEXT NOT NULL,
    created_at TEXT,
    created_by TEXT,
    PRIMARY KEY (issue_id, depends_on_id)
);
CREATE INDEX IF NOT EXISTS deps_target ON dependencies(depends_on_id, type);
CREATE TABLE IF NOT EXISTS labels (
    issue_id TEXT NOT NULL,
    label TEXT NOT NULL,
    PRIMARY KEY (issue_id, label)
);
CREATE INDEX IF NOT EXISTS labels_label ON labels(label, issue_id);
CREATE TABLE IF NOT EXISTS comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    issue_id TEXT NOT NULL,
    author TEXT,
    text TEXT,
    created_at TEXT
);
CREATE INDEX IF NOT EXISTS comments_issue ON comments(issue_id, created_at);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    issue_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    actor TEXT,
    old_value TEXT,
    new_value TEXT,
    created_at TEXT
);
CREATE INDEX IF NOT EXISTS events_issue ON events(issue_id, id);
CREATE TABLE IF NOT EXISTS child_counters (
    parent_id TEXT PRIMARY KEY,
    last INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT
);
CREATE TABLE IF NOT EXISTS blocked_ids (
    id TEXT PRIMARY KEY
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blocked_dirty (
    id TEXT PRIMARY KEY
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS issues_recent ON issues(priority, julianday(created_at), created_at, id);
CREATE INDEX IF NOT EXISTS issues_age ON issues(julianday(created_at), created_at, id);
-- What a table of beads shows, in `bd list`'s order: listing every open bead reads this index
-- alone, in order, instead of every row (descriptions and all) and a sort.
CREATE INDEX IF NOT EXISTS issues_list ON issues(priority, created_at, id, status, issue_type,
                                                 assignee, title);
"""

DONE_SQL = "('" + "','".join(DONE_STATUSES) + "')"
BLOCKING_SQL = "('" + "','".join(t for t in BLOCKING_DEP_TYPES if t != "parent-child") + "')"

# Beads blocked directly by an unfinished blocker, or through a blocked parent.
BLOCKED_CTE = f"""
WITH RECURSIVE blocked(id) AS (
    SELECT d.issue_id FROM dependencies d JOIN issues b ON b.id = d.depends_on_id
     WHERE d.type IN {BLOCKING_SQL} AND b.status NOT IN {DONE_SQL}
    UNION
    SELECT d.issue_id FROM dependencies d JOIN blocked p ON d.depends_on_id = p.id
     WHERE d.type = 'parent-child'
)
"""

# What can change which beads are blocked marks the beads to look at again: the dependent
# side of a dependency added, removed or changed; the dependents of a bead that finishes or
# comes back, is removed, or arrives while dependencies already point at it (an import).
# Their descendants through parents are looked at with them (`refresh_blocked`).
_MARK = "INSERT OR IGNORE INTO blocked_dirty"
_DEPENDENTS = "SELECT issue_id FROM dependencies WHERE depends_on_id"
TRIGGERS = [
    f"CREATE TRIGGER IF NOT EXISTS deps_added AFTER INSERT ON dependencies "
    f"BEGIN {_MARK} VALUES (NEW.issue_id); END",
    f"CREATE TRIGGER IF NOT EXISTS deps_removed AFTER DELETE ON dependencies "
    f"BEGIN {_MARK} VALUES (OLD.issue_id); END",
    f"CREATE TRIGGER IF NOT EXISTS deps_changed AFTER UPDATE ON dependencies "
    f"BEGIN {_MARK} VALUES (OLD.issue_id), (NEW.issue_id); END",
    f"CREATE TRIGGER IF NOT EXISTS issue_done AFTER UPDATE OF status ON issues "
    f"WHEN (OLD.status IN {DONE_SQL}) IS NOT (NEW.status IN {DONE_SQL}) "
    f"BEGIN {_MARK} {_DEPENDENTS} = NEW.id; END",
    f"CREATE TRIGGER IF NOT EXISTS issue_removed AFTER DELETE ON issues "
    f"BEGIN {_MARK} {_DEPENDENTS} = OLD.id; {_MARK} VALUES (OLD.id); END",
    f"CREATE TRIGGER IF NOT EXISTS issue_awaited AFTER INSERT ON issues "
    f"BEGIN {_MARK} {_DEPENDENTS} = NEW.id; END",
]


ROW_COLUMNS = ", ".join(SCALAR_FIELDS)


def connect(db_path: Path) -> sqlite3.Connection:
    # A new database file is created private: SQLite gives its -wal and -shm the same mode, and
    # the ledger holds mail and work that other users of the machine have no business reading.
    with contextlib.suppress(FileExistsError):
        os.close(os.open(db_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC,
                         PRIVATE_FILE))
    conn = sqlite3.connect(str(db_path), timeout=BUSY_TIMEOUT_S, isolation_level=None,
                           check_same_thread=False)
    # WAL + NORMAL survives a killed process; only a power cut can lose the newest commit,
    # and the JSONL in git is the second copy.
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def enable_wal(conn: sqlite3.Connection) -> None:
    """Switch a new database to WAL. The switch needs the database to itself and does not wait
    on the busy timeout, so when many processes open a fresh clone at once, retry."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            if conn.execute("PRAGMA journal_mode=WAL").fetchone()[0].lower() == "wal":
                return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) and "busy" not in str(e):
                raise
        if time.monotonic() > deadline:
            raise LedgerError("could not switch the new ledger database to WAL mode: another "
                              "process keeps it busy; try again")
        time.sleep(0.005)


def _run_schema(conn: sqlite3.Connection) -> None:
    for statement in SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)
    for statement in TRIGGERS:
        conn.execute(statement)
    conn.execute("DELETE FROM blocked_ids")
    conn.execute("INSERT INTO blocked_ids " + BLOCKED_CTE + "SELECT id FROM blocked")
    conn.execute("DELETE FROM blocked_dirty")


def create_schema(conn: sqlite3.Connection, prefix: str) -> None:
    enable_wal(conn)
    with write_lock(conn):
        _run_schema(conn)
        conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('prefix', ?)", (prefix,))
        conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('schema', ?)",
                     (SCHEMA_VERSION,))
        conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('changes', '0')")
        conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('exported', '0')")


def upgrade_schema(conn: sqlite3.Connection) -> None:
    with write_lock(conn):
        if get_meta(conn, "schema") in UPGRADABLE:
            _run_schema(conn)
            set_meta(conn, "schema", SCHEMA_VERSION)


def refresh_blocked(conn: sqlite3.Connection) -> None:
    """Under the write lock: make `blocked_ids` exact again for the beads this transaction's
    changes marked, and their descendants through parents (whose state follows a parent's).
    Every other bead's entry is exact already, so a parent outside the marked ones is read
    from the table; closing a bead costs a look at its dependents, not at every dependency."""
    if conn.execute("SELECT 1 FROM blocked_dirty LIMIT 1").fetchone() is None:
        return
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS blocked_look (id TEXT PRIMARY KEY) "
                 "WITHOUT ROWID")
    conn.execute("DELETE FROM temp.blocked_look")
    conn.execute(
        "INSERT INTO temp.blocked_look WITH RECURSIVE look(id) AS ("
        " SELECT id FROM blocked_dirty UNION"
        " SELECT d.issue_id FROM dependencies d JOIN look l ON d.depends_on_id = l.id"
        " WHERE d.type = 'parent-child') SELECT id FROM look")
    conn.execute("DELETE FROM blocked_ids WHERE id IN temp.blocked_look")
    conn.execute(
        "INSERT INTO blocked_ids WITH RECURSIVE blocked(id) AS ("
        " SELECT d.issue_id FROM dependencies d JOIN issues b ON b.id = d.depends_on_id"
        f" WHERE d.issue_id IN temp.blocked_look AND d.type IN {BLOCKING_SQL}"
        f" AND b.status NOT IN {DONE_SQL}"
        " UNION"
        " SELECT d.issue_id FROM dependencies d WHERE d.issue_id IN temp.blocked_look"
        " AND d.type = 'parent-child' AND d.depends_on_id IN blocked_ids"
        " UNION"
        " SELECT d.issue_id FROM dependencies d JOIN blocked p ON d.depends_on_id = p.id"
        " WHERE d.type = 'parent-child' AND d.issue_id IN temp.blocked_look"
        ") SELECT id FROM blocked")
    conn.execute("DELETE FROM blocked_dirty")


def blocked_source(conn: sqlite3.Connection) -> tuple[str, str]:
    """(a WITH clause to put first, the name to select blocked ids from): the kept table when
    it is exact, else the set computed from the dependencies (inside an unfinished
    transaction that changed them)."""
    if conn.execute("SELECT 1 FROM blocked_dirty LIMIT 1").fetchone() is None:
        return "", "blocked_ids"
    return BLOCKED_CTE, "blocked"


def get_meta(conn: sqlite3.Connection, key: str, default: str | None = None) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
    return row[0] if row else default


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) "
                 "ON CONFLICT(key) DO UPDATE SET value=excluded.value", (key, value))


def render_record(conn: sqlite3.Connection, issue_id: str) -> dict[str, Any] | None:
    """The bd record of one issue, built from its row and its collections."""
    row = conn.execute(f"SELECT {ROW_COLUMNS}, extra FROM issues WHERE id=?",
                       (issue_id,)).fetchone()
    if row is None:
        return None
    fields = dict(zip(SCALAR_FIELDS, row))
    extra = json.loads(row[-1]) if row[-1] else None
    labels = [r[0] for r in conn.execute("SELECT label FROM labels WHERE issue_id=?",
                                         (issue_id,))]
    deps = [{"issue_id": a, "depends_on_id": b, "type": t,
             **({"created_at": c} if c else {}), **({"created_by": by} if by else {})}
            for a, b, t, c, by in conn.execute(
                "SELECT issue_id, depends_on_id, type, created_at, created_by "
                "FROM dependencies WHERE issue_id=?", (issue_id,))]
    comments = [{"id": i, "issue_id": iid, "author": a or "", "text": t or "",
                 "created_at": c or ""}
                for i, iid, a, t, c in conn.execute(
                    "SELECT id, issue_id, author, text, created_at FROM comments "
                    "WHERE issue_id=? ORDER BY created_at, id", (issue_id,))]
    return record_from_row(fields, labels, deps, comments, extra)


def refresh_lines(conn: sqlite3.Connection, ids: set[str]) -> None:
    for issue_id in sorted(ids):
        record = render_record(conn, issue_id)
        if record is not None:
            conn.execute("INSERT OR REPLACE INTO lines(id, line) VALUES (?, ?)",
                         (issue_id, dumps(record)))


def file_stamp(path: Path) -> str:
    try:
        st = path.stat()
    except FileNotFoundError:
        return "missing"
    return f"{st.st_mtime_ns}:{st.st_size}:{st.st_ino}"


@record
class Export:
    """A new export written beside `issues.jsonl`, waiting for its commit to be published."""
    tmp: Path
    digest: str          # of its content (`digest`)
    change: int          # the `changes` count of the commit it shows
    base_stamp: str      # the stamp of the file it replaces, as the transaction saw it
    placed: bool = False

    def discard(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.tmp.unlink()


def prepare_export(conn: sqlite3.Connection, path: Path, changed: set[str] | None,
                   change: int) -> Export:
    """Under the write lock, before the commit: the export after this transaction, written to a
    temp file beside `path` (the caller publishes it once committed, or discards it).

    With `changed` (the caller has checked that the file is still exactly our last export),
    the previous file is patched with the lines of those beads instead of reading all 10,000
    lines back out of SQLite, and the new file is written from the old one's unchanged
    stretches and the new lines, never joined into one more copy of 4 MB."""
    if path.is_dir():
        # The rename after the commit would fail: refuse now, while nothing is changed.
        raise OSError(errno.EISDIR, "a directory is in its place", str(path))
    _remove_stale_temps(path)
    pieces = _patched(conn, path, changed) if changed is not None else None
    if pieces is None:
        pieces = [all_lines(conn)]
    # No fsync: SQLite holds the change durably, and an export lost to a power cut is
    # rewritten from it (`meta.exported` lags).
    tmp = temp_beside(path, pieces, sync=False)
    return Export(tmp, digest(pieces), change, file_stamp(path))


def publish_export(conn: sqlite3.Connection, path: Path, export: Export) -> bool:
    """After the commit, under the write lock again: put the export in place unless a later
    commit exported since (or the file changed behind our back: the next open imports that
    change and exports again). Whether it was put in place."""
    fresh = (get_meta(conn, "changes") == str(export.change)
             and get_meta(conn, "exported") != str(export.change)
             and file_stamp(path) == export.base_stamp)
    if not fresh:
        export.discard()
        return False
    if RETIRED is not None:
        with contextlib.suppress(OSError):
            RETIRED.append(os.open(path, os.O_RDONLY | os.O_CLOEXEC))
    os.replace(export.tmp, path)
    export.placed = True
    # After the rename: should these fail, the file still shows exactly the committed state,
    # and the next open reads it back as no change.
    record_sync(conn, path, export.digest)
    set_meta(conn, "exported", str(export.change))
    return True


# The replaced exports a process keeps open until it exits, when it sets a list here (the
# command server's children, commands/served.py): the kernel frees a 4 MB file's pages as the
# rename drops its last reference (~5 ms on ext4), and a served command's caller has its
# answer before its process exits. Everyone else frees them at once (None).
RETIRED: list[int] | None = None


def sync_marks(conn: sqlite3.Connection) -> dict[str, str]:
    """What the ledger knows of its export, in one read: `jsonl_stamp`, `changes`,
    `exported`."""
    return dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('jsonl_stamp', "
                             "'changes', 'exported')"))


def lags(marks: dict[str, str]) -> bool:
    """Whether a committed change has not reached `issues.jsonl` (its process was killed
    between commit and rename, or the rename failed). Databases from before `exported` was
    kept count as in step."""
    return "exported" in marks and marks["exported"] != marks.get("changes")


def export_lags(conn: sqlite3.Connection) -> bool:
    return lags(sync_marks(conn))


def _remove_stale_temps(path: Path) -> None:
    """Temp exports of processes that are gone (killed between writing and renaming). A live
    process's temp file (this one's too: another thread's ledger) may be waiting for its
    commit: it is left alone for an hour."""
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        pid = stale.name[len(path.name) + 2:].split(".", 1)[0]
        if pid.isdigit() and pid_alive(int(pid)):
            try:
                if time.time() - stale.stat().st_mtime < 3600:
                    continue
            except FileNotFoundError:
                continue
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()


_ID_HEAD = b'{"id":"'


def _line_id(buf: bytes, start: int) -> bytes:
    # Ids never hold quotes or backslashes (imports refuse them), so the id is the raw bytes
    # up to the next quote, and bytes order is SQLite's BINARY order of the same UTF-8 text.
    head = start + len(_ID_HEAD)
    return buf[head:_index(buf, b'"', head)]


def _index(buf: Any, sub: bytes, start: int) -> int:
    # (an mmap has `find` but no `index`)
    at = buf.find(sub, start)
    if at < 0:
        raise ValueError("line without its end")
    return at


def _locate(buf: bytes, key: bytes) -> tuple[int, int, bool]:
    """Where the line of bead `key` is, or would go, in a sorted export: (start, end, present)
    with `end` the offset just past its newline. A binary search over byte offsets: about
    22 probes for 4 MB, and no splitting of the file into 10,000 lines."""
    lo, hi = 0, len(buf)            # lo is always the start of a line
    while lo < hi:
        mid = (lo + hi) // 2
        start = buf.rfind(b"\n", lo, mid) + 1 or lo
        end = _index(buf, b"\n", start) + 1
        if _line_id(buf, start) < key:
            lo = end
        else:
            hi = start
    if lo < len(buf) and _line_id(buf, lo) == key:
        return lo, _index(buf, b"\n", lo) + 1, True
    return lo, lo, False


def _patched(conn: sqlite3.Connection, path: Path, changed: set[str]) -> list | None:
    """The new export as pieces: views of the old file's bytes between the new lines."""
    old = _mapped(path)
    if old is None:
        return None
    if len(old) and (old[-1:] != b"\n" or old[:len(_ID_HEAD)] != _ID_HEAD):
        return None
    ordered = sorted(changed)
    fresh: dict[bytes, bytes] = {}
    conn.text_factory = bytes
    try:
        for at in range(0, len(ordered), 500):
            chunk = ordered[at:at + 500]
            fresh.update(conn.execute(
                f"SELECT id, line FROM lines WHERE id IN ({','.join('?' * len(chunk))})",
                chunk))
    finally:
        conn.text_factory = str
    view = memoryview(old)
    pieces: list = []
    cursor = 0
    for issue_id in ordered:        # ascending, so each place is at or after the cursor
        key = issue_id.encode()
        start, end, _present = _locate(old, key)
        pieces.append(view[cursor:start])
        if key in fresh:
            pieces += [fresh[key], b"\n"]
        cursor = end
    pieces.append(view[cursor:])
    return pieces


def _mapped(path: Path) -> Any:
    """The file's bytes, mapped rather than read: the few lines a patch changes are found by
    a binary search and the rest is written out as it is, so a read would copy 4 MB (and
    fault in as many fresh pages) for nothing. None when there is no file."""
    import mmap

    try:
        with open(path, "rb") as f:
            if not os.fstat(f.fileno()).st_size:
                return b""
            return mmap.mmap(f.fileno(), 0, flags=mmap.MAP_PRIVATE | getattr(
                mmap, "MAP_POPULATE", 0), prot=mmap.PROT_READ)
    except FileNotFoundError:
        return None


def all_lines(conn: sqlite3.Connection) -> bytes:
    # Fetched as the stored UTF-8 bytes: no decode to str and encode back for 4 MB of text.
    conn.text_factory = bytes
    try:
        rows = conn.execute("SELECT line FROM lines ORDER BY id").fetchall()
    finally:
        conn.text_factory = str
    if not rows:
        return b""
    return b"\n".join([r[0] for r in rows]) + b"\n"


def digest(data: bytes | list) -> str:
    """Tells a rewrite with the same content (git checkout) from a real change; not security,
    so CRC-32, which costs a third of SHA-1 on 4 MB. `data` may come in pieces."""
    crc, size = 0, 0
    for piece in data if isinstance(data, list) else [data]:
        crc = zlib.crc32(piece, crc)
        size += len(piece)
    return f"{crc:08x}:{size}"


def record_sync(conn: sqlite3.Connection, path: Path, data_digest: str) -> None:
    """Remember what the JSONL looked like after we wrote or read it: its stamp, and
    `data_digest`, the digest of its content."""
    set_meta(conn, "jsonl_stamp", file_stamp(path))
    set_meta(conn, "jsonl_digest", data_digest)


@contextlib.contextmanager
def write_lock(conn: sqlite3.Connection) -> Iterator[None]:
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as e:
        if e.sqlite_errorcode & 0xFF not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            raise
        raise LedgerError(f"the ledger is busy ({e}); try again") from e
    try:
        yield
    except BaseException:
        _rollback(conn)
        raise
    try:
        conn.execute("COMMIT")
    except BaseException:
        # A failed COMMIT (a full disk) may leave the transaction open: end it, so the
        # connection's next statement does not run inside it.
        _rollback(conn)
        raise


def _rollback(conn: sqlite3.Connection) -> None:
    # SQLite may already have rolled back by itself (after SQLITE_FULL or an I/O error);
    # ROLLBACK then fails, and that must not hide the error that caused it.
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


def explain(e: BaseException, beads_dir: Path) -> LedgerError | None:
    """A one-line LedgerError for what the machine refused while using the ledger in
    `beads_dir` (None: not such an error, let it through). Only a database SQLite finds
    damaged is called damaged: a full disk or files changed under a running process are
    said as such, since moving a good database aside would throw away what only it holds."""
    if isinstance(e, LedgerError) or not isinstance(e, (sqlite3.Error, OSError)):
        return None
    db = beads_dir / DB_NAME
    code = (getattr(e, "sqlite_errorcode", None) or 0) & 0xFF \
        if isinstance(e, sqlite3.Error) else None
    if is_no_space(e) or code == sqlite3.SQLITE_FULL or (
            code == sqlite3.SQLITE_IOERR and low_space(beads_dir)):
        return NoSpaceError(no_space_message(beads_dir))
    if isinstance(e, OSError):
        message = os_error_message(e)
        return LedgerError(message) if message else None
    if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM,
                sqlite3.SQLITE_AUTH):
        owner = owner_of(db)
        if owner:
            return LedgerError(f"the ledger in {beads_dir} belongs to {owner}: it is private to "
                               f"its owner, so run the command as {owner}")
        return LedgerError(f"cannot write {db} ({e}): check the permissions of it, its -wal "
                           f"and -shm files and {beads_dir}")
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return LedgerError(f"the ledger in {beads_dir} is busy ({e}); try again")
    if code == sqlite3.SQLITE_IOERR:
        return LedgerError(f"disk I/O error on {db}: its -wal or -shm file changed under a "
                           "running process (deleted or replaced while the town's host had it "
                           "open); stop the host with `gt down`, then run the command again")
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return LedgerError(f"{db} is damaged ({e}): move it aside and run bd again (keep the "
                           "copy); the ledger is rebuilt from issues.jsonl")
    return LedgerError(f"cannot use {db} ({e})")
