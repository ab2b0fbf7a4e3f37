"""Where a command's result shows in the app: its rendered text (tables stay aligned) or a
one-line error, in a panel that Escape closes."""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from ...visible import visible


class ResultView(VerticalScroll, can_focus=True):
    DEFAULT_CSS = """
    ResultView {
        height: auto;
        border: round $secondary;
        border-title-color: $text;
        border-subtitle-color: $text-muted;
        background: $surface;
        padding: 0 1;
        display: none;
        /* Wide tables keep their columns: the arrows scroll both ways. */
        overflow: auto auto;
        scrollbar-size: 1 1;
    }
    ResultView.-shown { display: block; }
    ResultView.-error { border: round $error; }
    ResultView > Static { width: auto; }
    ResultView.-error > Static { width: 1fr; }
    """

    BINDINGS = [Binding("escape,q", "close", "Close", id="result.close")]

    class Closed(Message):
        """The result was dismissed; focus goes back where it was."""

    def compose(self):
        yield Static(id="result-text", markup=False)

    def show_result(self, command: str, text: str, error: str | None) -> None:
        body = self.query_one("#result-text", Static)
        self.set_class(error is not None, "-error")
        # What ran and what it said quote stored text: literal, controls as marks.
        shown = command if command.startswith("bd ") else f"gt {command}"
        self.border_title = Content(visible(shown))
        self.border_subtitle = "esc closes"
        if error is not None:
            body.update(Content.styled(f"error: {visible(error)}", "$error"))
        else:
            body.update(Content(visible(text, lines=True) or "(done)"))
        self.add_class("-shown")
        self.scroll_home(animate=False)

    def action_close(self) -> None:
        self.remove_class("-shown")
        self.post_message(self.Closed())
