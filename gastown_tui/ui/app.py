"""GastownApp: the full-screen app. It attaches to the town's host (`hosting.attach`), which owns
the agents' terminals and outlives the app: detaching (ctrl+b d), closing the terminal or a crash
leave every agent running; `gt app --embedded` runs the host in the app instead.

Keys: a focused pane gets every key except the prefix (default ctrl+b). After the prefix, one
key acts on the app as in tmux (`keymap.PREFIX_BINDINGS`); the prefix twice sends it to the
program. The prefix is caught here, before focus, so it works from any widget on the main screen.
Keys typed right after one that moves the focus to a pane through messages (Enter on an agent,
the sling modal's Enter) wait for that pane (`typeahead.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App
from textual.binding import Binding

from ..town.addresses import shown_address
from ..visible import visible
from .keymap import DEFAULT_PREFIX, PREFIX_BINDINGS, PrefixTable, key_label, keymap_clashes, \
    prefix_from_config, read_keymap_tables, validate_keymap
from .dispatch import Dispatch
from .messages import PanesShown
from .navigation import Navigation
from .notices import PlainNotices
from .model import TownView
from .screens.main import MainScreen
from .theme import DEFAULT_THEME, SHIPPED_DIR, load_themes, user_theme_dir
from .typeahead import TypeAhead

HOST_STOPPED = ("the town's host was stopped (gt down): its hooks are suspended and resume "
                "with the next `gt`")
DETACHED = "detached: the town keeps running; `gt` attaches again, `gt down` stops it"
TOWN_STOPPED = "the town was stopped: its hooks are suspended and resume with the next `gt`"
HOST_DIED = ("The town's host stopped unexpectedly (its log: .runtime/host.log); the agents' "
             "terminals went with it.")
HOST_RESTART = "restarts it: every hook resumes where it was"
HOST_DIED_LEFT = "the town's host died; `gt` starts it again (hooks resume)"
REFRESH_DEBOUNCE_S = 0.25
GC_FREEZE_S = 2.0
GC_SWEEP_S = 600.0
POLL_S = 2.0
# How long the thread holding the GIL keeps it while another waits (Python's default is 5 ms):
# the terminal's input thread with a key and Textual's writer thread with its echo waited up
# to that twice behind the loop parsing 30 streaming sessions.
SWITCH_INTERVAL_S = 0.001


@dataclass
class AppOptions:
    """How to start. Without `town_root` the app shows `view` (fixed content: snapshot apps)."""

    town_root: Path | None = None
    environ: dict[str, str] = field(default_factory=dict)
    view: TownView | None = None
    start_host: bool = True      # False: the app makes a bare Multiplexer (tests, no town)
    embedded: bool = False       # True: the host runs in the app (it stops when the app quits)
    live: bool = True            # False: no sessions at all, only `panes` (snapshot apps)
    panes: dict[str, bytes] = field(default_factory=dict)  # fixed screens: name -> output
    pane_size: tuple[int, int] = (100, 30)
    theme: str | None = None     # overrides the town's `theme` setting
    prefix_key: str | None = None
    poll_seconds: float = POLL_S
    first_commands: list[str] = field(default_factory=list)  # run once the host is up (demo)
    notes: list[str] = field(default_factory=list)  # said once the app shows (where a demo is)
    # The terminal's colours: "256" or "standard" (16) map every colour to the nearest it has;
    # None detects them (TERM, COLORTERM) when the app has a terminal, truecolour without one.
    color_system: str | None = None
    review: Any = None           # fixed Review view content (reviewing.FixedReview: snapshots)
    # A connection to the town's host begun before the app was loaded (hosting.attach_early):
    # the first frame shows its agents and screens; without it (or when it failed) the app
    # attaches after its first frame.
    early: Any = None


class GastownApp(TypeAhead, Navigation, Dispatch, PlainNotices, App):
    TITLE = "Gas Town"
    # The main screen's styles, read with the app's own as it starts: as the screen's, they
    # were read when it was pushed, and every style sheet parsed again (~15 ms before the
    # first frame). (A full path: a relative one is read beside a subclass's module.)
    CSS_PATH = str(Path(__file__).resolve().parent / "screens" / "main.tcss")
    ENABLE_COMMAND_PALETTE = True
    COMMAND_PALETTE_BINDING = "ctrl+p"
    BINDINGS = [Binding("ctrl+q", "quit_app", "Quit", id="app.quit", priority=True)]

    COMMANDS = App.COMMANDS | {lambda: _palette()}

    def __init__(self, options: AppOptions | None = None) -> None:
        self.options = options or AppOptions()
        super().__init__()
        self.problems: list[str] = []
        self.town_config: dict = {}
        if self.options.town_root is not None:
            self.town_config = _read_town_config(self.options.town_root, self.problems)
        loaded = load_themes([SHIPPED_DIR, user_theme_dir(self.options.environ)])
        self.problems += loaded.problems
        for theme in loaded.themes:
            self.register_theme(theme)
        self._wanted_theme = (self.options.theme or self.town_config.get("theme")
                              or DEFAULT_THEME)
        self._town_theme = self.town_config.get("theme")  # the setting, as last read
        self.prefix_key, problem = prefix_from_config(self.options.prefix_key
                                                      or self.town_config.get("prefix_key")
                                                      or DEFAULT_PREFIX)
        if problem:
            self.problems.append(problem)
        overrides, problems = read_keymap_tables(self.town_config, self.options.environ)
        self.problems += problems
        self.keymap_overrides, problems = validate_keymap(overrides, self.binding_ids())
        self.problems += problems
        self.problems += keymap_clashes(self.binding_scopes(), self.keymap_overrides)
        self.prefix_table = PrefixTable(self.keymap_overrides)
        self.prefix_armed = False
        self.failure: str | None = None  # why the app could not start, for the shell
        self._early_failure: Exception | None = None  # the early connection found a hung host
        self._quitting = False  # set by shutdown_sessions
        self._connected = asyncio.Event()  # the host is reached (or could not be)
        self.api: Any = None     # the host.api.HostAPI: over the socket, or in process
        self.host: Any = None    # the host itself when it runs in the app (embedded)
        self.mux: Any = None     # its multiplexer (or the bare one), in process only
        self.live: Any = None
        self.reader: Any = None
        self.view = self.options.view or TownView()
        self._refresh_handle: asyncio.TimerHandle | None = None
        self._focus_next: set[str] = set()
        self.alerts: Any = None  # alerting.TerminalAlerts, made with the first notice
        # Slings under way whose agents must not take the focus, and those agents' names.
        self._quiet_slings = 0
        self._stay_put: set[str] = set()
        # The host died under the app (attached): the banner says so until it is back.
        self.host_down = False
        self._host_watch: Any = None
        from .settings import view_settings

        self.settings, problems = view_settings(self.town_config, self.options.environ)
        self.problems += problems
        self.main = MainScreen(self.prefix_key, key_label(self.prefix_key), self.complete,
                               sidebar_width=self.settings["sidebar_width"])
        self.color_depth: Any = None  # the ColorDepth filter, set at mount

    # ---- start and stop ------------------------------------------------------------------

    def binding_scopes(self) -> dict[str, list[tuple[str, str]]]:
        """The bindings that answer keys in each place: after the prefix, and in each widget
        that takes focus on the main screen (its own, then the screen's and the app's)."""
        from .widgets.commandbar import CommandBar
        from .widgets.panels import AgentsPanel, ConvoysPanel, HooksPanel, MailPanel, WorkPanel
        from .widgets.result import ResultView
        from .widgets.review import ReviewPanel, ReviewView

        def ids(*classes: type) -> list[tuple[str, str]]:
            return [(b.id, b.key) for cls in classes for b in cls.BINDINGS
                    if isinstance(b, Binding) and b.id]

        scopes = {"prefix": [(b.id, b.keys) for b in PREFIX_BINDINGS]}
        for cls in (AgentsPanel, ConvoysPanel, HooksPanel, MailPanel, WorkPanel, ReviewPanel,
                    CommandBar, ResultView):
            scopes[cls.__name__] = ids(cls, MainScreen, GastownApp)
        scopes["ReviewView"] = ids(ReviewView, GastownApp)
        return scopes

    def get_system_commands(self, screen: Any) -> Any:
        # Textual's Theme, Quit and Keys are the app's own in the palette (the theme picker,
        # the quit question, the help screen), so only its screenshot is kept.
        return (c for c in super().get_system_commands(screen) if c.title == "Screenshot")

    def binding_ids(self) -> list[str]:
        return [i for scope in self.binding_scopes().values() for i, _ in scope]

    def get_css_variables(self) -> dict[str, str]:
        """The theme's colours made to reach WCAG AA (`theme.accessible_variables`), for the
        styles and for markup (`[$text-muted]`), which reads `theme_variables`."""
        from .theme import accessible_variables

        self.theme_variables = accessible_variables(super().get_css_variables())
        return self.theme_variables

    def get_line_filters(self) -> list:
        filters = list(super().get_line_filters())
        if self.color_depth is not None and self.color_depth.enabled:
            filters.append(self.color_depth)  # after Textual's: ANSI and dim made truecolour
        return filters

    def _outer_colors(self) -> Any:
        from rich.color import ColorSystem

        wanted = self.options.color_system
        if wanted is None and not self.is_headless:
            wanted = self.console.color_system
        return {"256": ColorSystem.EIGHT_BIT, "standard": ColorSystem.STANDARD}.get(wanted)

    async def on_mount(self) -> None:
        from .color_depth import ColorDepth

        self.color_depth = ColorDepth(self._outer_colors())
        if self._wanted_theme in self.available_themes:
            self.theme = self._wanted_theme
        else:
            self.problems.append(f"theme {self._wanted_theme!r} not found; using "
                                 f"{DEFAULT_THEME} (pick one with {key_label(self.prefix_key)} t)")
            self.theme = DEFAULT_THEME
        self.set_keymap({k: v for k, v in self.keymap_overrides.items()
                         if not k.startswith("prefix.")})
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        with contextlib.suppress(NotImplementedError, RuntimeError):
            # The terminal went away: detach (an embedded host suspends its hooks first).
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._hangup)
        if self.api is not None:
            # Attached early: Textual throws away the frames it draws while it starts (this
            # handler is part of that), so the main screen, whose first frame has every pane
            # and agent, is made after.
            self.call_later(self._start_main)
        else:
            await self._start_main()

    async def _start_main(self) -> None:
        focus = None
        if self.api is not None:
            focus = self._start_with_host()
        await self.push_screen(self.main)
        for problem in self.problems:
            self.notify(problem, severity="warning", timeout=8)
        for note in self.options.notes:
            self.notify(note, timeout=15)
        if self.api is None:
            self.main.show_view(self.view)
        elif focus is not None:
            self.main.focus_pane(focus)
            self.release_keys_soon()
        self.boot()

    def _start_with_host(self) -> str | None:
        """The main screen made with the early connection's panes (the first page's screens
        came with it) and agents, so that its first frame shows them; the pane to focus."""
        from .model import agent_rows

        self._open_reader()
        self.live = self._live_sessions()
        items = self.live.existing()
        view = dataclasses.replace(self.view)
        view.agents = agent_rows(self.api.first_agents or [], view, [])
        self.main.start_with(items, view)
        names = [name for name, _screen, _sink in items]
        for name in names:
            if name in self._focus_next:
                self._focus_next.discard(name)
                return name
        return names[0] if names else None

    def _hangup(self) -> None:
        """The terminal closed. A write to it now fails, and a failed write stops Textual's
        writer thread, after which the next frame blocks forever; so output goes to /dev/null
        at once, the app lets go of the host (which keeps every agent running; a host in the
        app suspends the hooks like `gt down` does), and the process ends: with no terminal
        there is nothing left to restore."""
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            for fd in (1, 2):
                os.dup2(devnull, fd)
            os.close(devnull)
        self.run_worker(self._end_after_hangup(), group="quit", exclusive=True)

    async def _end_after_hangup(self) -> None:
        try:
            await self.shutdown_sessions()
        finally:
            os._exit(128 + signal.SIGHUP)

    @work(exclusive=True, group="boot")
    async def boot(self) -> None:
        if not self.options.live:
            self._connected.set()
            await self._fixed_panes()
            return
        early = self.api is not None  # (attached before the main screen was made)
        try:
            if self.api is None:
                await self._start_sessions()
        except Exception as e:  # noqa: BLE001 - e.g. the host lock: say it in one line
            self.failure = str(e) or type(e).__name__
            self.exit(return_code=1)
            return
        finally:
            self._connected.set()
        if self.api is None:
            return
        if early:
            # The town's files are read once the first frame is out: the reader's thread
            # would take turns with that frame for the interpreter.
            self.call_after_refresh(self.request_refresh, 0)
        else:
            self.request_refresh(0)
        if self.options.town_root is not None:
            self.set_interval(self.options.poll_seconds, self.request_refresh)
        if self.main.focused_pane() is None:  # a pane that asked for it keeps it
            self.main.focus_previous_pane()
        self._freeze_survivors()
        for line in self.options.first_commands:
            result = await self.run_command(line, quiet=True).wait()
            if result is None or not result.ok:
                break

    def _freeze_survivors(self) -> None:
        """Keep long-lived objects (30 sessions' scrollback, cached rows, widgets) out of the
        collector's full passes: with them, one pass stalls key echo for 200-300 ms, several
        times a minute under load. Survivors are frozen every GC_FREEZE_S, so full passes
        only see what is new; every GC_SWEEP_S everything is thawed and collected once, so
        cycles that died after being frozen are still freed."""
        gc.freeze()
        self.set_interval(GC_FREEZE_S, _freeze)
        self.set_interval(GC_SWEEP_S, _sweep)

    async def _fixed_panes(self) -> None:
        from ..term.screen import Screen

        cols, rows = self.options.pane_size
        for name, output in self.options.panes.items():
            screen = Screen(cols, rows)
            screen.feed(output)
            await self.main.add_pane(name, screen, None)
        self.main.show_view(self.view)
        self.main.focus_previous_pane()

    async def on_load(self) -> None:
        if self.options.early is not None:
            await self._adopt_early()

    async def _adopt_early(self) -> None:
        """Take over the connection begun before the app loaded (before the screens are
        made, so the first one is made with the host's sessions in it)."""
        from ..host.remote import RemoteHost

        from ..host.runtime import HostUnresponsive

        api = RemoteHost(self.options.town_root)
        try:
            await api.adopt(self.options.early)
        except HostUnresponsive as e:
            self._early_failure = e  # `boot` says so rather than wait for it again
            return
        except Exception:  # noqa: BLE001 - `boot` attaches anew and says what is wrong
            return
        self.api = api

    async def _start_sessions(self) -> None:
        options = self.options
        if options.town_root is not None and options.start_host:
            from . import hosting

            if options.embedded:
                self.api = await hosting.embed(options.town_root, options.environ)
                self.host = self.api.host
                self.mux = self.host.mux
            elif self._early_failure is not None:
                raise self._early_failure
            else:
                self.api = await hosting.attach(options.town_root, options.environ)
        else:
            from ..host.local import LocalHost
            from ..term.mux import Multiplexer

            self.mux = Multiplexer()
            self.api = LocalHost(mux=self.mux)
        self._open_reader()
        self._watch()

    def _open_reader(self) -> None:
        if self.options.town_root is not None and self.reader is None:
            from .gather import TownReader

            self.reader = TownReader(self.options.town_root, self.options.environ or None)

    def _live_sessions(self) -> Any:
        from .live import LiveSessions

        return LiveSessions(self, self.api)

    def _watch(self) -> None:
        self.live = self._live_sessions()
        self.live.attach_existing()
        self.live.show(self.main.grid.visible_names())

    @property
    def attached(self) -> bool:
        """The host runs in another process (it outlives this app)."""
        return self.api is not None and self.mux is None

    @property
    def closing(self) -> bool:
        """Shutting down, by the app's own quit or by Textual closing the screens (the app
        ended without a quit, as a test that times out does): late workers must not touch
        widgets then, which may already be gone."""
        return self._quitting or not self.is_running

    async def shutdown_sessions(self, stop: bool = False) -> None:
        """Let go of the host: an attached app leaves it running (with `stop`, the town is
        stopped first: every hook snapshotted and suspended); a host in the app is stopped
        (hooks suspended) and bare sessions end."""
        self._quitting = True
        if self.live is not None:
            self.live.close()
            self.live = None
        api, self.api = self.api, None
        if api is not None:
            if self.mux is not None:
                await api.stop()
            else:
                if stop:
                    await self._stop_remote(api)
                await api.close()
        self.host = self.mux = None
        if self.reader is not None:
            self.reader.close()
        if self.options.early is not None:
            self.options.early.close()  # (when the app ended before taking it)

    @staticmethod
    async def _stop_remote(api: Any) -> None:
        """`gt down` from here: ask the host to stop and wait until it has said goodbye."""
        from ..host.api import HostGone, Shutdown

        gone = asyncio.Event()
        off = api.subscribe(lambda ev: gone.set() if isinstance(ev, HostGone) else None)
        try:
            await api.request(Shutdown())
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(gone.wait(), 30)
        except Exception:  # noqa: BLE001 - it may be gone already: nothing left to stop
            pass
        finally:
            off()

    async def detach_app(self) -> None:
        """Leave the town running and end the app (`ctrl+b d`)."""
        await self._connected.wait()  # (keys typed as the app starts)
        if self.host_down:
            await self._end_after_stop(HOST_DIED_LEFT)
            return
        if self.mux is not None and self.host is not None:
            self.notify("this app runs the town itself (--embedded): quitting stops it; "
                        f"{key_label(self.prefix_key)} q quits", severity="warning")
            return
        await self.shutdown_sessions()
        self.exit(message=DETACHED if self.options.town_root is not None else None)

    async def stop_town(self) -> None:
        """Stop every agent (hooks snapshotted and suspended) and end the app."""
        await self._connected.wait()  # (keys typed as the app starts)
        attached = self.attached
        await self.shutdown_sessions(stop=True)
        self.exit(message=TOWN_STOPPED if attached else None)

    async def action_detach(self) -> None:
        await self.detach_app()

    def action_quit_app(self) -> None:
        """Ask: detach (the agents keep working) or stop the town. With the town in the app
        (--embedded), quitting stops it: asked first while agents run; with no town, at once."""
        options = self.options
        if self.host_down:  # nothing runs to detach from or to stop
            self.run_worker(self._end_after_stop(HOST_DIED_LEFT), group="quit", exclusive=True)
            return
        if options.town_root is None or not options.start_host or options.embedded:
            running = len(self.main.grid.panes)
            if options.town_root is None or not running:
                self.run_worker(self.stop_town(), group="quit", exclusive=True)
                return
            from .screens.prompt import ConfirmScreen

            def stop(yes: bool) -> None:
                if yes:
                    self.run_worker(self.stop_town(), group="quit", exclusive=True)

            agents = f"{running} agent{'s are' if running != 1 else ' is'}"
            self.push_screen(ConfirmScreen(
                f"Stop the town? {agents} running in this app (--embedded): each stops, its "
                "hook snapshotted and suspended; they resume with the next `gt`.",
                "Stop the town (y)", "Cancel (esc)"), stop)
            return
        from .screens.prompt import QuitScreen

        def chosen(answer: str | None) -> None:
            if answer == "detach":
                self.run_worker(self.detach_app(), group="quit", exclusive=True)
            elif answer == "stop":
                self.run_worker(self.stop_town(), group="quit", exclusive=True)

        self.push_screen(QuitScreen(), chosen)

    async def on_unmount(self) -> None:
        await self.shutdown_sessions()

    # ---- the host's news -------------------------------------------------------------------

    async def add_pane(self, name: str, screen: Any, sink: Any, focus: bool = False) -> None:
        await self.main.add_pane(name, screen, sink, focus=focus)

    async def add_panes(self, items: list, focus: str | None = None) -> None:
        await self.main.add_panes(items, focus)

    async def remove_pane(self, name: str) -> None:
        await self.main.remove_pane(name)

    def pane_changed(self, name: str, rows: set[int] | None) -> None:
        self.main.pane_changed(name, rows)

    def pane_bell(self, name: str) -> None:
        if not self.main.is_mounted:
            return
        pane = self.main.grid.pane(name)
        if pane is not None and not pane.has_focus:
            self.bell()

    def on_panes_shown(self, message: PanesShown) -> None:
        # What the grid shows now: a message posted before the grid's first layout (none
        # shown) would make the host drop screens it has just sent.
        if self.live is not None:
            self.live.show(self.main.grid.visible_names())

    def town_event(self, event: dict) -> None:
        """A notice for the person goes to this app's terminal; the merge queue's news: a
        toast for a request sent back and for one that waits for review, the Review view and
        the sidebar read again; a setting changed in another shell (`gt config set theme X`)
        is read at once; other events show through the sidebar's refresh."""
        if event.get("kind") == "config_set":
            self.request_refresh(0)
            return
        if event.get("kind") == "notice":
            from .alerting import TerminalAlerts

            if self.alerts is None:
                self.alerts = TerminalAlerts(self.options.environ,
                                             self.town_config.get("notify_terminal", "auto"))
            self.run_worker(self.alerts.alert(self, event), group="alerts")
            return
        if not str(event.get("kind", "")).startswith("mr_"):
            return
        from .reviewing import event_toast
        from .screens.review import ReviewScreen

        toast = event_toast(event, self.prefix_keys("prefix.review"))
        if toast is not None:
            message, title, severity = toast
            self.notify(message, title=title, severity=severity, timeout=6)
        if isinstance(self.screen, ReviewScreen):
            self.screen.view.reload()
        self.request_refresh()

    def review_source(self) -> Any:
        """Where the Review view reads: the town (its own thread), or fixed content."""
        from .reviewing import FixedReview, ReviewSource

        if self.options.review is not None:
            return self.options.review
        if self.options.town_root is None:
            return FixedReview([], {})
        return ReviewSource(self.options.town_root, self.runner())

    def host_gone(self, gone: Any) -> None:
        """`gt down` (here or elsewhere) stopped the host: the app ends and says why. The host
        died: a banner says so and which key starts it again; the panes' last screens and the
        panels stay to read. When a host runs again (started here or by another client), the
        app attaches to it and the banner goes."""
        if self.closing:
            return
        if gone.stopped:
            self.run_worker(self._end_after_stop(), group="quit", exclusive=True)
            return
        self.host_down = True
        self._say_host_down(HOST_DIED)
        if self._host_watch is None and self.options.town_root is not None:
            self._host_watch = self.set_interval(self.options.poll_seconds, self._host_back)

    def _say_host_down(self, message: str) -> None:
        self.main.banner.show(message, self.prefix_keys("prefix.restart_host"), HOST_RESTART)

    def action_restart_host(self) -> None:
        if not self.host_down:
            self.notify("the town's host is running", timeout=3)
            return
        if not self._restarting():
            self.main.banner.show("Starting the town's host again…")
            self.run_worker(self._restart_host(), group="host")

    def _host_back(self) -> None:
        """A host runs again (another client started it): attach to it."""
        from ..host.runtime import host_running

        if self.host_down and not self._restarting() and host_running(self.options.town_root):
            self.run_worker(self._restart_host(), group="host")

    def _restarting(self) -> bool:
        return any(w.group == "host" and not w.is_finished for w in self.workers)

    async def _end_after_stop(self, message: str = HOST_STOPPED) -> None:
        await self.shutdown_sessions()
        self.exit(message=message)

    async def _restart_host(self) -> None:
        """Attach to the town's host, starting it (its hooks resume); the panes then show its
        sessions. On failure the banner says why and the key tries again."""
        from . import hosting

        try:
            api = await hosting.attach(self.options.town_root, self.options.environ)
        except Exception as e:  # noqa: BLE001 - say it in one line, and stay
            if not self.closing:
                self._say_host_down(f"The town's host could not be started: {e}.")
            return
        if self.closing or not self.host_down:
            await api.close()
            return
        if self.live is not None:
            self.live.close()
            self.live = None
        old, self.api = self.api, api
        if old is not None:
            await old.close()
        for pane in list(self.main.grid.panes):
            await self.main.remove_pane(pane.session_name)
        self.host_down = False
        if self._host_watch is not None:
            self._host_watch.stop()
            self._host_watch = None
        self.main.banner.hide()
        self._watch()
        self.request_refresh(0)

    # ---- refreshing the sidebar ----------------------------------------------------------

    def request_refresh(self, delay: float = REFRESH_DEBOUNCE_S) -> None:
        if self._refresh_handle is not None or self.closing:
            return
        loop = asyncio.get_running_loop()
        self._refresh_handle = loop.call_later(delay, self._refresh_now)

    def _refresh_now(self) -> None:
        self._refresh_handle = None
        if not self.closing:
            self.refresh_view()

    @work(exclusive=True, group="refresh")
    async def refresh_view(self) -> None:
        from ..host.api import Agents
        from .model import agent_rows

        loop = asyncio.get_running_loop()
        view = dataclasses.replace(self.view)
        # The town's files are read on the reader's thread while the host is asked for its
        # agents: on the first read after attaching (~0.25 s beside 30 sessions' first
        # screens) the agents' rows and counts show as soon as the host answers.
        if self.reader is not None:
            reading = asyncio.ensure_future(self.reader.read(loop))
        else:
            reading = loop.create_future()
            reading.set_result(None)
        fixed = self.options.view.agents if self.options.view is not None else []
        infos = []
        if self.api is not None:
            try:
                infos = await self.api.request(Agents())
            except asyncio.CancelledError:
                reading.cancel()  # (a newer refresh took over)
                raise
            except Exception:  # noqa: BLE001 - the host went away: its news says so
                infos = []
        if self.closing:
            reading.cancel()
            return
        if infos and not self.view.agents and not reading.done():
            early = dataclasses.replace(self.view)
            early.agents = agent_rows(infos, early, fixed)
            self.main.show_view(early)
        try:
            read = await reading
        except Exception as e:  # noqa: BLE001 - a bad ledger line must not kill the app
            if self.closing:
                return  # (the reader's thread is shut down with the app)
            self.main.status.note = f"could not read the town: {e}"
            read = None
        if read is not None:
            view = read
        if self.closing:
            return
        view.agents = agent_rows(infos, view, fixed)
        if self.reader is not None and self.api is not None:
            try:
                view.status = await self.reader.status(loop, infos)
            except Exception:  # noqa: BLE001 - the line then counts the sidebar's rows
                view.status = None
            if self.closing:
                return
        self._follow_theme(view.theme)
        self._announce(self.view, view)
        self.view = view
        self.main.show_view(view)

    def _follow_theme(self, theme: str | None) -> None:
        """The town's theme setting changed while the app runs: show the new theme."""
        if not theme or theme == self._town_theme:
            return
        self._town_theme = theme
        if theme in self.available_themes:
            self.theme = theme
        else:
            self.notify(f"theme {theme!r} not found; pick one with "
                        f"{key_label(self.prefix_key)} t", severity="warning")

    def agent_state_changed(self, name: str, old: str, new: str) -> None:
        self.request_refresh(0.05)

    def _announce(self, old: TownView, new: TownView) -> None:
        """Toasts for what changed: an agent starts waiting, a convoy lands, mail arrives."""
        if not old.town:
            return
        before = {a.name: (a.state, a.reason) for a in old.agents}
        for a in new.agents:
            if a.needs_me and before.get(a.name) not in ((a.state, a.reason), None):
                self.notify(f"{visible(a.name)} is {visible(a.status)}", title="needs you",
                            severity="warning")
        landed_before = {c.id for c in old.convoys if c.landed}
        for c in new.convoys:
            if c.landed and c.id not in landed_before and any(o.id == c.id for o in old.convoys):
                self.notify(f"convoy landed: {visible(c.title)}", title="landed")
        seen = {m.id for m in old.mail}
        for m in new.mail:
            if m.unread and m.id not in seen:
                self.notify(visible(m.subject),
                            title=f"mail from {visible(shown_address(m.sender))}")

    def choose_focus(self, names: list[str]) -> str | None:
        """Of panes that come together, the one to focus: one asked for (`gt mayor attach`),
        else the first when nothing has the focus yet."""
        for name in names:
            if name in self._focus_next:
                self._focus_next.discard(name)
                return name
        if names and self.main.focused_pane() is None and not self.main.grid.panes:
            return names[0]
        return None

    def wants_focus(self, name: str) -> bool:
        """Whether a new session's pane takes the focus: when asked for (following a sling,
        `gt mayor attach`), or when no pane has it and it is the first; never an agent slung
        from here while the focus is to stay where the person was (`sling_focus`)."""
        if name in self._focus_next:
            self._focus_next.discard(name)
            return True
        if self._quiet_slings or name in self._stay_put:
            self._stay_put.discard(name)
            return False
        return self.main.focused_pane() is None and not self.main.grid.panes

    def focus_when_started(self, name: str) -> None:
        self._focus_next.add(name)

def _freeze() -> None:
    gc.freeze()  # (a builtin is no timer callback for Textual)


def _sweep() -> None:
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _palette() -> type:
    from .palette import GastownCommands

    return GastownCommands


def _read_town_config(root: Path, problems: list[str]) -> dict:
    try:
        from ..town import Town

        return Town(root).config()
    except Exception as e:  # noqa: BLE001 - a broken config file: say so, start with defaults
        problems.append(f"town config not read ({e}); defaults used")
        return {}
