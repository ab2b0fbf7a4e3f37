"""What a change is, file by file: the diff of a merge request or of a hook's worktree against
its target, as data (`gt diff`, and the review views, render it).

A hook's diff is taken from the worktree as it is on disk, uncommitted and untracked files
included, so a person sees the work before `gt done`; both sides start from the merge base
with the target, so work merged into the target since the branch was cut does not show up
as the branch taking it away.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import pygit2

from ..visible import visible
from .errors import TownError

if TYPE_CHECKING:
    from .model import Town

STATUS = {"A": "added", "D": "deleted", "M": "modified", "R": "renamed", "C": "copied",
          "T": "type changed"}
MAX_LINES_PER_FILE = 5000


@dataclasses.dataclass
class Hunk:
    header: str
    lines: list[tuple[str, str]]     # (origin: ' ', '+' or '-', text without newline)


@dataclasses.dataclass
class FileDiff:
    path: str
    old_path: str | None
    status: str
    added: int
    removed: int
    binary: bool = False
    hunks: list[Hunk] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Diff:
    subject: str       # what was compared, for a person: "de-mr-abc: polecat/nux/de-1 vs main"
    base: str          # the merge base's commit
    head: str          # the head commit, or "worktree"
    files: list[FileDiff]
    stat_only: bool = False
    color: bool = dataclasses.field(default=False, metadata={"json": False, "text": False})

    @property
    def keeps_escapes(self) -> bool:
        """Its colours are meant for the terminal (the file contents in between are shown as
        marks, as every stored text is)."""
        return self.color

    @property
    def added(self) -> int:
        return sum(f.added for f in self.files)

    @property
    def removed(self) -> int:
        return sum(f.removed for f in self.files)

    def to_json(self) -> dict:
        out = {"subject": self.subject, "base": self.base, "head": self.head,
               "added": self.added, "removed": self.removed, "files": []}
        for f in self.files:
            entry = dataclasses.asdict(f)
            if self.stat_only:
                entry.pop("hunks")
            else:
                entry["hunks"] = [{"header": h.header,
                                   "lines": [o + t for o, t in h.lines]} for h in f.hunks]
            out["files"].append(entry)
        return out

    def render_text(self) -> str:
        paint = _paint if self.color else (lambda _style, text: text)
        if not self.files:
            return f"{visible(self.subject)}: no changes"
        width = max(len(_name(f)) for f in self.files)
        lines = [paint("bold", visible(self.subject))]
        for f in self.files:
            counts = "binary" if f.binary else (paint("green", f"+{f.added}") + " "
                                                 + paint("red", f"-{f.removed}"))
            lines.append(f" {visible(_name(f)):<{width}}  {counts}")
        n = len(self.files)
        lines.append(f" {n} file{'s' if n != 1 else ''} changed, {self.added} insertion"
                     f"{'s' if self.added != 1 else ''}(+), {self.removed} deletion"
                     f"{'s' if self.removed != 1 else ''}(-)")
        if self.stat_only:
            return "\n".join(lines)
        for f in self.files:
            lines.append("")
            lines.append(paint("bold", f"--- {visible(f.old_path or f.path)}  ({f.status})"))
            lines.append(paint("bold", f"+++ {visible(f.path)}"))
            if f.binary:
                lines.append("Binary file differs")
            for h in f.hunks:
                lines.append(paint("cyan", visible(h.header)))
                for origin, text in h.lines:
                    # Tabs stay tabs, as in `git diff` (code indented with them reads right).
                    shown = origin + visible(text, lines=True)
                    style = "green" if origin == "+" else "red" if origin == "-" else ""
                    lines.append(paint(style, shown) if style else shown)
        return "\n".join(lines)


def _name(f: FileDiff) -> str:
    return f"{f.old_path} => {f.path}" if f.old_path and f.old_path != f.path else f.path


_SGR = {"bold": "1", "green": "32", "red": "31", "cyan": "36"}


def _paint(style: str, text: str) -> str:
    return f"\x1b[{_SGR[style]}m{text}\x1b[0m"


def _files(patches: pygit2.Diff, stat_only: bool) -> list[FileDiff]:
    patches.find_similar()
    out = []
    for patch in patches:
        delta = patch.delta
        status = STATUS.get(delta.status_char(), delta.status_char())
        old = delta.old_file.path if delta.old_file.path != delta.new_file.path else None
        path = delta.new_file.path if delta.status_char() != "D" else delta.old_file.path
        _ctx, added, removed = patch.line_stats
        entry = FileDiff(path, old, status, added, removed, bool(delta.is_binary))
        if not stat_only and not delta.is_binary:
            shown = 0
            for hunk in patch.hunks:
                lines = []
                for line in hunk.lines:
                    if line.origin in (" ", "+", "-") and shown < MAX_LINES_PER_FILE:
                        lines.append((line.origin, line.content.rstrip("\n")))
                        shown += 1
                entry.hunks.append(Hunk(hunk.header.rstrip("\n"), lines))
        out.append(entry)
    return sorted(out, key=lambda f: f.path)


def between(repo: pygit2.Repository, base: pygit2.Oid, head: pygit2.Oid, subject: str,
            stat_only: bool = False) -> Diff:
    """The change `head` makes since its merge base with `base`."""
    fork = repo.merge_base(base, head) or base
    patches = repo.diff(repo[fork].peel(pygit2.Commit).tree,
                        repo[head].peel(pygit2.Commit).tree, context_lines=3)
    return Diff(subject, str(fork), str(head), _files(patches, stat_only), stat_only)


def of_worktree(path: Path, target_tip: pygit2.Oid, subject: str,
                stat_only: bool = False) -> Diff:
    """A worktree's files as they are now against its merge base with the target."""
    from .snapshots import worktree_tree

    repo = pygit2.Repository(str(path))
    tree, _ignored = worktree_tree(repo)
    head = repo.head.target if not repo.head_is_unborn else target_tip
    fork = repo.merge_base(target_tip, head) or target_tip
    patches = repo.diff(repo[fork].peel(pygit2.Commit).tree, repo[tree], context_lines=3)
    return Diff(subject, str(fork), "worktree", _files(patches, stat_only), stat_only)


def diff_for(town: "Town", what: str, stat_only: bool = False) -> Diff:
    """`gt diff NAME|MR`: a merge request's change, or a hook's work as it is now."""
    from . import hooks as hooks_mod
    from . import mq

    what = (what or "").strip()
    if not what:
        raise TownError("give a polecat name or a merge request id (see `gt hooks list`, "
                        "`gt mq list`)", exit_code=2)
    if town.rig_for_prefix(what) is not None:
        rig, mr = mq.find_mr(town, what)
        repo = pygit2.Repository(str(rig.repo_path))
        tip = mq.target_tip(repo, mr.target)
        try:
            head = repo[pygit2.Oid(hex=mr.head)].peel(pygit2.Commit)
        except (KeyError, ValueError):
            raise TownError(f"commit {mr.head[:10]} of {mr.id} is gone from the rig's "
                            "repository") from None
        # A merged MR is compared with the target as it was before it landed: its branch may
        # be in the target now (a fast-forward), which would leave nothing to show.
        old = (mr.landing or {}).get("old") if mr.state == "merged" else None
        base = pygit2.Oid(hex=old) if old else (tip.id if tip is not None else head.id)
        subject = f"{mr.id} ({mr.label}): {mr.branch} -> {mr.target}"
        return between(repo, base, head.id, subject, stat_only)
    hook = hooks_mod.find(town, what)
    rig = town.rig(hook.rig)
    settings = mq.merge_settings(rig)
    repo = pygit2.Repository(str(rig.repo_path))
    tip = mq.target_tip(repo, settings.target)
    if tip is None:
        raise TownError(f"target branch {settings.target} of rig {rig.name} does not exist")
    subject = f"{hook.rig}/{hook.polecat} ({hook.issue or 'no issue'}): {hook.branch} vs " \
              f"{settings.target}"
    if hook.path is not None and hook.path.exists():
        return of_worktree(hook.path, tip.id, subject + ", worktree as it is", stat_only)
    mr = mq.mr_for_issue(rig, hook.issue) if hook.issue else None
    ref = repo.references.get(f"refs/heads/{hook.branch}") if hook.branch else None
    head = ref.target if ref is not None else (pygit2.Oid(hex=mr.head) if mr else None)
    if head is None:
        raise TownError(f"{hook.polecat} has no worktree and no branch left to compare "
                        f"(hook {hook.state}): `gt hooks snapshots {hook.polecat}` lists its "
                        "snapshots")
    return between(repo, tip.id, head, subject, stat_only)
