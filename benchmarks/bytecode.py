"""Cached bytecode for the package under test, as an installed package has (shared by the
benchmarks that time whole `gt` and `bd` processes)."""

from __future__ import annotations

import compileall
from pathlib import Path

import gastown_tui


def compile_package() -> None:
    """Byte-compile gastown_tui before timing, so each timed process loads cached bytecode as it
    does for users. A shell that sets PYTHONDONTWRITEBYTECODE (this machine's does) never writes
    the caches, and every timed process would compile every module it imports again."""
    compileall.compile_dir(str(Path(gastown_tui.__file__).parent), quiet=1)
