"""The Review view's widgets, shared by the app (`screens/review.py`) and the dashboard (its
Review tab): the merge queue beside a diff viewer, and the sidebar's Review panel.

`ReviewView` reads through a source (`reviewing.ReviewSource` for a town, `FixedReview` for
snapshot apps) and talks upward with messages: `Verb` (approve, reject with a note) for its
host to run as `gt mq approve/reject`, `Closed` when Escape leaves it. Keyboard first: j/k
move, Enter goes in, Tab between the queue, the files and the diff, n/p between files.
"""

from __future__ import annotations

import asyncio
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option, OptionDoesNotExist

from ...visible import visible
from ..model import MergeRow
from ..reviewing import LOOKS, ReviewError, ReviewRow, whole_diff
from .diffview import DiffView, lay_out
from .panels import RowPanel

NAME_WIDTH = 24        # path columns in the file list (longer ones keep their end)
DETAIL_WIDTH = 38      # a queue row's second line (title or reason), cut to one line
DIFF_DELAY_S = 0.15    # a diff loads once the highlight rests (j held down loads none between)
KEYS = "a approve · x reject · tab queue/files/diff · n p file · r reload · esc back"
READ_ONLY_KEYS = "read-only: tab queue/files/diff · n p file · r reload · esc back"
HOOKS_HEADING = "hooks: work not submitted yet"


def _look(state: str) -> tuple[str, str]:
    return LOOKS.get(state, ("·", "$text-muted"))


def _markup(template: str, **stored: str) -> Content:
    return Content.from_markup(template, **{k: visible(v) for k, v in stored.items()})


class QueueList(OptionList):
    BINDINGS = [Binding("j", "cursor_down", "Down", show=False),
                Binding("k", "cursor_up", "Up", show=False)]


class FileList(OptionList):
    BINDINGS = [Binding("j", "cursor_down", "Down", show=False),
                Binding("k", "cursor_up", "Up", show=False)]


class ReviewView(Vertical):
    DEFAULT_CSS = """
    ReviewView { height: 1fr; }
    ReviewView #review-body { height: 1fr; }
    ReviewView #review-queue {
        width: 44;
        height: 1fr;
        border: round $border-blurred;
        border-title-color: $text-muted;
        background: $surface;
    }
    ReviewView #review-detail { width: 1fr; height: 1fr; }
    ReviewView #review-head {
        height: auto;
        padding: 0 1;
        background: $panel;
        color: $text;
    }
    ReviewView #review-files {
        width: 36;
        height: 1fr;
        border: round $border-blurred;
        border-title-color: $text-muted;
        background: $surface;
    }
    ReviewView #review-diff {
        width: 1fr;
        height: 1fr;
        border: round $border-blurred;
        border-title-color: $text-muted;
    }
    ReviewView #review-queue:focus, ReviewView #review-files:focus,
    ReviewView #review-diff:focus {
        border: round $primary;
        border-title-color: $text;
        border-title-style: bold;
    }
    ReviewView #review-keys {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text-muted;
    }
    """

    BINDINGS = [
        Binding("a", "approve", "Approve", id="review.approve"),
        Binding("x", "reject", "Reject with a note", id="review.reject"),
        Binding("tab", "part(1)", "Next part", id="review.next_part"),
        Binding("shift+tab", "part(-1)", "Previous part", id="review.previous_part"),
        Binding("n", "file(1)", "Next file", id="review.next_file"),
        Binding("p", "file(-1)", "Previous file", id="review.previous_file"),
        Binding("r", "reload", "Reload", id="review.reload"),
        Binding("escape", "back", "Back", id="review.back"),
    ]

    class Verb(Message):
        """A person's verb on a merge request (`approve`, or `reject` with its note)."""

        def __init__(self, verb: str, key: str, note: str = "") -> None:
            super().__init__()
            self.verb = verb
            self.key = key
            self.note = note

    class Closed(Message):
        """Escape from the queue: the view's host puts it away."""

    def __init__(self, source: Any, read_only: bool = False, select: str | None = None,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.source = source
        self.read_only = read_only
        self.rows: list[ReviewRow] = []
        self.diff: Any = None           # the diff on show (town.diffs.Diff)
        self.shown: ReviewRow | None = None
        self._wanted = select           # the row to highlight once the rows come
        self._diff_timer: Any = None
        self._problem = ""
        # Held, not queried: a timer or worker that ends while the view is being removed
        # finds its parts gone from the DOM (and then does nothing).
        self.queue = QueueList(id="review-queue")
        self.files = FileList(id="review-files")
        self.diff_view = DiffView(id="review-diff")
        self.head = Static(id="review-head")

    def compose(self) -> ComposeResult:
        with Horizontal(id="review-body"):
            self.queue.border_title = "Merge queue"
            yield self.queue
            with Vertical(id="review-detail"):
                yield self.head
                with Horizontal():
                    self.files.border_title = "Files"
                    yield self.files
                    self.diff_view.border_title = "Diff"
                    yield self.diff_view
        yield Static(READ_ONLY_KEYS if self.read_only else KEYS, id="review-keys")

    @property
    def live(self) -> bool:
        return self.queue.is_attached and self.diff_view.is_attached

    def on_mount(self) -> None:
        self.diff_view.show_message("choose a merge request or a hook")
        self.reload()

    @property
    def highlighted_row(self) -> ReviewRow | None:
        option = self.queue.highlighted_option
        return next((r for r in self.rows if r.key == option.id), None) if option else None

    # ---- the queue -----------------------------------------------------------------------

    def select(self, key: str) -> None:
        """Highlight `key`'s row (now, or once the rows come)."""
        self._wanted = key
        self._highlight_wanted()

    @work(group="review-rows", exclusive=True)
    async def reload(self) -> None:
        """The rows again (a verb, the host's news, a timer); the diff again if its row
        changed (a request resubmitted, merged or sent back)."""
        try:
            rows = await self.source.rows()
        except Exception as e:  # noqa: BLE001 - a ledger mid-write: say so, keep what shows
            problem = f"could not read the merge queue: {e}"
            if problem != self._problem:  # once, not at every look while it lasts
                self._problem = problem
                self.notify(problem, severity="warning")
            return
        self._problem = ""
        if not self.live:
            return
        self._show_rows(rows)
        current = self.highlighted_row
        if current is not None and current != self.shown:
            self._load_diff(current)

    def _show_rows(self, rows: list[ReviewRow]) -> None:
        queue = self.queue
        keep = self._wanted or (self.highlighted_row.key if self.highlighted_row else None)
        if rows == self.rows and queue.option_count:
            return
        self.rows = rows
        queue.clear_options()
        options: list[Option] = []
        heading = False
        for row in rows:
            if not row.is_mr and not heading:
                heading = True
                options.append(Option(Content.styled(HOOKS_HEADING, "$text-muted italic"),
                                      disabled=True))
            options.append(Option(_row_prompt(row), id=row.key))
        if not rows:
            options.append(Option(Content.styled(
                "nothing to review: `gt done` on a hook queues its work here", "$text-muted"),
                disabled=True))
        queue.add_options(options)
        waiting = sum(1 for r in rows if r.state == "review")
        mrs = sum(1 for r in rows if r.is_mr)
        queue.border_title = f"Merge queue {mrs}" + (f" · {waiting} to review" if waiting
                                                     else "")
        self._wanted = keep
        if not self._highlight_wanted():
            self._wanted = None  # gone from the queue: the first row instead
            queue.highlighted = next((i for i, o in enumerate(options) if not o.disabled),
                                     None)

    def _highlight_wanted(self) -> bool:
        if not self._wanted:
            return False
        try:
            index = self.queue.get_option_index(self._wanted)
        except OptionDoesNotExist:  # not listed yet (the rows to come) or any more
            return False
        self._wanted = None
        self.queue.highlighted = index
        return True

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option_list is self.queue:
            if self._diff_timer is not None:
                self._diff_timer.stop()
            self._diff_timer = self.set_timer(DIFF_DELAY_S, self._diff_for_highlight)
        elif event.option_list is self.files:
            if self.diff_view.current_file != event.option_index:
                self.diff_view.jump_to_file(event.option_index)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_list is self.queue:
            row = self.highlighted_row
            if row is not None and row != self.shown:
                self._load_diff(row)
            self.files.focus()
        elif event.option_list is self.files:
            self.diff_view.jump_to_file(event.option_index)
            self.diff_view.focus()

    def _diff_for_highlight(self) -> None:
        self._diff_timer = None
        if not self.live:
            return
        row = self.highlighted_row
        if row is not None and row != self.shown:
            self._load_diff(row)

    # ---- the diff ------------------------------------------------------------------------

    def _load_diff(self, row: ReviewRow) -> None:
        self.shown = row
        self.diff = None
        self._show_head(row, None)
        self.diff_view.show_message(f"reading the diff of {row.key} …")
        self._fetch_diff(row)

    @work(group="review-diff", exclusive=True)
    async def _fetch_diff(self, row: ReviewRow) -> None:
        try:
            diff = await self.source.diff(row.key)
            # Tens of thousands of lines are laid out off the loop: the panes keep going.
            layout = await asyncio.to_thread(lay_out, diff, whole_diff(row.key))
        except Exception as e:  # noqa: BLE001 - ReviewError says it in one line; others too
            if self.live and self.shown == row:
                self.diff = None
                self.files.clear_options()
                self.diff_view.show_message(str(e) if isinstance(e, ReviewError)
                                            else f"could not read the diff: {e}")
            return
        if not self.live or self.shown != row:
            return
        self.diff = diff
        self._show_head(row, diff)
        files = self.files
        files.clear_options()
        files.add_options([Option(_file_prompt(f), id=str(i)) for i, f in enumerate(diff.files)])
        files.border_title = f"Files {len(diff.files)}" if diff.files else "Files"
        self.diff_view.show_layout(layout)
        self.diff_view.border_title = "Diff" if row.is_mr else "Diff of the worktree as it is"

    def _show_head(self, row: ReviewRow, diff: Any) -> None:
        icon, colour = _look(row.state)
        lines = [_markup(f"[{colour}]{icon} $label[/]  [b]$key[/]  $rig: $branch → $target",
                         label=row.label, key=row.key, rig=row.rig, branch=row.branch,
                         target=row.target or "the target")]
        about = _markup("$title", title=row.title) if row.is_mr else \
            _markup("$issue $title", issue=row.issue or "(no issue)", title=row.title)
        if row.is_mr:
            about = Content.assemble(about, _markup("  [$text-muted]from $agent[/]",
                                                    agent=row.agent))
        if diff is not None:
            n = len(diff.files)
            about = Content.assemble(about, _markup(
                f"  [$text-success]+{diff.added}[/] [$text-error]-{diff.removed}[/] "
                f"in {n} file{'s' if n != 1 else ''}"))
        lines.append(about)
        if row.reason:
            style = "$text-warning" if row.state == "held" else "$text-error"
            lines.append(_markup(f"[{style}]$reason[/]", reason=row.reason))
        if row.approvable:
            lines.append(Content.styled("waits for your approval: a approves, x sends it "
                                        "back with a note", "$text-warning"))
        elif row.approved_by:
            lines.append(_markup("[$text-muted]approved by $who[/]", who=row.approved_by))
        self.head.update(Content("\n").join(lines))

    def on_diff_view_file_shown(self, event: DiffView.FileShown) -> None:
        event.stop()
        if self.files.highlighted != event.index and event.index < self.files.option_count:
            self.files.highlighted = event.index

    # ---- keys ----------------------------------------------------------------------------

    def action_part(self, step: int) -> None:
        parts = [self.queue, self.files, self.diff_view]
        focused = self.screen.focused
        index = parts.index(focused) if focused in parts else 0
        parts[(index + step) % len(parts)].focus()

    def action_file(self, step: int) -> None:
        self.diff_view.step_file(step)

    def action_reload(self) -> None:
        self.shown = None  # the diff too, even when its row looks the same
        self.reload()

    def action_back(self) -> None:
        if self.screen.focused is self.queue:
            self.post_message(self.Closed())
        else:
            self.queue.focus()

    def _request(self) -> ReviewRow | None:
        row = self.highlighted_row
        if row is None:
            self.notify("choose a merge request first", severity="warning")
        elif not row.is_mr:
            self.notify(f"{row.key} has not submitted its work yet: it is reviewed after "
                        "`gt done`", severity="warning")
            return None
        return row

    def action_approve(self) -> None:
        row = self._request()
        if row is not None:
            self.post_message(self.Verb("approve", row.key))

    def action_reject(self) -> None:
        row = self._request()
        if row is None:
            return
        if self.read_only:
            self.post_message(self.Verb("reject", row.key))
            return
        from ..screens.prompt import PromptScreen

        def send(note: str | None) -> None:
            if note:
                self.post_message(self.Verb("reject", row.key, note))

        self.app.push_screen(PromptScreen(f"Send {row.key} back to {row.agent}",
                                          "why: the agent reads it and fixes its work"), send)


def _row_prompt(row: ReviewRow) -> Content:
    icon, colour = _look(row.state)
    first = _markup(f"[{colour}]{icon} $label[/] $key", label=row.label,
                    key=row.key if row.is_mr else row.key.replace("/polecats/", "/"))
    detail = row.reason if row.state in ("held", "conflict", "gate_failed", "rejected") \
        else row.title if row.is_mr else f"{row.issue} {row.title}".strip()
    if len(detail) > DETAIL_WIDTH:
        detail = detail[:DETAIL_WIDTH - 1] + "…"
    return Content.assemble(first, "\n", _markup("  [$text-muted]$detail[/]", detail=detail))


def _file_prompt(f: Any) -> Content:
    name = f.path if len(f.path) <= NAME_WIDTH else "…" + f.path[-(NAME_WIDTH - 1):]
    counts = "[$text-muted]binary[/]" if f.binary else \
        f"[$text-success]+{f.added}[/] [$text-error]-{f.removed}[/]"
    return _markup(f"[$text-muted]{f.status[:1].upper()}[/] $name {counts}", name=name)


# ---------------------------------------------------------------------- the sidebar entry

# A merge request's words (`MergeRequest.label`) -> its LOOKS key.
_BY_LABEL = {"waiting review": "review", "gate failed": "gate_failed"}


class ReviewPanel(RowPanel[MergeRow]):
    """The sidebar's merge queue: open requests and those a person should look at; Enter
    opens the Review view on one."""

    TITLE = "Review"
    EMPTY = "merge queue empty"

    class Chosen(Message):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def row_key(self, row: MergeRow) -> str:
        return row.id

    def row_prompt(self, row: MergeRow) -> Content:
        state = "held" if row.state == "queued" and row.reason else \
            _BY_LABEL.get(row.state, row.state)
        icon, colour = _look(state)
        label = "held" if state == "held" else row.state
        return _markup(f"[{colour}]{icon} $label[/] $id [$text-muted]$issue[/]",
                       label=label, id=row.id, issue=row.issue)

    def title_for(self, rows: list[MergeRow]) -> str:
        waiting = sum(1 for r in rows if r.state == "waiting review")
        if not rows:
            return self.TITLE
        return f"Review {waiting} waiting · {len(rows)} in queue" if waiting else \
            f"Review · {len(rows)} in queue"

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.Chosen(event.option.id))
