"""The command bar (`:`): one line that runs the same registry as `gt --cmd` (and `bd ...`),
with completion.

Tab completes (commands, options, bead ids, rigs, agents: whatever the registry's click
completion offers): one candidate is taken at once; several are listed (their common start
typed), and each further Tab (shift+tab, up, down) puts the next one in the line, as a shell's
menu completion does. Enter runs the line as it shows, list open or not; up/down walk the
history when no list is shown; Escape closes. The bar only posts `RunCommand`; the app runs it
and shows the result.
"""

from __future__ import annotations

import os
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
MAX_VALUE = 32  # candidates longer than this push their help out of line


class CommandInput(Input):
    """The bar's input: tab completes instead of moving focus."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return key in ("tab", "shift+tab", "up", "down") or super().check_consume_key(
            key, character)


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
    CommandBar Input > .input--placeholder { color: $text-muted; text-style: italic; }
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
        self._span = (0, 0)      # where the line holds the word being completed
        self._placed: str | None = None  # the line as the last candidate put in left it

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

    def submits(self) -> str:
        """The command Enter runs now: the line as it shows."""
        line = self.input.value.strip()
        return line[3:].lstrip() if line.startswith("gt ") else line

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        line = self.submits()
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
        if event.value == self._placed:
            return  # a candidate put in by Tab: the list stays as it is
        if self.options.has_class("-shown"):
            self._show_completions()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._accept(event.option_index)
        self.screen.set_focus(self.input)

    async def on_key(self, event: events.Key) -> None:
        shown = self.options.has_class("-shown")
        if event.key in ("tab", "shift+tab"):
            event.stop()
            event.prevent_default()
            if shown:
                self._cycle(-1 if event.key == "shift+tab" else 1)
            elif event.key == "tab":
                self._show_completions(first=True)
        elif event.key in ("up", "down"):
            event.stop()
            event.prevent_default()
            if shown:
                self._cycle(-1 if event.key == "up" else 1)
            else:
                self._walk_history(-1 if event.key == "up" else 1)

    def _walk_history(self, step: int) -> None:
        if not self.history:
            return
        self._history_at = max(0, min(len(self.history), self._history_at + step))
        text = self.history[self._history_at] if self._history_at < len(self.history) else ""
        self.input.value = text
        self.input.cursor_position = len(text)

    def _show_completions(self, first: bool = False) -> None:
        """List what completes the word at the cursor. On the first Tab, a single candidate
        is taken at once, and several put their common start in the line."""
        value, cursor = self.input.value, self.input.cursor_position
        self._completions = self.completer(value[:cursor])[:200]
        if not self._completions:
            self._hide_completions()
            return
        start = self._completions[0].start
        self._span = (start, cursor)
        if first and len(self._completions) == 1:
            self._accept(0)
            return
        if first:
            common = os.path.commonprefix([c.value for c in self._completions])
            if len(common) > cursor - start and " " not in common:
                self._place(common)
        width = min(MAX_VALUE, max(len(c.value) for c in self._completions))
        self.options.clear_options()
        self.options.add_options([
            Option(Content.assemble(c.value.ljust(width),
                                    (f"  {c.help}" if c.help else "", "$text-muted")))
            for c in self._completions])
        self.options.highlighted = None
        self.options.add_class("-shown")
        self.options.styles.height = min(MAX_SHOWN, len(self._completions))

    def _cycle(self, step: int) -> None:
        """Put the next (or previous) candidate in the line, in place of the one before."""
        count = self.options.option_count
        current = self.options.highlighted
        if count == 1:
            self._accept(0)  # typing narrowed the list to one: take it
            return
        if current is None:
            index = 0 if step > 0 else count - 1
        else:
            index = (current + step) % max(1, count)
        self.options.highlighted = index
        self._place(_quoted(self._completions[index].value))

    def _place(self, word: str) -> None:
        value = self.input.value
        start, end = self._span
        new = value[:start] + word + value[end:]
        self._span = (start, start + len(word))
        self._placed = new
        self.input.value = new
        self.input.cursor_position = start + len(word)

    def _hide_completions(self) -> None:
        self.options.remove_class("-shown")
        self._completions = []
        self._placed = None

    def _accept(self, index: int) -> None:
        """Take candidate `index` (and a space: the next word follows)."""
        self._place(_quoted(self._completions[index].value) + " ")
        self._hide_completions()


def _quoted(word: str) -> str:
    return '"' + word.replace('"', '\\"') + '"' if " " in word else word
