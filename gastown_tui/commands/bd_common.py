"""What every `bd` command of the registry shares: `--actor`, the command classes, the
priority type, and the ledger opened for the current click context.

Views and the ledger helpers are click-free, in `ledger_calls.py`, which the fast entry
uses too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

import click

from . import ledger_calls
from .calls import ledger_errors
from .core import Command, Group, UsageError, get_env

if TYPE_CHECKING:
    from ..beads import Ledger


def _set_actor(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        env = get_env()
        env.actor = value


def actor_option() -> click.Option:
    return click.Option(["--actor"], metavar="NAME", expose_value=False, callback=_set_actor,
                        is_eager=True,
                        help="Who is acting (default: $BD_ACTOR, then your user name).")


class BdCommand(Command):
    """A bd command: `--json`, `--actor`, and ledger errors shown as one-line failures."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.append(actor_option())

    def invoke(self, ctx: click.Context) -> Any:
        return ledger_errors(lambda: super(BdCommand, self).invoke(ctx))


class BdGroup(Group):
    command_class = BdCommand

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.append(actor_option())


BdGroup.group_class = BdGroup


def actor() -> str:
    return ledger_calls.actor(get_env())


def open_ledger(ids: Iterable[str] = ()) -> "Ledger":
    """The ledger for the caller's directory (see `ledger_calls.open_ledger`), closed when the
    command's click context ends."""
    env = get_env()
    led = ledger_calls.open_ledger(env, ids)
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.call_on_close(ledger_calls.closer(led, env))
    return led


# `-n N` of list, ready and search: 0 is no limit; beyond a million is a typo, and beyond
# SQLite's 64-bit integers an internal error.
LIMIT = click.IntRange(min=0, max=1_000_000)


class PriorityType(click.ParamType):
    """0-4 or P0-P4; a bad value is a usage error (exit 2) before the ledger opens."""
    name = "0-4|P0-P4"

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        priority = ledger_calls.priority_word(value)
        if priority is not None:
            return priority
        self.fail(f"bad priority {value!r}: use 0-4 or P0-P4 (0 is highest)", param, ctx)


PRIORITY = PriorityType()


def parse_vars(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"bad --var {pair!r}: write it as name=value")
        out[key.strip()] = value
    return out


def register(root: click.Group) -> None:
    root.params.append(actor_option())
