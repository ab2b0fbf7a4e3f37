"""What of a town only its owner may read, and making it so.

Private, whatever the umask: the town ledger (`.beads/`: mail, convoys, town work, routes), the
runtime folder (`.runtime/`: the host's lock, socket, log and events), the settings
(`settings/config.toml`, whose agent commands may carry keys; `mayor/`, whose rig URLs may carry
tokens; each rig's `config.toml`), every ledger's database files (`beads.db` with its `-wal`
and `-shm`), and a `--git` town's own `.git` (it holds the town ledger's history). Folders are
0700 and files 0600 when made; a town made before, or files a tool wrote with the umask's mode,
are tightened when a host starts and by `gt hooks repair`. A rig's project files (its clones,
crew and polecat worktrees, the rig ledger's `issues.jsonl` that the project commits) keep the
modes git and the user give them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from ..files import tighten
from .paths import BEADS_DIR, CONFIG_FILE, RIGS_FILE, RUNTIME_DIR, TOWN_FILE

if TYPE_CHECKING:
    from .model import Town

DB_FILES = ("beads.db", "beads.db-wal", "beads.db-shm")


def private_paths(town: "Town") -> Iterator[Path]:
    """Every path that should be private, parents before what they hold."""
    root = Path(town.root)
    for folder in (BEADS_DIR, RUNTIME_DIR, CONFIG_FILE.parent, TOWN_FILE.parent):
        yield root / folder
    yield from _tree(root / BEADS_DIR)
    yield from _files_in(root / RUNTIME_DIR)
    for path in (CONFIG_FILE, TOWN_FILE, RIGS_FILE):
        yield root / path
    git = root / ".git"
    if git.is_dir():
        yield git
    for rig in _rigs(town):
        yield rig.config_path
        for name in DB_FILES:
            yield rig.beads_dir / name


def _tree(folder: Path) -> Iterator[Path]:
    for top, dirs, files in os.walk(folder):
        for name in sorted(dirs) + sorted(files):
            yield Path(top) / name


def _files_in(folder: Path) -> Iterator[Path]:
    # Its own files only: the folders below (archived worktrees, the refinery's scratch
    # worktrees) hold project files, and .runtime itself being 0700 already shuts them away.
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return
    for entry in entries:
        if entry.is_file() and not entry.is_symlink():
            yield entry


def _rigs(town: "Town") -> list:
    from .errors import TownError

    try:
        return town.rigs()
    except TownError:
        return []   # a garbled rigs.toml is reported by the commands that read it


def tighten_town(town: "Town") -> list[Path]:
    """Take group and other permissions away from the town's private paths; the paths that
    changed. Only the current user's own files are touched."""
    changed = []
    for path in private_paths(town):
        try:
            if tighten(path):
                changed.append(path)
        except OSError:
            continue    # vanished meanwhile, or not ours to change
    return changed
