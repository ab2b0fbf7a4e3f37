"""Crew: a person's long-lived full clone inside a rig, using the rig ledger."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import tempfile
from pathlib import Path

from .errors import TownError, usage
from .model import Rig, Town
from .paths import BEADS_DIR, write_atomic

CREW_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


@dataclasses.dataclass
class CrewMember:
    rig: str
    name: str
    path: Path
    branch: str
    identity: str


def validate_crew_name(name: str) -> None:
    if not CREW_NAME.match(name) or len(name) > 64:
        raise usage(f"bad crew name {name!r}: use letters, digits, '-' or '_' "
                    "(start with a letter)")


def add_crew(town: Town, name: str, rig_name: str) -> CrewMember:
    from .gitops import clone_from_shared

    validate_crew_name(name)
    rig = town.rig(rig_name)
    dest = rig.crew_dir / name
    if dest.exists():
        raise TownError(f"crew {name!r} already exists in rig {rig.name!r} at {dest}")
    rig.crew_dir.mkdir(exist_ok=True)
    # Cloned under .runtime/ and moved into place whole: a killed add leaves no half clone
    # that would then count as a crew member.
    work = Path(tempfile.mkdtemp(prefix=f"crew-{rig.name}-{name}-",
                                 dir=_staging(town)))
    try:
        repo = clone_from_shared(rig.repo_path, work / name, rig.url, rig.branch)
        exclude = Path(repo.path) / "info" / "exclude"
        exclude.parent.mkdir(parents=True, exist_ok=True)
        with open(exclude, "a", encoding="utf-8") as f:
            f.write("\n# Gas Town: this clone uses the rig ledger\n/.beads/redirect\n")
        try:
            (work / name).rename(dest)
        except OSError:
            raise TownError(f"crew {name!r} already exists in rig {rig.name!r} at {dest}") \
                from None
        try:
            _redirect_ledger(dest, rig)
        except BaseException:
            shutil.rmtree(dest, ignore_errors=True)
            raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return _member(rig, name)


def _staging(town: Town) -> Path:
    folder = town.runtime_dir / "crew-staging"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


REDIRECT = f"{BEADS_DIR}/redirect"


def _redirect_ledger(dest: Path, rig: Rig) -> None:
    """`bd` run anywhere in the clone finds `.beads/redirect` and uses the rig ledger."""
    beads = dest / BEADS_DIR
    beads.mkdir(exist_ok=True)
    rel = os.path.relpath(rig.beads_dir, beads)
    write_atomic(dest / REDIRECT, rel + "\n")


def _member(rig: Rig, name: str) -> CrewMember:
    path = rig.crew_dir / name
    branch = rig.branch
    head = path / ".git" / "HEAD"
    try:
        ref = head.read_text(encoding="utf-8").strip()
        if ref.startswith("ref: refs/heads/"):
            branch = ref[len("ref: refs/heads/"):]
    except OSError:
        pass
    return CrewMember(rig.name, name, path, branch, f"{rig.name}/crew/{name}")


def list_crew(town: Town, rig_name: str | None = None) -> list[CrewMember]:
    rigs = [town.rig(rig_name)] if rig_name else town.rigs()
    return [_member(rig, n) for rig in rigs for n in rig.crew_names()]


def remove_crew(town: Town, name: str, rig_name: str,
                force: bool = False) -> tuple[CrewMember, str]:
    """Delete the clone; its git-ignored files (a `.env`, local notes: no commit holds them)
    are moved under the town's runtime dir first, bar folders a tool makes again. Work not
    pushed makes it refuse; with `force` the whole clone is set aside there instead of deleted.
    Returns the member and a note saying where anything went ('' when nothing did)."""
    from .gitops import unsaved_work
    from .snapshots import aside_folder, ignored_files, move_aside

    rig = town.rig(rig_name)
    if name not in rig.crew_names():
        known = ", ".join(rig.crew_names()) or "none"
        raise usage(f"no crew {name!r} in rig {rig.name!r} (crew: {known})")
    member = _member(rig, name)
    reason = unsaved_work(member.path)
    if reason and not force:
        raise TownError(f"crew {name!r} has {reason.split(' in ')[0]}: push or commit it, "
                        "or pass --force to remove it and set the clone aside")
    label = f"crew-{rig.name}-{name}"
    if reason:
        aside = aside_folder(town.runtime_dir, label)
        aside.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(member.path), str(aside))
        return member, (f"the clone, with {reason.split(' in ')[0]}, is kept at {aside} "
                        "(delete that folder when you no longer need it)")
    ignored = ignored_files(member.path)
    mine = [rel for rel in ignored.kept + ignored.too_big if rel != REDIRECT]
    aside = move_aside(member.path, mine, town.runtime_dir, label)
    shutil.rmtree(member.path)
    note = (f"{len(mine)} ignored file{'s' if len(mine) != 1 else ''} moved to {aside}"
            if aside else "")
    return member, note
