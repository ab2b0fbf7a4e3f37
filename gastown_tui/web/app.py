"""DashboardApp: the town for one browser tab (textual-serve runs one per websocket).

Built from the app's widgets: the sidebar panels, the pane grid of `TerminalPane`s, the result
panel, the Review view and the theme loader; plus Configuration and Review tabs. It watches
the town's host over the control socket as an attached app does (`host.remote.RemoteHost`: the
screens on view pushed as they change, keys sent back, `ui.live.LiveSessions` between them),
connecting by itself once a host runs; the ledger comes from disk (`source.py`), polled on a
worker thread. `read_only` shows everything and refuses every action (`actions.py`): no keys,
no sling, no config change, no approval, and its panes never change an agent's terminal size.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from textual import events, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Static, TabbedContent, TabPane

from ..ui.gather import TownReader
from ..ui.live import LiveSessions
from ..ui.messages import PanesShown
from ..ui.model import STATE_ICONS, TownView, agent_rows
from ..ui.notices import PlainNotices
from ..ui.reviewing import ReviewSource
from ..ui.theme import DEFAULT_THEME, SHIPPED_DIR, load_themes, user_theme_dir
from ..ui.typeahead import HOLD_S, TypeAhead
from ..ui.widgets.grid import PaneGrid
from ..ui.widgets.panels import AgentsPanel, ConvoysPanel, HooksPanel, MailPanel, WorkPanel
from ..ui.widgets.result import ResultView
from ..ui.widgets.review import ReviewPanel, ReviewView
from ..ui.widgets.terminal import TerminalPane
from ..visible import visible
from .actions import Actions
from .config import ConfigData, ConfigView
from .source import NOT_LIVE, TownSource, parked_rows

CONNECT_S = 0.5   # how often to look for a host to watch while none runs
FPS = 30          # frames a second at most from the host (a browser tab needs no more)
LEDGER_S = 1.0    # a few stats; the ledger itself is read only when it changed
REFRESH_S = 0.25  # agent rows: at most this often after the host's news
EMPTY = "No agent terminals are live."


class DashboardApp(TypeAhead, Actions, PlainNotices, App):
    CSS_PATH = "dashboard.tcss"
    TITLE = "Gas Town"
    # A focused terminal takes every key but its prefix (ctrl+b), which leaves it for the panels.
    BINDINGS = [
        Binding("f1", "tab('terminals')", "Terminals", id="dashboard.terminals"),
        Binding("f2", "tab('config')", "Configuration", id="dashboard.config"),
        Binding("f4", "tab('review')", "Review", id="dashboard.review"),
        Binding("f3", "focus_sidebar", "Panels", id="dashboard.panels"),
        Binding("ctrl+b", "focus_sidebar", "Panels", id="dashboard.prefix", show=False),
    ]

    def __init__(self, town_root: Path, read_only: bool = False,
                 environ: dict[str, str] | None = None) -> None:
        super().__init__()
        self.town_root = Path(town_root)
        self.read_only = read_only
        self.environ = dict(environ or {})
        self.source = TownSource(self.town_root)
        self.reader = TownReader(self.town_root, self.environ or None)
        self.town_status: Any = None  # town.status.TownStatus, for the header
        self.review_source = ReviewSource(self.town_root, self.runner())
        self.api: Any = None          # the host, watched over its socket (RemoteHost)
        self.sessions: LiveSessions | None = None
        self.view = TownView()
        self.host_agents: list = []   # host.api.AgentInfo rows
        self.live = False
        self._reading = False
        self._refreshing: Any = None
        self._ledger_problem = ""
        self._told_read_only = False
        loaded = load_themes([SHIPPED_DIR, user_theme_dir(self.environ)])
        self.problems = list(loaded.problems)
        for theme in loaded.themes:
            self.register_theme(theme)

    def get_css_variables(self) -> dict[str, str]:
        """The theme's colours made to reach WCAG AA, as in the app (`ui.theme`)."""
        from ..ui.theme import accessible_variables

        self.theme_variables = accessible_variables(super().get_css_variables())
        return self.theme_variables

    def compose(self) -> ComposeResult:
        yield Static(self._title_text(), id="title")
        yield Static(NOT_LIVE, id="banner")
        with Horizontal(id="body"):
            with VerticalScroll(id="sidebar"):
                yield AgentsPanel(id="agents")
                yield ConvoysPanel(id="convoys")
                yield HooksPanel(id="hooks")
                yield MailPanel(id="mail")
                yield WorkPanel(id="work")
                yield ReviewPanel(id="review-panel")
            with Vertical(id="main"):
                with TabbedContent(id="tabs", initial="terminals"):
                    with TabPane("Terminals", id="terminals"):
                        yield Static(EMPTY, id="empty")
                        yield PaneGrid(id="grid")
                    with TabPane("Configuration", id="config"):
                        yield ConfigView(self.read_only, id="configview")
                    with TabPane("Review", id="review"):
                        yield ReviewView(self.review_source, self.read_only)
                yield ResultView(id="result")
        yield Footer()

    def _title_text(self) -> Content:
        mode = "  [b $warning]read-only[/]" if self.read_only else ""
        title = Content.from_markup(f"[b]Gas Town[/] · $town{mode}",
                                    town=visible(self.town_root.name))
        status = self.town_status
        if status is None:
            return title
        # The town's numbers as `gt status` and the app's status line give them.
        from ..commands.gt_status import summary

        parts = [title, *summary(status)]
        if status.needs:
            parts.append(Content.from_markup("[reverse $warning] ! $n need you [/]",
                                             n=str(len(status.needs))))
        return Content(" · ").join(parts)

    @work(group="header", exclusive=True)
    async def refresh_header(self) -> None:
        try:
            status = await self.reader.status(asyncio.get_running_loop(),
                                              self.host_agents if self.live else None)
        except Exception:  # noqa: BLE001 - a ledger mid-write: the next refresh says it
            return
        if self.is_running:
            self.town_status = status
            self.query_one("#title", Static).update(self._title_text())

    async def on_mount(self) -> None:
        self.theme = DEFAULT_THEME
        for problem in self.problems:
            self.notify(problem, severity="warning")
        self.query_one("#banner").display = False
        self._show_grid()
        self.query_one(AgentsPanel).focus()
        self.set_interval(LEDGER_S, self.poll_ledger)
        self.poll_ledger()
        self.watch_host()

    async def on_unmount(self) -> None:
        if self.sessions is not None:
            self.sessions.close()
        if self.api is not None:
            await self.api.close()
        self.reader.close()
        self.review_source.close()

    # ---- the host ------------------------------------------------------------------------

    @work(group="live", exclusive=True)
    async def watch_host(self) -> None:
        """Connect to the town's host as soon as one runs (again, after it went away)."""
        from ..host.remote import RemoteHost
        from ..host.runtime import HostError, HostNotRunning

        banner = self.query_one("#banner", Static)
        while self.is_running and self.api is None:
            api = RemoteHost(self.town_root, client="dashboard", fps=FPS)
            try:
                await api.connect()
            except HostNotRunning:
                problem = NOT_LIVE
            except HostError as e:
                problem = Content(f"Agents are not live here: {visible(str(e))}")
            else:
                self.api = api
                self.sessions = LiveSessions(self, api, read_only=self.read_only)
                self.live = True
                banner.display = False
                self.sessions.attach_existing()
                self.sessions.show(self.query_one(PaneGrid).visible_names())
                self.request_refresh(0)
                return
            banner.update(problem)
            banner.display = True
            await asyncio.sleep(CONNECT_S)

    def host_gone(self, gone: Any) -> None:
        """The host stopped (or died): the banner says so and the page waits for the next."""
        self.run_worker(self._host_gone(), group="live", exclusive=True)

    async def _host_gone(self) -> None:
        if self.sessions is not None:
            self.sessions.close()
            self.sessions = None
        api, self.api = self.api, None
        if api is not None:
            await api.close()
        self.live = False
        self.host_agents = []
        for pane in list(self.query_one(PaneGrid).panes):
            await self._remove_pane(pane.session_name)
        self._show_panels()
        self.watch_host()

    async def add_pane(self, name: str, screen: Any, sink: Any, focus: bool = False) -> None:
        grid = self.query_one(PaneGrid)
        pane = grid.pane(name)
        if pane is None:
            await grid.mount(TerminalPane(name, screen, sink, label=name))
            self._arrange()
        else:
            pane.set_screen(screen, sink)

    async def add_panes(self, items: list, focus: str | None = None) -> None:
        grid = self.query_one(PaneGrid)
        new = []
        for name, screen, sink in items:
            pane = grid.pane(name)
            if pane is None:
                new.append(TerminalPane(name, screen, sink, label=name))
            else:
                pane.set_screen(screen, sink)
        if new:
            await grid.mount_all(new)
            self._arrange()

    async def remove_pane(self, name: str) -> None:
        await self._remove_pane(name)

    def pane_changed(self, name: str, rows: set[int] | None) -> None:
        pane = self.query_one(PaneGrid).pane(name)
        if pane is not None and pane.display:
            pane.lines_changed(rows)

    def pane_bell(self, name: str) -> None:
        """A browser tab rings no bell."""

    def town_event(self, event: dict) -> None:
        """A notice the host decided on, and the merge queue's news as in the app (a toast
        for a request sent back or waiting for review); a setting changed elsewhere (`gt
        config set theme X`) is read at once; the rest shows through the ledger's and the
        agents' refresh."""
        if event.get("kind") == "notice":
            calm = event.get("what") in ("landed", "test")
            self.notify(str(event.get("text") or ""), title="Gas Town",
                        severity="information" if calm else "warning")
            return
        from ..ui.reviewing import event_toast

        if event.get("kind") == "config_set":
            self.request_refresh(0)

        toast = event_toast(event, "F4")
        if toast is not None:
            message, title, severity = toast
            self.notify(message, title=title, severity=severity, timeout=6)

    def wants_focus(self, name: str) -> bool:
        return False

    def choose_focus(self, names: list[str]) -> str | None:
        return None

    def on_panes_shown(self, message: PanesShown) -> None:
        if self.sessions is not None:
            self.sessions.show(message.names)

    def agent_state_changed(self, name: str, old: str, new: str) -> None:
        self.request_refresh()

    def request_refresh(self, delay: float = REFRESH_S) -> None:
        """The agent rows again, from the host, once its news has settled."""
        if self._refreshing is None and self.is_running:
            # (Textual's timers take no zero delay.)
            self._refreshing = self.set_timer(max(delay, 0.01), self._refresh_agents)

    async def _refresh_agents(self) -> None:
        self._refreshing = None
        self.refresh_agents()

    @work(group="agents", exclusive=True)
    async def refresh_agents(self) -> None:
        from ..host.api import Agents

        api = self.api
        if api is None:
            return
        try:
            rows = await api.request(Agents())
        except Exception:  # noqa: BLE001 - the host went away: its news says so
            return
        if self.is_running and api is self.api:
            self.host_agents = rows
            self._show_panels()

    async def _remove_pane(self, name: str) -> None:
        grid = self.query_one(PaneGrid)
        pane = grid.pane(name)
        if pane is not None:
            await pane.remove()
            self._arrange()
        self._show_grid()

    def _arrange(self) -> None:
        grid = self.query_one(PaneGrid)
        self._show_grid()
        # A grid that has not been laid out yet has no size to share; its resize arranges it.
        if grid.size.width and grid.size.height:
            grid.arrange_panes()

    def _show_grid(self) -> None:
        grid = self.query_one(PaneGrid)
        grid.display = bool(grid.panes)
        self.query_one("#empty").display = not grid.panes

    @work(group="ledger")
    async def poll_ledger(self) -> None:
        if self._reading:
            return
        self._reading = True
        try:
            if not await asyncio.to_thread(self.source.ledger_changed):
                return
            view = await self.reader.read(asyncio.get_running_loop())
            config = await asyncio.to_thread(self._read_config)
        except Exception as e:  # noqa: BLE001 - a ledger mid-write or a git race: next poll
            self.source.invalidate()
            problem = f"reading the town failed ({type(e).__name__}: {e}); retrying"
            if problem != self._ledger_problem:  # once, not every second while it lasts
                self._ledger_problem = problem
                self.notify(problem, severity="warning", timeout=5)
            return
        finally:
            self._reading = False
        if not self.is_running:
            return
        self._ledger_problem = ""
        self.view = view
        if self.live:
            # The agents' rows from the host as of now, shown with this view: a hook the ledger
            # has just seen start is then listed by the host too, never by neither.
            self.refresh_agents()
        else:
            self._show_panels()
        self.query_one(ConfigView).show(config, sorted(self.available_themes))
        if self.query_one(TabbedContent).active == "review":
            self.query_one(ReviewView).reload()
        if config.theme in self.available_themes and config.theme != self.theme:
            self.theme = config.theme

    def _read_config(self) -> ConfigData:
        from ..commands.gt import run

        presets = run("config agent list", self.command_env())
        theme = run("config get theme", self.command_env())
        rows = list(presets.data or []) if presets.ok else []
        default = next((p.name for p in rows if p.default), "")
        return ConfigData(rows, default, str(theme.data or DEFAULT_THEME) if theme.ok
                          else DEFAULT_THEME)

    def _show_panels(self) -> None:
        view = self.view
        agents = agent_rows(self.host_agents, view) if self.live else parked_rows(view)
        self.query_one(AgentsPanel).update_rows(agents)
        grid = self.query_one(PaneGrid)
        for row in agents:
            pane = grid.pane(row.name)
            if pane is not None:
                icon = STATE_ICONS.get(row.state, STATE_ICONS["unknown"])[0]
                pane.set_label(f"{icon} {row.name}" + (f" · {row.bead}" if row.bead else ""))
        self.query_one(ConvoysPanel).update_rows(view.convoys)
        self.query_one(HooksPanel).update_rows(view.hooks + view.queued)
        self.query_one(MailPanel).update_rows(view.mail)
        self.query_one(WorkPanel).update_rows(view.work)
        self.refresh_header()
        self.query_one(ReviewPanel).update_rows(view.merges)

    # ---- input to agents -----------------------------------------------------------------

    def keys_wait_after(self, event: events.Key) -> float:
        """Enter on an agent (or its hook) focuses its terminal through messages: the keys
        typed after it wait for that (see typeahead.py)."""
        return HOLD_S if event.key == "enter" and isinstance(self.focused,
                                                             (AgentsPanel, HooksPanel)) else 0.0

    def refuse_input(self) -> None:
        if not self._told_read_only:  # once: every key would be one notice too many
            self._told_read_only = True
            self.refuse("typing into terminals")

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        if tab == "review":
            view = self.query_one(ReviewView)
            view.reload()
            view.queue.focus()

    def action_focus_sidebar(self) -> None:
        self.query_one(AgentsPanel).focus()
