"""What `gt` commands share about the town: finding it, the caller's identity, and completers
for dynamic values (rig, crew, agent and address names, bead and convoy ids).

Completers serve both the shells (`gt completion bash`) and the app's command bar
(`completion.complete`); they never raise, because a half-typed line must not break either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterable

import click

from .agent_calls import identity_of, town_of
from .core import Env, get_env
from .render import view

if TYPE_CHECKING:
    from ..town import Town


def _env(ctx: click.Context | None) -> Env:
    # Shell completion resolves contexts without making them current, so completers pass
    # theirs; command callbacks run inside a current context.
    if ctx is None:
        return get_env()
    return ctx.find_object(Env) or Env()


def current_town(ctx: click.Context | None = None) -> "Town":
    return town_of(_env(ctx))


def identity(town: "Town", ctx: click.Context | None = None) -> str:
    """The caller's address (see `agent_calls.identity_of`)."""
    return identity_of(town, _env(ctx))


def _completer(values: Callable[["Town", click.Context], Iterable[str | tuple[str, str]]]):
    def complete(ctx: click.Context, _param: click.Parameter, incomplete: str):
        from click.shell_completion import CompletionItem  # only completion pays for it

        try:
            town = current_town(ctx)
            items = []
            for v in values(town, ctx):
                value, help_ = v if isinstance(v, tuple) else (v, None)
                if value.startswith(incomplete):
                    items.append(CompletionItem(value, help=help_))
            return items
        except Exception:  # noqa: BLE001 - completion is best effort by design
            return []

    return complete


complete_rig = _completer(lambda town, ctx: ((r.name, r.url) for r in town.rigs()))


def _crew_values(town: "Town", ctx: click.Context):
    rig = ctx.params.get("rig")
    rigs = [town.rig(rig)] if rig else town.rigs()
    return (n for r in rigs for n in r.crew_names())


complete_crew = _completer(_crew_values)


def _agent_values(town: "Town", ctx: click.Context):
    from ..town.presets import list_presets

    return ((p.name, p.command) for p in list_presets(town, _env(ctx).environ))


complete_agent = _completer(_agent_values)


def _address_values(town: "Town", ctx: click.Context):
    from ..town.addresses import all_addresses

    return all_addresses(town)


complete_address = _completer(_address_values)


BEAD_MATCHES = 50


def complete_bead(ctx: click.Context, _param: click.Parameter, incomplete: str):
    """Open beads whose id starts with what is typed: the ledger around the caller first, then
    the town's others. An id-range query per ledger, so a keystroke in the command bar stays
    cheap on ledgers of thousands of beads. Work only (what sling and convoys take): no mail,
    convoys or agents' own records."""
    from click.shell_completion import CompletionItem

    try:
        from ..beads import Ledger, find_beads_dir

        town = current_town(ctx)
        env = _env(ctx)
        here = find_beads_dir(env.cwd, env.environ)
        dirs = ([here] if here is not None else []) + [town.beads_dir] + [
            r.beads_dir for r in town.rigs()]
        items: list = []
        for beads_dir in dict.fromkeys(d.resolve() for d in dirs):
            if len(items) >= BEAD_MATCHES or not beads_dir.is_dir():
                continue
            with Ledger.open(beads_dir) as led:
                rows = led.conn.execute(
                    "SELECT id, title FROM issues WHERE id >= ? AND id < ? "
                    "AND status NOT IN ('closed', 'tombstone') "
                    "AND issue_type NOT IN ('message', 'convoy', 'agent') ORDER BY id LIMIT ?",
                    (incomplete, incomplete + "\U0010ffff", BEAD_MATCHES - len(items)))
                items.extend(CompletionItem(i, help=t) for i, t in rows)
        return items
    except Exception:  # noqa: BLE001 - completion is best effort by design
        return []


def _convoy_values(town: "Town", ctx: click.Context):
    return ((c.id, c.title) for c in town.ledger().list(issue_type="convoy", include_closed=True,
                                                         order="-created", limit=200))


complete_convoy = _completer(_convoy_values)


def _mail_values(town: "Town", ctx: click.Context):
    from ..town.mail import inbox

    return ((m.id, m.subject) for m in inbox(town, identity(town, ctx)))


complete_mail = _completer(_mail_values)


@view
class Done:
    """A change with nothing more to show than what changed: JSON for scripts, one line for
    people."""

    action: str
    kind: str
    name: str
    path: str | None = None
    note: str = ""

    def render_text(self) -> str:
        where = f" ({self.path})" if self.path else ""
        return f"{self.action} {self.kind} {self.name}{where}." + (
            f" {self.note[0].upper()}{self.note[1:]}." if self.note else "")
