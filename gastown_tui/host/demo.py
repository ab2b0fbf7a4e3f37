"""`gt demo`: a demo town made from nothing (offline), worked by demo agents until its convoy lands.

The town gets a small local sample project (a git repository made with pygit2, with a small
gate, `python3 check.py`), a rig for it that pushes merged work back to it, a few issues that
each name a file to change, and one convoy tracking them all. The first two issues change the
end of the same file, so one of them comes back from the merge queue with a conflict and its
agent rebases and submits again. A host slings every issue to its own demo polecat and reports
progress until the convoy lands, that is until the sample project's main holds every change.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from pathlib import Path
from typing import Callable

import pygit2


TASKS = (
    ("Add a friendly greeting to hello.py", "Edit hello.py so it greets the person by name."),
    # The same file's end as the task before: whichever merges second conflicts, and its
    # agent rebases and resolves (the demo agent keeps both lines).
    ("Say how to run hello.py in a comment", "Add a usage comment at the end of hello.py."),
    ("Document how to run the project in README.md", "Add a usage line to README.md."),
    ("Start a changelog in CHANGELOG.md", "Create CHANGELOG.md with a first entry."),
    ("Write contributor notes in docs/CONTRIBUTING.md", "Explain how to send changes."),
    ("Add a configuration example to config/example.toml", "Show the available settings."),
)
SAMPLE_FILES = {
    "README.md": "# Sample project\n\nA tiny project for the Gas Town demo.\n",
    "hello.py": "def main():\n    print('hello')\n\n\nif __name__ == '__main__':\n    main()\n",
    # The gate: every Python file compiles and no file holds a conflict marker.
    "check.py": (
        "import pathlib, py_compile, sys\n\n"
        "bad = []\n"
        "for path in sorted(pathlib.Path('.').rglob('*')):\n"
        "    if not path.is_file() or '.git' in path.parts:\n"
        "        continue\n"
        "    if path.suffix == '.py':\n"
        "        try:\n"
        "            py_compile.compile(str(path), doraise=True)\n"
        "        except py_compile.PyCompileError as e:\n"
        "            bad.append(f'{path}: {e.msg}')\n"
        "    text = path.read_text(errors='replace')\n"
        "    if any(line.startswith(('<<<<<<< ', '>>>>>>> ')) for line in text.splitlines()):\n"
        "        bad.append(f'{path}: conflict markers')\n"
        "print('\\n'.join(bad) or 'check: ok')\n"
        "sys.exit(1 if bad else 0)\n"),
}
GATE = "python3 check.py"
# Left open and out of the convoy, so a person can try slinging work from the keyboard.
SPARE_TASK = ("Add a farewell to hello.py", "Edit hello.py so it also says goodbye.")
MAX_AGENTS = 30


@dataclasses.dataclass
class DemoWork:
    polecat: str
    issue: str
    title: str
    branch: str
    commit: str | None
    files: list[str]


@dataclasses.dataclass
class DemoResult:
    town: str
    convoy: str
    landed: bool
    seconds: float
    work: list[DemoWork]
    spare: str | None = None
    sample: str = ""                  # the sample project, which the merges were pushed to
    merged: list[str] = dataclasses.field(default_factory=list)  # its main, newest first
    removed: bool = False             # its temporary folder was removed as the demo ended


def task_for(i: int) -> tuple[str, str]:
    if i < len(TASKS):
        return TASKS[i]
    return (f"Add note {i + 1} to NOTES.md", "Record what the demo agent did.")


def make_sample_repo(path: Path) -> Path:
    repo = pygit2.init_repository(str(path), initial_head="main")
    # The refinery pushes merged work here; its checked-out files follow (the person looking
    # at the sample project sees every agent's change).
    repo.config["receive.denyCurrentBranch"] = "updateInstead"
    for name, text in SAMPLE_FILES.items():
        (path / name).write_text(text)
    repo.index.add_all()
    repo.index.write()
    sig = pygit2.Signature("Gas Town demo", "demo@gastown.local")
    repo.create_commit("HEAD", sig, sig, "Sample project", repo.index.write_tree(), [])
    return path


def build_town(root: Path, agents: int, say: Callable[[str], None]):
    """A fresh demo town at `root`: sample rig, issues, a convoy and `demo` as default agent.
    Returns the town, the ids to sling (all in the convoy) and the convoy's id; one more ready
    issue stays unslung for the person."""
    from ..town import create_convoy, find_town
    from ..town.config import set_setting
    from ..town.install import install
    from ..town.rigs import add_rig

    from . import demo_folder

    say(f"creating demo town at {root}" + ("; its folder is removed when the demo ends "
                                           "(`gt demo --keep` keeps it)"
                                           if demo_folder.is_temporary(root) else ""))
    install(root, name="demo")
    town = find_town(root, {})
    source = make_sample_repo(root / ".demo" / "sample-project")
    say("adding rig 'sample' (a local sample project)")
    add_rig(town, "sample", str(source))
    set_setting(town, "default_agent", "demo")
    set_setting(town, "merge.gate", GATE, rig="sample")
    set_setting(town, "merge.push", "true", rig="sample")
    led = town.rig("sample").ledger("overseer")
    ids = []
    for i in range(agents):
        title, desc = task_for(i)
        ids.append(led.create(title, description=desc, issue_type="task", priority=2).id)
    led.create(SPARE_TASK[0], description=SPARE_TASK[1], issue_type="task", priority=3)
    convoy = create_convoy(town, "Demo: improve the sample project", ids,
                           notify=["mayor/", "overseer"], actor="overseer")
    say(f"created {len(ids)} issues and convoy {convoy.id}, and one issue left for you to sling")
    return town, ids, convoy.id


async def run(town, ids: list[str], convoy: str, say: Callable[[str], None],
              timeout: float) -> tuple[bool, float]:
    from .host import Host

    host = Host(town, mode="demo")
    landed = asyncio.Event()
    shown = {"sling", "hook_active", "hook_completed", "agent_exited", "convoy_landed",
             "agent_stuck", "agent_respawned", "hook_suspended", "mr_submitted", "mr_gating",
             "mr_merged", "mr_rejected", "mr_held"}

    def on_event(ev: dict) -> None:
        kind = ev.get("kind")
        if kind == "convoy_landed" and ev.get("id") == convoy:
            landed.set()
        if kind in shown:
            who = ev.get("agent") or ev.get("mr") or ev.get("id") or ""
            extra = ev.get("issue") or ev.get("title") or ""
            why = ev.get("reason") if kind in ("mr_rejected", "mr_held") else None
            say(f"{kind:<15} {who} {extra}".rstrip() + (f": {why}" if why else ""))

    host.subscribe(on_event)
    await host.start()
    started = time.monotonic()
    try:
        await host.sling(ids, "sample", agent="demo", convoy=False, actor="overseer")
        try:
            await asyncio.wait_for(_landed(host, convoy, landed), timeout)
        except asyncio.TimeoutError:
            return False, time.monotonic() - started
        return True, time.monotonic() - started
    finally:
        await host.stop()


async def _landed(host, convoy: str, landed: asyncio.Event) -> None:
    # The event is the fast path; the ledger check covers a landing the watch saw first.
    while not landed.is_set():
        closed = await host.domain(lambda t: t.ledger().get(convoy).is_closed)
        if closed:
            return
        try:
            await asyncio.wait_for(landed.wait(), 1.0)
        except asyncio.TimeoutError:
            pass


def summary(town, ids: list[str], convoy: str, landed: bool, seconds: float) -> DemoResult:
    from ..town import hooks as hooks_mod
    from ..town.mq import mr_for_issue

    rig = town.rig("sample")
    repo = pygit2.Repository(str(rig.repo_path))
    work = []
    for hook in hooks_mod.all_hooks(town):
        if hook.issue not in ids or not hook.branch:
            continue
        mr = mr_for_issue(rig, hook.issue)
        commit, files = None, []
        if mr is not None and mr.landed_as and mr.state == "merged":
            commit = mr.landed_as
            landed_commit = repo[pygit2.Oid(hex=commit)].peel(pygit2.Commit)
            files = sorted(p.delta.new_file.path
                           for p in repo.diff(landed_commit.parents[0], landed_commit))
        title = rig.ledger().get(hook.issue).title
        work.append(DemoWork(hook.polecat, hook.issue, title, hook.branch, commit, files))
    spare = next((i.id for i in rig.ledger().ready() if i.id not in ids), None)
    sample = pygit2.Repository(rig.url)
    merged = []
    for commit in sample.walk(sample.references["refs/heads/main"].target):
        if not commit.parents:
            break
        merged.append(f"{str(commit.id)[:10]}  {commit.message.splitlines()[0]}  "
                      f"({commit.author.name})")
    return DemoResult(str(town.root), convoy, landed, seconds, work, spare, rig.url, merged)
