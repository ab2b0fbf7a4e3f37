"""`bd init`, `bd export`, `bd import`, and the git merge driver `bd merge-driver`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..visible import visible_json
from .bd_common import BdCommand, actor, open_ledger
from .core import CommandError, UsageError, get_env
from .render import view


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


@view
class ExportedLines:
    """`bd export` with no file: the JSONL itself is the output, the same bytes with or
    without --json (each line already is JSON), so `bd export > backup.jsonl` is a backup.
    `text` is without its last newline, which the shell adds after every output."""
    text: str

    def to_json(self) -> list:
        return [json.loads(line) for line in self.text.splitlines()]

    def json_text(self) -> str:
        return self.text

    def render_text(self) -> str:
        # Data, not prose: C1 and bidi characters as JSON's own escapes keep every string
        # exact, where the marks the text of other results gets would change the backup.
        return visible_json(self.text)


def _is_dash(value: str | None) -> bool:
    return value is None or value == "-"


@click.command("export", cls=BdCommand)
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False),
              help="File to write (replaced atomically); stdout when not given or '-'.")
def export(output):
    """Write the ledger as bd JSONL to a file, or to stdout."""
    env = get_env()
    if not _is_dash(output):
        path = env.cwd / output
        return Exported(path, open_ledger().export_file(path))
    data = open_ledger().export_bytes()
    # The count goes beside the pipe (stderr in the shell), never into the backup.
    count = data.count(b"\n")
    env.progress(f"Exported {count} beads to stdout")
    return ExportedLines(data.decode("utf-8").removesuffix("\n"))


@click.command("import", cls=BdCommand)
@click.option("-i", "--input", "input_", default=None, type=click.Path(dir_okay=False),
              help="bd JSONL file to merge in; stdin when not given or '-'.")
def import_(input_):
    """Merge bd JSONL from a file or stdin into the ledger (field-level; bad lines are kept
    aside)."""
    env = get_env()
    if _is_dash(input_):
        data = _read_stdin(env)
        led = open_ledger()
        report = led.import_data(data, "stdin")
    else:
        path = env.cwd / input_
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        led = open_ledger()
        report = led.import_file(path)
    return report   # its warnings (the lines kept aside) are said as the ledger closes


def _read_stdin(env) -> bytes:
    stdin = env.stdin
    if stdin is None:
        raise UsageError("bd import here has no standard input to read: pass -i FILE")
    isatty = getattr(stdin, "isatty", None)
    if callable(isatty) and isatty():
        # Nothing was piped in: waiting for typed JSONL would look like a hang.
        raise UsageError("bd import reads JSONL from stdin: pipe a file in "
                         "('bd import < backup.jsonl') or pass -i FILE")
    buffer = getattr(stdin, "buffer", None)
    try:
        data = buffer.read() if buffer is not None else stdin.read()
    except OSError as e:
        raise CommandError(f"cannot read stdin: {e.strerror or e}") from None
    return data if isinstance(data, bytes) else data.encode("utf-8")


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
