"""The command palette's Gas Town commands: every registry command (picking one opens the
command bar with it typed, ready for arguments and completion) and the app's own actions."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from .keymap import PREFIX_BINDINGS


class GastownCommands(Provider):
    _commands: list[tuple[str, str]] | None = None

    def _all(self) -> list[tuple[str, str, object]]:
        from ..commands.gt import root
        from .screens.help import command_rows

        if GastownCommands._commands is None:
            GastownCommands._commands = command_rows(root())
        app = self.app
        rows: list[tuple[str, str, object]] = [
            (f"gt {name}", text, partial(app.open_command_bar, name + " "))
            for name, text in GastownCommands._commands]
        rows += [(b.description.split(":")[0].capitalize(), f"{b.id}",
                  partial(app.run_action, b.action)) for b in PREFIX_BINDINGS]
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
