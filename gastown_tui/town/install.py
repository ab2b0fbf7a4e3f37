"""`gt install`: lay out a new town, all or nothing."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import os
import shutil
import uuid
from pathlib import Path
from typing import Iterable, Iterator

from ..files import private_dir
from .config import CONFIG_TEMPLATE
from .errors import TownError
from .paths import (BEADS_DIR, CONFIG_FILE, RIGS_FILE, RUNTIME_DIR, TOWN_FILE, TOWN_PREFIX,
                    read_toml, write_atomic)
from .model import Town
from .private import tighten_town
from .routes import write_routes

REDIRECT_IGNORE = """\
# Written by gt: points bd in a rig's folder at its ledger in mayor/rig.
*/.beads/redirect
"""
GITIGNORE = """\
# Runtime state: sockets, locks, transcripts and polecat worktrees.
.runtime/
# Each rig's clones are git repositories of their own.
*/.repo.git/
*/mayor/rig/
*/crew/
*/polecats/
""" + REDIRECT_IGNORE

RIGS_TEMPLATE = """\
# Rigs of this town, kept by `gt rig add` / `gt rig remove`.
[rigs]
"""

CLAUDE_MD = """\
# Gas Town: {name}

This directory is a Gas Town workspace. Run `gt prime` for your role and the work on your hook,
`gt mail inbox` for messages, `gt convoy list` for tracked work and `bd ready` for open issues.
"""


@dataclasses.dataclass
class Installed:
    path: Path
    name: str
    git: bool
    prefix: str = TOWN_PREFIX

    def render_text(self) -> str:
        git = " with a git repository" if self.git else ""
        return (f"Created town {self.name!r} at {self.path}{git}.\n"
                f"Next: cd {self.path} && gt rig add NAME URL")


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).astimezone().isoformat(timespec="seconds")


def install(path: Path, name: str | None = None, git: bool = False,
            force: bool = False) -> Installed:
    try:
        return _install(path, name, git, force)
    except OSError as e:
        # Where no directory can be made (/proc/x, a read-only disk, a file in the way):
        # everything this call made is gone again; say why in one line.
        from ..files import os_error_message

        raise TownError(os_error_message(e) or f"cannot make a town at {path}: "
                        f"{e.strerror or e}") from None


def _install(path: Path, name: str | None, git: bool, force: bool) -> Installed:
    # `..` taken away by the letter, as a shell's cd does: mkdir of a/../b would make a too.
    path = Path(os.path.abspath(Path(path).expanduser()))
    if (path / TOWN_FILE).is_file():
        existing = read_toml(path / TOWN_FILE).get("name", path.name)
        raise TownError(f"{path} is already a town ({existing!r}); nothing changed")
    outer = next((d for d in path.parents if (d / TOWN_FILE).is_file()), None)
    if outer is not None and not force:
        raise TownError(f"{path} is inside the town at {outer}: a town within a town confuses "
                        "every command; pick a path outside it (or pass --force)")
    if path.exists() and not path.is_dir():
        raise TownError(f"{path} exists and is not a directory: pick another path")
    if path.is_dir() and any(path.iterdir()) and not force:
        raise TownError(f"{path} is not empty and not a town: pick an empty directory "
                        "or pass --force to install into it")
    name = path.name if name is None else name
    if not name.strip() or "\n" in name:
        raise TownError(f"bad town name {name!r}: give a one-line name", exit_code=2)

    made_root = not path.exists()
    existed = set() if made_root else {p.name for p in path.iterdir()}
    # `gt install ~/a/b/c` makes a and b too; a failure must take them away with c. Nearest
    # first, so they can be removed in that order.
    made_parents = list(_until_existing(path.parents))
    try:
        repo = None
        if git:
            from .gitops import init_repo

            # Before the ledger, so the ledger registers its merge driver in this repository.
            path.mkdir(parents=True, exist_ok=True)
            repo = init_repo(path)
        _lay_out(path, name)
        if repo is not None:
            from .gitops import commit_all

            made = sorted({p.name for p in path.iterdir()} - existed - {".git"})
            commit_all(repo, f"Create Gas Town {name!r}", made)
    except BaseException:
        # Leave the directory as it was: remove only what this call made.
        if made_root:
            shutil.rmtree(path, ignore_errors=True)
            for folder in made_parents:
                try:
                    folder.rmdir()  # only while empty: never what someone else put there since
                except OSError:
                    break
        else:
            for p in path.iterdir():
                if p.name in existed:
                    continue
                if p.is_dir():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink()
        raise
    return Installed(path, name, git)


def _until_existing(folders: Iterable[Path]) -> Iterator[Path]:
    for folder in folders:
        if folder.exists():
            return
        yield folder


def _lay_out(path: Path, name: str) -> None:
    import tomlkit

    from ..beads import Ledger

    for folder in ("mayor", CONFIG_FILE.parent, BEADS_DIR, RUNTIME_DIR):
        private_dir(path / folder)
    (path / RUNTIME_DIR / "polecats").mkdir(exist_ok=True)
    ident = tomlkit.document()
    ident.add(tomlkit.comment("This file makes the directory a Gas Town; do not delete it."))
    ident["name"] = name
    ident["id"] = uuid.uuid4().hex
    ident["created"] = _now()
    ident["version"] = 1
    write_atomic(path / TOWN_FILE, tomlkit.dumps(ident), private=True)
    write_atomic(path / RIGS_FILE, RIGS_TEMPLATE, private=True)
    if not (path / CONFIG_FILE).exists():
        write_atomic(path / CONFIG_FILE, CONFIG_TEMPLATE, private=True)
    Ledger.init(path / BEADS_DIR, TOWN_PREFIX).close_db()
    _seed_formulas(path / BEADS_DIR / "formulas")
    write_routes(path, {f"{TOWN_PREFIX}-": "."})
    gitignore = path / ".gitignore"
    if gitignore.exists():
        current = gitignore.read_text(encoding="utf-8")
        if ".runtime/" not in current.split():
            write_atomic(gitignore, current.rstrip("\n") + "\n\n" + GITIGNORE)
    else:
        write_atomic(gitignore, GITIGNORE)
    if not (path / "CLAUDE.md").exists():
        write_atomic(path / "CLAUDE.md", CLAUDE_MD.format(name=name))
    # What the ledger and git wrote with the umask's modes (the ledger's config, its export,
    # a --git town's .git) is private from the start.
    tighten_town(Town(path))


def _seed_formulas(folder: Path) -> None:
    """Starter formulas (the release workflow of the Gas Town README), never over a user's own."""
    folder.mkdir(parents=True, exist_ok=True)
    for src in (Path(__file__).parent / "formulas").glob("*.formula.toml"):
        if not (folder / src.name).exists():
            write_atomic(folder / src.name, src.read_text(encoding="utf-8"))
