"""What a command call is, without click: its `Env`, the errors it raises, and how its outcome
becomes a `Result`.

The registry (`core.py`, a click tree) and the fast entry (`fast.py`, which parses the few
words of the commands agents call constantly without loading click) both run a command's body
through these, so a failure reads and exits the same whichever of them ran it.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any, Callable

from ..records import Factory, record
from ..visible import visible
from .render import EXIT_FAILED, EXIT_USAGE, Result


class CommandError(Exception):
    """A failure the user can understand and act on: one line, exit 1 unless told otherwise."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED, data: Any = None):
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.data = data


class UsageError(CommandError):
    """The command's words are wrong (exit 2)."""

    def __init__(self, message: str, data: Any = None):
        super().__init__(message, EXIT_USAGE, data)


@record
class Env:
    """What a command may know about its caller."""

    cwd: Path = Factory(Path.cwd)
    environ: dict[str, str] = Factory(lambda: dict(os.environ))
    json: bool = False
    debug: bool = False
    actor: str | None = None
    # Progress lines for long work (clones, slings). The shell prints them to stderr; the app
    # shows them in its status area. Never part of the result.
    progress: Callable[[str], None] = lambda line: None
    # Set by callers that have a live host in-process (the app), so commands can use it directly.
    host: Any = None
    # The caller's standard input when it has one to give (the shell); in-process callers such
    # as the app have none, and a command must not read the app's terminal.
    stdin: Any = None

    @classmethod
    def from_process(cls) -> "Env":
        def _progress(line: str) -> None:
            # Progress quotes the ledger too (a bead's title in a warning): shown, not obeyed.
            line = visible(line, lines=True)
            sys.stderr.write(line if line.endswith("\n") else line + "\n")
            sys.stderr.flush()

        return cls(progress=_progress, stdin=sys.stdin)


def read_flags(args: list[str], env: Env) -> Result | None:
    """What both entries do with the words before a command runs: `--json` and `--debug` count
    wherever they appear before `--` (a failure to parse is still shown as asked), and words
    that are not UTF-8 are refused (a Result), as nothing could store them."""
    # Only options before `--` are ours: `gt term capture -- prog --json` passes it to prog.
    ours = args[:args.index("--")] if "--" in args else args
    if "--json" in ours:
        env.json = True
    if "--debug" in ours:
        env.debug = True
    for arg in ours:
        if not arg.isascii() and re.search(_SURROGATE, arg):
            # Bytes that are not UTF-8 (Python keeps them as lone surrogates) could be stored
            # nowhere: SQLite, JSON and the terminal all need text.
            return Result(EXIT_USAGE, error=f"'{visible(arg)}' is not UTF-8 text (<U+DCxx> "
                          "marks each bad byte): give it in UTF-8", as_json=env.json, argv=args)
    return None


_SURROGATE = "[\ud800-\udfff]"  # compiled on first use: most words are ASCII


def failure(e: BaseException, env: Env, args: list[str]) -> Result:
    """The Result of a command that raised `e`: a one-line error for what a user can cause;
    anything else is raised again (see `internal_error`)."""
    if isinstance(e, CommandError):
        return Result(e.exit_code, data=e.data, error=e.message, as_json=env.json, argv=args)
    if isinstance(e, KeyboardInterrupt):
        return Result(130, error="interrupted", as_json=env.json, argv=args)
    if not isinstance(e, Exception):
        raise e
    if not is_user_error(e):
        from ..files import os_error_message

        # What the machine refused (a full disk, another user's file, a read-only disk)
        # is no bug of ours: one line naming the path, wherever in the code it surfaced.
        message = os_error_message(e)
        if message is None:
            raise e
        if env.debug:
            import traceback

            traceback.print_exc()
        return Result(EXIT_FAILED, error=message, as_json=env.json, argv=args)
    # Domain layers cannot import this module; their errors opt in with `user_error = True`
    # (and an optional `exit_code`) to be shown as a one-line message.
    return Result(getattr(e, "exit_code", EXIT_FAILED), error=str(e), as_json=env.json,
                  argv=args)


def is_user_error(e: Exception) -> bool:
    if getattr(e, "user_error", False):
        return True
    # The ledger's errors are one-line, actionable messages too; checked without importing the
    # ledger, which only commands that use it load.
    beads = sys.modules.get("gastown_tui.beads")
    ledger_error = getattr(beads, "LedgerError", None)
    return ledger_error is not None and isinstance(e, ledger_error)


def internal_error(e: Exception, env: Env, args: list[str]) -> Result:
    """The last line of defence against tracebacks: a bug is one line, and its traceback is
    printed only with --debug."""
    if env.debug:
        import traceback

        traceback.print_exc()
    return Result(EXIT_FAILED, error=f"internal error: {type(e).__name__}: {e} "
                  "(run again with --debug for the traceback)", as_json=env.json, argv=args)


def ledger_errors(call: Callable[[], Any]) -> Any:
    """Run a bd command's body: the ledger's errors are one-line failures (exit 1)."""
    try:
        return call()
    except CommandError:
        raise
    except Exception as e:
        model = sys.modules.get("gastown_tui.beads.model")
        if model is not None and isinstance(e, model.LedgerError):
            raise CommandError(str(e)) from None
        raise


# Work a command leaves for after its answer, when its process sets a list here: the command
# server's children (served.py) run it once the caller has its exit status (the command's
# process still holds the agent's in-flight lock meanwhile, see inflight.py). Anyone else runs
# it at once (None).
AFTER_ANSWER: list[Callable[[], None]] | None = None


def after_answer(work: Callable[[], None]) -> None:
    if AFTER_ANSWER is None:
        work()
    else:
        AFTER_ANSWER.append(work)


def completion_var(prog: str) -> str:
    """The variable a shell completion script sets when it calls `prog` back."""
    return f"_{prog.replace('-', '_').upper()}_COMPLETE"

# Set in the environment of commands run from the app's command bar: they never open a second
# app (`gt`, `gt demo`) and say where a session's pane is instead.
IN_APP = "GT_IN_APP"
