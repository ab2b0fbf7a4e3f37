"""The sling modal: the bead(s), the rig and the agent preset filled in; Enter slings.

With several beads it also names the new convoy they travel under. The modal only builds the
command lines; the app runs them through the registry like any other command.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select

from ..typeahead import KeysFree


@dataclass(frozen=True)
class SlingRequest:
    beads: tuple[str, ...]
    rig: str
    agent: str
    convoy: str = ""

    def command(self) -> str:
        """What this sling is in `gt` words, to title its result (it is done by a typed
        request, `acting.sling`, not by running these words)."""
        q = shlex.quote
        agent = f" --agent {q(self.agent)}" if self.agent else ""
        convoy = f" (convoy {q(self.convoy)})" if self.convoy else ""
        return f"sling {' '.join(q(b) for b in self.beads)} {q(self.rig)}{agent}{convoy}"


class SlingScreen(ModalScreen[SlingRequest | None]):
    CSS_PATH = "sling.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="sling.cancel")]

    def __init__(self, beads: str, rig: str, agents: list[str], *, agent: str = "",
                 convoy: bool = False) -> None:
        super().__init__()
        self.beads = beads
        self.rig = rig
        self.agents = agents
        self.agent = agent if agent in agents else (agents[0] if agents else "")
        self.with_convoy = convoy

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            count = len(self.beads.split())
            dialog.border_title = f"Sling {count} beads" if count > 1 else "Sling"
            dialog.border_subtitle = "enter slings · tab moves · esc cancels"
            yield Label("Bead" + ("s" if count > 1 else ""))
            yield Input(self.beads, id="sling-beads")
            yield Label("Rig")
            yield Input(self.rig, id="sling-rig")
            yield Label("Agent")
            yield Select([(a, a) for a in self.agents], value=self.agent or Select.NULL,
                         allow_blank=not self.agents, id="sling-agent")
            if self.with_convoy:
                yield Label("Convoy")
                yield Input(f"Work: {count} beads", id="sling-convoy")

    def on_mount(self) -> None:
        target = "#sling-convoy" if self.with_convoy else "#sling-rig"
        self.query_one(target, Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        beads = tuple(self.query_one("#sling-beads", Input).value.split())
        rig = self.query_one("#sling-rig", Input).value.strip()
        agent = self.query_one("#sling-agent", Select).value
        convoy = ""
        if self.with_convoy:
            convoy = self.query_one("#sling-convoy", Input).value.strip()
        problem = ("a bead and a rig are needed" if not beads or not rig else
                   "name the convoy" if self.with_convoy and not convoy else "")
        if problem:
            self.notify(problem, severity="error")
            self.post_message(KeysFree())  # the keys typed after Enter are for this form
            return
        self.dismiss(SlingRequest(beads, rig, agent if isinstance(agent, str) else "", convoy))

    def action_cancel(self) -> None:
        self.dismiss(None)
