"""The town's layout on disk and the small file helpers every town module uses.

Layout (REFERENCE.md's Gas Town layout with TOML settings)::

    <town>/mayor/town.toml        identity: name, id, created (the marker that makes a town)
    <town>/mayor/rigs.toml        the rig registry
    <town>/settings/config.toml   default_agent, [agents.*], theme, prefix_key, ...
    <town>/.beads/                the town ledger (prefix hq); routes.jsonl maps prefixes to rigs
    <town>/.runtime/              sockets, locks, transcripts, polecats/ worktrees (git-ignored)
    <town>/<rig>/.repo.git        shared bare clone
    <town>/<rig>/mayor/rig        full clone holding the rig ledger
    <town>/<rig>/.beads/redirect  points bd run in the rig folder at that ledger
    <town>/<rig>/crew/<name>      crew clones (their .beads/redirect points at the rig ledger)
    <town>/<rig>/polecats/        polecat worktrees
    <town>/<rig>/config.toml      rig settings (agent, ...)
"""

from __future__ import annotations

import contextlib
import os
import tomllib
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from .errors import NotInTown, TownError

TOWN_FILE = Path("mayor/town.toml")
RIGS_FILE = Path("mayor/rigs.toml")
CONFIG_FILE = Path("settings/config.toml")
BEADS_DIR = Path(".beads")
ROUTES_FILE = BEADS_DIR / "routes.jsonl"
RUNTIME_DIR = Path(".runtime")
TOWN_PREFIX = "hq"

RIG_REPO = Path(".repo.git")
RIG_CLONE = Path("mayor/rig")
RIG_CONFIG = Path("config.toml")


def find_town_root(cwd: Path, environ: Mapping[str, str]) -> Path:
    """`GT_TOWN_ROOT` when set, else the nearest directory at or above `cwd` holding
    `mayor/town.toml`."""
    explicit = environ.get("GT_TOWN_ROOT")
    if explicit:
        root = Path(explicit).expanduser()
        if not root.is_absolute():
            root = Path(cwd) / root
        if not (root / TOWN_FILE).is_file():
            raise NotInTown(f"GT_TOWN_ROOT={explicit} is not a town (no {TOWN_FILE}): "
                            "fix the variable or run `gt install PATH`")
        return root.resolve()
    here = Path(cwd).resolve()
    for d in (here, *here.parents):
        if (d / TOWN_FILE).is_file():
            return d
    raise NotInTown(f"not inside a town ({here}): cd into one, set GT_TOWN_ROOT, "
                    "or create one with `gt install PATH`")


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as e:
        raise TownError(f"{path} is not valid TOML ({e}): fix or restore that file") from None


def update_toml(path: Path, change: Callable[[Any], None], header: str = "") -> None:
    """Apply `change` to the tomlkit document of `path` and write it back atomically, keeping
    the user's comments and layout."""
    import tomlkit

    with locked(path.parent):
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = header
        try:
            doc = tomlkit.parse(text)
        except Exception as e:  # noqa: BLE001 - tomlkit raises several types for bad input
            raise TownError(f"{path} is not valid TOML ({e}): fix or restore that file") \
                from None
        change(doc)
        write_atomic(path, tomlkit.dumps(doc))


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on a directory, so two `gt` processes changing the same settings file
    cannot lose each other's change. The directory, not the file, because files are replaced by
    rename and a lock on the old inode would protect nothing."""
    import fcntl

    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def write_atomic(path: Path, text: str) -> None:
    """Readers see the old file or the new one, never half of one."""
    import tempfile  # only writers pay for it; `gt` reads far more often than it writes

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        # mkstemp makes 0600 files; settings are ordinary files the person may share.
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())  # the rename must not land before the data after a crash
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
