"""Keeping the SQLite store and `issues.jsonl` in step, and the git side of that.

At open, a cheap stat of the JSONL is compared with what the ledger last wrote or read; only
when it differs is the file hashed, and only when the content differs is it imported: a bead
whose outside version is not older than the db's takes that version (the db's is where it
started from), an older one (a checkout of an old commit) goes through the field-level merge
of `jsonl.merge_two`. Lines that are not bead records are reported with their
line numbers and appended to `issues.jsonl.rejected`, never dropped silently.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..files import os_error_message, write_atomic
from . import store
from .model import LedgerError, NoSpaceError, SCALAR_FIELDS, dumps, now

if TYPE_CHECKING:
    from . import jsonl

MERGE_DRIVER_NAME = "beads"


class SyncMixin:
    """JSONL import/export for `Ledger` (which provides conn, transaction and _dirty)."""

    def sync_in(self) -> None:
        """Import the JSONL if something other than this ledger changed it since, and export
        again if a committed change never reached it."""
        marks = store.sync_marks(self.conn)
        if (store.file_stamp(self.jsonl_path) == marks.get("jsonl_stamp")
                and not store.lags(marks)):
            return
        try:
            with self.transaction():
                self._absorb_outside_edits()
        except NoSpaceError as e:
            # Reads go on from the database, which holds every committed change; the next
            # command with room brings issues.jsonl up to date.
            self.warnings.append(f"{self.jsonl_path} is not up to date: {e}")
        except OSError as e:
            raise LedgerError(f"cannot read {self.jsonl_path}: {e.strerror or e}") from None

    def _absorb_outside_edits(self) -> None:
        """Under the write lock: merge in the JSONL if it changed behind our back (a git pull
        while this command ran), so the export that follows cannot overwrite that change."""
        path = self.jsonl_path
        stamp = store.file_stamp(path)
        if stamp == store.get_meta(self.conn, "jsonl_stamp"):
            return
        if stamp == "missing":
            self._force_export = True
            return
        data = path.read_bytes()
        data_digest = store.digest(data)
        if data_digest == store.get_meta(self.conn, "jsonl_digest"):
            store.set_meta(self.conn, "jsonl_stamp", stamp)
            return
        self._import_bytes(data, str(path), tracked=True)
        store.record_sync(self.conn, path, data_digest)
        self._force_export = True

    def import_file(self, source: Path) -> "ImportReport":
        """`bd import -i FILE`: merge a JSONL file into the ledger."""
        try:
            data = Path(source).read_bytes()
        except OSError as e:
            raise LedgerError(f"cannot read {source}: {e.strerror}") from None
        return self.import_data(data, str(source))

    def import_data(self, data: bytes, source: str) -> "ImportReport":
        """`bd import < FILE`: merge JSONL bytes read elsewhere; `source` names them in
        reports and in the rejected-lines file."""
        with self.transaction():
            report = self._import_bytes(data, source, whole_file_bad_fails=True)
            self._force_export = True
        return report

    def export_bytes(self) -> bytes:
        """`bd export > FILE`: the deterministic JSONL of every bead, exactly as written to
        issues.jsonl."""
        self._flush_lines()
        return store.all_lines(self.conn)

    def export_file(self, target: Path) -> int:
        """`bd export -o FILE`: the same deterministic JSONL, written atomically elsewhere."""
        data = self.export_bytes()
        try:
            write_atomic(Path(target), data)
        except OSError as e:
            raise LedgerError(os_error_message(e) or f"cannot write {target}: {e.strerror}") \
                from None
        return data.count(b"\n")

    def _import_bytes(self, data: bytes, source: str, whole_file_bad_fails: bool = False,
                      tracked: bool = False) -> "ImportReport":
        """`tracked`: `data` is issues.jsonl itself, changed since this ledger last wrote or
        read it, so each bead's line in the db is the version that change started from."""
        from . import jsonl  # parsing and merging, loaded by the commands that import only

        records, bad = jsonl.parse(data)
        if bad and not records and whole_file_bad_fails:
            raise LedgerError(f"{source} holds no bead records ({source}:{bad[0].lineno}: "
                              f"{bad[0].error}); nothing was imported")
        report = ImportReport(source=source, rejected=len(bad))
        if bad:
            keep_rejected(self.beads_dir, source, bad)
            for b in bad:
                self.warnings.append(f"{source}:{b.lineno}: {b.error}; line kept in "
                                     f"{self.beads_dir / store.REJECTED_NAME}")
        current = dict(self.conn.execute("SELECT id, line FROM lines"))
        for rid, rec in records.items():
            if not (rec.get("status") and rec.get("issue_type")):
                # The defaults _write_record stores, so a re-import of the file is no change.
                rec = jsonl.normalise({**rec, "status": rec.get("status") or "open",
                                       "issue_type": rec.get("issue_type") or "task"})
            line = current.get(rid)
            if rid in self._dirty:
                # This transaction changed the bead too: merge three ways against the line
                # both sides started from, so neither side's change is lost.
                if self._merge_into_dirty(rid, rec, self._bases.get(rid, line)):
                    report.updated += 1
                continue
            if line is None:
                self._write_record(rec, new=True)
                report.created += 1
                continue
            if line == dumps(rec):
                continue
            mine = jsonl.normalise(json.loads(line))
            if tracked and not jsonl.older(rec, mine):
                # A later version of the bead (a teammate's work come in by git pull, a hand
                # edit): it descends from ours, so it wins whole; a two-way merge would undo
                # its reopen (closed beats open) and bring back the labels it removed.
                merged = jsonl.merge_three(mine, mine, rec)
            else:
                merged = jsonl.merge_two(mine, rec, b_wins_ties=True)
            if merged != mine:
                self._write_record(merged, new=False)
                report.updated += 1
        return report

    def _merge_into_dirty(self, rid: str, theirs: dict[str, Any], base: str | None) -> bool:
        from . import jsonl

        ours = jsonl.normalise(store.render_record(self.conn, rid))
        merged = jsonl.merge_three(None if base is None else jsonl.normalise(json.loads(base)),
                                   ours, theirs)
        if merged == ours:
            return False
        self._write_record(merged, new=False)
        return True

    def _write_record(self, rec: dict[str, Any], new: bool) -> None:
        rid = rec["id"]
        row = {f: rec.get(f) for f in SCALAR_FIELDS}
        for f in ("ephemeral", "pinned", "is_template"):
            row[f] = 1 if row[f] else 0
        for f in ("title", "description", "design", "acceptance_criteria", "notes",
                  "created_at", "created_by", "updated_at"):
            row[f] = row[f] or ""
        row["status"] = row["status"] or "open"
        row["issue_type"] = row["issue_type"] or "task"
        extra = {k: v for k, v in rec.items() if k not in SCALAR_FIELDS
                 and k not in ("labels", "dependencies", "comments")}
        row["extra"] = json.dumps(extra, sort_keys=True) if extra else None
        cols = ", ".join(row)
        self.conn.execute(f"INSERT OR REPLACE INTO issues({cols}) VALUES "
                          f"({', '.join('?' * len(row))})", list(row.values()))
        self.conn.execute("DELETE FROM labels WHERE issue_id=?", (rid,))
        self.conn.executemany("INSERT OR IGNORE INTO labels(issue_id, label) VALUES (?, ?)",
                              [(rid, x) for x in rec.get("labels", [])])
        self.conn.execute("DELETE FROM dependencies WHERE issue_id=?", (rid,))
        self.conn.executemany(
            "INSERT OR REPLACE INTO dependencies(issue_id, depends_on_id, type, created_at, "
            "created_by) VALUES (?, ?, ?, ?, ?)",
            [(rid, d["depends_on_id"], d["type"], d.get("created_at"), d.get("created_by"))
             for d in rec.get("dependencies", [])])
        have = {(a or "", c or "", t or "") for a, c, t in self.conn.execute(
            "SELECT author, created_at, text FROM comments WHERE issue_id=?", (rid,))}
        self.conn.executemany(
            "INSERT INTO comments(issue_id, author, text, created_at) VALUES (?, ?, ?, ?)",
            [(rid, c["author"], c["text"], c["created_at"]) for c in rec.get("comments", [])
             if (c["author"], c["created_at"], c["text"]) not in have])
        self._event(rid, "created" if new else "updated", "import", None, "from JSONL")
        self._dirty.add(rid)


class ImportReport:
    def __init__(self, source: str, created: int = 0, updated: int = 0, rejected: int = 0):
        self.source, self.created, self.updated, self.rejected = source, created, updated, \
            rejected

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "created": self.created, "updated": self.updated,
                "rejected": self.rejected}

    def render_text(self) -> str:
        text = f"Imported {self.source}: {self.created} new, {self.updated} updated"
        if self.rejected:
            text += f", {self.rejected} unreadable line(s) kept aside"
        return text


def keep_rejected(beads_dir: Path, source: str, bad: list[jsonl.BadLine]) -> None:
    # 0600: the lines are bead records, as private as the database they did not get into.
    fd = os.open(beads_dir / store.REJECTED_NAME, os.O_WRONLY | os.O_APPEND | os.O_CREAT
                 | os.O_CLOEXEC, 0o600)
    with open(fd, "a", encoding="utf-8") as f:
        for b in bad:
            f.write(f"# {now()} {source}:{b.lineno}: {b.error}\n{b.text}\n")


def configured_prefix(beads_dir: Path) -> str:
    """The prefix of a ledger that has no db yet (a fresh clone): config.toml, else the most
    common prefix among the JSONL ids."""
    config = beads_dir / store.CONFIG_NAME
    if config.exists():
        import tomllib

        try:
            prefix = tomllib.loads(config.read_text()).get("prefix")
        except tomllib.TOMLDecodeError as e:
            raise LedgerError(f"{config}: {e}") from None
        if isinstance(prefix, str) and prefix:
            return prefix
    from . import jsonl

    records, _ = jsonl.parse((beads_dir / store.JSONL_NAME).read_bytes()
                             if (beads_dir / store.JSONL_NAME).exists() else b"")
    counts: dict[str, int] = {}
    for rid in records:
        head = rid.rsplit("-", 1)[0] if "-" in rid else rid
        counts[head] = counts.get(head, 0) + 1
    if not counts:
        raise LedgerError(f"{beads_dir} has no config.toml with a prefix: run 'bd init --prefix "
                          "NAME'")
    return max(counts, key=lambda k: (counts[k], k))


def driver_command() -> str:
    """How git should call the merge driver: `bd` by absolute path when installed, else this
    interpreter running the module, so the driver works even when git's PATH differs."""
    import shlex
    import shutil

    beside = Path(sys.executable).parent / "bd"
    # The script beside this interpreter, not a version manager's shim (pyenv's costs ~80 ms).
    bd = str(beside) if beside.is_file() else shutil.which("bd")
    head = shlex.quote(bd) + " merge-driver" if bd else \
        f"{shlex.quote(sys.executable)} -m gastown_tui.beads.merge"
    # Not %P: git pastes it into a shell line unquoted, and a path with a space would split.
    return head + " %O %A %B"


def register_merge_driver(beads_dir: Path) -> Path | None:
    """Route the ledger file through our merge driver in the git repo holding `beads_dir`:
    a `.gitattributes` line and the driver in the repo config. Returns the repo's workdir."""
    import pygit2

    found = pygit2.discover_repository(str(beads_dir))
    if not found:
        return None
    repo = pygit2.Repository(found)
    if repo.workdir is None:
        return None
    workdir = Path(repo.workdir).resolve()
    try:
        rel = (beads_dir.resolve() / store.JSONL_NAME).relative_to(workdir).as_posix()
    except ValueError:
        return None
    attrs = workdir / ".gitattributes"
    line = f"{rel} merge={MERGE_DRIVER_NAME}"
    existing = attrs.read_text().splitlines() if attrs.exists() else []
    if line not in existing:
        text = "\n".join(existing + [line]) + "\n"
        write_atomic(attrs, text)
    repo.config[f"merge.{MERGE_DRIVER_NAME}.name"] = "beads JSONL field-level merge"
    repo.config[f"merge.{MERGE_DRIVER_NAME}.driver"] = driver_command()
    return workdir
