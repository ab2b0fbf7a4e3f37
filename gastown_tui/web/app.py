"""DashboardApp: the town for one browser tab (textual-serve runs one per websocket).

Built from the app's widgets: the sidebar panels, the pane grid of `TerminalPane`s (fed by
mirrored screens, see `remote.py`), the result panel and the theme loader; plus a
Configuration tab. Live state comes from the host's control socket and the ledger from disk,
polled on worker threads (`source.py`), so a change shows within `LIVE_S` + one frame.
`read_only` shows everything and refuses every action (`actions.py`): no keys, no sling, no
config change.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from textual import events, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Static, TabbedContent, TabPane

from ..ui.gather import TownReader
from ..ui.model import STATE_ICONS, TownView
from ..ui.notices import PlainNotices
from ..ui.theme import DEFAULT_THEME, SHIPPED_DIR, load_themes, user_theme_dir
from ..ui.typeahead import HOLD_S, TypeAhead
from ..ui.widgets.grid import PaneGrid
from ..ui.widgets.panels import AgentsPanel, ConvoysPanel, HooksPanel, MailPanel, WorkPanel
from ..ui.widgets.result import ResultView
from ..ui.widgets.terminal import TerminalPane
from ..visible import visible
from .actions import Actions
from .config import ConfigData, ConfigView
from .remote import RemoteScreens
from .source import NOT_LIVE, TownSource, agent_rows, parked_rows

LIVE_S = 0.5      # screens and agents; with a frame to draw, well inside the 2 s promise
NEW_PER_POLL = 8  # agents first mirrored per poll
ECHO_S = 0.03     # after keys reach the host: time for the program to echo them
LEDGER_S = 1.0    # a few stats; the ledger itself is read only when it changed
EMPTY = "No agent terminals are live."


class RemoteSink:
    """A pane's input path to an agent in the host: keys and pastes over the socket (none when
    read-only). Mouse reports stay here, and a resize only moves the mirror's window: the
    agent's terminal size belongs to the host's own view."""

    def __init__(self, app: "DashboardApp", name: str) -> None:
        self.app = app
        self.name = name

    def type_keys(self, data: bytes) -> None:
        self.app.send_input(self.name, data=data)

    def paste(self, text: str) -> None:
        self.app.send_input(self.name, text=text)

    def mouse(self, kind: str, button: str, x: int, y: int, *, shift: bool = False,
              alt: bool = False, ctrl: bool = False) -> None:
        return None

    def resize(self, cols: int, rows: int) -> None:
        self.app.view_resized(self.name, rows)


class DashboardApp(TypeAhead, Actions, PlainNotices, App):
    CSS_PATH = "dashboard.tcss"
    TITLE = "Gas Town"
    # A focused terminal takes every key but its prefix (ctrl+b), which leaves it for the panels.
    BINDINGS = [
        Binding("f1", "tab('terminals')", "Terminals", id="dashboard.terminals"),
        Binding("f2", "tab('config')", "Configuration", id="dashboard.config"),
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
        self.reader = TownReader(self.town_root)
        self.mirrors = RemoteScreens()
        self.view = TownView()
        self.host_agents: list[dict] = []
        self.live = False
        self._polling = False
        self._poll_again = False
        self._reading = False
        self._ledger_problem = ""
        self._told_read_only = False
        # One thread for input, so keystrokes reach the host in the order they were typed.
        self._input = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dashboard-keys")
        loaded = load_themes([SHIPPED_DIR, user_theme_dir(self.environ)])
        self.problems = list(loaded.problems)
        for theme in loaded.themes:
            self.register_theme(theme)

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
            with Vertical(id="main"):
                with TabbedContent(id="tabs", initial="terminals"):
                    with TabPane("Terminals", id="terminals"):
                        yield Static(EMPTY, id="empty")
                        yield PaneGrid(id="grid")
                    with TabPane("Configuration", id="config"):
                        yield ConfigView(self.read_only, id="configview")
                yield ResultView(id="result")
        yield Footer()

    def _title_text(self) -> Content:
        mode = "  [b $warning]read-only[/]" if self.read_only else ""
        return Content.from_markup(f"[b]Gas Town[/] · $town{mode}",
                                   town=visible(self.town_root.name))

    async def on_mount(self) -> None:
        self.theme = DEFAULT_THEME
        for problem in self.problems:
            self.notify(problem, severity="warning")
        self.query_one("#banner").display = False
        self._show_grid()
        self.query_one(AgentsPanel).focus()
        self.set_interval(LIVE_S, self.poll_live)
        self.set_interval(LEDGER_S, self.poll_ledger)
        self.poll_ledger()
        self.poll_live()

    async def on_unmount(self) -> None:
        self._input.shutdown(wait=False, cancel_futures=True)
        self.reader.close()

    # ---- polling -------------------------------------------------------------------------

    @work(group="live")
    async def poll_live(self) -> None:
        if not self.is_running:  # a timer firing while the tab closes: its widgets are going
            return
        if self._polling:
            self._poll_again = True
            return
        self._polling = True
        try:
            live = await asyncio.to_thread(self.source.live, self.mirrors.known(),
                                           self._wanted_screens())
            if self.is_running:  # the tab may have closed while the host was asked
                await self._show_live(live)
        finally:
            self._polling = False
        if self._poll_again and self.is_running:
            self._poll_again = False
            self.poll_live()

    def poll_soon(self) -> None:
        """Keys were typed: their echo should not wait for the next regular poll."""
        self.set_timer(ECHO_S, self.poll_live)

    def _wanted_screens(self) -> list[str]:
        """The screens worth sending: the panes on view, and a few agents not mirrored yet
        (a reply stays small however many big screens a town has; the first one only names
        the agents). Panes on another page of the grid catch up within a poll of showing."""
        grid = self.query_one(PaneGrid)
        new = [n for n in self.mirrors.names if n not in self.mirrors.screens]
        return grid.visible_names() + new[:NEW_PER_POLL]

    async def _show_live(self, live: Any) -> None:
        banner = self.query_one("#banner", Static)
        grid = self.query_one(PaneGrid)
        if not live.running or live.problem:
            banner.update(NOT_LIVE if not live.running else
                          Content(f"Agents are not live here: {visible(live.problem)}"))
            banner.display = True
            was_live, self.live = self.live, False
            for name in self.mirrors.clear():
                await self._remove_pane(name)
            self.host_agents = []
            if was_live:
                self._show_panels()
            return
        banner.display = False
        self.live = True
        changed, gone = self.mirrors.apply(live.screens)
        if any(n not in self.mirrors.screens for n in self.mirrors.names):
            self.poll_soon()  # more agents to mirror: no need to wait for the regular poll
        for name in gone:
            await self._remove_pane(name)
        for name, rows in changed.items():
            mirror = self.mirrors.screens[name]
            pane = grid.pane(name)
            if pane is None:
                await grid.mount(TerminalPane(name, mirror.screen, RemoteSink(self, name),
                                              label=name))
                self._arrange()
            elif rows is None or pane.screen_model is not mirror.screen:
                pane.set_screen(mirror.screen, pane.sink)
            else:
                pane.lines_changed(rows)
        self._show_grid()
        if live.agents != self.host_agents:
            self.host_agents = live.agents
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
        self._show_panels()
        self.query_one(ConfigView).show(config, sorted(self.available_themes))
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

    def view_resized(self, name: str, rows: int) -> None:
        mirror = self.mirrors.screens.get(name)
        pane = self.query_one(PaneGrid).pane(name)
        if mirror is None or pane is None:
            return
        changed = mirror.set_view(rows)
        if changed is None:
            pane.set_screen(mirror.screen, pane.sink)
        elif changed is not False:
            pane.lines_changed(changed)

    # ---- input to agents -----------------------------------------------------------------

    def keys_wait_after(self, event: events.Key) -> float:
        """Enter on an agent (or its hook) focuses its terminal through messages: the keys
        typed after it wait for that (see typeahead.py)."""
        return HOLD_S if event.key == "enter" and isinstance(self.focused,
                                                             (AgentsPanel, HooksPanel)) else 0.0

    def send_input(self, name: str, data: bytes = b"", text: str = "") -> None:
        if self.read_only:
            if not self._told_read_only:  # once: every key would be one notice too many
                self._told_read_only = True
                self.refuse("typing into terminals")
            return
        call = (lambda: self.source.paste(name, text)) if text else \
            (lambda: self.source.keys(name, data))
        future = self._input.submit(call)
        future.add_done_callback(lambda f: self._input_done(name, f))

    def _input_done(self, name: str, future: Any) -> None:
        if future.cancelled() or not self.is_running:
            return
        error = future.exception()
        if error is not None:
            self.call_from_thread(self.notify, f"{name}: {error}", severity="error")
        else:
            self.call_from_thread(self.poll_soon)

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_focus_sidebar(self) -> None:
        self.query_one(AgentsPanel).focus()
