"""`gt install PATH`: create a town."""

from __future__ import annotations

from pathlib import Path

import click

from .core import get_env


def register(root: click.Group) -> None:
    @root.command("install")
    @click.argument("path", type=click.Path(file_okay=False))
    @click.option("--git", is_flag=True,
                  help="Also make the town a git repository with a first commit.")
    @click.option("--name", help="Town name (default: the directory name).")
    @click.option("--force", is_flag=True, help="Install into a non-empty directory.")
    def install_cmd(path: str, git: bool, name: str | None, force: bool):
        """Create a town at PATH: settings, rig registry, town ledger (prefix hq)."""
        from ..town.install import install

        env = get_env()
        target = Path(path).expanduser()
        if not target.is_absolute():
            target = env.cwd / target
        return install(target, name=name, git=git, force=force)
