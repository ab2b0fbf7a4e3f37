"""Rigs: add (clone, ledger, route), list, remove."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import os
import re
import shutil
from pathlib import Path
from typing import Callable

from .errors import TownError, usage
from .model import Rig, Town
from .paths import (BEADS_DIR, RIG_CLONE, RIG_CONFIG, RIG_REPO, RIGS_FILE, TOWN_PREFIX, locked,
                    update_toml, write_atomic)
from .routes import add_route, read_routes, remove_route

RIG_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
PREFIX = re.compile(r"^[a-z][a-z0-9]{0,7}$")
# Top-level names a town already uses for itself.
RESERVED = {"mayor", "settings", "crew", "polecats", "hq", "town"}


MAX_RIG_NAME = 64


def validate_rig_name(name: str) -> None:
    if len(name) > MAX_RIG_NAME:
        raise usage(f"bad rig name '{name[:20]}...': at most {MAX_RIG_NAME} characters (it "
                    "names the rig's folder, its polecats' sessions and addresses)")
    if not RIG_NAME.match(name):
        # Quoted by hand: repr() would show a backslash in the name doubled.
        raise usage(f"bad rig name '{name}': use letters, digits and '_' (start with a letter; "
                    "no '-', '.', '/', '\\' or spaces)")
    if name.lower() in RESERVED:
        raise usage(f"{name!r} is a name the town uses itself: pick another rig name")


def derive_prefix(name: str, taken: set[str]) -> str:
    """"my_project"/"myProject" -> "mp"; one word -> its first two letters; longer or numbered
    when that is taken. Always a valid bead prefix (lowercase letters and digits)."""
    words = [w for w in re.split(r"_+|(?<=[a-z0-9])(?=[A-Z])", name) if w]
    clean = re.sub(r"[^a-z0-9]", "", name.lower())  # a rig name starts with a letter
    base = "".join(w[0] for w in words)[:4].lower() if len(words) > 1 else clean[:2]
    candidates = [base] + [clean[:n] for n in range(3, min(len(clean), 8) + 1)]
    for c in candidates:
        if PREFIX.match(c) and c not in taken:
            return c
    n = 2
    while f"{base}{n}" in taken:
        n += 1
    return f"{base}{n}"


# `<rig>/.beads/redirect` points `bd` run anywhere in the rig folder (its top, crew/, polecats/
# outside a clone) at the rig ledger in `<rig>/mayor/rig/.beads`, not at the town's ledger
# further up. Relative, so a moved town still works.
RIG_REDIRECT = BEADS_DIR / "redirect"
REDIRECT_TEXT = os.path.relpath(RIG_CLONE / BEADS_DIR, BEADS_DIR) + "\n"


def ensure_redirect(rig: Rig) -> str:
    """Write the rig folder's ledger redirect when it is missing or wrong: "ok" (it was
    right), "written", or "taken" (that `.beads/` holds a ledger of its own: left alone)."""
    path = rig.path / RIG_REDIRECT
    if not rig.path.is_dir():
        return "ok"  # a rig whose folder is gone: no folder to make, nothing for bd to find
    try:
        if path.read_text(encoding="utf-8") == REDIRECT_TEXT:
            return "ok"
    except FileNotFoundError:
        if any((path.parent / name).exists() for name in ("beads.db", "issues.jsonl")):
            return "taken"
    except OSError:
        pass
    write_atomic(path, REDIRECT_TEXT)
    return "written"


def ensure_redirects(town: Town) -> list[tuple[Rig, str]]:
    """Each rig's redirect (rigs added before gt wrote one get it now), and the line that
    keeps it out of a --git town's commits; the (rig, outcome) of each rig not "ok"."""
    from .install import REDIRECT_IGNORE

    out = [(rig, state) for rig in town.rigs() if (state := ensure_redirect(rig)) != "ok"]
    ignore = town.root / ".gitignore"
    try:
        text = ignore.read_text(encoding="utf-8")
    except OSError:
        return out
    # Only a .gitignore gt wrote (it ignores the polecat worktrees) is changed.
    if "*/polecats/" in text.splitlines() and "*/.beads/redirect" not in text.splitlines():
        write_atomic(ignore, text + ("" if text.endswith("\n") else "\n") + REDIRECT_IGNORE)
    return out


def taken_prefixes(town: Town) -> set[str]:
    return {p.rstrip("-") for p in read_routes(town.root)} | {TOWN_PREFIX} | {
        r.prefix for r in town.rigs()}


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).astimezone().isoformat(timespec="seconds")


def add_rig(town: Town, name: str, source: str, *, prefix: str | None = None,
            branch: str | None = None, cwd: Path | None = None,
            progress: Callable[[str], None] | None = None) -> Rig:
    """Clone `source` into a new rig; on any failure nothing of the rig is left behind."""
    validate_rig_name(name)
    if not source.strip():
        raise usage("the repository to clone is empty: give a git URL or the path of a "
                    "repository")
    # One rig add at a time per town: names and derived prefixes are checked and registered
    # under the same lock, so two adds cannot claim the same ones.
    with locked(town.runtime_dir):
        return _add_rig(town, name, source, prefix, branch, cwd, progress)


def _add_rig(town: Town, name: str, source: str, prefix: str | None, branch: str | None,
             cwd: Path | None, progress: Callable[[str], None] | None) -> Rig:
    from ..beads import Ledger
    from . import gitops

    if name in {r.name for r in town.rigs()}:
        raise TownError(f"rig {name!r} already exists: pick another name or "
                        f"`gt rig remove {name}` first")
    target = town.root / name
    if target.exists():
        raise TownError(f"{target} already exists: pick another rig name")
    taken = taken_prefixes(town)
    if prefix is not None:
        prefix = prefix.rstrip("-")
        if not PREFIX.match(prefix):
            raise usage(f"bad prefix {prefix!r}: 1-8 lowercase letters or digits, "
                        "starting with a letter")
        if prefix in taken:
            raise TownError(f"prefix {prefix!r} is already used in this town: pick another")
    else:
        prefix = derive_prefix(name, taken)
    local = Path(cwd or town.root) / Path(source.removeprefix("file://")).expanduser()
    if not gitops.is_network_url(source) and local.resolve() == Path(town.root).resolve():
        raise usage(f"{source} is the town itself: a rig is a project's repository; give "
                    "its URL or path")
    url = gitops.normalize_source(source, cwd or town.root)

    # Built under .runtime/ and moved into place whole, so a killed `gt rig add` leaves no
    # half-made rig in the town (only junk in .runtime/, cleared by the next add).
    staging = town.runtime_dir / "rig-staging"
    shutil.rmtree(staging, ignore_errors=True)
    work = staging / name
    work.mkdir(parents=True)
    moved = False
    try:
        if progress:
            progress(f"cloning {url} into {name}/{RIG_REPO}")
        default_branch = gitops.clone_bare(url, work / RIG_REPO, branch, progress)
        # Every polecat worktree shares this repository's info/exclude: the agents' context
        # file is kept out of their commits from the start, not by each sling.
        from .sling import CONTEXT_FILE, _exclude

        _exclude(work / RIG_REPO, "/" + CONTEXT_FILE)
        gitops.clone_from_shared(work / RIG_REPO, work / RIG_CLONE, url, default_branch)
        (work / "crew").mkdir()
        (work / "polecats").mkdir()
        write_atomic(work / RIG_REDIRECT, REDIRECT_TEXT)
        write_atomic(work / RIG_CONFIG, "# Settings of this rig. `gt config set agent NAME "
                     f"--rig {name}` or edit by hand.\n", private=True)
        Ledger.init(work / RIG_CLONE / BEADS_DIR, prefix).close_db()
        work.rename(target)
        moved = True
        added = _now()

        def register(doc):
            import tomlkit

            rigs = doc.get("rigs")
            if rigs is None:
                rigs = doc["rigs"] = tomlkit.table()
            entry = tomlkit.table()
            entry.update({"url": url, "branch": default_branch, "prefix": prefix,
                          "added": added})
            rigs[name] = entry

        update_toml(town.root / RIGS_FILE, register)
        add_route(town.root, prefix, f"{name}/{RIG_CLONE.as_posix()}")
    except BaseException:
        _forget(town, name, prefix)
        if moved:
            shutil.rmtree(target, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return town.rig(name)


def _forget(town: Town, name: str, prefix: str) -> None:
    def unregister(doc):
        rigs = doc.get("rigs")
        if rigs is not None and name in rigs:
            del rigs[name]

    update_toml(town.root / RIGS_FILE, unregister)
    remove_route(town.root, prefix)


@dataclasses.dataclass
class RigSummary:
    name: str
    url: str
    branch: str
    prefix: str
    crew: int
    polecats: int
    open_beads: int | None


def rig_summaries(town: Town) -> list[RigSummary]:
    from ..beads import LedgerError

    out = []
    for rig in town.rigs():
        # One broken rig ledger must not hide the other rigs; its count shows as unknown.
        try:
            open_beads = count_open(rig.ledger())
        except (TownError, LedgerError):
            open_beads = None
        out.append(RigSummary(rig.name, rig.url, rig.branch, rig.prefix, len(rig.crew_names()),
                              len(rig.polecat_names()), open_beads))
    return out


def count_open(led) -> int:
    """Beads not closed, counted in SQL: building 1,000 Issue objects per rig to count them
    was most of `gt rig list`'s time."""
    return led.conn.execute("SELECT COUNT(*) FROM issues WHERE status NOT IN "
                            "('closed', 'tombstone')").fetchone()[0]


def repos_under(folder: Path) -> list[Path]:
    """Git working trees one or two levels below `folder` (crew clones, polecat worktrees)."""
    found = []
    for child in sorted(folder.glob("*")) if folder.is_dir() else []:
        if (child / ".git").exists():
            found.append(child)
        elif child.is_dir():
            found.extend(g for g in sorted(child.glob("*")) if (g / ".git").exists())
    return found


@dataclasses.dataclass
class RemovedRig:
    rig: Rig
    note: str = ""   # where anything worth keeping went ('' when nothing was)


def remove_rig(town: Town, name: str, force: bool = False) -> RemovedRig:
    """Forget the rig and delete its folder. Work no commit on a remote holds (uncommitted or
    unpushed changes in a clone or worktree, beads of the rig's ledger that no commit holds)
    makes it refuse; with `force` the whole folder is set aside under the town's runtime dir
    instead of deleted, so a forced removal loses nothing either. Otherwise only the clones'
    git-ignored files (a `.env`, local notes) are set aside, as `gt crew remove` does."""
    from .snapshots import aside_folder, ignored_files, move_aside

    rig = town.rig(name)
    reasons = _unsaved(rig)
    if reasons and not force:
        raise TownError(f"rig {name!r} holds work that is not pushed ({reasons[0]}"
                        f"{f' and {len(reasons) - 1} more' if len(reasons) > 1 else ''}): "
                        "push it, or pass --force to remove the rig and set its folder aside")
    with locked(town.runtime_dir):
        _forget(town, name, rig.prefix)
        if reasons:
            aside = aside_folder(town.runtime_dir, f"rig-{name}")
            aside.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(rig.path), str(aside))
            return RemovedRig(rig, f"its folder, with the work not pushed, is kept at {aside} "
                                   "(delete that folder when you no longer need it)")
        mine = [f"{repo.relative_to(rig.path).as_posix()}/{rel}"
                for repo in repos_under(rig.polecats_dir) + repos_under(rig.crew_dir)
                for rel in (lambda i: i.kept + i.too_big)(ignored_files(repo))
                if rel != RIG_REDIRECT.as_posix()]
        aside = move_aside(rig.path, mine, town.runtime_dir, f"rig-{name}")
        shutil.rmtree(rig.path, ignore_errors=True)
    return RemovedRig(rig, f"{len(mine)} git-ignored file{'s' if len(mine) != 1 else ''} of "
                           f"its clones moved to {aside}" if aside else "")


def _unsaved(rig: Rig) -> list[str]:
    """Why deleting the rig's folder would lose work ([] when it would not)."""
    from .gitops import unsaved_work

    reasons = [r for p in repos_under(rig.polecats_dir) + repos_under(rig.crew_dir)
               if (r := unsaved_work(p))]
    beads = _uncommitted_beads(rig)
    if beads:
        reasons.append(f"{beads} bead{'s' if beads != 1 else ''} in the rig's ledger that no "
                       f"commit holds, in {rig.beads_dir}")
    return reasons


def _uncommitted_beads(rig: Rig) -> int:
    """How many beads the rig's ledger holds when its issues.jsonl is not committed as it is in
    the rig's clone (the ledger lives only there until someone commits it)."""
    import pygit2

    jsonl = rig.beads_dir / "issues.jsonl"
    try:
        count = jsonl.read_bytes().count(b"\n")
    except OSError:
        return 0
    if not count:
        return 0
    try:
        repo = pygit2.Repository(str(rig.clone_path))
        flags = repo.status_file(jsonl.relative_to(rig.clone_path).as_posix())
    except (pygit2.GitError, KeyError, ValueError):
        return count
    return 0 if flags == pygit2.enums.FileStatus.CURRENT else count
