"""What several benchmarks start from: a fresh project whose one commit holds `files` (name ->
text), a town with one rig, `bench`, added from it, and a ledger filled with made-up work."""

from __future__ import annotations

import random
from pathlib import Path

import pygit2

SIG = pygit2.Signature("Bench", "bench@example.com")


def bench_project(path: Path, files: dict[str, str]) -> pygit2.Repository:
    """A fresh project at `path`, on branch main, whose one commit holds `files`."""
    repo = pygit2.init_repository(str(path), initial_head="main")
    for name, text in files.items():
        (path / name).write_text(text)
    repo.index.add_all()
    repo.index.write()
    repo.create_commit("HEAD", SIG, SIG, "first", repo.index.write_tree(), [])
    return repo


def bench_town(root: Path, files: dict[str, str]):
    """The town at `root/town`, its project at `root/sample`."""
    from gastown_tui.town import find_town
    from gastown_tui.town.install import install
    from gastown_tui.town.rigs import add_rig

    source = root / "sample"
    bench_project(source, files)
    install(root / "town")
    town = find_town(root / "town", {})
    add_rig(town, "bench", str(source))
    return town


def fill_beads(led, total: int, dependencies: int) -> list[str]:
    """`total` beads of made-up work (the same ones every run), `dependencies` of them
    blocked by an earlier one and a third of them closed, in one transaction; their ids."""
    rnd = random.Random(7)
    ids: list[str] = []
    with led.transaction():
        for n in range(total):
            issue = led.create(
                f"Bead number {n}: {rnd.choice(['fix', 'add', 'refactor', 'test'])} "
                f"{rnd.choice(['parser', 'ui', 'ledger', 'hooks', 'mail'])}",
                description="Some words about the work. " * rnd.randint(1, 8),
                priority=rnd.randint(0, 4),
                issue_type=rnd.choice(["task", "bug", "feature", "chore"]),
                labels=rnd.sample(["ui", "core", "docs", "perf", "infra"], rnd.randint(0, 2)))
            ids.append(issue.id)
        for n in rnd.sample(range(1, total), dependencies):
            led.add_dependency(ids[n], ids[rnd.randrange(0, n)], "blocks")
        for n in rnd.sample(range(total), total // 3):
            led.close(ids[n], "done")
    return ids
