"""The theme picker: every registered theme, previewed live as the highlight moves."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option


class ThemeScreen(ModalScreen[str | None]):
    CSS_PATH = "themes.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="themes.cancel")]

    def __init__(self, names: list[str], current: str) -> None:
        super().__init__()
        self.names = names
        self.original = current

    def compose(self) -> ComposeResult:
        options = OptionList(*[Option(n, id=n) for n in self.names], id="theme-list")
        options.border_title = "Theme"
        options.border_subtitle = "enter keeps · esc restores"
        yield options

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.original in self.names:
            options.highlighted = self.names.index(self.original)
        options.focus()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id:
            self.app.theme = event.option.id

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.app.theme = self.original
        self.dismiss(None)
