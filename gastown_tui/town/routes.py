"""`<town>/.beads/routes.jsonl`: which ledger a bead id belongs to, by its prefix.

One JSON object per line, `{"prefix": "mp-", "path": "myproject/mayor/rig"}`, the path relative
to the town root (`.` for the town ledger itself), as the Go beads tools read it.
"""

from __future__ import annotations

import json
from pathlib import Path

from .paths import ROUTES_FILE, locked, write_atomic


def read_routes(root: Path) -> dict[str, str]:
    """prefix (with its trailing dash) -> path relative to the town root."""
    routes: dict[str, str] = {}
    try:
        lines = (root / ROUTES_FILE).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return routes
    for line in lines:
        line = line.strip()
        if not line:
            continue
        try:
            entry = json.loads(line)
            routes[str(entry["prefix"])] = str(entry["path"])
        except (ValueError, KeyError, TypeError):
            continue  # a hand-edited line we cannot read must not hide the others
    return routes


def write_routes(root: Path, routes: dict[str, str]) -> None:
    lines = [json.dumps({"prefix": p, "path": routes[p]}, separators=(",", ":"))
             for p in sorted(routes)]
    write_atomic(root / ROUTES_FILE, "".join(line + "\n" for line in lines), private=True)


def add_route(root: Path, prefix: str, path: str) -> None:
    with locked((root / ROUTES_FILE).parent):
        routes = read_routes(root)
        routes[prefix.rstrip("-") + "-"] = path
        write_routes(root, routes)


def remove_route(root: Path, prefix: str) -> None:
    with locked((root / ROUTES_FILE).parent):
        routes = read_routes(root)
        if routes.pop(prefix.rstrip("-") + "-", None) is not None:
            write_routes(root, routes)


def route_for(routes: dict[str, str], bead_id: str) -> str | None:
    """The path of the longest route prefix `bead_id` starts with (`hq-cv-` beats `hq-`).
    Prefixes end at a dash, so only the id's own dash positions need a look: a convoy list
    routes thousands of ids."""
    end = len(bead_id)
    while (end := bead_id.rfind("-", 0, end)) > 0:
        path = routes.get(bead_id[:end + 1])
        if path is not None:
            return path
    return None
