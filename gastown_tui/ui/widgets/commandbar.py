"""The command bar (`:`): one line that runs the same registry as `gt --cmd`, with completion.

Tab completes (commands, options, bead ids, rigs, agents: whatever the registry's click
completion offers); up/down walk the completions when shown, else the history; Enter runs;
Escape closes. The bar only posts `RunCommand`; the app runs it and shows the result.
"""

from __future__ import annotations

from typing import Callable

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from ..messages import RunCommand

Completer = Callable[[str], list]  # line -> [core.Completion]
MAX_SHOWN = 8


class CommandInput(Input):
    """The bar's input: tab completes instead of moving focus."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return key in ("tab", "up", "down") or super().check_consume_key(key, character)


class CommandBar(Vertical):
    DEFAULT_CSS = """
    CommandBar {
        height: auto;
        max-height: 12;
        background: $surface;
        display: none;
    }
    CommandBar.-open { display: block; }
    CommandBar OptionList {
        height: auto;
        max-height: 9;
        border: none;
        background: $surface;
        display: none;
    }
    CommandBar OptionList.-shown { display: block; }
    CommandBar Input, CommandBar Input:focus {
        border: none;
        height: 1;
        background: $surface;
        padding: 0 1;
    }
    """

    BINDINGS = [Binding("escape", "close", "Close", id="commandbar.close", show=False)]

    class Closed(Message):
        """The bar closed, with or without a command to run (posted after `RunCommand`)."""

    def __init__(self, completer: Completer, id: str | None = None) -> None:
        super().__init__(id=id)
        self.completer = completer
        self.history: list[str] = []
        self._history_at = 0
        self._completions: list = []

    def compose(self) -> ComposeResult:
        yield OptionList(id="completions")
        yield CommandInput(placeholder="gt command, e.g. convoy list   (tab completes)",
                           id="command-input")

    @property
    def input(self) -> CommandInput:
        return self.query_one(CommandInput)

    @property
    def options(self) -> OptionList:
        return self.query_one(OptionList)

    def open(self, text: str = "") -> None:
        self.add_class("-open")
        self.input.value = text
        self.input.cursor_position = len(text)
        self._history_at = len(self.history)
        self._hide_completions()
        # Focus now, not on the next loop turn (`focus()`): keys typed right after `:` may
        # already be queued, and they belong in the bar, not in whatever had focus before.
        self.screen.set_focus(self.input)

    def action_close(self) -> None:
        self.remove_class("-open")
        self._hide_completions()
        self.post_message(self.Closed())

    def submits(self) -> str | None:
        """The command Enter would run now (None: Enter takes the highlighted completion)."""
        if self.options.has_class("-shown") and self.options.highlighted is not None:
            return None
        line = self.input.value.strip()
        return line[3:].lstrip() if line.startswith("gt ") else line

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        line = self.submits()
        if line is None:
            self._accept(self.options.highlighted)
            return
        self.remove_class("-open")
        self._hide_completions()
        if not line:
            self.post_message(self.Closed())
            return
        if not self.history or self.history[-1] != line:
            self.history.append(line)
        self.post_message(RunCommand(line))
        self.post_message(self.Closed())

    def on_input_changed(self, event: Input.Changed) -> None:
        if self.options.has_class("-shown"):
            self._show_completions()

    async def on_key(self, event: events.Key) -> None:
        shown = self.options.has_class("-shown")
        if event.key == "tab":
            event.stop()
            event.prevent_default()
            if shown and self.options.highlighted is not None:
                self._accept(self.options.highlighted)
            else:
                self._show_completions(accept_single=True)
        elif event.key in ("up", "down"):
            event.stop()
            event.prevent_default()
            if shown:
                step = -1 if event.key == "up" else 1
                count = self.options.option_count
                current = self.options.highlighted or 0
                self.options.highlighted = (current + step) % max(1, count)
            else:
                self._walk_history(-1 if event.key == "up" else 1)

    def _walk_history(self, step: int) -> None:
        if not self.history:
            return
        self._history_at = max(0, min(len(self.history), self._history_at + step))
        text = self.history[self._history_at] if self._history_at < len(self.history) else ""
        self.input.value = text
        self.input.cursor_position = len(text)

    def _show_completions(self, accept_single: bool = False) -> None:
        line = self.input.value[:self.input.cursor_position]
        self._completions = self.completer(line)[:200]
        if accept_single and len(self._completions) == 1:
            self._accept(0)
            return
        if not self._completions:
            self._hide_completions()
            return
        self.options.clear_options()
        self.options.add_options([
            Option(Content.assemble(c.value, (f"  {c.help}" if c.help else "", "$text-muted")))
            for c in self._completions])
        self.options.highlighted = 0
        self.options.add_class("-shown")
        self.options.styles.height = min(MAX_SHOWN, len(self._completions))

    def _hide_completions(self) -> None:
        self.options.remove_class("-shown")
        self._completions = []

    def _accept(self, index: int) -> None:
        choice = self._completions[index]
        value = self.input.value
        cursor = self.input.cursor_position
        head = value[:choice.start]
        word = choice.value
        if " " in word:
            word = '"' + word.replace('"', '\\"') + '"'
        new = head + word + " "
        self.input.value = new + value[cursor:]
        self.input.cursor_position = len(new)
        self._hide_completions()
