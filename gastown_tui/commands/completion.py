"""Completion from the one registry: shell scripts (`gt completion bash|zsh|fish`) and partial
command strings typed in the app's command bar, both through click's shell-completion machinery
so dynamic values (bead ids, rigs, agents) complete the same everywhere."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import shlex

import click
import click.shell_completion

from ..visible import visible
from .calls import Env, UsageError, completion_var


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
    words, start = _split_partial(line)
    if words is None:
        return []
    args, incomplete = words[:-1], words[-1]
    shell = _BarComplete(root, {"obj": env or Env()}, prog, completion_var(prog))
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            items = shell.get_completions(list(args), incomplete)
    except Exception:  # noqa: BLE001 - a half-typed line must never break the command bar
        return []
    return [Completion(str(i.value), i.help, start, i.type) for i in items]


class _KnownCommands:
    """Nothing to offer after a word that is no command (`show ` , `convoy frob `): click would
    offer the group's own commands and options again, as if the word were not there."""

    def get_completions(self, args: list[str], incomplete: str) -> list:
        ctx = click.shell_completion._resolve_context(self.cli, dict(self.ctx_args),
                                                      self.prog_name, args)
        if isinstance(ctx.command, click.Group) and [*ctx._protected_args, *ctx.args]:
            return []  # a group's context with words left over: they named no subcommand
        # Values and their help come from the ledger (a bead's title beside its id) and reach
        # the shell's menu or the command bar: shown, never obeyed.
        return [click.shell_completion.CompletionItem(
                    visible(str(i.value)), type=i.type,
                    help=visible(i.help) if i.help else i.help)
                for i in super().get_completions(args, incomplete)]


class _BarComplete(_KnownCommands, click.shell_completion.ShellComplete):
    pass


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
    cls = completion_class(shell)
    if cls is None:
        raise UsageError(f"no completion for shell {shell!r}: use bash, zsh or fish")
    return cls(root, {}, prog, completion_var(prog)).source()


class _FishComplete(_KnownCommands, click.shell_completion.FishComplete):
    """click 8.4.0's fish script is broken (pallets/click#3502: an unquoted `\\n` splits its
    `string split` line, and each item spans three lines that fish reads as three items).
    This is the one-line-per-item protocol fish documents: `type,value<TAB>help`."""

    source_template = """\
function %(complete_func)s;
    set -l response (env %(complete_var)s=fish_complete COMP_WORDS=(commandline -cp) \
COMP_CWORD=(commandline -t) %(prog_name)s);

    for completion in $response;
        set -l metadata (string split -m1 "," -- $completion);

        if test $metadata[1] = "dir";
            __fish_complete_directories $metadata[2];
        else if test $metadata[1] = "file";
            __fish_complete_path $metadata[2];
        else if test $metadata[1] = "plain";
            echo $metadata[2];
        end;
    end;
end;

complete --no-files --command %(prog_name)s --arguments "(%(complete_func)s)";
"""

    def format_completion(self, item: click.shell_completion.CompletionItem) -> str:
        value = " ".join(str(item.value).split())
        help_ = " ".join((item.help or "").split())
        return f"{item.type},{value}\t{help_}" if help_ else f"{item.type},{value}"


def completion_class(shell: str) -> type[click.shell_completion.ShellComplete] | None:
    if shell == "fish":
        return _FishComplete
    cls = click.shell_completion.get_completion_class(shell)
    return None if cls is None else type(cls.__name__, (_KnownCommands, cls), {})


def shell_complete(root: click.Command, prog: str, instruction: str) -> int:
    """Answer a shell completion script calling back (`_GT_COMPLETE=bash_complete gt`)."""
    shell, _, action = instruction.partition("_")
    cls = completion_class(shell)
    if cls is None:
        return 1
    comp = cls(root, {"obj": Env()}, prog, completion_var(prog))
    if action == "source":
        click.echo(comp.source())
        return 0
    if action == "complete":
        click.echo(comp.complete())
        return 0
    return 1
