"""Who is who: mail addresses, groups, and the identity of whoever runs a command.

Addresses: `overseer` (the person), `mayor/`, `<rig>/crew/<name>`, `<rig>/polecats/<name>`
(`<rig>/<name>` is accepted when it names exactly one of those). Groups: `@town` (the Mayor and
every crew member and polecat) and `@rig/<rig>` (a rig's crew and polecats).
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from .errors import TownError
from .model import Town

OVERSEER = "overseer"
MAYOR = "mayor/"
FORMS = "overseer, mayor/, <rig>/crew/<name>, <rig>/polecats/<name>, @town, @rig/<rig>"


def shown_address(address: str | None) -> str:
    """How a sender (or any address) is named wherever people read it, in the app, the
    dashboard and the CLI alike: a crew member or polecat by the name the Agents panel, its
    pane and `gt agents` give it (`sample/nux` for `sample/polecats/nux`, which `gt mail send`
    takes too), the Mayor as `mayor/`, the person as `overseer`. Stored text: show it through
    `visible`."""
    address = (address or "").strip()
    if address in ("mayor", MAYOR):
        return MAYOR
    if address in ("human", OVERSEER):
        return OVERSEER
    parts = address.split("/")
    if len(parts) == 3 and parts[1] in ("crew", "polecats") and parts[0] and parts[2]:
        return f"{parts[0]}/{parts[2]}"
    return address or "?"


def current_identity(town: Town, cwd: Path, environ: Mapping[str, str]) -> str:
    """`BD_ACTOR` or `GT_ROLE` for agents; `<rig>/crew/<name>` inside a crew clone; otherwise
    the person at their own shell, `overseer`. A `BD_ACTOR` that is no address (`steve`, as
    people set it for bd) names that person, who is the overseer here: mail to `steve` would
    reach no inbox."""
    actor = environ.get("BD_ACTOR", "").strip()
    if actor in ("mayor", MAYOR):
        return MAYOR
    if "/" in actor or actor == OVERSEER:
        return actor
    role = environ.get("GT_ROLE", "").strip()
    if role:
        rig = environ.get("GT_RIG", "")
        if role == "mayor":
            return MAYOR
        if role == "polecat" and rig and environ.get("GT_POLECAT"):
            return f"{rig}/polecats/{environ['GT_POLECAT']}"
        if role == "crew" and rig and environ.get("GT_CREW"):
            return f"{rig}/crew/{environ['GT_CREW']}"
        if "/" in role or role == OVERSEER:
            return role
    try:
        rel = Path(cwd).resolve().relative_to(town.root.resolve())
    except ValueError:
        return OVERSEER
    parts = rel.parts
    if len(parts) >= 3 and parts[1] == "crew":
        return f"{parts[0]}/crew/{parts[2]}"
    return OVERSEER


def everyone(town: Town, rig_name: str | None = None) -> list[str]:
    rigs = [town.rig(rig_name)] if rig_name else town.rigs()
    members = [f"{r.name}/crew/{n}" for r in rigs for n in r.crew_names()]
    members += [f"{r.name}/polecats/{n}" for r in rigs for n in r.polecat_names()]
    return members if rig_name else [MAYOR, *members]


def all_addresses(town: Town) -> list[str]:
    return [OVERSEER, *everyone(town), "@town", *(f"@rig/{r.name}" for r in town.rigs())]


def expand(town: Town, address: str) -> list[str]:
    """The recipients an address or group stands for; refuses addresses the town lacks."""
    address = address.strip()
    if address in (OVERSEER, "human"):
        return [OVERSEER]
    if address in ("mayor", MAYOR):
        return [MAYOR]
    if address == "@town":
        return everyone(town)
    if address.startswith("@rig/"):
        members = everyone(town, _rig_name(town, address[len("@rig/"):], address))
        if not members:
            raise TownError(f"group {address} has no members yet: add crew with "
                            "`gt crew add NAME --rig RIG`")
        return members
    parts = address.strip("/").split("/")
    if len(parts) == 3 and parts[1] in ("crew", "polecats"):
        rig = town.rig(_rig_name(town, parts[0], address))
        names = rig.crew_names() if parts[1] == "crew" else rig.polecat_names()
        if parts[2] not in names:
            raise TownError(f"unknown address {address!r}: rig {rig.name!r} has no "
                            f"{'crew member' if parts[1] == 'crew' else 'polecat'} "
                            f"{parts[2]!r} (known: {', '.join(names) or 'none'})")
        return [f"{rig.name}/{parts[1]}/{parts[2]}"]
    if len(parts) == 2:
        rig = town.rig(_rig_name(town, parts[0], address))
        hits = [f"{rig.name}/{kind}/{parts[1]}" for kind, names in
                (("crew", rig.crew_names()), ("polecats", rig.polecat_names()))
                if parts[1] in names]
        if len(hits) == 1:
            return hits
    raise TownError(f"unknown address {address!r}: use one of {FORMS}")


def _rig_name(town: Town, name: str, address: str) -> str:
    if name not in {r.name for r in town.rigs()}:
        raise TownError(f"unknown address {address!r}: no rig named {name!r} in this town")
    return name


def normalize(town: Town, address: str) -> str:
    """One address, checked, in its canonical form (groups are refused here)."""
    recipients = expand(town, address)
    if address.startswith("@"):
        raise TownError(f"{address} is a group; give a single address ({FORMS})")
    return recipients[0]
