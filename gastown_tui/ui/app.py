"""GastownApp: the full-screen app. It is a host: it owns the terminals of the town's agents.

Keys: a focused pane gets every key except the prefix (default ctrl+b). After the prefix, one
key acts on the app as in tmux (`keymap.PREFIX_BINDINGS`); the prefix twice sends it to the
program. The prefix is caught here, before focus, so it works from any widget on the main screen.
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

from textual import events, work
from textual.app import App
from textual.binding import Binding

from .keymap import PREFIX_BINDINGS, PrefixTable, key_label, normalize_key, read_keymap_tables, \
    validate_keymap
from .messages import AgentAction, BeadChosen, PaneFocused, RunCommand, SlingMany
from .model import TownView
from .screens.main import MainScreen
from .theme import DEFAULT_THEME, SHIPPED_DIR, load_themes, user_theme_dir

REFRESH_DEBOUNCE_S = 0.25
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


class GastownApp(App):
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
        prefix = self.options.prefix_key or self.town_config.get("prefix_key") or "ctrl+b"
        self.prefix_key = normalize_key(str(prefix))
        overrides, problems = read_keymap_tables(self.town_config, self.options.environ)
        self.problems += problems
        self.keymap_overrides, problems = validate_keymap(overrides, self.binding_ids())
        self.problems += problems
        self.prefix_table = PrefixTable(self.keymap_overrides)
        self.prefix_armed = False
        self.failure: str | None = None  # why the app could not start, for the shell
        self.closing = False  # set once shutting down: late workers must not touch widgets
        self.host: Any = None
        self.mux: Any = None
        self.live: Any = None
        self.reader: Any = None
        self.view = self.options.view or TownView()
        self._refresh_handle: asyncio.TimerHandle | None = None
        self._focus_next: set[str] = set()
        self.main = MainScreen(self.prefix_key, key_label(self.prefix_key), self.complete)

    # ---- start and stop ------------------------------------------------------------------

    def binding_ids(self) -> list[str]:
        from .widgets.commandbar import CommandBar
        from .widgets.panels import AgentsPanel, HooksPanel, WorkPanel
        from .widgets.result import ResultView

        ids = [b.id for b in PREFIX_BINDINGS]
        for cls in (GastownApp, MainScreen, AgentsPanel, HooksPanel, WorkPanel, CommandBar,
                    ResultView):
            ids += [b.id for b in cls.BINDINGS if isinstance(b, Binding) and b.id]
        return ids

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
        self.request_refresh(0)
        if self.options.town_root is not None:
            self.set_interval(self.options.poll_seconds, self.request_refresh)
        self.main.focus_previous_pane()
        # Everything made so far lives as long as the app: keep it out of the collector's
        # full passes, which otherwise stall key echo for tens of milliseconds.
        gc.freeze()
        for line in self.options.first_commands:
            result = await self.run_command(line, quiet=True).wait()
            if result is None or not result.ok:
                break

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
            self.live = LiveSessions(self, self.mux, getattr(self.host, "type_keys", None))
        else:
            from ..term.mux import Multiplexer

            self.mux = Multiplexer()
            self.live = LiveSessions(self, self.mux)
        if self.options.town_root is not None:
            from .gather import TownReader

            self.reader = TownReader(self.options.town_root)
        self.live.attach_existing()

    async def shutdown_sessions(self) -> None:
        """Stop the host (hooks are snapshotted and suspended) or end the bare sessions."""
        self.closing = True
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

    # ---- the prefix key ------------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and self.screen is self.main:
            if self.prefix_armed:
                self.prefix_armed = False
                self.main.status.armed = False
                await self.run_prefix(event.key)
                return
            if event.key == self.prefix_key:
                self.prefix_armed = True
                self.main.status.armed = True
                return
        await super().on_event(event)

    async def run_prefix(self, key: str) -> None:
        if key == self.prefix_key:
            pane = self.main.focused_pane()
            if pane is not None and pane.sink is not None:
                from .widgets.keyinput import key_bytes

                pane.sink.type_keys(key_bytes(key, None, pane.screen_model.modes))
            return
        if key == "escape":
            return
        binding = self.prefix_table.get(key)
        if binding is None:
            self.notify(f"{key_label(self.prefix_key)} {key_label(key)} does nothing; "
                        f"{key_label(self.prefix_key)} ? lists the keys", severity="warning",
                        timeout=3)
            return
        await self.run_action(binding.action)

    # ---- pane actions --------------------------------------------------------------------

    def action_focus_dir(self, direction: str) -> None:
        pane = self.main.focused_pane()
        grid = self.main.grid
        if pane is None:
            names = grid.visible_names()
            if names and direction in ("right", "down"):
                self.main.focus_pane(names[0])
            return
        target = grid.neighbour(pane.session_name, direction)
        if target is None and direction == "left":
            self.main.focus_sidebar()
        elif target is not None:
            self.main.focus_pane(target)

    def action_zoom(self) -> None:
        pane = self.main.focused_pane()
        if pane is None:
            return
        self.main.grid.toggle_zoom(pane.session_name)
        pane.focus()
        self.main._refresh_status()

    def action_cycle(self, step: int) -> None:
        names = [p.session_name for p in self.main.grid.panes]
        if not names:
            return
        pane = self.main.focused_pane()
        current = names.index(pane.session_name) if pane is not None else -step
        self.main.focus_pane(names[(current + step) % len(names)])

    def action_scrollback(self) -> None:
        pane = self.main.focused_pane()
        if pane is None:
            self.notify("focus a pane first", severity="warning", timeout=2)
            return
        pane.enter_copy_mode()

    def action_sidebar(self) -> None:
        self.main.focus_sidebar()

    def action_command_bar(self) -> None:
        self.open_command_bar()

    def open_command_bar(self, text: str = "") -> None:
        self.main.query_one("#commandbar").open(text)

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        self.push_screen(HelpScreen(self))

    def action_needs_me(self) -> None:
        from .screens.needs import NeedsMeScreen

        self.push_screen(NeedsMeScreen(self.view.needs_me()), self._needs_me_chosen)

    def action_jump_needs_me(self) -> None:
        items = self.view.needs_me()
        if not items:
            self.notify("nothing needs you right now", timeout=2)
            return
        self._needs_me_chosen(items[0])

    def _needs_me_chosen(self, item: Any) -> None:
        if item is None:
            return
        if item.kind == "agent":
            if not self.main.focus_pane(item.key):
                self.notify(f"{item.key} has no live terminal", severity="warning")
        else:
            self.post_message(RunCommand(f"mail read {item.key}"))

    def action_pick_theme(self) -> None:
        from .screens.themes import ThemeScreen

        self.push_screen(ThemeScreen(sorted(self.available_themes), self.theme),
                         self._theme_chosen)

    def _theme_chosen(self, name: str | None) -> None:
        if not name:
            return
        self.theme = name
        if self.options.town_root is not None:
            self.post_message(RunCommand(f"config set theme {name}", quiet=True))

    def on_pane_focused(self, message: PaneFocused) -> None:
        if self.mux is not None:
            try:
                self.mux.focus(message.name)
            except LookupError:
                pass

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
        before = {a.name: a.state for a in old.agents}
        for a in new.agents:
            if a.needs_me and before.get(a.name) not in (a.state, None):
                self.notify(f"{a.name} is {a.state}", title="needs you", severity="warning")
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

    # ---- commands ------------------------------------------------------------------------

    def complete(self, line: str) -> list:
        from ..commands.gt import complete

        return complete(line, self.command_env())

    def command_env(self) -> Any:
        from ..commands.core import Env

        root = self.options.town_root
        environ = dict(self.options.environ)
        if root is not None:
            environ.setdefault("GT_TOWN_ROOT", str(root))
        return Env(cwd=root or Path.cwd(), environ=environ)

    def on_run_command(self, message: RunCommand) -> None:
        self.run_command(message.line, message.quiet)

    @work(group="commands")
    async def run_command(self, line: str, quiet: bool = False) -> Any:
        from ..commands.gt import run

        env = self.command_env()
        # Commands may talk to this very host over its socket, so they run off the loop.
        result = await asyncio.get_running_loop().run_in_executor(None, run, line, env)
        if self.closing:
            return result
        if result.error is not None:
            self.main.show_result(line, "", result.error)
        elif not quiet:
            self.main.show_result(line, result.render(), None)
        else:
            self.notify(f"gt {line}: done", timeout=2)
        self.request_refresh(0)
        return result

    # ---- slinging and agent actions ------------------------------------------------------

    def on_bead_chosen(self, message: BeadChosen) -> None:
        from .screens.sling import SlingScreen

        names, chosen = self.agent_choices(message.rig)
        self.push_screen(SlingScreen(message.bead_id, message.rig, names, agent=chosen),
                         self._sling_chosen)

    def agent_choices(self, rig: str) -> tuple[list[str], str]:
        """The agent presets to offer and the one this rig would use (rig > town > claude)."""
        if self.options.town_root is None:
            return ["claude", "codex", "gemini", "demo"], "claude"
        from ..town import Town
        from ..town.presets import all_agent_names, chosen_agent_name

        town = Town(self.options.town_root)
        names = all_agent_names(town)
        try:
            chosen = chosen_agent_name(town, rig or None, None)
        except Exception:  # noqa: BLE001 - an unknown rig is reported when slinging
            chosen = chosen_agent_name(town, None, None)
        return names, chosen

    def _sling_chosen(self, request: Any) -> None:
        if request is not None:
            self.sling(request.lines())

    @work(group="commands")
    async def sling(self, lines: list[str]) -> None:
        """Run the sling's commands in order; the first new agent's pane takes focus."""
        from .hosting import session_of_result

        before = {s.name for s in self.mux.sessions()} if self.mux is not None else set()
        first: str | None = None
        for line in lines:
            result = await self.run_command(line, quiet=True).wait()
            if result is None or not result.ok:
                return
            if line.startswith("sling ") and first is None:
                first = session_of_result(result)
        if first is None and self.mux is not None:
            new = [s.name for s in self.mux.sessions() if s.name not in before]
            first = new[0] if new else None
        if first is None:
            return
        if self.main.grid.pane(first) is not None:
            self.main.focus_pane(first)
        else:
            self.focus_when_started(first)

    def on_sling_many(self, message: SlingMany) -> None:
        from .screens.sling import SlingScreen

        bead_ids = message.bead_ids
        rig = next((w.rig for w in self.view.work if w.id == bead_ids[0]), "")
        names, chosen = self.agent_choices(rig)
        self.push_screen(SlingScreen(" ".join(bead_ids), rig, names, agent=chosen, convoy=True),
                         self._sling_chosen)

    def on_agent_action(self, message: AgentAction) -> None:
        from .hosting import agent_command

        what, name = message.what, message.name
        if what == "nudge":
            from .screens.prompt import PromptScreen

            def send(text: str | None) -> None:
                if text:
                    self.post_message(RunCommand(agent_command("nudge", name, text), quiet=True))

            self.push_screen(PromptScreen(f"Nudge {name}", "text to type into the agent"), send)
        elif what == "peek":
            self.post_message(RunCommand(agent_command("peek", name)))
        else:
            if what == "suspend" and self.view.agent(name) is not None \
                    and self.view.agent(name).state == "suspended":
                what = "resume"
            self.host_action(what, name)

    @work(group="agent-actions")
    async def host_action(self, what: str, name: str) -> None:
        from .hosting import agent_action

        try:
            said = await agent_action(self.host, what, name)
        except Exception as e:  # noqa: BLE001 - HostError and friends: one line, no traceback
            self.notify(f"{what} {name}: {e}", severity="error")
            return
        self.notify(said, timeout=3)
        self.request_refresh(0)


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
