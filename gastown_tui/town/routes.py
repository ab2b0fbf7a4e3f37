"""`<town>/.beads/routes.jsonl`: which ledger a bead id belongs to, by its prefix.

One JSON object per line, `{"prefix": "mp-", "path": "myproject/mayor/rig"}`, the path relative
to the town root (`.` for the town ledger itself), as the Go beads tools read it.

The file is a record, not the truth: every route of the town ledger and of each rig follows
from the rig registry (`mayor/rigs.toml`), so a missing file or a garbled line never makes a
rig's ids unroutable. Lookups fill in what the registry implies; `repair_routes` (run by
`gt hooks repair`) writes the file back whole and keeps any line it could not read in
`routes.jsonl.rejected`. Routes the registry does not imply (another ledger a person routed by
hand) are kept as they are.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..records import Factory, record
from .paths import RIG_CLONE, RIGS_FILE, ROUTES_FILE, TOWN_PREFIX, locked, write_atomic

REJECTED_SUFFIX = ".rejected"


@record
class RoutesFile:
    """What routes.jsonl holds: its readable routes, and its problems (line number, text)."""
    routes: dict[str, str]
    missing: bool = False
    bad: list[tuple[int, str]] = Factory(list)


def read_file(root: Path) -> RoutesFile:
    try:
        text = (root / ROUTES_FILE).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return RoutesFile({}, missing=True)
    except IsADirectoryError:
        from .errors import TownError

        raise TownError(f"{root / ROUTES_FILE} is a directory: move it away, then run "
                        "`gt hooks repair` to write the routes again") from None
    found = RoutesFile({})
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            prefix, path = entry["prefix"], entry["path"]
            if not (isinstance(prefix, str) and isinstance(path, str) and prefix and path):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            found.bad.append((lineno, line))
            continue
        found.routes[prefix.rstrip("-") + "-"] = path
    return found


def implied_routes(root: Path) -> dict[str, str]:
    """The routes the rig registry implies: the town ledger's and each rig's."""
    from .errors import TownError
    from .paths import read_toml

    routes = {f"{TOWN_PREFIX}-": "."}
    try:
        rigs = read_toml(root / RIGS_FILE).get("rigs", {})
    except (TownError, OSError):
        return routes   # a broken registry is reported by every command that lists rigs
    if not isinstance(rigs, dict):
        return routes
    for name, entry in rigs.items():
        prefix = entry.get("prefix") if isinstance(entry, dict) else None
        if isinstance(prefix, str) and prefix:
            routes[prefix.rstrip("-") + "-"] = f"{name}/{RIG_CLONE.as_posix()}"
    return routes


def read_routes(root: Path) -> dict[str, str]:
    """prefix (with its trailing dash) -> path relative to the town root: the file's routes,
    with the registry's wherever the file lacks or contradicts them."""
    return {**read_file(root).routes, **implied_routes(root)}


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
    """Forget a route (after its rig left the registry, so the registry no longer implies
    it)."""
    with locked((root / ROUTES_FILE).parent):
        routes = read_routes(root)
        if routes.pop(prefix.rstrip("-") + "-", None) is not None:
            write_routes(root, routes)


def repair_routes(root: Path) -> list[str]:
    """Write routes.jsonl as the registry and its readable lines say, when it differs; one
    line per thing repaired ([] when it was right). Unreadable lines go to
    routes.jsonl.rejected with their line numbers."""
    from ..beads.model import now

    with locked((root / ROUTES_FILE).parent):
        found = read_file(root)
        wanted = {**found.routes, **implied_routes(root)}
        if wanted == found.routes and not found.bad and not found.missing:
            return []
        said = []
        if found.missing:
            said.append(f"{ROUTES_FILE} was missing")
        if found.bad:
            rejected = root / (str(ROUTES_FILE) + REJECTED_SUFFIX)
            import os

            fd = os.open(rejected, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
            with open(fd, "a", encoding="utf-8") as f:
                for lineno, text in found.bad:
                    f.write(f"# {now()} {ROUTES_FILE}:{lineno}: not a route\n{text}\n")
            said.append(f"{len(found.bad)} unreadable line{'s' if len(found.bad) != 1 else ''}"
                        f" (kept in {rejected.name})")
        fixed = sorted(p for p in wanted if found.routes.get(p) != wanted[p])
        if fixed and not found.missing:
            said.append("routes for " + ", ".join(fixed) + " were missing or wrong")
        write_routes(root, wanted)
        return ["; ".join(said) + f": rewrote it from mayor/rigs.toml ({len(wanted)} routes)"]


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
