"""Bead records in the bd JSONL field format, and the vocabulary (statuses, types, dep types)."""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any

from ..records import Factory, record


class LedgerError(Exception):
    """A failure the user can act on; the message is one line that says what to do."""


class ClaimError(LedgerError):
    """A claim lost the race (or the bead was not claimable)."""


class NoSpaceError(LedgerError):
    """The disk (or the user's quota) is full: nothing was changed."""


STATUSES = ("open", "in_progress", "blocked", "deferred", "closed", "tombstone", "pinned",
            "hooked")
# Statuses after which a bead no longer blocks anything.
DONE_STATUSES = ("closed", "tombstone")
ISSUE_TYPES = ("bug", "feature", "task", "epic", "chore", "message", "molecule", "gate", "agent",
               "role", "convoy", "event", "merge-request")
# Types that are never offered as ready work: bd's own, and the town's convoys, which track
# work and land by themselves.
NOT_WORK_TYPES = ("message", "agent", "gate", "molecule", "merge-request", "convoy")
# The town's records of itself (agents and the dispatch queue, mail, merge requests, convoys):
# `bd list` leaves them out unless asked for by type or with --all.
RECORD_TYPES = ("agent", "message", "merge-request", "convoy")
BLOCKING_DEP_TYPES = ("blocks", "parent-child", "conditional-blocks", "waits-for")
NONBLOCKING_DEP_TYPES = ("related", "discovered-from", "replies-to", "duplicates", "supersedes",
                         "tracks")
DEP_TYPES = BLOCKING_DEP_TYPES + NONBLOCKING_DEP_TYPES

# Scalar fields in bd's order, split around the three collections bd places in the middle.
HEAD_FIELDS = ("id", "title", "description", "design", "acceptance_criteria", "notes", "status",
               "priority", "issue_type", "assignee", "estimated_minutes", "created_at",
               "created_by", "updated_at", "closed_at", "close_reason", "due_at", "defer_until",
               "external_ref")
TAIL_FIELDS = ("sender", "ephemeral", "pinned", "is_template", "hook_bead", "agent_state",
               "last_activity", "role_type", "rig")
SCALAR_FIELDS = HEAD_FIELDS + TAIL_FIELDS
BOOL_FIELDS = ("ephemeral", "pinned", "is_template")
INT_FIELDS = ("priority", "estimated_minutes")
# Fields a caller may set through create/update (id and stamps are the ledger's).
WRITABLE_FIELDS = tuple(f for f in SCALAR_FIELDS
                        if f not in ("id", "created_at", "created_by", "updated_at", "closed_at"))


def now() -> str:
    """RFC 3339 with offset; always UTC so stamps written here sort as strings."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat()


def parse_time(value: str | None) -> _dt.datetime | None:
    if not value:
        return None
    try:
        stamp = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=_dt.timezone.utc)


@record
class Dependency:
    issue_id: str          # the dependent side (for `tracks`, the convoy)
    depends_on_id: str
    type: str = "blocks"
    created_at: str = ""
    created_by: str = ""

    def to_json(self) -> dict[str, Any]:
        out = {"issue_id": self.issue_id, "depends_on_id": self.depends_on_id, "type": self.type}
        if self.created_at:
            out["created_at"] = self.created_at
        if self.created_by:
            out["created_by"] = self.created_by
        return out

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Dependency":
        return cls(str(d["issue_id"]), str(d["depends_on_id"]), str(d.get("type") or "blocks"),
                   str(d.get("created_at") or ""), str(d.get("created_by") or ""))


@record
class Comment:
    id: int
    issue_id: str
    author: str
    text: str
    created_at: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "issue_id": self.issue_id, "author": self.author,
                "text": self.text, "created_at": self.created_at}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Comment":
        return cls(int(d.get("id") or 0), str(d.get("issue_id") or ""),
                   str(d.get("author") or ""), str(d.get("text") or ""),
                   str(d.get("created_at") or ""))


@record
class Event:
    id: int
    issue_id: str
    event_type: str   # created, updated, status_changed, closed, reopened, dependency_added, ...
    actor: str
    old_value: str | None
    new_value: str | None
    created_at: str


@record
class Issue:
    id: str
    title: str
    description: str = ""
    design: str = ""
    acceptance_criteria: str = ""
    notes: str = ""
    status: str = "open"
    priority: int = 2
    issue_type: str = "task"
    assignee: str | None = None
    estimated_minutes: int | None = None
    created_at: str = ""
    created_by: str = ""
    updated_at: str = ""
    closed_at: str | None = None
    close_reason: str | None = None
    due_at: str | None = None
    defer_until: str | None = None
    external_ref: str | None = None
    labels: list[str] = Factory(list)
    dependencies: list[Dependency] = Factory(list)
    comments: list[Comment] = Factory(list)
    sender: str | None = None
    ephemeral: bool = False
    pinned: bool = False
    is_template: bool = False
    hook_bead: str | None = None
    agent_state: str | None = None
    last_activity: str | None = None
    role_type: str | None = None
    rig: str | None = None
    # Fields from other bd versions that this one does not know; kept so nothing is dropped.
    extra: dict[str, Any] = Factory(dict)

    @property
    def is_closed(self) -> bool:
        return self.status in DONE_STATUSES

    def to_json(self) -> dict[str, Any]:
        """The bd record: fields in bd order, empty ones omitted (priority always present)."""
        return record_from_row({f: getattr(self, f) for f in SCALAR_FIELDS},
                               self.labels, [d.to_json() for d in self.dependencies],
                               [c.to_json() for c in self.comments], self.extra)

    def to_line(self) -> str:
        return dumps(self.to_json())

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Issue":
        known = {f: d.get(f) for f in SCALAR_FIELDS if d.get(f) is not None}
        for f in BOOL_FIELDS:
            if f in known:
                known[f] = bool(known[f])
        for f in ("title", "description", "design", "acceptance_criteria", "notes",
                  "created_at", "created_by", "updated_at"):
            known.setdefault(f, "")
        known.setdefault("priority", 2)
        extra = {k: v for k, v in d.items() if k not in _KNOWN_KEYS}
        return cls(**known,
                   labels=list(d.get("labels") or ()),
                   dependencies=[Dependency.from_json(x) for x in d.get("dependencies") or ()],
                   comments=[Comment.from_json(x) for x in d.get("comments") or ()],
                   extra=extra)


# (a set: from_json runs once per bead of a listing, for every key of each)
_KNOWN_KEYS = frozenset(SCALAR_FIELDS) | {"labels", "dependencies", "comments"}


def _present(value: Any) -> bool:
    return value is not None and value != "" and value is not False


def record_from_row(row: dict[str, Any], labels: list[str], deps: list[dict[str, Any]],
                    comments: list[dict[str, Any]], extra: dict[str, Any] | None) -> dict:
    out: dict[str, Any] = {}
    for f in HEAD_FIELDS:
        v = row.get(f)
        if f == "priority":
            out[f] = 2 if v is None else v
        elif _present(v):
            out[f] = v
    if labels:
        out["labels"] = sorted(labels)
    if deps:
        out["dependencies"] = sorted(deps, key=lambda d: (d["depends_on_id"], d["type"]))
    if comments:
        out["comments"] = comments
    for f in TAIL_FIELDS:
        v = row.get(f)
        if f in BOOL_FIELDS:
            if v:
                out[f] = True
        elif _present(v):
            out[f] = v
    if extra:
        for k in sorted(extra):
            if k not in out:
                out[k] = extra[k]
    return out


def dumps(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))
