"""The sidebar panels: Agents, Convoys, Hooks, Mail and Work, each a keyboard list of model rows.

Panels render `model.py` rows and talk upward with messages (`messages.py`); actions on the
highlighted row are bindings with ids, so the keymap can move them and `?` can list them.
Stored text (titles, subjects, names) enters a prompt only as a markup variable, shown with
its controls as marks: a title such as `[/]` or `[@click=app.quit]` is text, never markup.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.content import Content
from textual.strip import Strip
from textual.widgets import OptionList, SelectionList
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection

from ...town.addresses import shown_address
from ...visible import visible
from ...when import short_ago
from ..messages import AgentAction, AgentChosen, BeadChosen, MailReply, RunCommand, SlingMany
from ..model import STATE_ICONS, AgentRow, ConvoyRow, HookRow, MailRow, WorkRow

Row = TypeVar("Row")

BAR_WIDTH = 8
# Hook states: running work, parked work (resumes with the next host), just made.
HOOK_ICONS = {"active": ("▶", "$success"), "hooked": ("▶", "$success"),
              "suspended": ("‖", "$warning"), "created": ("+", "$text-muted"),
              "queued": ("…", "$text-muted"), "completed": ("✓", "$text-muted")}
# A hook's merge request by its state's words (`MergeRequest.label`): what needs a look stands out.
MERGE_COLOURS = {"waiting review": "$warning", "conflict": "$error", "gate failed": "$error",
                 "rejected": "$error", "merged": "$success"}
QUEUED_HINT = "queued: it starts when a polecat is free (gt queue remove ID takes it out)"
EMPTY_WORK = "[$text-muted]bd create \"title\" in a rig adds work[/]"


def _markup(template: str, **stored: str) -> Content:
    """`template`'s markup with each `$name` replaced by stored text, shown literally."""
    return Content.from_markup(template, **{k: visible(v) for k, v in stored.items()})


def progress_bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    filled = round(width * done / total) if total else 0
    # The rest is a thin line in a text colour: it stays visible on a highlighted row.
    return f"[$success]{'━' * filled}[/][$text-muted]{'─' * (width - filled)}[/]"


class RowPanel(OptionList, Generic[Row]):
    """An OptionList of rows that keeps the highlighted row (by key) across updates."""

    TITLE = ""
    EMPTY = "(none)"

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[Row] = []
        self.border_title = self.TITLE

    def row_key(self, row: Row) -> str:
        raise NotImplementedError

    def row_prompt(self, row: Row) -> Content:
        raise NotImplementedError

    def title_for(self, rows: list[Row]) -> str:
        return f"{self.TITLE} {len(rows)}" if rows else self.TITLE

    def update_rows(self, rows: list[Row]) -> None:
        if rows == self.rows and self.option_count:
            return
        if self._update_in_place(rows):
            return
        keep = self.highlighted_row
        keep_key = self.row_key(keep) if keep is not None else None
        self.rows = list(rows)
        self.clear_options()
        if rows:
            self.add_options([Option(self.row_prompt(r), id=self.row_key(r)) for r in rows])
        else:
            self.add_option(Option(Content.from_markup(f"[$text-muted]{self.EMPTY}[/]"),
                                   disabled=True))
        keys = [self.row_key(r) for r in rows]
        if keep_key in keys:
            self.highlighted = keys.index(keep_key)
        elif rows:
            self.highlighted = 0
        self.border_title = self.title_for(rows)

    def _update_in_place(self, rows: list[Row]) -> bool:
        """Same rows, new looks (an agent's state flips many times a minute): replace the
        prompts without a layout pass, unless a prompt may need more lines than before."""
        if not self.rows or [self.row_key(r) for r in rows] != [self.row_key(r)
                                                                 for r in self.rows]:
            return False
        prompts = [self.row_prompt(r) for r in rows]
        width = self.scrollable_content_region.width
        if any("\n" in p.plain or p.cell_length >= width for p in prompts):
            return False
        for index, (old, new, prompt) in enumerate(zip(self.rows, rows, prompts)):
            if old != new:
                self.replace_option_prompt_at_index(index, prompt)
        self.rows = list(rows)
        self.border_title = self.title_for(rows)
        return True

    @property
    def highlighted_row(self) -> Row | None:
        index = self.highlighted
        if index is None or not self.rows or index >= len(self.rows):
            return None
        return self.rows[index]


class AgentsPanel(RowPanel[AgentRow]):
    TITLE = "Agents"
    EMPTY = "no agents: sling work with s in Work"
    BINDINGS = [
        Binding("enter", "select", "Focus its pane", id="agent.focus"),
        Binding("u", "agent('nudge')", "Nudge", id="agent.nudge"),
        Binding("v", "agent('peek')", "Peek", id="agent.peek"),
        Binding("H", "agent('handoff')", "Handoff", id="agent.handoff"),
        Binding("R", "agent('restart')", "Restart", id="agent.restart"),
        Binding("x", "agent('suspend')", "Suspend/resume", id="agent.suspend"),
        Binding("K", "agent('stop')", "Stop", id="agent.stop"),
    ]

    def row_key(self, row: AgentRow) -> str:
        return row.name

    def row_prompt(self, row: AgentRow) -> Content:
        icon, color = STATE_ICONS.get(row.state, STATE_ICONS["unknown"])
        badge = f" [$accent]✉{row.unread}[/]" if row.unread else ""
        bead = " [$text-muted]$bead[/]" if row.bead else ""
        # What a waiting or limited agent waits on, and when its limit resets.
        detail = f" [{color}]$detail[/]" if row.detail else ""
        cost = " [$secondary]$cost[/]" if row.cost else ""   # today's, as `gt costs` counts
        return _markup(f"[{color}]{icon}[/] $name{badge}{bead}{detail}{cost}", name=row.name,
                       bead=row.bead, detail=row.detail, cost=row.cost)

    def title_for(self, rows: list[AgentRow]) -> str:
        busy = sum(1 for r in rows if r.state == "busy")
        return f"Agents {busy}/{len(rows)} busy" if rows else "Agents"

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(AgentChosen(event.option.id))

    def action_agent(self, what: str) -> None:
        row = self.highlighted_row
        if row is None:
            self.notify("no agent selected", severity="warning")
            return
        self.post_message(AgentAction(what, row.name))


class ConvoysPanel(RowPanel[ConvoyRow]):
    TITLE = "Convoys"
    BINDINGS = [Binding("enter", "select", "Show its issues", id="convoy.show")]

    def row_key(self, row: ConvoyRow) -> str:
        return row.id

    def row_prompt(self, row: ConvoyRow) -> Content:
        if row.landed:
            return _markup(f"[$text-muted]✓ {row.done}/{row.total} $title[/]", title=row.title)
        return _markup(f"{progress_bar(row.done, row.total)} {row.done}/{row.total} $title",
                       title=row.title)

    def title_for(self, rows: list[ConvoyRow]) -> str:
        # The count the status line shows (open convoys); the landed ones listed below them
        # are counted apart.
        landed = sum(1 for r in rows if r.landed)
        title = f"Convoys {len(rows) - landed}" if rows else "Convoys"
        return f"{title} · {landed} landed" if landed else title

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(RunCommand(f"convoy show {event.option.id}"))


class HooksPanel(RowPanel[HookRow]):
    TITLE = "Hooks"
    BINDINGS = [Binding("enter", "select", "Focus its agent's pane", id="hook.focus"),
                Binding("x", "toggle", "Suspend/resume", id="hook.suspend")]

    def row_key(self, row: HookRow) -> str:
        # A queued row's place changes as the queue moves; its bead does not.
        return f"queued:{row.bead}" if row.state == "queued" else row.agent

    def title_for(self, rows: list[HookRow]) -> str:
        queued = sum(1 for r in rows if r.state == "queued")
        title = super().title_for([r for r in rows if r.state != "queued"])
        return f"{title} · {queued} queued" if queued else title

    def row_prompt(self, row: HookRow) -> Content:
        icon, color = HOOK_ICONS.get(row.state, ("·", "$text-muted"))
        if row.state == "queued":
            return _markup(f"[{color}]{icon} $agent[/] [$text-muted]$bead[/]",
                           agent=row.agent, bead=row.bead)
        ahead = f" ↑{row.ahead}" if row.ahead else ""
        dirty = " [$warning]±[/]" if row.dirty else ""
        merge = (f" [{MERGE_COLOURS.get(row.merge, '$text-muted')}]⇢ $merge[/]"
                 if row.merge else "")
        # The branch gets a line of its own: polecat branches are too long to share one.
        branch = "\n  [$text-muted]⎇ $branch[/]" if row.branch else ""
        why = "\n  [$warning]$reason[/]" if row.reason else ""
        return _markup(f"[{color}]{icon}[/] $agent [$text-muted]$bead[/]"
                       f"[$secondary]{ahead}[/]{dirty}{merge}{branch}{why}",
                       agent=row.agent, bead=row.bead, branch=row.branch, merge=row.merge,
                       reason=row.reason)

    def action_toggle(self) -> None:
        row = self.highlighted_row
        if row is not None and row.state == "queued":
            self.notify(QUEUED_HINT.replace("ID", row.bead))
        elif row is not None:
            what = "resume" if row.state == "suspended" else "suspend"
            self.post_message(AgentAction(what, row.agent))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        key = event.option.id or ""
        if key.startswith("queued:"):
            self.notify(QUEUED_HINT.replace("ID", key.removeprefix("queued:")))
        elif key:
            self.post_message(AgentChosen(key))


class MailPanel(RowPanel[MailRow]):
    TITLE = "Mail"
    EMPTY = "inbox empty"
    BINDINGS = [Binding("enter", "select", "Read (marks it read)", id="mail.read"),
                Binding("r", "reply", "Reply", id="mail.reply"),
                Binding("m", "toggle_read", "Mark read or unread", id="mail.mark"),
                Binding("a", "archive", "Archive (out of the inbox)", id="mail.archive")]

    def row_key(self, row: MailRow) -> str:
        return row.id

    def row_prompt(self, row: MailRow) -> Content:
        mark = "[$accent]●[/]" if row.unread else " "
        urgent = "[$error]![/]" if row.urgent else " "
        style = "bold" if row.unread else "$text-muted"
        # How long ago, in a column of its own ("5m", "3h", "2d"); a list is read by age.
        age = short_ago(row.sent)
        return _markup(f"{mark}{urgent} [$text-muted]{'$age ' if age else ''}$sender[/] "
                       f"[{style}]$subject[/]", age=age.rjust(3),
                       sender=shown_address(row.sender), subject=row.subject)

    def _row(self) -> MailRow | None:
        row = self.highlighted_row
        if row is None:
            self.notify("no mail here", severity="warning")
        return row

    def action_reply(self) -> None:
        row = self._row()
        if row is not None:
            self.post_message(MailReply(row.id, row.sender, row.subject))

    def action_toggle_read(self) -> None:
        row = self._row()
        if row is not None:
            verb = "mark-read" if row.unread else "mark-unread"
            self.post_message(RunCommand(f"mail {verb} {row.id}", quiet=True))

    def action_archive(self) -> None:
        row = self._row()
        if row is not None:
            self.post_message(RunCommand(f"mail archive {row.id}", quiet=True))

    def title_for(self, rows: list[MailRow]) -> str:
        unread = sum(1 for r in rows if r.unread)
        return f"Mail {unread} unread" if unread else "Mail"

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(RunCommand(f"mail read {event.option.id}"))


class WorkPanel(SelectionList[str]):
    """Ready beads per rig; space selects, `s` slings the highlighted one, `S` the selection.
    A plain checkbox says which are selected (`[x]`, `[ ]`): the stock one draws both states
    alike but for their colours."""

    COMPONENT_CLASSES = {"work--checked", "work--unchecked"}
    DEFAULT_CSS = """
    WorkPanel > .work--checked { color: $success; text-style: bold; }
    WorkPanel > .work--unchecked { color: $text-muted; }
    """

    BINDINGS = [
        Binding("space", "select", "Select or unselect (for S)", id="work.select"),
        Binding("s", "sling", "Sling", id="work.sling"),
        Binding("S", "sling_selected", "Sling selected", id="work.sling_selected"),
    ]

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[WorkRow] = []
        self.border_title = "Work"

    def update_rows(self, rows: list[WorkRow]) -> None:
        if rows == self.rows and self.option_count:
            return
        selected = set(self.selected)
        index = self.highlighted
        keep = self.rows[index].id if index is not None and index < len(self.rows) else None
        self.rows = list(rows)
        self.clear_options()
        last_rig = None
        width = max((len(visible(r.rig)) for r in rows), default=0)
        for r in rows:
            shown = visible(r.rig) if r.rig != last_rig else ""
            last_rig = r.rig
            prompt = _markup(f"[$text-muted]$rig[/] [$secondary]P{r.priority}[/] $id $title",
                             rig=shown.ljust(width), id=r.id, title=r.title)
            self.add_option(Selection(prompt, r.id, r.id in selected, id=r.id))
        # Rows stay one line each; the hint wraps, as a hint cut short says nothing.
        self.set_class(not rows, "-empty")
        if not rows:
            self.add_option(Selection(Content.from_markup(EMPTY_WORK), "", disabled=True))
        ids = [r.id for r in rows]
        if keep in ids:
            self.highlighted = ids.index(keep)
        elif rows:
            self.highlighted = 0
        self.border_title = f"Work {len(rows)} ready" if rows else "Work (nothing ready)"

    def render_line(self, y: int) -> Strip:
        line = OptionList.render_line(self, y)
        if not self.rows:
            return line  # the one line is a hint, not a bead: no checkbox beside it
        index = self.scroll_offset.y + y
        if index >= self.option_count:
            return line
        checked = self.get_option_at_index(index).value in self._selected
        under = next(iter(line)).style or self.rich_style
        mark = self.get_component_rich_style(
            "work--checked" if checked else "work--unchecked", partial=True)
        meta = Style(meta={"option": index})  # a click on the box toggles it
        return Strip([Segment("[x]" if checked else "[ ]", under + mark + meta),
                      Segment(" ", under), *line])

    def _get_left_gutter_width(self) -> int:
        return super()._get_left_gutter_width() if self.rows else 0

    def _row(self) -> WorkRow | None:
        index = self.highlighted
        return self.rows[index] if index is not None and index < len(self.rows) else None

    def action_sling(self) -> None:
        row = self._row()
        if row is None:
            self.notify("no ready bead here: create one with `bd create`", severity="warning")
            return
        self.post_message(BeadChosen(row.id, row.rig))

    def action_sling_selected(self) -> None:
        chosen = [r for r in self.rows if r.id in set(self.selected)]
        if not chosen:
            self.notify("select beads with space first, then S", severity="warning")
            return
        self.post_message(SlingMany([r.id for r in chosen]))
