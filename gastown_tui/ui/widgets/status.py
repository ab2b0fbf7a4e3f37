"""The status line: town, agent and convoy counts, the dispatch and merge queues and today's
cost (`gt status`'s numbers, `TownView.counts`), unread mail, merge requests waiting for
review, the needs-me badge, the prefix hint (and whether the prefix is armed), and the last
command's one-line outcome."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from ...visible import visible
from ..model import TownView, plural


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

    def on_resize(self) -> None:
        self.refresh_line()

    def refresh_line(self) -> None:
        v = self.view
        n = v.counts()
        # Each part: its forms, longest first, each with how much it matters to keep that
        # form rather than the next (the line drops the least first); an empty form drops
        # the part; a part's last form stays.
        town = Content.from_markup("[b]$town[/b]", town=visible(v.town or "gt"))
        parts: list[list[tuple[Content, int]]] = [[(town, 5), (EMPTY, 0)]]
        agents = Content(plural(n.agents, "agent"))
        if n.agents:
            detail = (f" ({n.busy} busy" + (f", {n.waiting} waiting" if n.waiting else "")
                      + (f", {n.limited} limited" if n.limited else "") + ")")
            parts.append([(agents + detail, 2), (agents, 7), (EMPTY, 0)])
        else:
            parts.append([(agents, 7), (EMPTY, 0)])
        if n.queued:
            parts.append([(Content(f"{n.queued} queued"), 3), (EMPTY, 0)])
        if n.merging:
            parts.append([(Content(f"{n.merging} in merge queues"), 1), (EMPTY, 0)])
        if n.tokens_today:
            from ...commands.gt_status import cost_text

            spent = cost_text(n.cost_today, n.tokens_today, n.unpriced_today).split(" (")[0]
            parts.append([(Content(f"today {spent}"), 2), (EMPTY, 0)])
        parts.append([(Content(plural(n.convoys, "convoy")), 1), (EMPTY, 0)])
        if n.unread:
            parts.append([(Content.from_markup("[$accent]✉ $n[/]", n=str(n.unread)), 4),
                          (EMPTY, 0)])
        if n.reviews:
            parts.append([
                (Content.from_markup("[$warning]◆ $n to review[/]", n=str(n.reviews)), 5),
                (Content.from_markup("[$warning]◆ $n[/]", n=str(n.reviews)), 0)])
        needs = n.needs_you
        if needs:
            parts.append([
                (Content.from_markup("[reverse $warning] ! $n needs you [/]", n=str(needs)), 8),
                (Content.from_markup("[reverse $warning] ! $n [/]", n=str(needs)), 0)])
        if self.page:
            short = self.page.replace("page ", "").replace("zoomed ", "⤢ ")
            parts.append([(Content(visible(self.page)), 6), (Content(visible(short)), 0)])
        if self.note:
            note = Content.from_markup("[$text-muted]$note[/]", note=visible(self.note))
            parts.append([(note, 6), (note.truncate(24, ellipsis=True), 7), (EMPTY, 0)])
        if self.armed:
            parts.append([(Content.from_markup("[reverse $accent] $key … [/]",
                                               key=self.prefix_label), 0)])
        else:
            parts.append([
                (Content.from_markup("[$text-muted]$key ? help[/]", key=self.prefix_label), 3),
                (Content.from_markup("[$text-muted]$key ?[/]", key=self.prefix_label), 0)])
        line = fit(parts, self.content_region.width or 10_000)
        if line != self._shown:
            self._shown = line
            # One row that fills the width: no layout pass (a layout of 30 panes costs ~40 ms).
            self.update(line, layout=False)


EMPTY = Content("")
SEPARATOR = Content(" · ")


def _join(parts: list[list[tuple[Content, int]]], chosen: list[int]) -> Content:
    """The parts in the forms chosen; the last (the prefix hint) set apart at the end."""
    *body, hint = [forms[i][0] for forms, i in zip(parts, chosen)]
    return Content.assemble(SEPARATOR.join([form for form in body if form.cell_length]), "  ",
                            hint)


def fit(parts: list[list[tuple[Content, int]]], width: int) -> Content:
    """The status line in at most `width` cells: while it is too long, the part whose form
    matters least takes its next, shorter form (or drops out), so the line shortens from its
    least important parts and is never cut mid-word."""
    chosen = [0] * len(parts)
    line = _join(parts, chosen)
    while line.cell_length > width:
        movable = [i for i, forms in enumerate(parts) if chosen[i] < len(forms) - 1]
        if not movable:
            return line.truncate(width)
        least = min(movable, key=lambda i: parts[i][chosen[i]][1])
        chosen[least] += 1
        line = _join(parts, chosen)
    return line
