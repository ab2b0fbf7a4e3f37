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

from .ids import id_problem
from .model import (DEP_TYPES, DONE_STATUSES, ISSUE_TYPES, SCALAR_FIELDS, STATUSES, dumps,
                    parse_time, record_from_row)

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
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    records: dict[str, Record] = {}
    bad: list[BadLine] = []
    # Lines end at "\n" only: str.splitlines() would also cut a record at a U+2028, U+0085
    # or form feed that a title holds verbatim (our export writes text unescaped).
    for lineno, chunk in enumerate(raw.split(b"\n"), 1):
        chunk = chunk.removesuffix(b"\r")
        try:
            line = chunk.decode("utf-8")
        except UnicodeDecodeError as e:
            # Not imported with its bad bytes replaced: that would be another text.
            bad.append(BadLine(lineno, chunk.decode("utf-8", "replace"),
                               f"not UTF-8 text (byte {e.start + 1})"))
            continue
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            bad.append(BadLine(lineno, line, f"not JSON: {e.msg} at column {e.colno}"))
            continue
        except (ValueError, RecursionError) as e:   # a 5,000-digit number, [[[[...]]]]
            bad.append(BadLine(lineno, line, f"not JSON this ledger can read: {e}"))
            continue
        problem = check(rec)
        if problem:
            bad.append(BadLine(lineno, line, problem))
            continue
        rec = normalise(rec)
        old = records.get(rec["id"])
        records[rec["id"]] = rec if old is None else merge_two(old, rec)
    return records, bad


MAX_MINUTES = 10_000_000
_TIME_FIELDS = ("created_at", "updated_at", "closed_at", "due_at", "defer_until",
                "last_activity")
_BOOL_FIELDS = ("ephemeral", "pinned", "is_template")


def check(rec: Any) -> str | None:
    """Why `rec` is not a bead record this ledger takes whole, or None. A record is refused
    rather than bent into shape: a value outside the vocabulary or a bound is named, so the
    line can be fixed and imported again."""
    if not isinstance(rec, dict):
        return "not a JSON object"
    rid = rec.get("id")
    if not isinstance(rid, str) or not rid:
        return "no string 'id'"
    if id_problem(rid):
        return f"the 'id' {id_problem(rid)}"
    title = rec.get("title")
    if not isinstance(title, str) or not title.strip():
        return "no 'title' (every bead has a non-empty title)"
    for key in SCALAR_FIELDS:
        value = rec.get(key)
        if value is None or key in ("id", "priority", "estimated_minutes") \
                or key in _BOOL_FIELDS:
            continue
        if not isinstance(value, str):
            return f"'{key}' is not a string"
    if rec.get("status") is not None and rec["status"] not in STATUSES:
        return f"unknown status {rec['status']!r}: one of {', '.join(STATUSES)}"
    if rec.get("issue_type") is not None and rec["issue_type"] not in ISSUE_TYPES:
        return f"unknown type {rec['issue_type']!r}: one of {', '.join(ISSUE_TYPES)}"
    for key, low, high in (("priority", 0, 4), ("estimated_minutes", 0, MAX_MINUTES)):
        value = rec.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                  or not low <= value <= high):
            return f"'{key}' must be a whole number from {low} to {high}, not {_show(value)}"
    for key in _BOOL_FIELDS:
        if rec.get(key) is not None and not isinstance(rec[key], bool):
            return f"'{key}' must be true or false, not {_show(rec[key])}"
    for key in _TIME_FIELDS:
        if rec.get(key) and parse_time(rec[key]) is None:
            return f"'{key}' is not an RFC 3339 time: {_show(rec[key])}"
    for key in _COLLECTIONS:
        if not isinstance(rec.get(key) or [], list):
            return f"'{key}' is not a list"
    for label in rec.get("labels") or ():
        if not isinstance(label, str) or not label.strip():
            return f"a label that is not a non-empty string: {_show(label)}"
    for dep in rec.get("dependencies") or ():
        problem = _dep_problem(dep, rid)
        if problem:
            return problem
    for c in rec.get("comments") or ():
        if not isinstance(c, dict):
            return "a comment that is not an object"
        if c.get("id") is not None and (not isinstance(c["id"], int)
                                        or isinstance(c["id"], bool)):
            return f"a comment whose 'id' is not a whole number: {_show(c['id'])}"
        if any(c.get(k) is not None and not isinstance(c[k], str)
               for k in ("author", "text", "created_at", "issue_id")):
            return "a comment whose author, text or created_at is not a string"
        if c.get("issue_id") not in (None, "", rid):
            return f"a comment of another bead ({_show(c['issue_id'])})"
    try:
        dumps(rec).encode("utf-8")
    except UnicodeEncodeError:
        return "text that is not valid Unicode (a lone surrogate escape)"
    return None


def _dep_problem(dep: Any, rid: str) -> str | None:
    if not isinstance(dep, dict) or not isinstance(dep.get("depends_on_id"), str) \
            or not dep["depends_on_id"].strip():
        return "a dependency without a string 'depends_on_id'"
    if any(not c.isprintable() or c.isspace() for c in dep["depends_on_id"]):
        return f"a dependency on {_show(dep['depends_on_id'])}, which is no bead id"
    if dep.get("type") is not None and dep["type"] not in DEP_TYPES:
        return f"unknown dependency type {_show(dep['type'])}: one of {', '.join(DEP_TYPES)}"
    if dep.get("issue_id") not in (None, "", rid):
        return f"a dependency of another bead ({_show(dep['issue_id'])})"
    if any(dep.get(k) is not None and not isinstance(dep[k], str)
           for k in ("created_at", "created_by")):
        return "a dependency whose created_at or created_by is not a string"
    return None


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=True) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def normalise(rec: Record) -> Record:
    """The record in bd field order, collections sorted, dependency owners fixed."""
    scalars = {f: rec.get(f) for f in SCALAR_FIELDS}
    extra = {k: v for k, v in rec.items() if k not in SCALAR_FIELDS and k not in _COLLECTIONS}
    # One dependency per target, the last given winning, as the store keeps them.
    deps: dict[str, Record] = {}
    for d in rec.get("dependencies") or ():
        dep = {"issue_id": rec["id"], "depends_on_id": str(d["depends_on_id"]),
               "type": str(d.get("type") or "blocks")}
        for k in ("created_at", "created_by"):
            if d.get(k):
                dep[k] = d[k]
        deps.pop(dep["depends_on_id"], None)
        deps[dep["depends_on_id"]] = dep
    comments = sorted(
        ({"id": int(c.get("id") or 0), "issue_id": rec["id"], "author": str(c.get("author") or ""),
          "text": str(c.get("text") or ""), "created_at": str(c.get("created_at") or "")}
         for c in rec.get("comments") or ()),
        key=_comment_order)
    return record_from_row(scalars, sorted(set(map(str, rec.get("labels") or ()))),
                           list(deps.values()), comments, extra)


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
