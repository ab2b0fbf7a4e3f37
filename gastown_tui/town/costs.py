"""What the town's agents cost: tokens from what each agent records (`transcripts.py`), put on
the agent whose folder it was spent in, and through that agent's hook history on the issue,
convoy and rig it worked on at the time; priced by `prices.py`.

An agent's folder is its place in the town (`<rig>/polecats/<name>`, `<rig>/crew/<name>`,
`mayor/`); which issue a polecat held when is in its agent bead's change log in the rig's
ledger (each hook change is an event there), so usage after a polecat moved on to new work goes
to the new work. Usage in the town outside an agent's folder counts as the town's (or the
rig's); agents' use outside the town is not this town's.

Parsed results are kept in `<town>/.runtime/costs.db` by file, with the size, mtime and read
offset of each: a later call reads only the files that changed, and of a transcript that grew
only its new lines. Usage from transcripts that their agent deleted later (Claude Code removes
them after `cleanupPeriodDays`) stays counted. One response found in several files (a resumed
session, a subagent's copy) counts once.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from . import transcripts as tx
from .errors import TownError, usage

if TYPE_CHECKING:
    from .model import Town

BY = ("agent", "convoy", "rig", "day")
TOKEN_FIELDS = ("input", "output", "cache_write", "cache_read")
TOWN = "(town)"          # usage in the town outside every agent's folder
NO_CONVOY = "(none)"
# One row per response per file it was found in; `dup` marks all but one row of each response
# (the one with the most tokens: a response's later entries hold its final count), so reports
# sum rows without grouping by response. `key` is a 64-bit hash of the response's identity.
SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE files (
    id INTEGER PRIMARY KEY, path TEXT UNIQUE, kind TEXT, size INTEGER, mtime INTEGER,
    offset INTEGER, head BLOB, state TEXT, bad INTEGER);
CREATE TABLE usage (
    file INTEGER, key INTEGER, ts REAL, agent TEXT, rig TEXT, kind TEXT, model TEXT,
    input INTEGER, output INTEGER, cache_write INTEGER, cache_read INTEGER,
    dup INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (file, key)) WITHOUT ROWID;
CREATE INDEX usage_key ON usage(key);
"""
HEAD = 256   # bytes compared to tell a rewritten file from a grown one


@dataclasses.dataclass
class Tokens:
    input: int = 0
    output: int = 0
    cache_write: int = 0
    cache_read: int = 0

    @property
    def total(self) -> int:
        return self.input + self.output + self.cache_write + self.cache_read

    def add(self, other: "Tokens") -> None:
        for f in TOKEN_FIELDS:
            setattr(self, f, getattr(self, f) + getattr(other, f))


@dataclasses.dataclass
class CostRow:
    """One line of `gt costs`: tokens None when the agent's preset records none ("-")."""

    key: str                 # agent address, convoy id, rig or day
    label: str = ""          # the agent's preset, the convoy's title
    tokens: Tokens | None = dataclasses.field(default_factory=Tokens)
    cost: float | None = 0.0   # dollars for the priced models; None: nothing priced
    unpriced: int = 0        # tokens of models without a price
    models: list[str] = dataclasses.field(default_factory=list)
    issues: list[str] = dataclasses.field(default_factory=list)   # worked on meanwhile


@dataclasses.dataclass
class CostReport:
    by: str
    since: str | None        # local time the report starts at, ISO; None: everything
    rows: list[CostRow]
    total: CostRow
    unpriced_models: list[str]
    bad_lines: int           # transcript lines that were no JSON object, skipped
    bad_files: int           # transcripts holding such lines, or unreadable
    prices: str              # where the prices come from


# ---------------------------------------------------------------------- --since


def parse_since(text: str | None, now: _dt.datetime | None = None) -> float | None:
    """`--since`: a date (local midnight), a date and time, `today`, `yesterday`, or `Nd`
    (midnight N days ago); seconds since the epoch."""
    if text is None:
        return None
    now = now or _dt.datetime.now().astimezone()
    word = text.strip().lower()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if word == "today":
        return midnight.timestamp()
    if word == "yesterday":
        return (midnight - _dt.timedelta(days=1)).timestamp()
    if word.endswith("d") and word[:-1].isdigit():
        return (midnight - _dt.timedelta(days=int(word[:-1]))).timestamp()
    try:
        when = _dt.datetime.fromisoformat(word.upper().replace("Z", "+00:00"))
    except ValueError:
        raise usage(f"bad --since {text!r}: give a date (2026-12-01), a date and time "
                    "(2026-12-01T09:00), today, yesterday or a number of days (7d)") from None
    if when.tzinfo is None:
        when = when.astimezone()   # the person's local time
    return when.timestamp()


# ---------------------------------------------------------------------- places


class Places:
    """Which agent a working directory belongs to, by the town's layout."""

    def __init__(self, town: "Town"):
        self.town = town
        root = str(town.root)
        self.roots = sorted({root, os.path.realpath(root)}, key=len, reverse=True)
        self.rigs = {r.name for r in town.rigs()}
        names: set[tuple[str, str, str]] = set()
        for rig in town.rigs():
            names.update((rig.name, "polecats", n) for n in rig.polecat_names())
            names.update((rig.name, "crew", n) for n in rig.crew_names())
        for hook in _hooks(town):
            names.add((hook.rig, hook.kind, hook.polecat))
        rels = ["mayor", *(f"{r}/{k}/{n}" for r, k, n in names)]
        self.folders = [f"{root}/{rel}" for root in self.roots for rel in rels]

    def agent_of(self, cwd: str) -> tuple[str, str] | None:
        """(agent address, rig) for a directory in the town, None outside it."""
        for root in self.roots:
            if cwd == root or cwd.startswith(root + "/"):
                parts = cwd[len(root) + 1:].split("/")
                if parts[0] == "mayor":
                    return "mayor/", ""
                rig = parts[0] if parts[0] in self.rigs else ""
                if rig and len(parts) >= 3 and parts[1] in ("polecats", "crew") and parts[2]:
                    return f"{rig}/{parts[1]}/{parts[2]}", rig
                return (f"{rig}/{TOWN}" if rig else TOWN), rig
        return None


def _hooks(town: "Town") -> list:
    from . import hooks as hooks_mod

    return hooks_mod.all_hooks(town)


# ---------------------------------------------------------------------- finding transcripts


def _environs(town: "Town", environ: Mapping[str, str]) -> list[Mapping[str, str]]:
    """The environment agents start with: the town's, and each preset's own on top of it
    (a preset may log in to another account, whose records are in another folder)."""
    from .presets import list_presets

    out = [environ]
    try:
        presets = list_presets(town, environ)
    except TownError:
        return out  # a broken preset is refused where it starts; usage is still counted
    for preset in presets:
        if preset.env:
            out.append({**environ, **dict(preset.env)})
    return out


def _dirs(environs: list[Mapping[str, str]], which) -> list[Path]:
    return list(dict.fromkeys(d for env in environs for d in which(env)))


def _files(places: Places, environ: Mapping[str, str]) -> Iterator[tuple[str, Path, dict]]:
    """(kind, path, first state) of every transcript that may hold this town's usage."""
    environs = _environs(places.town, environ)
    prefixes = [tx.claude_folder(r) for r in places.roots]
    folders = {tx.claude_folder(f): f for f in places.folders}
    for base in _dirs(environs, tx.claude_dirs):
        for folder in _listdir(base):
            if not any(folder == p or folder.startswith(p + "-") for p in prefixes):
                continue
            state = {"cwd": folders.get(folder, "")}
            for path in sorted((base / folder).rglob("*.jsonl")):
                yield "claude", path, state
    for base in _dirs(environs, tx.codex_dirs):
        if base.is_dir():
            for path in sorted(base.rglob("rollout-*.jsonl*")):
                yield "codex", path, {}
    hashes = {tx.gemini_project_hash(f): f for f in places.folders}
    for base in _dirs(environs, tx.gemini_dirs):
        for slug in _listdir(base):
            try:
                root = (base / slug / ".project_root").read_text().strip()
            except OSError:
                root = hashes.get(slug, "")
            if not root or places.agent_of(root) is None:
                continue
            for path in sorted((base / slug / "chats").rglob("*.json*")):
                if path.suffix in (".json", ".jsonl"):
                    yield "gemini", path, {"cwd": root, "whole": path.suffix == ".json"}


def _listdir(folder: Path) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except OSError:
        return []


# ---------------------------------------------------------------------- the cache


def _connect(town: "Town") -> sqlite3.Connection:
    town.runtime_dir.mkdir(parents=True, exist_ok=True)
    path = town.runtime_dir / "costs.db"
    try:
        conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            # A new cache, or one an older gt wrote: made anew (under the write lock, so a
            # second `gt costs` starting at once does not make it twice).
            conn.execute("BEGIN IMMEDIATE")
            if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                conn.execute("DROP TABLE IF EXISTS usage")
                conn.execute("DROP TABLE IF EXISTS files")
                for statement in filter(str.strip, SCHEMA.split(";")):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
    except sqlite3.Error as e:
        raise _damaged(path, e) from None
    return conn


def _damaged(path: Path, e: Exception) -> TownError:
    return TownError(f"cannot use {path} ({e}): if another `gt costs` is not still running, "
                     "delete that file and run again (it is rebuilt from the transcripts; "
                     "usage from transcripts deleted since is lost)")


def _key(text: str) -> int:
    import hashlib

    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big",
                          signed=True)


def refresh(town: "Town", environ: Mapping[str, str], conn: sqlite3.Connection | None = None,
            places: Places | None = None) -> tuple[int, int]:
    """Read what changed since the last call into the cache; (files read, bytes read)."""
    own = conn is None
    conn = conn or _connect(town)
    places = places or Places(town)
    known = {row[0]: row[1:] for row in conn.execute(
        "SELECT path, size, mtime, offset, head, state, bad, id FROM files")}
    read_files = read_bytes = 0
    touched: set[int] = set()
    try:
        conn.execute("BEGIN IMMEDIATE")
        for kind, path, first in _files(places, environ):
            name = str(path)
            try:
                st = path.stat()
            except OSError:
                continue
            rec = known.get(name)
            if rec is not None and rec[0] == st.st_size and rec[1] == st.st_mtime_ns:
                continue
            got = _read(kind, path, rec, first, st.st_size)
            if got is None:
                continue
            head, start, parsed = got
            read_files, read_bytes = read_files + 1, read_bytes + st.st_size - start
            if kind == "codex" and parsed.state.get("cwd") and \
                    places.agent_of(parsed.state["cwd"]) is None:
                parsed.state["outside"] = True   # another project's session: not read again
            bad = parsed.bad + (rec[5] if rec is not None and start else 0)
            fields = (kind, st.st_size, st.st_mtime_ns, parsed.offset, head,
                      json.dumps(parsed.state), bad)
            if rec is None:
                file_id = conn.execute("INSERT INTO files VALUES (NULL,?,?,?,?,?,?,?,?)",
                                       (name, *fields)).lastrowid
            else:
                file_id = rec[6]
                conn.execute("UPDATE files SET kind=?, size=?, mtime=?, offset=?, head=?, "
                             "state=?, bad=? WHERE id=?", (*fields, file_id))
            if start == 0 and rec is not None:
                touched.update(k for (k,) in conn.execute(
                    "SELECT key FROM usage WHERE file=?", (file_id,)))
                conn.execute("DELETE FROM usage WHERE file=?", (file_id,))
            rows = []
            for use in parsed.uses:
                where = places.agent_of(use.cwd)
                if where is not None:
                    key = _key(use.key)
                    touched.add(key)
                    rows.append((file_id, key, use.ts, where[0], where[1], kind, use.model,
                                 use.input, use.output, use.cache_write, use.cache_read))
            conn.executemany(
                "INSERT INTO usage VALUES (?,?,?,?,?,?,?,?,?,?,?,0) ON CONFLICT(file, key) DO "
                "UPDATE SET ts=excluded.ts, model=excluded.model, input=excluded.input, "
                "output=excluded.output, cache_write=excluded.cache_write, "
                "cache_read=excluded.cache_read WHERE excluded.input + excluded.output + "
                "excluded.cache_write + excluded.cache_read >= usage.input + usage.output + "
                "usage.cache_write + usage.cache_read", rows)
        _mark_duplicates(conn, touched)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    finally:
        if own:
            conn.close()
    return read_files, read_bytes


def _mark_duplicates(conn: sqlite3.Connection, keys: set[int]) -> None:
    """Of the rows of each response in `keys`, leave one counted (the most tokens)."""
    if not keys:
        return
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS touched (key INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM touched")
    conn.executemany("INSERT INTO touched VALUES (?)", ((k,) for k in keys))
    conn.execute(
        "UPDATE usage SET dup = (file != (SELECT u.file FROM usage u WHERE u.key = usage.key "
        "ORDER BY u.input + u.output + u.cache_write + u.cache_read DESC, u.file LIMIT 1)) "
        "WHERE key IN (SELECT key FROM touched)")


def _read(kind: str, path: Path, rec: tuple | None, first: dict,
          size: int) -> tuple[bytes, int, tx.Parsed] | None:
    """The file's head, where reading started and what was parsed; None when unreadable."""
    if not path.name.endswith((".jsonl", ".json")):
        # A compressed rollout (.jsonl.zst): counted as unreadable rather than guessed at.
        return b"", 0, tx.Parsed([], 1, size, {})
    try:
        with open(path, "rb") as f:
            head = f.read(HEAD)
            grown = (rec is not None and rec[3] == head[:len(rec[3])] and size >= rec[2]
                     and not first.get("whole"))
            start = rec[2] if grown else 0
            state = json.loads(rec[4]) if grown else dict(first)
            if state.get("outside"):
                return head, start, tx.Parsed([], 0, size, state)
            f.seek(start)
            data = f.read()
    except OSError:
        return None
    return head, start, tx.PARSERS[kind](data, start, state)


# ---------------------------------------------------------------------- hook history


@dataclasses.dataclass
class Segment:
    agent: str
    start: float
    stop: float
    issue: str | None
    convoy: str | None
    preset: str | None


def hook_history(town: "Town") -> list[Segment]:
    """For each polecat and crew member: which issue, convoy and agent preset its hook held
    from when to when, from its agent bead's change log."""
    from .hooks import AGENT_LABEL, from_bead

    out: list[Segment] = []
    for rig in town.rigs():
        try:
            led = rig.ledger()
            beads = led.list(issue_type="agent", label=AGENT_LABEL, include_closed=True)
        except TownError:
            continue
        for bead in beads:
            hook = from_bead(bead)
            changes = []
            for event in led.events(bead.id):
                if event.event_type != "updated":
                    continue
                try:
                    old, new = json.loads(event.old_value), json.loads(event.new_value)
                except (TypeError, ValueError):
                    continue
                when = tx._ts(event.created_at)
                for field in ("hook_bead", "notes"):
                    if when is not None and isinstance(new, dict) and field in new:
                        changes.append((when, field, (old or {}).get(field), new[field]))
            out.extend(_segments(hook.address, changes, bead.hook_bead, bead.notes))
    return out


def _segments(agent: str, changes: list, issue_now: str | None,
              notes_now: str | None) -> list[Segment]:
    def of(notes: str | None) -> tuple[str | None, str | None]:
        try:
            data = json.loads(notes) if notes else {}
        except ValueError:
            data = {}
        return (data.get("convoy"), data.get("agent")) if isinstance(data, dict) else (None,
                                                                                       None)

    changes.sort(key=lambda c: c[0])
    value = {"hook_bead": issue_now, "notes": notes_now}
    for field in value:   # the value before the first change of each field
        first = next((c for c in changes if c[1] == field), None)
        if first is not None:
            value[field] = first[2]
    segments: list[Segment] = []
    start, held = 0.0, (value["hook_bead"], *of(value["notes"]))
    for when, field, _old, new in changes:
        value[field] = new
        now_held = (value["hook_bead"], *of(value["notes"]))
        if now_held != held:
            segments.append(Segment(agent, start, when, *held))
            start, held = when, now_held
    segments.append(Segment(agent, start, float("inf"), *held))
    return segments


# ---------------------------------------------------------------------- the report


def cost_report(town: "Town", by: str = "agent", since: float | None = None,
                environ: Mapping[str, str] | None = None) -> CostReport:
    """`gt costs`: tokens and cost by agent, convoy, rig or day since `since` (seconds since
    the epoch; None: everything recorded)."""
    from .prices import TAKEN, lookup, price_table

    if by not in BY:
        raise usage(f"bad --by {by!r}: give one of {', '.join(BY)}")
    environ = os.environ if environ is None else environ
    conn = _connect(town)
    try:
        places = Places(town)
        refresh(town, environ, conn, places)
        history = hook_history(town)
        groups = _query(conn, history, since)
        bad_lines, bad_files = conn.execute(
            "SELECT COALESCE(SUM(bad), 0), COUNT(*) FROM files WHERE bad > 0").fetchone()
    except sqlite3.Error as e:
        raise _damaged(town.runtime_dir / "costs.db", e) from None
    finally:
        conn.close()
    own = town.config().get("prices", {})
    table = price_table(own)
    rows: dict[str, CostRow] = {}
    per_model: dict[str, dict[str, Tokens]] = {}
    titles = _convoy_titles(town, {g["convoy"] for g in groups if g["convoy"]}) \
        if by == "convoy" else {}
    for g in groups:
        key = {"agent": g["agent"], "convoy": g["convoy"] or NO_CONVOY,
               "rig": g["rig"] or TOWN, "day": g["day"]}[by]
        row = rows.setdefault(key, CostRow(key, titles.get(key, "")))
        tokens = Tokens(*(g[f] for f in TOKEN_FIELDS))
        row.tokens.add(tokens)
        per_model.setdefault(key, {}).setdefault(g["model"], Tokens()).add(tokens)
        if g["issue"] and g["issue"] not in row.issues:
            row.issues.append(g["issue"])
        if by == "agent":
            label = g["preset"] or g["kind"]
            if label and label not in row.label.split(", "):
                row.label = ", ".join(filter(None, [row.label, label]))
    if by == "agent":
        _add_idle_agents(town, rows, environ)
    unpriced_models: set[str] = set()
    total = CostRow("TOTAL")
    for key, row in rows.items():
        for model, tokens in sorted(per_model.get(key, {}).items()):
            row.models.append(model)
            price = lookup(table, model)
            if price is None:
                row.unpriced += tokens.total
                unpriced_models.add(model or "(no model recorded)")
            else:
                row.cost += price.cost(tokens)
        if row.tokens is not None and row.tokens.total and row.unpriced == row.tokens.total:
            row.cost = None
        if row.tokens is not None:
            total.tokens.add(row.tokens)
            total.unpriced += row.unpriced
            total.cost += row.cost or 0.0
    if total.tokens.total and total.unpriced == total.tokens.total:
        total.cost = None
    order = sorted(rows.values(), key=lambda r: r.key) if by == "day" else sorted(
        rows.values(), key=lambda r: (-(r.cost or 0.0), -(r.tokens.total if r.tokens else -1),
                                      r.key))
    source = f"built-in ({TAKEN})" + (f"; from settings: {', '.join(sorted(own))}"
                                      if own else "")
    return CostReport(by, None if since is None else
                      _dt.datetime.fromtimestamp(since).astimezone().isoformat(
                          timespec="minutes"),
                      order, total, sorted(unpriced_models), int(bad_lines), int(bad_files),
                      source)


def _query(conn: sqlite3.Connection, history: list[Segment],
           since: float | None) -> list[dict[str, Any]]:
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS seg (agent TEXT, start REAL, stop REAL, "
                 "issue TEXT, convoy TEXT, preset TEXT)")
    conn.execute("DELETE FROM seg")
    conn.executemany("INSERT INTO seg VALUES (?,?,?,?,?,?)",
                     [(s.agent, s.start, min(s.stop, 1e18), s.issue, s.convoy, s.preset)
                      for s in history])
    conn.execute("CREATE INDEX IF NOT EXISTS temp.seg_agent ON seg(agent, start)")
    cur = conn.execute(
        "WITH best AS (SELECT agent, rig, kind, model, ts, input, output, cache_write, "
        "cache_read FROM usage WHERE dup = 0 AND ts >= ?) "
        "SELECT b.agent, b.rig, b.kind, b.model, date(b.ts, 'unixepoch', 'localtime'), "
        "s.issue, s.convoy, s.preset, SUM(b.input), SUM(b.output), SUM(b.cache_write), "
        "SUM(b.cache_read) FROM best b LEFT JOIN seg s ON s.agent = b.agent "
        "AND b.ts >= s.start AND b.ts < s.stop GROUP BY 1, 2, 3, 4, 5, 6, 7, 8",
        (since if since is not None else float("-inf"),))
    names = ("agent", "rig", "kind", "model", "day", "issue", "convoy", "preset",
             *TOKEN_FIELDS)
    return [dict(zip(names, r)) for r in cur]


def _add_idle_agents(town: "Town", rows: dict[str, CostRow],
                     environ: Mapping[str, str]) -> None:
    """Live agents that used nothing yet: 0 for a preset whose records are read, "-" for
    one without (demo and shell record nothing; cursor, auggie and amp are not read)."""
    for hook in _hooks(town):
        if hook.address in rows or not hook.live:
            continue
        records = recorder(town, hook.agent, environ) is not None
        rows[hook.address] = CostRow(hook.address, hook.agent or "",
                                     Tokens() if records else None, 0.0 if records else None)


def recorder(town: "Town", preset: str | None, environ: Mapping[str, str]) -> str | None:
    """Which of the formats `transcripts.py` reads an agent preset writes (by its program's
    name), or None for a preset whose token use is not read."""
    from .presets import get_preset

    if not preset:
        return None
    try:
        exe = get_preset(town, preset, environ).executable
    except TownError:
        return None
    name = Path(exe).name
    return name if name in tx.KINDS else None


def _convoy_titles(town: "Town", ids: set[str]) -> dict[str, str]:
    from ..beads import LedgerError

    led, out = town.ledger(), {}
    for convoy in ids:
        try:
            out[convoy] = led.get(convoy).title
        except LedgerError:
            out[convoy] = ""
    return out


def today_start() -> float:
    return parse_since("today")


def agent_costs(town: "Town", since: float | None = None,
                environ: Mapping[str, str] | None = None) -> CostReport:
    """The Agents panel's and the dashboard's cost column: by agent, today by default."""
    return cost_report(town, "agent", today_start() if since is None else since, environ)


