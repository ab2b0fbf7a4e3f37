"""The main screen: sidebar panels beside the grid of live panes, the status line, and over
them the command bar and a command's result."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static

from ...host.model import MAYOR
from ...town.schema import SIDEBAR_COLUMNS
from ..layout import grid_size, sidebar_columns
from ..messages import PaneFocused
from ..model import TownView
from ..widgets.banner import HostBanner
from ..widgets.commandbar import CommandBar
from ..widgets.grid import PaneGrid
from ..widgets.linecache import SteadyHorizontal, SteadyLines, SteadyVertical
from ..widgets.panels import AgentsPanel, ConvoysPanel, HooksPanel, MailPanel, WorkPanel
from ..widgets.result import ResultView
from ..widgets.review import ReviewPanel
from ..widgets.sidebar import Sidebar
from ..widgets.status import StatusLine
from ..widgets.terminal import PaneSink, TerminalPane

EMPTY_GRID = ("No agents are running.\n\n"
              "Pick a bead in Work and press s to sling it to an agent,\n"
              "or press : and type a command (tab completes).")


class MainScreen(SteadyLines, Screen):
    # (Its styles, main.tcss, are the app's: see GastownApp.CSS_PATH.)
    ESCAPE_TO_MINIMIZE = False

    BINDINGS = [
        # Priority: the bar opens before keys typed right after `:` are handed to the sidebar.
        # Text inputs and panes still get `:` (they consume printable keys first).
        Binding("colon", "app.command_bar", "Command", id="main.command", priority=True),
        Binding("question_mark", "app.help", "Help", id="main.help"),
        Binding("w", "app.needs_me", "Needs me", id="main.needs_me"),
        Binding("exclamation_mark", "app.jump_needs_me", "Jump to what needs me",
                id="main.jump"),
        Binding("t", "app.pick_theme", "Theme", id="main.theme"),
        Binding("z", "app.zoom", "Zoom", id="main.zoom", show=False),
        Binding("ctrl+q", "app.quit_app", "Quit", id="main.quit"),
        Binding("1", "panel('agents')", "Agents", id="main.agents", show=False),
        Binding("2", "panel('convoys')", "Convoys", id="main.convoys", show=False),
        Binding("3", "panel('hooks')", "Hooks", id="main.hooks", show=False),
        Binding("4", "panel('mail')", "Mail", id="main.mail", show=False),
        Binding("5", "panel('work')", "Work", id="main.work", show=False),
        Binding("6", "panel('review')", "Review", id="main.review", show=False),
    ]

    def __init__(self, prefix_key: str, prefix_label: str, completer: Any,
                 sidebar_width: int | str = "auto") -> None:
        super().__init__()
        self.sidebar_width = sidebar_width  # columns, or "auto" (see sidebar_columns)
        self.sidebar_hidden = False
        self.prefix_key = prefix_key
        self.prefix_label = prefix_label
        self.completer = completer
        self.last_pane: str | None = None
        self.pane_before: str | None = None  # the pane focused before last_pane
        # Where focus goes back to when the command bar or a result closes: the sidebar row
        # or the pane the person came from, so their next keys land where they were typing.
        self.return_to: Any = None
        # The one order of the Agents panel and the grid (`order_key`): the Mayor, then the
        # agents in the order their work was slung (kept in the ledger, so it survives
        # restarts, whatever order the host lists its sessions in), then the rest as first
        # seen (a row or a pane).
        self.order: dict[str, int] = {}  # name -> place when first seen
        self.slung: dict[str, str] = {}  # name -> when its work was slung
        # The pane that had focus when its session closed, to get it back.
        self._lost_focus: str | None = None
        self.view = TownView()
        # What the screen starts with (`start_with`), made before it is composed.
        self.first_panes: list[TerminalPane] = []
        self.first_view: TownView | None = None

    def compose(self) -> ComposeResult:
        yield HostBanner(id="host-banner")
        with SteadyHorizontal(id="body"):
            with Sidebar(id="sidebar"):
                yield AgentsPanel(id="agents")
                yield ConvoysPanel(id="convoys")
                yield HooksPanel(id="hooks")
                yield MailPanel(id="mail")
                yield WorkPanel(id="work")
                yield ReviewPanel(id="review")
            with SteadyVertical(id="main"):
                empty = Static(EMPTY_GRID, id="empty")
                empty.display = not self.first_panes
                yield empty
                yield PaneGrid(*self.first_panes, id="grid")
        # On a layer of its own, over the panes and the sidebar: opening the bar, its
        # completions or a result never resizes a pane (every agent would redraw for it).
        with Vertical(id="overlay"):
            yield ResultView(id="result")
            yield CommandBar(self.completer, id="commandbar")
        yield StatusLine(self.prefix_label, id="status")

    def start_with(self, items: list[tuple[str, Any, PaneSink | None]], view: TownView) -> None:
        """Panes and a view to be composed with the screen (an app attaching to a running
        town), so that its first frame shows them, laid out once."""
        self.first_view = view
        self.first_panes = [
            TerminalPane(name, screen_model, sink, prefix_key=self.prefix_key,
                         label=_pane_label(row) if (row := view.agent(name)) else name)
            for name, screen_model, sink in sorted(items, key=lambda i: self.order_key(i[0]))]

    def on_mount(self) -> None:
        # Sized before the first layout, the grid's first arrangement is the one it keeps:
        # else the stylesheet's width lays out a grid that shows other panes for a frame.
        self._size_sidebar()
        if self.first_panes:
            # Arranged before the first layout too: its first frame shows the first page.
            size = self.app.size
            self.grid.arrange_panes(grid_size(size.width, size.height, self.sidebar_columns()))
        self.first_panes = []
        if self.first_view is not None:
            view, self.first_view = self.first_view, None
            self.show_view(view)

    def on_resize(self, event: events.Resize) -> None:
        # In code: a percentage would be of the overlay, whose auto height is the result's.
        self.query_one(ResultView).styles.max_height = max(6, event.size.height * 3 // 5)
        self._size_sidebar()

    # ---- the sidebar's width -------------------------------------------------------------

    def sidebar_columns(self) -> int:
        """The sidebar's width in this window (`layout.sidebar_columns`)."""
        return sidebar_columns(self.size.width or self.app.size.width, self.sidebar_width)

    def _size_sidebar(self) -> None:
        sidebar = self.query_one("#sidebar")
        sidebar.styles.width = self.sidebar_columns()
        self.set_class(self.sidebar_hidden, "-sidebar-hidden")

    def resize_sidebar(self, step: int) -> int:
        """Make the sidebar `step` columns wider (narrower when negative); its new width."""
        low, high = SIDEBAR_COLUMNS
        self.sidebar_width = max(low, min(high, self.sidebar_columns() + step))
        self.show_sidebar(True)
        return self.sidebar_columns()

    def show_sidebar(self, shown: bool) -> None:
        self.sidebar_hidden = not shown
        self._size_sidebar()
        if not shown and self.focused is not None and self.focused.parent is not None \
                and self.focused.parent.id == "sidebar":
            self.focus_previous_pane()

    @property
    def grid(self) -> PaneGrid:
        # Asked for every batch of changed lines of every session; composed once, never
        # replaced.
        grid = self.__dict__.get("_grid")
        if grid is None:
            grid = self._grid = self.query_one(PaneGrid)
        return grid

    @property
    def banner(self) -> HostBanner:
        return self.query_one(HostBanner)

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    # ---- content -------------------------------------------------------------------------

    def show_view(self, view: TownView) -> None:
        slung = {hook.agent: hook.since for hook in view.hooks if hook.since}
        moved = any(self.slung.get(name) != since for name, since in slung.items())
        self.slung.update(slung)
        view.agents = sorted(view.agents, key=lambda row: self.order_key(row.name))
        if moved:
            self.grid.sort_panes(self.order_key)
        self.view = view
        self.query_one(AgentsPanel).update_rows(view.agents)
        self.query_one(ConvoysPanel).update_rows(view.convoys)
        self.query_one(HooksPanel).update_rows(view.hooks + view.queued)
        self.query_one(MailPanel).update_rows(view.mail)
        self.query_one(WorkPanel).update_rows(view.work)
        self.query_one(ReviewPanel).update_rows(view.merges)
        self.query_one(Sidebar).arrange_panels()
        for row in view.agents:
            pane = self.grid.pane(row.name)
            if pane is not None:
                pane.set_label(_pane_label(row))
        self._refresh_status()

    def _refresh_status(self) -> None:
        grid = self.grid
        # A zoomed pane gets the whole width, as in tmux: the sidebar steps aside.
        self.set_class(grid.zoomed is not None, "-zoomed")
        page = ""
        if grid.zoomed:
            page = f"zoomed {grid.zoomed}"
        elif grid.pages() > 1:
            page = f"page {grid.page + 1}/{grid.pages()}"
        self.status.show(self.view, page)

    async def add_pane(self, name: str, screen_model: Any, sink: PaneSink | None,
                       focus: bool = False) -> TerminalPane:
        pane = self.grid.pane(name)
        if pane is None:
            row = self.view.agent(name)
            pane = TerminalPane(name, screen_model, sink, prefix_key=self.prefix_key,
                                label=_pane_label(row) if row else name)
            place = self.order_key(name)
            after = [p for p in self.grid.panes if self.order_key(p.session_name) > place]
            await self.grid.mount(pane, before=after[0] if after else None)
            self.query_one("#empty").display = False
        else:
            pane.set_screen(screen_model, sink)
        self.grid.arrange_panes()
        if name == self._lost_focus:
            self._lost_focus = None
            focus = focus or self.focused is None  # unless the person has moved on
        if focus:
            self.focus_pane(name)
        self._refresh_status()
        return pane

    async def add_panes(self, items: list[tuple[str, Any, PaneSink | None]],
                        focus: str | None = None) -> None:
        """Many panes at once (attaching to a town of 30 agents): one mount, one layout."""
        if self.grid.panes:
            for name, screen_model, sink in items:
                await self.add_pane(name, screen_model, sink, focus=name == focus)
            return
        panes = []
        for name, screen_model, sink in sorted(items, key=lambda item: self.order_key(item[0])):
            row = self.view.agent(name)
            panes.append(TerminalPane(name, screen_model, sink, prefix_key=self.prefix_key,
                                      label=_pane_label(row) if row else name))
        await self.grid.mount_all(panes)
        self.query_one("#empty").display = False
        self.grid.arrange_panes()
        if focus is not None:
            self.focus_pane(focus)
        self._refresh_status()

    async def remove_pane(self, name: str) -> None:
        pane = self.grid.pane(name)
        if pane is not None:
            had_focus = self.focused is pane
            await pane.remove()
            self.grid.arrange_panes()
            if had_focus:
                # Textual would hand focus to the next widget: another agent's terminal or a
                # sidebar list, where the keys still being typed would act (x suspends, K
                # stops). Nothing has focus until the agent is back (a respawn, a restart) or
                # the person picks a pane or panel.
                self.set_focus(None)
                self._lost_focus = name
        self.query_one("#empty").display = not self.grid.panes
        self._refresh_status()

    def order_key(self, name: str) -> tuple:
        """`name`'s place in the one order of agents (see `order`)."""
        seen = self.order.setdefault(name, len(self.order))
        if name == MAYOR:
            return (0, "", seen)
        since = self.slung.get(name)
        return (1, since, seen) if since else (2, "", seen)

    def pane_changed(self, name: str, rows: set[int] | None) -> None:
        if not self.is_mounted:
            return  # (a pane made with the screen draws whole the first time)
        pane = self.grid.pane(name)
        # (The grid hides a pane by this class, and redraws it whole when it shows again;
        # `pane.display` reads the styles: 2% of the app's CPU with 30 streaming sessions.)
        if pane is not None and not pane.has_class("-hidden"):
            pane.lines_changed(rows)

    # ---- focus ---------------------------------------------------------------------------

    def focused_pane(self) -> TerminalPane | None:
        focused = self.focused
        return focused if isinstance(focused, TerminalPane) else None

    def focus_pane(self, name: str) -> bool:
        """Focus `name`'s pane at once: `Widget.focus` would wait for a later turn of the
        app's queue, and the keys typed meanwhile (after ctrl+b n, say) would go to the pane
        or panel that had the focus."""
        pane = self.grid.pane(name)
        if pane is None:
            return False
        self.grid.show(name)
        self.set_focus(pane)
        self._refresh_status()
        return True

    def focus_previous_pane(self) -> None:
        if self.last_pane and self.focus_pane(self.last_pane):
            return
        panes = self.grid.panes
        if panes:
            self.focus_pane(panes[0].session_name)
        else:
            # At once, as focus_pane does: a deferred focus would land after a pane that
            # takes the focus meanwhile (the Mayor's, with `gt mayor attach`).
            if self.sidebar_hidden:
                self.show_sidebar(True)
            self.set_focus(self.query_one(AgentsPanel))

    def focus_sidebar(self) -> None:
        self.action_panel("agents")

    def action_panel(self, panel_id: str) -> None:
        if self.sidebar_hidden:
            self.show_sidebar(True)
        if self.grid.zoomed is not None:
            self.grid.toggle_zoom(self.grid.zoomed)
            self._refresh_status()
        self.set_focus(self.query_one(f"#{panel_id}"))

    def on_pane_focused(self, message: PaneFocused) -> None:
        if message.name != self.last_pane:
            self.pane_before = self.last_pane
        self.last_pane = message.name

    def chooses_a_pane(self, event: events.Key) -> bool:
        """Whether `event`, heard by what has the focus, moves the focus to a pane through
        messages (Enter on an agent or hook with a live pane, the needs-me jump), not at once."""
        focused = self.focused
        if isinstance(focused, TerminalPane) or (
                focused is not None and focused.check_consume_key(event.key, event.character)):
            return False
        if event.key == "enter" and isinstance(focused, (AgentsPanel, HooksPanel)):
            row = focused.highlighted_row
            name = getattr(row, "name" if isinstance(focused, AgentsPanel) else "agent", "")
            return bool(name) and self.grid.pane(name) is not None
        active = self.active_bindings.get(event.key)
        return active is not None and active.binding.action == "app.jump_needs_me"

    def on_result_view_closed(self, message: ResultView.Closed) -> None:
        self.focus_back()

    def on_command_bar_closed(self, message: CommandBar.Closed) -> None:
        self.focus_back()

    def open_command_bar(self, text: str = "") -> None:
        self.remember_focus()
        self.query_one(CommandBar).open(text)

    def show_result(self, command: str, text: str, error: str | None) -> None:
        self.remember_focus()
        view = self.query_one(ResultView)
        view.show_result(command, text, error)
        view.focus()

    def remember_focus(self) -> None:
        focused = self.focused
        if focused is None or any(isinstance(w, (CommandBar, ResultView))
                                  for w in focused.ancestors_with_self):
            return
        self.return_to = focused

    def focus_back(self) -> None:
        """Focus what had it before the command bar or the result opened; a pane that has
        gone since, or nothing remembered: the last pane."""
        target, self.return_to = self.return_to, None
        if isinstance(target, TerminalPane):
            if self.focus_pane(target.session_name):
                return
        elif target is not None and target.is_attached and target.focusable:
            if self.grid.zoomed is not None:
                self.grid.toggle_zoom(self.grid.zoomed)  # the sidebar is hidden while zoomed
                self._refresh_status()
            target.focus()
            return
        self.focus_previous_pane()


def _pane_label(row: Any) -> str:
    from ..model import STATE_ICONS

    icon, _ = STATE_ICONS.get(row.state, STATE_ICONS["unknown"])
    bead = f" · {row.bead}" if row.bead else ""
    return f"{icon} {row.name}{bead}"
