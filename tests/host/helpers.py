"""Shared helpers for host tests (imported by conftest)."""

from __future__ import annotations

from pathlib import Path

import pygit2


def make_sample_repo(path: Path) -> Path:
    repo = pygit2.init_repository(str(path), initial_head="main")
    (path / "README.md").write_text("# sample\n")
    (path / "hello.py").write_text("print('hello')\n")
    repo.index.add_all()
    repo.index.write()
    sig = pygit2.Signature("Test", "test@example.com")
    repo.create_commit("HEAD", sig, sig, "first", repo.index.write_tree(), [])
    return path
