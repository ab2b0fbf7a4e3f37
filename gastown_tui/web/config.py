"""The dashboard's Configuration tab: agent presets, the default agent and the theme.

Every change is a registry command (`config agent set`, `config default-agent`, `config set
theme`), run by the app like any other, so the dashboard validates and writes exactly as `gt
config` does. Read-only dashboards show the same tab with every control disabled.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.content import Content
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, DataTable, Input, Label, Select

from ..ui.messages import RunCommand
from ..visible import visible


NOT_SET = "(not set)"


@dataclass
class ConfigData:
    """What the tab shows: gt config agent list rows, the default agent and the theme."""

    presets: list[Any]
    default_agent: str
    theme: str


class ConfigView(VerticalScroll):
    DEFAULT_CSS = """
    ConfigView { padding: 0 1; }
    ConfigView > Label.heading { text-style: bold; color: $primary; margin-top: 1; }
    ConfigView > DataTable { height: auto; max-height: 16; }
    ConfigView > Horizontal { height: auto; margin-top: 1; }
    ConfigView Horizontal > Label { width: 16; padding: 1 0; }
    ConfigView Horizontal > Select { width: 32; }
    ConfigView #agent-name { width: 20; }
    ConfigView #agent-command { width: 1fr; }
    """

    def __init__(self, read_only: bool, id: str | None = None) -> None:
        super().__init__(id=id)
        self.read_only = read_only
        self.data: ConfigData | None = None
        # Values this view put into its selects itself: their Changed events are not choices.
        self._filled: dict[str, object] = {}
        self._themes: list[str] = []

    def compose(self) -> ComposeResult:
        yield Label("Agents", classes="heading")
        yield DataTable(id="presets", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="agent-edit"):
            yield Input(placeholder="name", id="agent-name")
            yield Input(placeholder='command, e.g. codex --thinking low', id="agent-command")
            yield Button("Save agent", id="agent-save", variant="primary")
            yield Button("Remove", id="agent-remove", variant="error")
        with Horizontal():
            yield Label("Default agent")
            yield Select([], id="default-agent", allow_blank=True, prompt="(loading)")
        with Horizontal():
            yield Label("Theme")
            yield Select([], id="theme", allow_blank=True, prompt="(loading)")
        if self.read_only:
            yield Label("Read-only dashboard: changes are made with `gt config` or a dashboard "
                        "started without --read-only.", classes="heading")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("name", "command", "source", "on PATH", "default")
        for widget in self.query("Input, Button, Select"):
            widget.disabled = self.read_only

    def show(self, data: ConfigData, themes: list[str]) -> None:
        """Show the town's configuration. Only what changed is touched: refilling a select
        would undo a choice the person made while the config was being read."""
        old, self.data = self.data, data
        themes = sorted(set(themes) | {data.theme})
        if old is not None and data == old and themes == self._themes:
            return
        if old is None or data.presets != old.presets:
            table = self.query_one(DataTable)
            table.clear()
            for p in data.presets:
                # Cells given as str are read as markup: settings are shown as plain text.
                table.add_row(*(Text(visible(str(cell))) for cell in (p.name, p.command,
                                                                       p.source)),
                              "yes" if p.on_path else "no", "✓" if p.default else "",
                              key=p.name)
        agents = self.query_one("#default-agent", Select)
        names = [p.name for p in data.presets]
        refill = old is None or names != [p.name for p in old.presets]
        if refill:
            self._fill(agents, options=[(Content(visible(n)), n) for n in names])
        if (refill or data.default_agent != old.default_agent) and data.default_agent in names:
            self._fill(agents, value=data.default_agent)
        theme = self.query_one("#theme", Select)
        refill = themes != self._themes
        if refill:
            self._themes = themes
            self._fill(theme, options=[(Content(visible(t)), t) for t in themes])
        if refill or data.theme != old.theme:
            self._fill(theme, value=data.theme)

    def _fill(self, select: Select, options: list | None = None, value: object = None) -> None:
        if options is not None:
            self._filled[select.id] = Select.NULL
            select.prompt = NOT_SET  # the blank entry said "(loading)" until now
            select.set_options(options)
        if value is not None and value != select.value:
            self._filled[select.id] = value
            select.value = value

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        # Selected (Enter or click), not highlighted: a refreshed table highlights its first
        # row by itself and must not overwrite what the person is typing.
        name = event.row_key.value if event.row_key is not None else None
        preset = next((p for p in (self.data.presets if self.data else []) if p.name == name),
                      None)
        if preset is not None and not self.read_only:
            self.query_one("#agent-name", Input).value = preset.name
            self.query_one("#agent-command", Input).value = preset.command

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if self._filled.get(event.select.id, Select.NULL) == event.value:
            self._filled.pop(event.select.id, None)
            return
        if self.read_only or self.data is None or event.value is Select.NULL:
            return
        value = str(event.value)
        if event.select.id == "default-agent" and value != self.data.default_agent:
            self.post_message(RunCommand(f"config default-agent {shlex.quote(value)}",
                                         quiet=True))
        elif event.select.id == "theme" and value != self.data.theme:
            self.post_message(RunCommand(f"config set theme {shlex.quote(value)}", quiet=True))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if self.read_only:
            return
        name = self.query_one("#agent-name", Input).value.strip()
        command = self.query_one("#agent-command", Input).value.strip()
        if not name:
            self.notify("type the agent's name first", severity="warning")
            return
        if event.button.id == "agent-save":
            if not command:
                self.notify("type the agent's command line", severity="warning")
                return
            line = f"config agent set {shlex.quote(name)} {shlex.quote(command)}"
            self.post_message(RunCommand(line, quiet=True))
        elif event.button.id == "agent-remove":
            self.post_message(RunCommand(f"config agent remove {shlex.quote(name)}", quiet=True))
