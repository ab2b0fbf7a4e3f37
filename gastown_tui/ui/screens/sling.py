"""The sling modal: the bead(s), the rig, the agent preset and the convoy filled in; Enter
slings, from any field.

Agents whose program is not installed are marked and never offered first. Several beads (S in
Work) travel under a new convoy, named here; one bead may be given a named convoy too, and by
default gets `gt sling`'s own "Work: <title>", which the panels leave out (`gather.one_sling`),
so quick single slings do not fill the Convoys panel. The modal only builds the request; the
app sends it (`acting.sling`).
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

NOT_INSTALLED = "  (not installed)"


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


class AgentSelect(Select[str]):
    """The agent field: Enter slings, as in the other fields; up, down and space open the
    list (where Enter picks one)."""

    BINDINGS = [Binding("enter", "screen.submit", "Sling", show=False),
                Binding("down,space,up", "show_overlay", "Show menu", show=False)]


class SlingScreen(ModalScreen[SlingRequest | None]):
    CSS_PATH = "sling.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="sling.cancel")]

    def __init__(self, beads: str, rig: str, agents: list[str], *, agent: str = "",
                 convoy: bool = False, missing: list[str] | tuple[str, ...] = ()) -> None:
        super().__init__()
        self.beads = beads
        self.rig = rig
        self.agents = agents
        self.missing = set(missing)
        installed = [a for a in agents if a not in self.missing]
        self.agent = agent if agent in installed else (installed[0] if installed else "")
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
            yield AgentSelect([(a + NOT_INSTALLED if a in self.missing else a, a)
                               for a in self.agents],
                              value=self.agent or Select.NULL, allow_blank=not self.agent,
                              id="sling-agent")
            yield Label("Convoy" if self.with_convoy else "Convoy (optional)")
            yield Input(f"Work: {count} beads" if self.with_convoy else "",
                        placeholder="none of its own (the Hooks panel shows it); or name one",
                        id="sling-convoy")

    def on_mount(self) -> None:
        target = "#sling-convoy" if self.with_convoy else "#sling-rig"
        self.query_one(target, Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def enter_slings(self) -> bool:
        """Whether Enter slings now (not while the agent list is open, where it picks)."""
        return not self.query_one(AgentSelect).expanded

    def action_submit(self) -> None:
        beads = tuple(self.query_one("#sling-beads", Input).value.split())
        rig = self.query_one("#sling-rig", Input).value.strip()
        agent = self.query_one("#sling-agent", Select).value
        agent = agent if isinstance(agent, str) else ""
        convoy = self.query_one("#sling-convoy", Input).value.strip()
        problem = ("a bead and a rig are needed" if not beads or not rig else
                   "name the convoy" if self.with_convoy and not convoy else
                   f"{agent} is not installed (its program is not on PATH): pick another"
                   if agent in self.missing else
                   "no agent is installed: install one, or `gt config agent set NAME CMD`"
                   if not agent else "")
        if problem:
            self.notify(problem, severity="error")
            self.post_message(KeysFree())  # the keys typed after Enter are for this form
            return
        self.dismiss(SlingRequest(beads, rig, agent, convoy))

    def action_cancel(self) -> None:
        self.dismiss(None)
