"""Messages widgets send upward; the app and screens act on them (widgets never reach into
siblings). High-rate ones can replace a pending copy of themselves."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class PaneFocused(Message):
    """A terminal pane took focus."""

    name: str


@dataclass
class PaneResized(Message):
    """A pane's size changed; the session was told to resize to cols x rows."""

    name: str
    cols: int
    rows: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, PaneResized) and message.name == self.name


@dataclass
class PanesShown(Message):
    """The panes on view changed (a page turned, a zoom, panes came or went): only their
    screens need to come from the host."""

    names: list[str]

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, PanesShown)


@dataclass
class TextCopied(Message):
    """Lines were copied in a pane's scrollback mode: the app keeps them as its paste buffer."""

    name: str
    text: str


@dataclass
class AgentChosen(Message):
    """An agent row was activated in a panel (Enter or click): show and focus its pane."""

    name: str


@dataclass
class BeadChosen(Message):
    """A ready bead was activated in the Work panel."""

    bead_id: str
    rig: str


@dataclass
class RunCommand(Message):
    """Run a registry command line (from the command bar, the palette or a binding)."""

    line: str
    quiet: bool = False


@dataclass
class SlingMany(Message):
    """Sling these ready beads together under a new convoy."""

    bead_ids: list[str]


@dataclass
class AgentAction(Message):
    """Act on an agent: nudge, peek, handoff, restart, suspend, stop."""

    what: str
    name: str


@dataclass
class MailReply(Message):
    """Reply to this message (the app asks for the text)."""

    id: str
    sender: str
    subject: str
