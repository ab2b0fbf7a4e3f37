"""The `bd` root: the beads ledger CLI. Subcommands live in `bd_*.py` modules beside this one;
the shell imports only the module of the command it runs (`COMMANDS`)."""

from __future__ import annotations

import sys
from typing import Sequence

import click

from .. import __version__
from .core import Env, RootGroup, run as _run, shell_main
from .render import Result


# Which `bd_*.py` module registers each command (see `RootGroup`; a test keeps it complete).
COMMANDS = {
    "blocked": "bd_work", "close": "bd_issues", "comments": "bd_work", "cook": "bd_formula",
    "create": "bd_issues", "dep": "bd_work", "export": "bd_sync", "formula": "bd_formula",
    "import": "bd_sync", "init": "bd_sync", "label": "bd_work", "list": "bd_issues",
    "merge-driver": "bd_sync", "mol": "bd_formula", "ready": "bd_work", "reopen": "bd_issues",
    "search": "bd_issues", "show": "bd_issues", "stats": "bd_work", "update": "bd_issues",
}


@click.group(cls=RootGroup, package=__package__, prefix="bd_", index=COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks for internal errors.")
@click.version_option(__version__, prog_name="bd")
def bd(debug: bool) -> None:
    """Beads: a git-backed ledger of issues for people and agents."""


def root() -> RootGroup:
    """The full command tree, with every `bd_*.py` module registered."""
    return bd.load_all()


def run(line: str | Sequence[str], env: Env | None = None) -> Result:
    return _run(root(), line, env, prog="bd")


def main(argv: Sequence[str] | None = None) -> None:
    sys.exit(shell_main(bd, "bd", argv))
