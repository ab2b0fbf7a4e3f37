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


def binding_rows(app: Any) -> list[tuple[str, str, str, str]]:
    """(section, keys, description, id) for the prefix table and the widgets' bindings."""
    from ..app import GastownApp
    from ..widgets.commandbar import CommandBar
    from ..widgets.panels import AgentsPanel, HooksPanel, WorkPanel
    from ..widgets.result import ResultView
    from ..widgets.review import ReviewView
    from .main import MainScreen

    prefix = key_label(app.prefix_key)
    rows = [("after " + prefix, _keys(app.prefix_table.keys_of[b.id]), b.description, b.id)
            for b in PREFIX_BINDINGS]
    rows.append(("after " + prefix, prefix, "send the prefix key itself to the pane", ""))
    keymap = app._keymap
    for section, cls in (("anywhere", GastownApp), ("sidebar", MainScreen),
                         ("Agents", AgentsPanel), ("Hooks", HooksPanel), ("Work", WorkPanel),
                         ("command bar", CommandBar), ("results", ResultView),
                         ("Review", ReviewView)):
        for b in cls.BINDINGS:
            if not isinstance(b, Binding):
                continue
            keys = keymap.get(b.id, b.key) if b.id else b.key
            rows.append((section, _keys(keys.split(",")), b.description, b.id or ""))
    return rows


def command_rows(root: click.Group) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []

    def walk(group: click.Group, path: str) -> None:
        for name in sorted(group.commands):
            cmd = group.commands[name]
            if cmd.hidden:
                continue
            full = f"{path} {name}".strip()
            if isinstance(cmd, click.Group):
                walk(cmd, full)
            else:
                out.append((full, cmd.get_short_help_str(limit=70)))

    walk(root, "")
    return out


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

    def _commands_text(self) -> Content:
        parts = [Content.styled("\ncommands (: runs them; tab completes)", "bold $accent")]
        parts += [Content.assemble((f"  {name:<26}", "bold $primary"), f" {text}")
                  for name, text in self.commands]
        return Content("\n").join(parts)

    def action_close(self) -> None:
        self.dismiss(None)
