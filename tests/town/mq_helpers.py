"""Merge-queue test towns: real repositories, real worktrees, `gt done` and the refinery run
in-process (the process boundary is tested in tests/host/test_refinery.py)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pygit2

from gastown_tui.town import find_town
from gastown_tui.town.config import set_setting
from gastown_tui.town.done import finish
from gastown_tui.town.install import install
from gastown_tui.town.refinery import Refinery
from gastown_tui.town.rigs import add_rig
from gastown_tui.town.sling import sling

SIG = pygit2.Signature("Test Person", "test@example.com")
FILES = {"README.md": "# sample\n", "hello.py": "print('hello')\n"}


def sample_repo(path: Path, bare: bool = False) -> Path:
    """A project on `main`; `bare` makes it an origin that takes pushes."""
    work = path if not bare else path.with_name(path.name + "-work")
    repo = pygit2.init_repository(str(work), initial_head="main")
    for name, text in FILES.items():
        (work / name).write_text(text)
    repo.index.add_all()
    repo.index.write()
    repo.create_commit("HEAD", SIG, SIG, "first", repo.index.write_tree(), [])
    if not bare:
        return path
    pygit2.clone_repository(str(work), str(path), bare=True)
    return path


class Work:
    """A town with rig `demo`, and the moves of agents and of the refinery."""

    def __init__(self, root: Path, origin: Path):
        install(root)
        town = find_town(root, {})
        add_rig(town, "demo", str(origin))
        self.town = find_town(root, {})
        self.origin = origin
        self.events: list[tuple[str, dict]] = []
        self.refinery = Refinery(self.town, "demo",
                                 emit=lambda kind, **f: self.events.append((kind, f)))

    @property
    def rig(self):
        return self.town.rig("demo")

    def repo(self) -> pygit2.Repository:
        return pygit2.Repository(str(self.rig.repo_path))

    def main(self) -> pygit2.Commit:
        return self.repo().references["refs/heads/main"].peel(pygit2.Commit)

    def set(self, key: str, value: str) -> None:
        set_setting(self.town, key, value, rig="demo")

    def issue(self, title: str) -> str:
        return self.rig.ledger("overseer").create(title).id

    def sling(self, *ids: str, convoy: bool = True) -> list:
        return [s for s, _h in sling(self.town, list(ids), "demo", agent="shell",
                                     convoy=convoy, environ=os.environ)]

    def env(self, polecat: str) -> dict:
        return {"GT_RIG": "demo", "GT_POLECAT": polecat, "GT_ROLE": "polecat",
                "BD_ACTOR": f"demo/polecats/{polecat}"}

    def done(self, slung, files: dict[str, str], message: str | None = None):
        """The agent writes `files` in its worktree and runs `gt done`."""
        wt = Path(slung.worktree)
        for name, text in files.items():
            (wt / name).parent.mkdir(parents=True, exist_ok=True)
            (wt / name).write_text(text)
        return finish(self.town, wt, self.env(slung.polecat), message)

    def finished(self, title: str, files: dict[str, str]):
        """An issue slung, worked and submitted: (issue id, slung, Done)."""
        issue = self.issue(title)
        [slung] = self.sling(issue)
        return issue, slung, self.done(slung, files, title)

    def run(self):
        return self.refinery.run_until_idle()

    def kinds(self) -> list[str]:
        return [k for k, _f in self.events]

    def jsonl(self, bead_id: str) -> dict:
        for line in (self.rig.beads_dir / "issues.jsonl").read_text().splitlines():
            record = json.loads(line)
            if record["id"] == bead_id:
                return record
        raise AssertionError(f"{bead_id} is not in issues.jsonl")


def git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, GIT_EDITOR="true", GIT_AUTHOR_NAME="agent",
               GIT_AUTHOR_EMAIL="agent@example.com", GIT_COMMITTER_NAME="agent",
               GIT_COMMITTER_EMAIL="agent@example.com")
    for var in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(var, None)
    proc = subprocess.run(["git", *args], cwd=str(cwd), env=env, capture_output=True,
                          text=True, timeout=60)
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)}: {proc.stderr}")
    return proc
