"""The needs-me view: agents waiting for input or stuck, and unread mail to the overseer.
Enter (or the item's number, for the first nine) jumps to it."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ...visible import visible
from ..model import NeedsMeItem


class NeedsMeScreen(ModalScreen[NeedsMeItem | None]):
    CSS_PATH = "needs.tcss"
    BINDINGS = [Binding("escape,q", "cancel", "Close", id="needs.close")]

    def __init__(self, items: list[NeedsMeItem]) -> None:
        super().__init__()
        self.items = items

    def compose(self) -> ComposeResult:
        if self.items:
            options = [Option(_prompt(i, item), id=str(i)) for i, item in enumerate(self.items)]
        else:
            options = [Option(Content.styled("Nothing needs you. Agents are working.",
                                             "$text-muted"), disabled=True)]
        view = OptionList(*options, id="needs-list")
        view.border_title = f"Needs you ({len(self.items)})"
        view.border_subtitle = ("1-9 or enter jumps · esc closes" if self.items
                                else "esc closes")
        yield view

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.items[int(event.option.id)])

    def on_key(self, event: events.Key) -> None:
        index = self._number(event)
        if index is not None:
            event.stop()
            self.dismiss(self.items[index])

    def _number(self, event: events.Key) -> int | None:
        """The item `event` names by its number, if any."""
        if event.character and event.character in "123456789":
            index = int(event.character) - 1
            if index < len(self.items):
                return index
        return None

    def picks(self, event: events.Key) -> bool:
        """Whether `event` jumps to an item (Enter on one, or its number)."""
        if event.key == "enter":
            return bool(self.items) and self.query_one(OptionList).highlighted is not None
        return self._number(event) is not None

    def action_cancel(self) -> None:
        self.dismiss(None)


def _prompt(index: int, item: NeedsMeItem) -> Content:
    icon = "◆" if item.kind == "agent" else "✉"
    style = "$warning" if item.kind == "agent" else "$accent"
    number = f"{index + 1} " if index < 9 else "  "
    return Content.assemble((number, "bold $text-muted"), (f"{icon} ", style),
                            Content(visible(item.text)))
