"""The polecat name pool: persistent, themed names, idle polecats reused before new ones."""

from __future__ import annotations

import re

from .errors import TownError, usage

POOL = (
    "furiosa", "nux", "slit", "rictus", "capable", "toast", "dag", "cheedo", "angharad",
    "morsov", "ace", "keeper", "valkyrie", "max", "immortan", "corpus", "scabrous", "organic",
    "buzzard", "doof", "bullet", "wretch", "vuvalini", "glory", "splendid", "miss-giddy",
    "prime", "citadel", "gastown", "guzzoline", "rockrider", "warboy", "lancer", "imperator",
    "polecat", "chrome", "valhalla", "witness", "mediocre", "aqua-cola",
)
NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}$")


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise usage(f"bad polecat name {name!r}: use lowercase letters, digits and '-', "
                    "starting with a letter")
    return name


def pick_name(taken: set[str], idle: list[str], wanted: str | None = None,
              busy: dict[str, str] | None = None) -> str:
    """`wanted` if free or idle; else the first idle polecat; else the first unused pool
    name (numbered once the pool runs out)."""
    busy = busy or {}
    if wanted:
        check_name(wanted)
        if wanted in busy:
            raise TownError(f"polecat {wanted!r} is busy with {busy[wanted]}: sling to another "
                            "name or leave the name out to get a free polecat")
        return wanted
    if idle:
        return sorted(idle)[0]
    for name in POOL:
        if name not in taken:
            return name
    n = 2
    while True:
        for name in POOL:
            candidate = f"{name}{n}"
            if candidate not in taken:
                return candidate
        n += 1
