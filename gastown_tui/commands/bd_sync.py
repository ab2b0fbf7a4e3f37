"""`bd init`, `bd export`, `bd import`, and the git merge driver `bd merge-driver`."""

from __future__ import annotations

from pathlib import Path

import click

from .bd_common import BdCommand, actor, open_ledger, view
from .core import CommandError, get_env


@view
class Initialised:
    beads_dir: Path
    prefix: str
    git_repo: Path | None

    def to_json(self) -> dict:
        return {"beads_dir": str(self.beads_dir), "prefix": self.prefix,
                "git_repo": str(self.git_repo) if self.git_repo else None}

    def render_text(self) -> str:
        text = f"Initialised beads ledger '{self.prefix}' in {self.beads_dir}"
        if self.git_repo:
            text += f"\nRegistered the beads merge driver for {self.git_repo}"
        return text


@click.command("init", cls=BdCommand)
@click.option("--prefix", default=None, help="Id prefix (default: from the directory name).")
def init(prefix):
    """Create a ledger in ./.beads (db, config.toml, issues.jsonl, merge driver)."""
    from ..beads import Ledger, derive_prefix
    from ..beads.sync import register_merge_driver

    env = get_env()
    beads_dir = Path(env.environ["BEADS_DIR"]) if env.environ.get("BEADS_DIR") else \
        env.cwd / ".beads"
    if not beads_dir.is_absolute():
        beads_dir = env.cwd / beads_dir
    prefix = prefix if prefix is not None else derive_prefix(env.cwd.resolve().name)
    led = Ledger.init(beads_dir, prefix, actor())
    led.close_db()
    return Initialised(beads_dir, led.prefix, register_merge_driver(beads_dir))


@view
class Exported:
    path: Path
    count: int

    def to_json(self) -> dict:
        return {"path": str(self.path), "count": self.count}

    def render_text(self) -> str:
        return f"Exported {self.count} beads to {self.path}"


@click.command("export", cls=BdCommand)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="File to write (replaced atomically).")
def export(output):
    """Write the ledger as bd JSONL to a file."""
    path = get_env().cwd / output
    return Exported(path, open_ledger().export_file(path))


@click.command("import", cls=BdCommand)
@click.option("-i", "--input", "input_", required=True, type=click.Path(dir_okay=False),
              help="bd JSONL file to merge in.")
def import_(input_):
    """Merge a bd JSONL file into the ledger (field-level; bad lines are kept aside)."""
    path = get_env().cwd / input_
    if not path.is_file():
        raise CommandError(f"no such file: {path}")
    led = open_ledger()
    report = led.import_file(path)
    for warning in led.warnings:
        get_env().progress(f"bd: warning: {warning}")
    return report


@click.command("merge-driver", cls=BdCommand)
@click.argument("base", type=click.Path(dir_okay=False))
@click.argument("ours", type=click.Path(dir_okay=False))
@click.argument("theirs", type=click.Path(dir_okay=False))
@click.argument("path", required=False)
def merge_driver(base, ours, theirs, path):
    """git merge driver for issues.jsonl: merged result replaces OURS."""
    from ..beads.merge import merge_driver as run

    cwd = get_env().cwd
    if run(cwd / base, cwd / ours, cwd / theirs):
        raise CommandError(f"{path or ours}: some lines are not bead records; they were kept at "
                           "the end of the file for you to fix")
    return None


def register(root: click.Group) -> None:
    for cmd in (init, export, import_, merge_driver):
        root.add_command(cmd)
