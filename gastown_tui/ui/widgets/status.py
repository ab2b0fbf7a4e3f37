"""The status line: town, agent and convoy counts, unread mail, merge requests waiting for
review, the needs-me badge, the prefix hint (and whether the prefix is armed), and the last
command's one-line outcome."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from ...visible import visible
from ..model import TownView


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        background: $panel;
        color: $text;
        padding: 0 1;
    }
    """

    armed: reactive[bool] = reactive(False)
    note: reactive[str] = reactive("")

    def __init__(self, prefix_label: str, id: str | None = None) -> None:
        super().__init__(id=id)
        self.prefix_label = prefix_label
        self.view = TownView()
        self.page = ""
        self._shown: Content | None = None

    def show(self, view: TownView, page: str = "") -> None:
        self.view = view
        self.page = page
        self.refresh_line()

    def watch_armed(self) -> None:
        self.refresh_line()

    def watch_note(self) -> None:
        self.refresh_line()

    def refresh_line(self) -> None:
        v = self.view
        busy = sum(1 for a in v.agents if a.state == "busy")
        waiting = sum(1 for a in v.agents if a.state == "waiting")
        open_convoys = [c for c in v.convoys if not c.landed]
        parts: list[Content | str] = [Content.from_markup("[b]$town[/b]",
                                                          town=visible(v.town or "gt"))]
        agents = f"{len(v.agents)} agents"
        if v.agents:
            agents += f" ({busy} busy" + (f", {waiting} waiting" if waiting else "") + ")"
        parts.append(agents)
        parts.append(f"{len(open_convoys)} convoys")
        if v.unread:
            parts.append(Content.from_markup("[$accent]✉ $n[/]", n=str(v.unread)))
        reviews = sum(1 for m in v.merges if m.state == "waiting review")
        if reviews:
            parts.append(Content.from_markup("[$warning]◆ $n to review[/]", n=str(reviews)))
        needs = len(v.needs_me())
        if needs:
            parts.append(Content.from_markup("[reverse $warning] ! $n needs you [/]", n=str(needs)))
        if self.page:
            parts.append(Content(visible(self.page)))
        if self.note:
            parts.append(Content.from_markup("[$text-muted]$note[/]", note=visible(self.note)))
        if self.armed:
            hint = Content.from_markup("[reverse $accent] $key … [/]", key=self.prefix_label)
        else:
            hint = Content.from_markup("[$text-muted]$key ? help[/]", key=self.prefix_label)
        line = Content.assemble(Content(" · ").join(parts), "  ", hint)
        if line != self._shown:
            self._shown = line
            # One row that fills the width: no layout pass (a layout of 30 panes costs ~40 ms).
            self.update(line, layout=False)
