"""`Town` and `Rig`: the town as other layers see it (paths, settings, ledgers)."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from ..records import field_names, record
from .errors import TownError, usage
from .paths import (BEADS_DIR, CONFIG_FILE, RIG_CLONE, RIG_CONFIG, RIG_REPO, RIGS_FILE,
                    TOWN_FILE, Expect, find_town_root, read_toml)
from .routes import read_routes, route_for

if TYPE_CHECKING:
    from ..beads import Ledger


_WHEN = Expect((str, _dt.datetime, _dt.date))
TOWN_SCHEMA = {"name": str, "id": str, "created": _WHEN, "version": int}
RIGS_SCHEMA = {
    "rigs": Expect((dict,), "[rigs.NAME] entries"),
    "rigs.*": Expect((dict,), "[rigs.NAME] with url, branch and prefix"),
    **{f"rigs.*.{key}": str for key in ("url", "branch", "prefix")},
    "rigs.*.added": _WHEN,
}


def _open_ledger(beads_dir: Path, actor: str | None) -> "Ledger":
    from ..beads import Ledger

    if not beads_dir.is_dir():
        raise TownError(f"no ledger at {beads_dir}: the town or rig is incomplete "
                        "(re-add the rig or restore that directory)")
    return Ledger.open(beads_dir, actor=actor)


@record
class Rig:
    """One project under town management."""

    town: "Town"
    name: str
    url: str
    branch: str
    prefix: str
    added: str = ""

    def __repr__(self) -> str:
        return "Rig(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in field_names(self)
                                  if n != "town") + ")"

    @property
    def path(self) -> Path:
        return self.town.root / self.name

    @property
    def repo_path(self) -> Path:
        """The shared bare clone that polecat worktrees hang off."""
        return self.path / RIG_REPO

    @property
    def clone_path(self) -> Path:
        """The full clone that holds the rig ledger (`<rig>/mayor/rig`)."""
        return self.path / RIG_CLONE

    @property
    def beads_dir(self) -> Path:
        return self.clone_path / BEADS_DIR

    @property
    def crew_dir(self) -> Path:
        return self.path / "crew"

    @property
    def polecats_dir(self) -> Path:
        return self.path / "polecats"

    @property
    def config_path(self) -> Path:
        return self.path / RIG_CONFIG

    @property
    def default_branch(self) -> str:
        return self.branch

    def settings(self) -> dict[str, Any]:
        from .schema import RIG_SCHEMA, RIG_SETTINGS, check_values

        data = read_toml(self.config_path, RIG_SCHEMA)
        check_values(self.config_path, data, RIG_SETTINGS)
        return data

    def ledger(self, actor: str | None = None) -> "Ledger":
        return self.town._ledger_at(self.beads_dir, actor)

    def crew_names(self) -> list[str]:
        return _subdirs(self.crew_dir)

    def polecat_names(self) -> list[str]:
        return _subdirs(self.polecats_dir)


def _subdirs(folder: Path) -> list[str]:
    try:
        return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    except FileNotFoundError:
        return []


class Town:
    """A town directory. Cheap to make; files are read when asked for."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._ledgers: dict[tuple[Path, str | None], Ledger] = {}

    def __repr__(self) -> str:
        return f"Town({str(self.root)!r})"

    @property
    def info(self) -> dict[str, Any]:
        return read_toml(self.root / TOWN_FILE, TOWN_SCHEMA)

    @property
    def name(self) -> str:
        return str(self.info.get("name") or self.root.name)

    @property
    def beads_dir(self) -> Path:
        return self.root / BEADS_DIR

    @property
    def runtime_dir(self) -> Path:
        return self.root / ".runtime"

    def config(self) -> dict[str, Any]:
        from .schema import CONFIG_SCHEMA, check_values

        path = self.root / CONFIG_FILE
        data = read_toml(path, CONFIG_SCHEMA)
        check_values(path, data)
        return data

    def _rig_table(self) -> dict[str, Any]:
        return read_toml(self.root / RIGS_FILE, RIGS_SCHEMA).get("rigs", {})

    def rigs(self) -> list[Rig]:
        return [self._rig(name, entry) for name, entry in sorted(self._rig_table().items())]

    def rig(self, name: str) -> Rig:
        entry = self._rig_table().get(name)
        if entry is None:
            known = ", ".join(r.name for r in self.rigs()) or "none yet"
            raise usage(f"no rig named {name!r} in this town (rigs: {known}); "
                        "add one with `gt rig add NAME URL`")
        return self._rig(name, entry)

    def _rig(self, name: str, entry: Mapping[str, Any]) -> Rig:
        return Rig(self, name, str(entry.get("url", "")), str(entry.get("branch", "main")),
                   str(entry.get("prefix", "")), str(entry.get("added", "")))

    def ledger(self, actor: str | None = None) -> "Ledger":
        """The town ledger (prefix hq): convoys, mail, town-level work."""
        return self._ledger_at(self.beads_dir, actor)

    def ledger_for(self, bead_id: str, actor: str | None = None) -> "Ledger":
        """The ledger a bead id lives in, found by its prefix in routes.jsonl."""
        path = route_for(read_routes(self.root), bead_id)
        if path is None:
            prefixes = ", ".join(sorted(read_routes(self.root))) or "none"
            raise TownError(f"no ledger in this town holds ids like {bead_id!r} "
                            f"(known prefixes: {prefixes})")
        return self.ledger_at_route(path, actor)

    def ledger_at_route(self, path: str, actor: str | None = None) -> "Ledger":
        """The ledger of a routes.jsonl path (relative to the town root, `.` for the town)."""
        return self._ledger_at((self.root / path / BEADS_DIR).resolve(), actor)

    def rig_for_prefix(self, bead_id: str) -> Rig | None:
        path = route_for(read_routes(self.root), bead_id)
        if path is None or path == ".":
            return None
        name = Path(path).parts[0]
        try:
            return self.rig(name)
        except TownError:
            return None

    def _ledger_at(self, beads_dir: Path, actor: str | None) -> "Ledger":
        key = (beads_dir, actor)
        led = self._ledgers.get(key)
        if led is None:
            led = self._ledgers[key] = _open_ledger(beads_dir, actor)
        return led


def find_town(cwd: Path, environ: Mapping[str, str]) -> Town:
    """The town around `cwd` (or at `GT_TOWN_ROOT`); `NotInTown` says how to get one."""
    return Town(find_town_root(Path(cwd), environ))
