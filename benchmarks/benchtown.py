"""The town several benchmarks start from: one rig, `bench`, added from a fresh project whose
one commit holds `files` (name -> text)."""

from __future__ import annotations

from pathlib import Path

import pygit2

SIG = pygit2.Signature("Bench", "bench@example.com")


def bench_town(root: Path, files: dict[str, str]):
    """The town at `root/town`, its project at `root/sample`."""
    from gastown_tui.town import find_town
    from gastown_tui.town.install import install
    from gastown_tui.town.rigs import add_rig

    source = root / "sample"
    repo = pygit2.init_repository(str(source), initial_head="main")
    for name, text in files.items():
        (source / name).write_text(text)
    repo.index.add_all()
    repo.index.write()
    repo.create_commit("HEAD", SIG, SIG, "first", repo.index.write_tree(), [])
    install(root / "town")
    town = find_town(root / "town", {})
    add_rig(town, "bench", str(source))
    return town
