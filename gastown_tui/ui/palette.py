"""The command palette's Gas Town commands: every registry command of `gt` and `bd` (one that
needs no arguments runs when picked; the others open the command bar with the command typed,
ready for its arguments and completion) and the app's own actions, named as people say them,
with the keys that do the same."""

from __future__ import annotations

from functools import partial

import click
from textual.command import DiscoveryHit, Hit, Hits, Provider

from .keymap import PREFIX_BINDINGS
from .messages import RunCommand


def registry_rows(prog: str, root: click.Group) -> list[tuple[str, str, bool]]:
    """(`prog` command line, one-line help, whether it needs arguments) for every command."""
    out: list[tuple[str, str, bool]] = []

    def walk(group: click.Group, path: str) -> None:
        for name in sorted(group.commands):
            cmd = group.commands[name]
            if cmd.hidden:
                continue
            full = f"{path} {name}".strip()
            if isinstance(cmd, click.Group):
                walk(cmd, full)
            else:
                needs = any(p.required for p in cmd.params)
                out.append((f"{prog} {full}", cmd.get_short_help_str(limit=70), needs))

    walk(root, "")
    return out


class GastownCommands(Provider):
    _commands: list[tuple[str, str, bool]] | None = None

    def _all(self) -> list[tuple[str, str, object]]:
        from ..commands import bd, gt

        if GastownCommands._commands is None:
            GastownCommands._commands = (registry_rows("gt", gt.root())
                                         + registry_rows("bd", bd.root()))
        app = self.app
        rows: list[tuple[str, str, object]] = []
        for line, text, needs in GastownCommands._commands:
            # `gt` is the command bar's default; `bd` lines say whose they are.
            typed = line.removeprefix("gt ")
            run = (partial(app.open_command_bar, typed + " ") if needs
                   else partial(app.post_message, RunCommand(typed)))
            rows.append((line, text, run))
        for b in PREFIX_BINDINGS:
            if b.title:
                keys = app.prefix_keys(b.id)
                rows.append((b.title, keys or b.description, partial(app.run_action, b.action)))
        return rows

    async def discover(self) -> Hits:
        for name, text, run in self._all():
            yield DiscoveryHit(name, run, help=text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, text, run in self._all():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), run, help=text)
