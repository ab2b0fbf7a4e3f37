"""Checking and parsing what callers give for bead fields, labels and dependencies."""

from __future__ import annotations

from typing import Any

from .model import (BOOL_FIELDS, DEP_TYPES, INT_FIELDS, ISSUE_TYPES, STATUSES, WRITABLE_FIELDS,
                    LedgerError)


def check_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Validated values for writable bead fields (priority parsed, booleans as 0/1)."""
    out = {}
    for key, value in fields.items():
        if key not in WRITABLE_FIELDS:
            raise LedgerError(f"unknown or read-only field '{key}'")
        if key == "title":
            value = (value or "").strip()
            if not value:
                raise LedgerError("a bead needs a non-empty title")
        elif key == "status" and value not in STATUSES:
            raise LedgerError(f"unknown status '{value}': use one of {', '.join(STATUSES)}")
        elif key == "issue_type" and value not in ISSUE_TYPES:
            raise LedgerError(f"unknown type '{value}': use one of {', '.join(ISSUE_TYPES)}")
        elif key == "priority":
            value = parse_priority(value)
        elif key in INT_FIELDS and value is not None:
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise LedgerError(f"'{key}' must be a whole number, not {value!r}") from None
        elif key in BOOL_FIELDS:
            value = 1 if value else 0
        elif value is not None and not isinstance(value, str):
            raise LedgerError(f"'{key}' must be text, not {type(value).__name__}")
        out[key] = value
    return out


def parse_priority(value: int | str) -> int:
    """0-4, also written P0-P4."""
    text = str(value).strip().upper()
    if text.startswith("P"):
        text = text[1:]
    if text.isdigit() and 0 <= int(text) <= 4:
        return int(text)
    raise LedgerError(f"bad priority {value!r}: use 0-4 or P0-P4 (0 is highest)")


def check_label(label: str) -> str:
    label = (label or "").strip()
    if not label or "," in label or any(c.isspace() for c in label):
        raise LedgerError(f"bad label {label!r}: labels are non-empty, without spaces or commas")
    return label


def parse_dep_spec(spec: str | tuple[str, str]) -> tuple[str, str]:
    """`type:id`, a bare `id` (blocks), or a (type, id) pair."""
    if isinstance(spec, tuple):
        dep_type, target = spec
    else:
        spec = spec.strip()
        dep_type, sep, target = spec.partition(":")
        if not sep:
            dep_type, target = "blocks", spec
    if dep_type not in DEP_TYPES:
        raise LedgerError(f"unknown dependency type '{dep_type}' in '{spec}': use one of "
                          f"{', '.join(DEP_TYPES)}")
    if not target.strip():
        raise LedgerError(f"dependency '{spec}' names no bead")
    return dep_type, target.strip()
