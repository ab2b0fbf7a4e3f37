"""Small modals: a one-line text prompt (nudge text), a yes/no question (restart a host that
died) and the quit question (detach or stop the town)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from ...visible import visible


class PromptScreen(ModalScreen[str | None]):
    CSS_PATH = "prompt.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(self, title: str, placeholder: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            dialog.border_title = Content(visible(self.title_text))  # names an agent
            dialog.border_subtitle = "enter sends · esc cancels"
            yield Input(placeholder=self.placeholder, id="prompt-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    CSS_PATH = "prompt.tcss"
    BINDINGS = [Binding("escape", "answer(False)", "No", id="confirm.no"),
                Binding("y", "answer(True)", "Yes", id="confirm.yes")]

    def __init__(self, question: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question = question
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.question, id="question")
            with Horizontal(id="buttons"):
                yield Button(self.yes, variant="primary", id="yes")
                yield Button(self.no, id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class QuitScreen(ModalScreen[str | None]):
    """Detach (the agents keep working) or stop the town (every hook snapshotted and
    suspended)? "detach", "stop" or None."""

    CSS_PATH = "prompt.tcss"
    BINDINGS = [Binding("escape", "answer('')", "Cancel", id="quit.cancel"),
                Binding("d", "answer('detach')", "Detach", id="quit.detach"),
                Binding("s", "answer('stop')", "Stop the town", id="quit.stop")]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Leave the app. Detach: the agents keep working and `gt` attaches "
                        "again. Stop the town: every agent stops, its hook snapshotted and "
                        "suspended (they resume with the next `gt`).", id="question")
            with Horizontal(id="buttons"):
                yield Button("Detach (d)", variant="primary", id="detach")
                yield Button("Stop the town (s)", variant="error", id="stop")
                yield Button("Cancel (esc)", id="cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id if event.button.id != "cancel" else None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_answer(self, answer: str) -> None:
        self.dismiss(answer or None)
