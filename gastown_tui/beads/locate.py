"""Finding the ledger for a directory, and the default actor."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

BEADS_DIRNAME = ".beads"
REDIRECT_NAME = "redirect"
# What makes a `.beads/` a ledger (store.DB_NAME, JSONL_NAME, CONFIG_NAME, spelled out here so
# finding the ledger imports no sqlite3). `~/.beads/` often holds only formulas.
LEDGER_FILES = ("beads.db", "issues.jsonl", "config.toml", REDIRECT_NAME)


def _follow(beads_dir: Path) -> Path:
    """A `.beads/redirect` file names the real ledger (relative to that .beads dir or absolute);
    crew clones use it so `bd` there works on the rig's ledger."""
    seen = set()
    while os.access(beads_dir, os.X_OK) and (beads_dir / REDIRECT_NAME).is_file() \
            and beads_dir not in seen:
        seen.add(beads_dir)
        target = (beads_dir / REDIRECT_NAME).read_text().strip()
        if not target:
            break
        beads_dir = (beads_dir / target).resolve()
    return beads_dir


def find_beads_dir(cwd: Path, environ: Mapping[str, str], *,
                   ledger_only: bool = True) -> Path | None:
    """`BEADS_DIR` if set, else the nearest `.beads/` walking up from `cwd` that holds a ledger
    (with `ledger_only=False`, any `.beads/`: where formulas are looked for first)."""
    explicit = environ.get("BEADS_DIR")
    if explicit:
        path = Path(explicit)
        if not path.is_absolute():
            path = cwd / path
        return _follow(path.resolve())
    here = Path(cwd).resolve()
    for d in (here, *here.parents):
        candidate = d / BEADS_DIRNAME
        if candidate.is_dir() and (not ledger_only or not os.access(candidate, os.X_OK) or any(
                (candidate / name).exists() for name in LEDGER_FILES)):
            # A `.beads/` this user may not enter is another user's private ledger: found,
            # so that opening it says whose it is instead of looking further up.
            return _follow(candidate)
    return None


def default_actor(environ: Mapping[str, str]) -> str:
    """`BD_ACTOR`, else the user's name (looked up like getpass.getuser, whose import of
    termios costs every bd start ~2 ms)."""
    for key in ("BD_ACTOR", "LOGNAME", "USER", "LNAME", "USERNAME"):
        if environ.get(key):
            return environ[key]
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError, OSError):
        return "unknown"


def find_town_root(cwd: Path, environ: Mapping[str, str]) -> Path | None:
    """`GT_TOWN_ROOT`, else the nearest directory holding `mayor/town.toml`."""
    explicit = environ.get("GT_TOWN_ROOT")
    if explicit:
        return Path(explicit)
    here = Path(cwd).resolve()
    for d in (here, *here.parents):
        try:
            if (d / "mayor" / "town.toml").is_file():
                return d
        except PermissionError:
            from ..files import owner_of
            from .model import LedgerError

            owner = owner_of(d / "mayor") or "another user"
            raise LedgerError(f"the town at {d} belongs to {owner}: its files are private to "
                              f"its owner, so run the command as {owner}") from None
    return None
