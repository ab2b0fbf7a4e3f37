"""Reading bd JSONL and merging bead records field by field.

Two records of one bead merge without losing anything: scalar fields come from the side with
the newer `updated_at` (or, with a common base, from whichever side changed them), closed beats
open, and labels, dependencies and comments are unioned (a three-way merge also honours a
removal made on one side only). Ties are broken on the records' text so that merging A into B
and B into A give the same result.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Iterable

from .model import DONE_STATUSES, SCALAR_FIELDS, dumps, parse_time, record_from_row

Record = dict[str, Any]
_COLLECTIONS = ("labels", "dependencies", "comments")
_CLOSE_FIELDS = ("status", "closed_at", "close_reason")


@dataclasses.dataclass
class BadLine:
    lineno: int
    text: str
    error: str


def parse(data: bytes | str) -> tuple[dict[str, Record], list[BadLine]]:
    """Records by id, and the lines that are not bead records (with their line numbers)."""
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    records: dict[str, Record] = {}
    bad: list[BadLine] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            bad.append(BadLine(lineno, line, f"not JSON: {e.msg} at column {e.colno}"))
            continue
        problem = _check(rec)
        if problem:
            bad.append(BadLine(lineno, line, problem))
            continue
        rec = normalise(rec)
        old = records.get(rec["id"])
        records[rec["id"]] = rec if old is None else merge_two(old, rec)
    return records, bad


def _check(rec: Any) -> str | None:
    if not isinstance(rec, dict):
        return "not a JSON object"
    if not isinstance(rec.get("id"), str) or not rec["id"]:
        return "no string 'id'"
    if any(c in '"\\' or c.isspace() or not c.isprintable() for c in rec["id"]):
        return "the 'id' holds quotes, backslashes, spaces or control characters"
    if not isinstance(rec.get("title", ""), str):
        return "'title' is not a string"
    if "priority" in rec and not isinstance(rec["priority"], int):
        return "'priority' is not an integer"
    for key in _COLLECTIONS:
        if not isinstance(rec.get(key, []), list):
            return f"'{key}' is not a list"
    for dep in rec.get("dependencies", []):
        if not isinstance(dep, dict) or not dep.get("depends_on_id"):
            return "a dependency without 'depends_on_id'"
    for c in rec.get("comments", []):
        if not isinstance(c, dict):
            return "a comment that is not an object"
    return None


def normalise(rec: Record) -> Record:
    """The record in bd field order, collections sorted, dependency owners fixed."""
    scalars = {f: rec.get(f) for f in SCALAR_FIELDS}
    extra = {k: v for k, v in rec.items() if k not in SCALAR_FIELDS and k not in _COLLECTIONS}
    deps = []
    for d in rec.get("dependencies") or ():
        dep = {"issue_id": rec["id"], "depends_on_id": str(d["depends_on_id"]),
               "type": str(d.get("type") or "blocks")}
        for k in ("created_at", "created_by"):
            if d.get(k):
                dep[k] = d[k]
        deps.append(dep)
    comments = sorted(
        ({"id": int(c.get("id") or 0), "issue_id": rec["id"], "author": str(c.get("author") or ""),
          "text": str(c.get("text") or ""), "created_at": str(c.get("created_at") or "")}
         for c in rec.get("comments") or ()),
        key=_comment_order)
    return record_from_row(scalars, sorted(set(map(str, rec.get("labels") or ()))), deps,
                           comments, extra)


def _stamp(rec: Record) -> tuple:
    return (_seconds(rec.get("updated_at")), dumps(rec))


def older(a: Record, b: Record) -> bool:
    """Whether `a` was last updated before `b` (by instant, whatever the offsets)."""
    return _seconds(a.get("updated_at")) < _seconds(b.get("updated_at"))


def _newer(a: Record, b: Record) -> Record:
    return a if _stamp(a) >= _stamp(b) else b


def _scalars(rec: Record) -> dict[str, Any]:
    return {k: v for k, v in rec.items() if k not in _COLLECTIONS}


def _comment_order(c: Record) -> tuple:
    return (c["created_at"], c["id"], c["author"], c["text"])


def _comment_key(c: Record) -> tuple:
    return (c.get("author", ""), c.get("created_at", ""), c.get("text", ""))


def _dep_key(d: Record) -> str:
    return d["depends_on_id"]


def _union_comments(*sides: Iterable[Record]) -> list[Record]:
    seen: dict[tuple, Record] = {}
    for side in sides:
        for c in side:
            # The same comment carries a different id in each clone: keep one chosen by value,
            # so the result does not depend on which side came first.
            key = _comment_key(c)
            if key not in seen or _comment_order(c) < _comment_order(seen[key]):
                seen[key] = c
    return list(seen.values())


def _closed_wins(out: dict[str, Any], a: Record, b: Record) -> None:
    a_done, b_done = a.get("status") in DONE_STATUSES, b.get("status") in DONE_STATUSES
    if a_done != b_done:
        src = a if a_done else b
        for f in _CLOSE_FIELDS:
            if src.get(f) is None:
                out.pop(f, None)
            else:
                out[f] = src[f]


def _build(scalars: dict[str, Any], rid: str, labels: Iterable[str], deps: Iterable[Record],
           comments: list[Record]) -> Record:
    extra = {k: v for k, v in scalars.items() if k not in SCALAR_FIELDS}
    return record_from_row({**scalars, "id": rid}, sorted(set(labels)), list(deps),
                           sorted(comments, key=_comment_order), extra)


def _latest(a: Record, b: Record) -> str | None:
    stamps = [r["updated_at"] for r in (a, b) if r.get("updated_at")]
    return max(stamps, key=lambda s: (_seconds(s), s), default=None)


def _seconds(stamp: str | None) -> float:
    t = parse_time(stamp)
    return t.timestamp() if t else 0.0


def merge_two(a: Record, b: Record, *, b_wins_ties: bool = False) -> Record:
    """Merge two versions of one bead with no common base (import, duplicate lines).
    `b_wins_ties`: at equal `updated_at`, b's fields win; an import passes it for the file's
    version, since a hand edit rarely bumps the stamp and must not lose to the old text."""
    if a == b:
        return a
    if b_wins_ties and _seconds(a.get("updated_at")) == _seconds(b.get("updated_at")):
        win, lose = b, a
    else:
        win, lose = (a, b) if _newer(a, b) is a else (b, a)
    scalars = _scalars(win)
    _closed_wins(scalars, win, lose)
    latest = _latest(a, b)
    if latest:
        scalars["updated_at"] = latest
    deps = {_dep_key(d): d for d in lose.get("dependencies", [])}
    deps.update({_dep_key(d): d for d in win.get("dependencies", [])})
    return _build(scalars, a["id"], [*a.get("labels", []), *b.get("labels", [])],
                  deps.values(), _union_comments(win.get("comments", []),
                                                 lose.get("comments", [])))


def _merge_set(base: dict, ours: dict, theirs: dict) -> list:
    """Three-way set merge: keep what both have, and what either side added."""
    out = {}
    for key in {**ours, **theirs}:
        in_o, in_t, in_b = key in ours, key in theirs, key in base
        if (in_o and in_t) or (in_o and not in_b) or (in_t and not in_b):
            out[key] = ours.get(key) or theirs[key]
        elif in_o != in_t and in_b:
            # Removed on one side; if the other side changed it, the change is kept.
            kept = ours.get(key) or theirs.get(key)
            if kept != base[key]:
                out[key] = kept
    return list(out.values())


def merge_three(base: Record | None, ours: Record, theirs: Record) -> Record:
    """Merge two versions of one bead against their common ancestor (the git merge driver).
    A field changed on one side only takes that change; changed on both, the newer side wins,
    except that a close on one side beats a different status on the other. Comments are never
    lost (bd only adds them); labels and dependencies honour a removal made on one side."""
    if ours == theirs:
        return ours
    if base is None:
        return merge_two(ours, theirs)
    newer = _newer(ours, theirs)
    b, o, t = _scalars(base), _scalars(ours), _scalars(theirs)
    scalars: dict[str, Any] = {}
    for key in {**b, **o, **t}:
        bv, ov, tv = b.get(key), o.get(key), t.get(key)
        if ov == tv or tv == bv:
            v = ov
        elif ov == bv:
            v = tv
        else:
            v = ov if newer is ours else tv
        if v is not None:
            scalars[key] = v
    if o.get("status") != b.get("status") and t.get("status") != b.get("status") \
            and o.get("status") != t.get("status"):
        done = [r for r in (ours, theirs) if r.get("status") in DONE_STATUSES]
        src = done[0] if len(done) == 1 else newer
        for f in _CLOSE_FIELDS:
            if src.get(f) is None:
                scalars.pop(f, None)
            else:
                scalars[f] = src[f]
    latest = _latest(ours, theirs)
    if latest:
        scalars["updated_at"] = latest
    labels = _merge_set({x: x for x in base.get("labels", [])},
                        {x: x for x in ours.get("labels", [])},
                        {x: x for x in theirs.get("labels", [])})
    deps = _merge_set({_dep_key(d): d for d in base.get("dependencies", [])},
                      {_dep_key(d): d for d in ours.get("dependencies", [])},
                      {_dep_key(d): d for d in theirs.get("dependencies", [])})
    comments = _union_comments(ours.get("comments", []), theirs.get("comments", []))
    return _build(scalars, ours["id"], labels, deps, comments)


def merge_files(base: bytes, ours: bytes, theirs: bytes) -> tuple[str, list[BadLine]]:
    """The merged JSONL text of three versions of a ledger file, plus the unreadable lines of
    ours and theirs (the caller keeps them; nothing is dropped)."""
    b, _ = parse(base)
    o, bad_o = parse(ours)
    t, bad_t = parse(theirs)
    out = []
    for rid in sorted({*o, *t}):
        if rid in o and rid in t:
            rec = merge_three(b.get(rid), o[rid], t[rid])
        else:
            rec = o.get(rid) or t[rid]
        out.append(dumps(rec) + "\n")
    return "".join(out), bad_o + bad_t
