"""GastownApp: the full-screen app. It is a host: it owns the terminals of the town's agents.

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App
from textual.binding import Binding

from .keymap import DEFAULT_PREFIX, PREFIX_BINDINGS, PrefixTable, key_label, keymap_clashes, \
    prefix_from_config, read_keymap_tables, validate_keymap
from .dispatch import Dispatch
from .navigation import Navigation
from .model import TownView
from .screens.main import MainScreen
from .theme import DEFAULT_THEME, SHIPPED_DIR, load_themes, user_theme_dir
from .typeahead import TypeAhead

HOST_STOPPED = ("the town's host was stopped (gt down): its hooks are suspended and resume "
                "with the next `gt`")
REFRESH_DEBOUNCE_S = 0.25
GC_FREEZE_S = 2.0
GC_SWEEP_S = 600.0
POLL_S = 2.0


@dataclass
class AppOptions:
    """How to start. Without `town_root` the app shows `view` (fixed content: snapshot apps)."""

    town_root: Path | None = None
    environ: dict[str, str] = field(default_factory=dict)
    view: TownView | None = None
    start_host: bool = True      # False: the app makes a bare Multiplexer (tests, no town)
    live: bool = True            # False: no sessions at all, only `panes` (snapshot apps)
    panes: dict[str, bytes] = field(default_factory=dict)  # fixed screens: name -> output
    pane_size: tuple[int, int] = (100, 30)
    theme: str | None = None     # overrides the town's `theme` setting
    prefix_key: str | None = None
    poll_seconds: float = POLL_S
    first_commands: list[str] = field(default_factory=list)  # run once the host is up (demo)


class GastownApp(TypeAhead, Navigation, Dispatch, App):
    TITLE = "Gas Town"
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
        self._quitting = False  # set by shutdown_sessions
        self.host: Any = None
        self.mux: Any = None
        self.live: Any = None
        self.reader: Any = None
        self.view = self.options.view or TownView()
        self._refresh_handle: asyncio.TimerHandle | None = None
        self._focus_next: set[str] = set()
        self.main = MainScreen(self.prefix_key, key_label(self.prefix_key), self.complete)

    # ---- start and stop ------------------------------------------------------------------

    def binding_scopes(self) -> dict[str, list[tuple[str, str]]]:
        """The bindings that answer keys in each place: after the prefix, and in each widget
        that takes focus on the main screen (its own, then the screen's and the app's)."""
        from .widgets.commandbar import CommandBar
        from .widgets.panels import AgentsPanel, HooksPanel, WorkPanel
        from .widgets.result import ResultView

        def ids(*classes: type) -> list[tuple[str, str]]:
            return [(b.id, b.key) for cls in classes for b in cls.BINDINGS
                    if isinstance(b, Binding) and b.id]

        scopes = {"prefix": [(b.id, b.keys) for b in PREFIX_BINDINGS]}
        for cls in (AgentsPanel, HooksPanel, WorkPanel, CommandBar, ResultView):
            scopes[cls.__name__] = ids(cls, MainScreen, GastownApp)
        return scopes

    def binding_ids(self) -> list[str]:
        return [i for scope in self.binding_scopes().values() for i, _ in scope]

    async def on_mount(self) -> None:
        if self._wanted_theme in self.available_themes:
            self.theme = self._wanted_theme
        else:
            self.problems.append(f"theme {self._wanted_theme!r} not found; using "
                                 f"{DEFAULT_THEME} (pick one with {key_label(self.prefix_key)} t)")
            self.theme = DEFAULT_THEME
        self.set_keymap({k: v for k, v in self.keymap_overrides.items()
                         if not k.startswith("prefix.")})
        with contextlib.suppress(NotImplementedError, RuntimeError):
            # The terminal went away: suspend the hooks cleanly, as `gt down` would.
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._hangup)
        await self.push_screen(self.main)
        for problem in self.problems:
            self.notify(problem, severity="warning", timeout=8)
        self.main.show_view(self.view)
        self.boot()

    def _hangup(self) -> None:
        """The terminal closed. A write to it now fails, and a failed write stops Textual's
        writer thread, after which the next frame blocks forever; so output goes to /dev/null
        at once, the hooks are suspended like `gt down` does, and the process ends: with no
        terminal there is nothing left to restore."""
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
            await self._fixed_panes()
            return
        try:
            await self._start_sessions()
        except Exception as e:  # noqa: BLE001 - e.g. the host lock: say it in one line
            self.failure = str(e) or type(e).__name__
            self.exit(return_code=1)
            return
        if self.mux is None:
            return
        if self.host is not None:
            self.run_worker(self._end_with_host(self.host), group="host-watch")
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

    async def _end_with_host(self, host: Any) -> None:
        """`gt down` (from another shell or the command bar) stopped this app's host and
        suspended its hooks: with no terminals left to own, the app ends and says why."""
        await host.stopped.wait()
        if self.closing:
            return
        await self.shutdown_sessions()
        self.exit(message=HOST_STOPPED)

    async def _fixed_panes(self) -> None:
        from ..term.screen import Screen

        cols, rows = self.options.pane_size
        for name, output in self.options.panes.items():
            screen = Screen(cols, rows)
            screen.feed(output)
            await self.main.add_pane(name, screen, None)
        self.main.show_view(self.view)
        self.main.focus_previous_pane()

    async def _start_sessions(self) -> None:
        from .live import LiveSessions

        if self.options.town_root is not None and self.options.start_host:
            from .hosting import start_host

            self.host = await start_host(self, self.options.town_root, self.options.environ)
            if self.host is None:
                return
            self.mux = self.host.mux
            self.live = LiveSessions(self, self.mux, self.host)
        else:
            from ..term.mux import Multiplexer

            self.mux = Multiplexer()
            self.live = LiveSessions(self, self.mux)
        if self.options.town_root is not None:
            from .gather import TownReader

            self.reader = TownReader(self.options.town_root)
        self.live.attach_existing()

    @property
    def closing(self) -> bool:
        """Shutting down, by the app's own quit or by Textual closing the screens (the app
        ended without a quit, as a test that times out does): late workers must not touch
        widgets then, which may already be gone."""
        return self._quitting or not self.is_running

    async def shutdown_sessions(self) -> None:
        """Stop the host (hooks are snapshotted and suspended) or end the bare sessions."""
        self._quitting = True
        if self.live is not None:
            self.live.close()
            self.live = None
        if self.host is not None:
            host, self.host = self.host, None
            await host.stop()
        elif self.mux is not None:
            await self.mux.shutdown()
        self.mux = None
        if self.reader is not None:
            self.reader.close()

    async def action_quit_app(self) -> None:
        await self.shutdown_sessions()
        self.exit()

    async def on_unmount(self) -> None:
        await self.shutdown_sessions()

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
        view = dataclasses.replace(self.view)
        if self.reader is not None:
            try:
                view = await self.reader.read(asyncio.get_running_loop())
            except Exception as e:  # noqa: BLE001 - a bad ledger line must not kill the app
                if self.closing:
                    return  # (the reader's thread is shut down with the app)
                self.main.status.note = f"could not read the town: {e}"
        from .hosting import host_rows

        fixed = self.options.view.agents if self.options.view is not None else []
        view.agents, view.hooks = host_rows(self.host, self.mux, view, fixed)
        if self.closing:
            return
        self._announce(self.view, view)
        self.view = view
        self.main.show_view(view)

    def agent_state_changed(self, name: str, old: str, new: str) -> None:
        self.request_refresh(0.05)

    def _announce(self, old: TownView, new: TownView) -> None:
        """Toasts for what changed: an agent starts waiting, a convoy lands, mail arrives."""
        if not old.town:
            return
        before = {a.name: (a.state, a.reason) for a in old.agents}
        for a in new.agents:
            if a.needs_me and before.get(a.name) not in ((a.state, a.reason), None):
                self.notify(f"{a.name} is {a.status}", title="needs you", severity="warning")
        landed_before = {c.id for c in old.convoys if c.landed}
        for c in new.convoys:
            if c.landed and c.id not in landed_before and any(o.id == c.id for o in old.convoys):
                self.notify(f"convoy landed: {c.title}", title="landed")
        seen = {m.id for m in old.mail}
        for m in new.mail:
            if m.unread and m.id not in seen:
                self.notify(f"{m.sender}: {m.subject}", title="mail")

    def wants_focus(self, name: str) -> bool:
        if name in self._focus_next:
            self._focus_next.discard(name)
            return True
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
