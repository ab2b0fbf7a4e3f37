"""`gt term capture`: a headless screenshot of any program, through this project's terminal
engine."""

from __future__ import annotations

import click

from .core import CommandError, UsageError, get_env


def register(root: click.Group) -> None:
    @root.group("term")
    def term():
        """The terminal engine, headless."""

    @term.command("capture", context_settings={"allow_interspersed_args": False},
                  short_help="Headless screenshot: run a command in a terminal, print its screen.")
    @click.option("--size", default="80x24", show_default=True, metavar="COLSxROWS",
                  help="Terminal size.")
    @click.option("--input", "inputs", multiple=True, metavar="TEXT",
                  help=r"Text to type, in order; escapes \r \n \t \e \xNN \\. Repeatable.")
    @click.option("--delay", type=float, default=0.5, show_default=True, metavar="SECONDS",
                  help="Quiet time before each input and at the end.")
    @click.option("--timeout", type=float, default=10.0, show_default=True, metavar="SECONDS",
                  help="Give up waiting and capture the screen as it is.")
    @click.option("--ansi", is_flag=True, help="Keep colours and styles as SGR sequences.")
    @click.option("--history", type=int, default=0, metavar="N",
                  help="Prepend up to N lines of scrollback.")
    @click.argument("command", nargs=-1, required=True, metavar="-- COMMAND [ARGS]...")
    def capture(size: str, inputs: tuple[str, ...], delay: float, timeout: float, ansi: bool,
                history: int, command: tuple[str, ...]):
        """Run COMMAND in a terminal, type each --input, and print the screen it shows
        (like `tmux capture-pane -p`). The command is ended afterwards."""
        from ..term.capture import capture as run_capture, parse_escapes, parse_size

        try:
            cols, rows = parse_size(size)
            data = [parse_escapes(text) for text in inputs]
        except ValueError as e:
            raise UsageError(str(e)) from None
        if not (delay >= 0 and timeout > 0) or history < 0:  # also refuses nan
            raise UsageError("--delay and --history must be 0 or more, --timeout more than 0")
        env = get_env()
        return run_capture(list(command), cols=cols, rows=rows, inputs=data, delay=delay,
                           timeout=timeout, ansi=ansi, history=history, cwd=env.cwd,
                           env=env.environ)

    @term.command("replay", short_help="Print the screen a session transcript draws.")
    @click.argument("paths", nargs=-1, required=True, metavar="TRANSCRIPT...")
    @click.option("--size", default="80x24", show_default=True, metavar="COLSxROWS",
                  help="Terminal size the transcript was recorded at.")
    @click.option("--ansi", is_flag=True, help="Keep colours and styles as SGR sequences.")
    @click.option("--history", type=int, default=0, metavar="N",
                  help="Prepend up to N lines of scrollback.")
    def replay(paths: tuple[str, ...], size: str, ansi: bool, history: int):
        """Feed raw session transcripts, in order (a rotated `NAME.1` before `NAME`), to a
        terminal and print the screen they draw, like `capture`."""
        from ..term.capture import parse_size, replay as run_replay

        try:
            cols, rows = parse_size(size)
        except ValueError as e:
            raise UsageError(str(e)) from None
        if history < 0:
            raise UsageError("--history must be 0 or more")
        data = bytearray()
        for path in paths:
            try:
                data += (get_env().cwd / path).read_bytes()
            except OSError as e:
                raise CommandError(f"cannot read transcript {path}: {e.strerror or e}") from None
        return run_replay(bytes(data), cols=cols, rows=rows, ansi=ansi, history=history)
