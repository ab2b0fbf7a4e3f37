"""The `bd` root: the beads ledger CLI. Subcommands live in `bd_*.py` modules beside this one."""

from __future__ import annotations

import sys
from typing import Sequence

import click

from .core import Env, Group, Result, load_modules, run as _run, shell_main


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks for internal errors.")
@click.version_option(package_name="gastown_tui", prog_name="bd")
def bd(debug: bool) -> None:
    """Beads: a git-backed ledger of issues for people and agents."""


def root() -> click.Group:
    """The full command tree, with every `bd_*.py` module registered."""
    return load_modules(bd, __package__, "bd_")


def run(line: str | Sequence[str], env: Env | None = None) -> Result:
    return _run(root(), line, env, prog="bd")


def main(argv: Sequence[str] | None = None) -> None:
    sys.exit(shell_main(root(), "bd", argv))
