"""The `?` help screen, generated: the prefix table and every binding (with its id, for the
keymap) as they are after overrides, then every registry command with its one-line help."""

from __future__ import annotations

from typing import Any, Iterable

import click
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from ..keymap import PREFIX_BINDINGS, key_label


def _keys(keys: Iterable[str]) -> str:
    return " ".join(key_label(k) for k in keys)


# What a binding's one word does not say.
NOTES = {
    "app.quit": "Quit: detach or stop the town (in a pane, ctrl+q is its program's: C-b q)",
    "main.quit": "Quit (as above)",
}
STATE_WORDS = {
    "busy": "busy: working", "waiting": "waiting for you (a question, a dialog)",
    "idle": "idle: at its prompt",
    "limited": "limited: its provider's usage or rate limit, until it resets",
    "stuck": "stuck: no progress for stall_minutes",
    "exited": "exited", "suspended": "suspended: its hook is parked (x resumes it)",
    "unknown": "unknown: its screen says neither",
}


def binding_rows(app: Any) -> list[tuple[str, str, str, str]]:
    """(section, keys, description, id) for the prefix table and the widgets' bindings."""
    from ..widgets.commandbar import CommandBar
    from ..widgets.copymode import KEYS as SCROLLBACK_KEYS
    from ..widgets.panels import AgentsPanel, ConvoysPanel, HooksPanel, MailPanel, WorkPanel
    from ..widgets.result import ResultView
    from ..widgets.review import ReviewView
    from .main import MainScreen
    from .needs import NeedsMeScreen

    prefix = key_label(app.prefix_key)
    rows = [("after " + prefix, _keys(app.prefix_table.keys_of[b.id]), b.description, b.id)
            for b in PREFIX_BINDINGS]
    rows.append(("after " + prefix, prefix, "send the prefix key itself to the pane", ""))
    keymap = app._keymap
    for section, cls in (("anywhere", type(app)), ("sidebar", MainScreen),
                         ("Agents", AgentsPanel), ("Convoys", ConvoysPanel),
                         ("Hooks", HooksPanel), ("Mail", MailPanel), ("Work", WorkPanel),
                         ("command bar", CommandBar), ("results", ResultView),
                         ("needs you", NeedsMeScreen), ("Review", ReviewView)):
        if cls is NeedsMeScreen:
            rows.append((section, "1-9 enter",
                         "jump to that item (its pane, the Review view on its request, its mail)",
                         ""))
        for b in cls.BINDINGS:
            if not isinstance(b, Binding):
                continue
            keys = keymap.get(b.id, b.key) if b.id else b.key
            rows.append((section, _keys(keys.split(",")), NOTES.get(b.id, b.description),
                         b.id or ""))
    rows += [(f"scrollback ({prefix} [)", keys, text, "") for keys, text in SCROLLBACK_KEYS]
    return rows


def icon_rows() -> list[tuple[str, str, str]]:
    """(icon, colour variable, meaning) of each agent state, as the panels and panes show."""
    from ..model import STATE_ICONS

    return [(icon, color, STATE_WORDS.get(state, state))
            for state, (icon, color) in STATE_ICONS.items()]


def command_rows(root: click.Group) -> list[tuple[str, str]]:
    from ..palette import registry_rows

    return [(line.removeprefix("gt "), text) for line, text, _ in registry_rows("gt", root)]


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "help.tcss"
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close", id="help.close")]

    def __init__(self, app: Any) -> None:
        super().__init__()
        self.rows = binding_rows(app)
        from ...commands.gt import root

        self.commands = command_rows(root())

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help") as box:
            box.border_title = "Keys and commands"
            box.border_subtitle = "esc closes · ids go in \\[keymap] of the config"
            yield Static(self._keys_text(), id="help-keys")
            yield Static(self._icons_text(), id="help-icons")
            yield Static(self._commands_text(), id="help-commands")

    def _keys_text(self) -> Content:
        parts: list[Content] = []
        section = None
        for sec, keys, desc, binding_id in self.rows:
            if sec != section:
                section = sec
                parts.append(Content.styled(f"\n{sec}", "bold $accent"))
            parts.append(Content.assemble(
                (f"  {keys:<12}", "bold $primary"), f" {desc:<60}  ",
                (binding_id, "$text-muted")))
        return Content("\n").join(parts)

    def _icons_text(self) -> Content:
        parts = [Content.styled("\nagent states (Agents panel, pane titles)", "bold $accent")]
        parts += [Content.assemble("  ", (icon, color), f"  {meaning}")
                  for icon, color, meaning in icon_rows()]
        return Content("\n").join(parts)

    def _commands_text(self) -> Content:
        parts = [Content.styled("\ncommands (: runs them; tab completes)", "bold $accent")]
        parts += [Content.assemble((f"  {name:<26}", "bold $primary"), f" {text}")
                  for name, text in self.commands]
        return Content("\n").join(parts)

    def action_close(self) -> None:
        self.dismiss(None)
