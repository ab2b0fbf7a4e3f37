"""The `bd` root: the beads ledger CLI. Subcommand modules register themselves like gt's."""

from __future__ import annotations

import importlib
import sys
from typing import Sequence

import click

from .core import Env, Group, Result, run as _run, shell_main

_COMMAND_MODULES: tuple[str, ...] = ()


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks for internal errors.")
@click.version_option(package_name="gastown_tui", prog_name="bd")
def bd(debug: bool) -> None:
    """Beads: a git-backed ledger of issues for people and agents."""


_loaded = False


def root() -> click.Group:
    global _loaded
    if not _loaded:
        for name in _COMMAND_MODULES:
            importlib.import_module(f"{__package__}.{name}").register(bd)
        _loaded = True
    return bd


def run(line: str | Sequence[str], env: Env | None = None) -> Result:
    return _run(root(), line, env, prog="bd")


def main(argv: Sequence[str] | None = None) -> None:
    sys.exit(shell_main(root(), "bd", argv))
