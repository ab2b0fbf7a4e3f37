"""Completion from the one registry: shell scripts (`gt completion bash|zsh|fish`) and partial
command strings typed in the app's command bar, both through click's shell-completion machinery
so dynamic values (bead ids, rigs, agents) complete the same everywhere."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import shlex

import click

from .core import Env, UsageError, completion_var


@dataclasses.dataclass
class Completion:
    """One way to finish the word being typed: replace `line[start:]` with `value`."""

    value: str
    help: str | None
    start: int
    kind: str = "plain"


def complete(root: click.Command, line: str, env: Env | None = None,
             prog: str = "gt") -> list[Completion]:
    """Completions for a partial command string (the app's command bar), through the same click
    shell-completion machinery the shells use, so dynamic values (bead ids, rigs, agents) match."""
    from click.shell_completion import _resolve_context, _resolve_incomplete

    words, start = _split_partial(line)
    if words is None:
        return []
    args, incomplete = words[:-1], words[-1]
    env = env or Env()
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            ctx = _resolve_context(root, {"obj": env}, prog, list(args))
            obj, incomplete = _resolve_incomplete(ctx, list(args), incomplete)
            items = obj.shell_complete(ctx, incomplete)
    except Exception:  # noqa: BLE001 - a half-typed line must never break the command bar
        return []
    return [Completion(str(i.value), i.help, start, i.type) for i in items]


def _split_partial(line: str) -> tuple[list[str] | None, int]:
    """The complete words of `line` plus the word being typed (possibly empty), and where that
    last word starts. An unclosed quote belongs to the last word."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=False)
    lexer.whitespace_split = True
    lexer.commenters = ""
    words: list[str] = []
    try:
        words = list(lexer)
    except ValueError:
        # An open quote: complete what follows it as the last word.
        quote_at = max(line.rfind('"'), line.rfind("'"))
        try:
            head = shlex.split(line[:quote_at])
        except ValueError:
            return None, 0
        return head + [line[quote_at + 1:]], quote_at
    if not line or line[-1].isspace():
        return words + [""], len(line)
    last = words[-1] if words else ""
    start = line.rfind(last) if last and line.endswith(last) else len(line) - len(last)
    return words, max(start, 0)


def shell_completion_script(root: click.Command, prog: str, shell: str) -> str:
    """The script `gt completion SHELL` prints; it calls back into `prog` with `_PROG_COMPLETE`."""
    from click.shell_completion import get_completion_class

    cls = get_completion_class(shell)
    if cls is None:
        raise UsageError(f"no completion for shell {shell!r}: use bash, zsh or fish")
    return cls(root, {}, prog, completion_var(prog)).source()
