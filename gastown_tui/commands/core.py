"""The registry core: commands return data; renderers (`render.py`) turn it into text or JSON.

One click tree serves three callers: the shell (`gt ...`, `bd ...`), headless strings
(`gt --cmd "..."`), and in-process calls (`run(root, "convoy list")`) for the app's command bar
and palette. Command callbacks never print: they return a value (a dataclass, a list of them, a
string or None) and raise `CommandError` for failures a user can cause. Exit codes: 0 ok,
1 failed, 2 bad usage. Tracebacks only with `--debug`.

Commands read the working directory and environment from `Env` (`get_env()`), never from
`os.getcwd()`/`os.environ` directly, so an in-process call can run "as if" from another place.
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import sys
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import click

# Env and the errors live in calls.py, which the fast entry loads without click; commands
# import them from here as ever.
from .calls import (CommandError, Env, UsageError, completion_var, failure, internal_error,
                    read_flags)
from .render import EXIT_FAILED, EXIT_OK, EXIT_USAGE, Result, emit



def get_env() -> Env:
    ctx = click.get_current_context()
    env = ctx.find_object(Env)
    if env is None:  # called outside `invoke`, e.g. click's test runner
        env = Env()
        ctx.obj = env
    return env


def runs(body: Callable[..., Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Make a command's callback `body(env, **params)`, where `body` lives in a module that
    does not import click; the function decorated holds only the help text. The fast entry
    (`fast.py`) calls the same body after parsing the same words (`fast_words.py`, made from
    this tree), so the two can never answer differently::

        @click.command("ready", cls=BdCommand)
        @click.option("-n", "--limit", ...)
        @runs(ledger_calls.ready)
        def ready():
            \"\"\"Work that can start now.\"\"\"
    """

    def decorate(declared: Callable[..., Any]) -> Callable[..., Any]:
        def callback(**params: Any) -> Any:
            return body(get_env(), **params)

        callback.__name__, callback.__doc__ = declared.__name__, declared.__doc__
        callback.__module__ = declared.__module__
        callback.body = body  # type: ignore[attr-defined]  # for fast_gen
        return callback

    return decorate


def _set_json(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        env = ctx.find_object(Env)
        if env is not None:
            env.json = True


def _set_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        env = ctx.find_object(Env)
        if env is not None:
            env.debug = True


def json_option() -> click.Option:
    return click.Option(
        ["--json"], is_flag=True, expose_value=False, is_eager=True,
        callback=_set_json, help="Print the result as JSON.",
    )


def debug_option() -> click.Option:
    return click.Option(
        ["--debug"], is_flag=True, expose_value=False, is_eager=True,
        callback=_set_debug, help="Show tracebacks for internal errors.",
    )


class Command(click.Command):
    """A click command that accepts `--json` (and `--debug`, also taken by the roots) wherever
    it appears."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.append(json_option())
        if not any("--debug" in p.opts for p in self.params if isinstance(p, click.Option)):
            self.params.append(debug_option())


class Group(click.Group):
    """A click group whose subcommands and subgroups get `--json` too."""

    command_class = Command

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.append(json_option())


Group.group_class = Group


class Seconds(click.ParamType):
    """A time in seconds within bounds; refuses nan and infinity, which compare false with
    every bound and so slip past a plain `<= 0` check."""

    name = "seconds"

    def __init__(self, low: float = 0.0, high: float = 86400.0, low_open: bool = True):
        self.low, self.high, self.low_open = low, high, low_open

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        import math

        try:
            seconds = float(value)
        except (TypeError, ValueError):
            seconds = math.nan
        above = seconds > self.low if self.low_open else seconds >= self.low
        if not (math.isfinite(seconds) and above and seconds <= self.high):
            side = "above" if self.low_open else "at least"
            self.fail(f"{value!r} is not a number of seconds {side} {self.low:g} and at most "
                      f"{self.high:g}", param, ctx)
        return seconds


# ---------------------------------------------------------------------------------------------
# Invocation


def _invoke(root: click.Command, args: list[str], env: Env, prog: str) -> Result:
    refused = read_flags(args, env)
    if refused is not None:
        return refused
    try:
        with root.make_context(prog, list(args), obj=env) as ctx:
            data = root.invoke(ctx)
        return Result(EXIT_OK, data, as_json=env.json, argv=args)
    except click.exceptions.Exit as e:
        # The command printed what it had to say itself (`--version`, `gt --cmd ...`).
        return Result(e.exit_code, argv=args)
    except click.exceptions.NoArgsIsHelpError as e:
        return Result(EXIT_USAGE, error=None, output=e.ctx.get_help() if e.ctx else "", argv=args)
    except click.UsageError as e:
        msg = e.format_message()
        if e.ctx is not None:
            msg = f"{msg} (see '{e.ctx.command_path} --help')"
        return Result(EXIT_USAGE, error=msg, as_json=env.json, argv=args)
    except click.Abort:
        return Result(EXIT_FAILED, error="aborted", as_json=env.json, argv=args)
    except click.ClickException as e:
        return Result(e.exit_code or EXIT_FAILED, error=e.format_message(), as_json=env.json,
                      argv=args)
    except (Exception, KeyboardInterrupt) as e:
        return failure(e, env, args)


def invoke(root: click.Command, args: Iterable[str], env: Env, prog: str) -> Result:
    """Run one command line against `root` and return its Result. Prints nothing itself,
    except what click prints for `--help` (callers that must not print capture it, see `run`)."""
    args = list(args)
    try:
        return _invoke(root, args, env, prog)
    except Exception as e:  # noqa: BLE001 - the last line of defence against tracebacks
        return internal_error(e, env, args)


def run(root: click.Command, line: str | Sequence[str], env: Env | None = None,
        prog: str = "gt") -> Result:
    """In-process call for the app: never prints; help and usage text land in `Result.output`."""
    if isinstance(line, str):
        try:
            args = shlex.split(line)
        except ValueError as e:
            return Result(EXIT_USAGE, error=f"cannot parse command: {e}")
    else:
        args = list(line)
    if not args:
        # The bare root opens the app; a command string never should.
        return Result(EXIT_USAGE, error="empty command: type one, e.g. 'convoy list' "
                      "(see '--help')")
    env = env or Env()
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        result = invoke(root, args, env, prog)
    captured = out.getvalue()
    if env.debug and not result.ok:
        captured += err.getvalue()  # the traceback --debug asked for, shown where output goes
    if captured and not result.output:
        result.output = captured
    return result


def shell_main(root: click.Command, prog: str, argv: Sequence[str] | None = None) -> int:
    instruction = os.environ.get(completion_var(prog))
    if instruction:
        # The shell's completion script calls back here (see `completion.py`).
        from .completion import shell_complete

        return shell_complete(root, prog, instruction)
    from ..inflight import hold

    hold()  # an agent's terminal is not ended while this runs (see inflight.py)
    args = list(sys.argv[1:] if argv is None else argv)
    env = Env.from_process()
    try:
        return emit(invoke(root, args, env, prog), prog)
    except BrokenPipeError:
        # `gt ... | head`: the reader went away; that is not our failure.
        with contextlib.suppress(Exception):
            sys.stdout = open(os.devnull, "w")
        return EXIT_OK


class RootGroup(Group):
    """The root of `gt` or `bd`, whose subcommands live in `<prefix>*.py` modules of `package`.

    Discovery by file name lets each area of the product add its commands without editing a
    shared list. A module is imported when one of its commands is first asked for: `index` names
    the module of each command, so `gt convoy list` imports the convoy module and no other (agents
    call `gt` and `bd` constantly, and every module costs start-up time). A name the index does not
    know loads every module, so a command missing from it is slower, never lost; a test keeps the
    index complete. Listing the commands (help, completion of the first word) loads them all.
    """

    def __init__(self, *args: Any, package: str, prefix: str, index: dict[str, str],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.package, self.prefix, self.index = package, prefix, index
        self._loaded: set[str] = set()
        self._all_loaded = False

    def _load(self, stem: str) -> None:
        if stem not in self._loaded:
            import importlib

            self._loaded.add(stem)
            importlib.import_module(f"{self.package}.{stem}").register(self)

    def load_all(self) -> "RootGroup":
        """Register every module, in name order; modules keep heavy imports inside their
        callbacks, so this costs only click objects."""
        if not self._all_loaded:
            import importlib

            folder = Path(importlib.import_module(self.package).__file__).resolve().parent
            for path in sorted(folder.glob(f"{self.prefix}*.py")):
                self._load(path.stem)
            self._all_loaded = True
        return self

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        stem = self.index.get(cmd_name)
        if stem is not None:
            self._load(stem)
        if cmd_name not in self.commands:
            self.load_all()
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self.load_all()
        return super().list_commands(ctx)
