"""Moving around the app: the prefix key and what follows it, focus between panes and the
sidebar, zoom, cycling, scrollback, and the help, needs-me, review and theme views.

A mixin of GastownApp (it uses the app's `main` screen, `api`, `view` and prefix table); kept
apart so the app's own module is about starting, hosting and refreshing.
"""

from __future__ import annotations

from typing import Any

from textual import events

from .keymap import key_label
from .dispatch import attaches_mayor
from .messages import AgentChosen, PaneFocused, RunCommand, TextCopied
from .screens.needs import NeedsMeScreen
from .screens.sling import SlingScreen
from .typeahead import HOLD_S
from .widgets.commandbar import CommandInput

# What the prefix opens over any screen; other prefix keys act on the panes, so the screens over
# them close first.
OVER_SCREENS = {"help", "needs_me", "pick_theme", "command_palette", "quit_app", "detach"}
# A sling's commands (a worktree to make, an agent to start) run before its pane can take the
# focus: the keys typed after the modal's Enter wait for them that long at most, then a second
# more for the pane (see Dispatch.sling).
SLING_HOLD_S = 10.0
# `mayor attach` from the command bar may start the Mayor first: as long for its pane.
MAYOR_HOLD_S = 10.0


class Navigation:
    def keys_wait_after(self, event: events.Key) -> float:
        """Keys that move the focus to a pane through messages: the keys typed after them wait
        for it (see typeahead.py)."""
        screen = self.screen
        if screen is self.main:
            focused = self.focused
            if event.key == "enter" and isinstance(focused, CommandInput):
                line = focused.parent.submits()
                return MAYOR_HOLD_S if line and attaches_mayor(line) else 0.0
            return HOLD_S if self.main.chooses_a_pane(event) else 0.0
        if isinstance(screen, NeedsMeScreen):
            return HOLD_S if screen.picks(event) else 0.0
        if isinstance(screen, SlingScreen) and event.key == "enter" and screen.enter_slings() \
                and self.follows_slings():
            return SLING_HOLD_S
        return 0.0

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            # The prefix works over every screen (help, the palette, needs-you, modals), as
            # tmux's does over its modes.
            if self.prefix_armed:
                self.prefix_armed = False
                self.main.status.armed = False
                await self.run_prefix(event.key)
                return
            if event.key == self.prefix_key:
                self.prefix_armed = True
                self.main.status.armed = True
                return
        if isinstance(event, events.Key) and self.screen is self.main:
            pane = self.main.focused_pane()
            if pane is not None and pane.typing_now() and not event.is_forwarded:
                # Straight to the pane's program: forwarding would cost a turn of the loop
                # through the pane's message queue, behind 30 sessions' parsing, on every key.
                # Priority bindings are still checked first, as Textual does.
                self.app_focus = True
                if not await self._check_bindings(event.key, priority=True):
                    pane.type_key(event)
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
        if self.screen is not self.main:
            if self._toggles_top_screen(binding.action):
                return
            if binding.action not in OVER_SCREENS and not self._close_screens():
                return
        await self.run_action(binding.action)

    def _toggles_top_screen(self, action: str) -> bool:
        """The prefix key that opened the view on top closes it (help, needs-you, the theme
        picker, the palette, the Review view); asking to quit while the quit question is open
        keeps it."""
        from textual.command import CommandPalette

        from .screens.help import HelpScreen
        from .screens.prompt import QuitScreen
        from .screens.review import ReviewScreen
        from .screens.themes import ThemeScreen

        top = self.screen
        opened_by = {HelpScreen: "help", NeedsMeScreen: "needs_me", ThemeScreen: "pick_theme",
                     CommandPalette: "command_palette", QuitScreen: "quit_app",
                     ReviewScreen: "review"}
        if opened_by.get(type(top)) != action:
            return False
        if not isinstance(top, QuitScreen):
            self._close(top)
        return True

    def _close_screens(self) -> bool:
        """Close what is over the main screen, as Escape would, so a prefix key that acts on
        the panes can; False (and a notice) when a question must be answered first."""
        while self.screen is not self.main:
            top = self.screen
            if not self._close(top) or self.screen is top:
                self.notify("answer the question first", severity="warning", timeout=3)
                return False
        return True

    @staticmethod
    def _close(screen: Any) -> bool:
        from textual.command import CommandPalette

        if isinstance(screen, CommandPalette):
            screen._action_escape()
            return True
        cancel = getattr(screen, "action_cancel", None) or getattr(screen, "action_close", None)
        if cancel is None:
            return False  # a question that must be answered (restart the host?)
        cancel()
        return True

    # ---- pane actions --------------------------------------------------------------------

    def action_focus_dir(self, direction: str) -> None:
        pane = self.main.focused_pane()
        grid = self.main.grid
        if pane is None:
            names = grid.visible_names()
            if names and direction in ("right", "down"):
                self.main.focus_pane(names[0])
            return
        target = grid.neighbour(pane.session_name, direction, self.main.pane_before)
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

    def on_text_copied(self, message: TextCopied) -> None:
        """Scrollback's copy, kept as tmux keeps a paste buffer: the terminal's clipboard
        (OSC 52) is not there in every terminal (VTE, tmux's default `set-clipboard external`),
        so the text stays in the app too, for the paste key and for ctrl+v in its inputs."""
        text = message.text
        self.copy_to_clipboard(text)
        lines = text.count("\n") + 1
        copied = f"copied {lines} line{'s' if lines != 1 else ''}"
        keys = self.prefix_keys("prefix.paste")
        here = f"{keys} pastes them into the focused pane" if keys else "kept in the app"
        self.notify(f"{copied}: {here}; sent to your terminal's clipboard too", timeout=4)

    def action_paste_buffer(self) -> None:
        pane = self.main.focused_pane()
        if pane is None:
            self.notify("focus a pane first", severity="warning", timeout=2)
            return
        if not self.clipboard:
            keys = self.prefix_keys("prefix.scrollback")
            self.notify(f"nothing copied yet: {keys}, space, Enter copies lines",
                        severity="warning", timeout=3)
            return
        if pane.copy is not None:
            pane.exit_copy_mode()
        if not pane.paste(self.clipboard):
            self.notify(f"{pane.session_name} has no program to paste into", severity="warning",
                        timeout=2)

    def prefix_keys(self, binding_id: str) -> str:
        """How a person types a prefix binding, e.g. "C-b ]" ("" if it has no key)."""
        keys = self.prefix_table.keys_of.get(binding_id) or []
        return f"{key_label(self.prefix_key)} {key_label(keys[0])}" if keys else ""

    def action_sidebar(self) -> None:
        self.main.focus_sidebar()

    def action_toggle_sidebar(self) -> None:
        self.main.show_sidebar(self.main.sidebar_hidden)

    def action_resize_sidebar(self, step: int) -> None:
        columns = self.main.resize_sidebar(step)
        self.notify(f"sidebar {columns} columns (`gt config set sidebar_width {columns}` "
                    "keeps it)", timeout=2)

    def action_command_bar(self) -> None:
        self.open_command_bar()

    def open_command_bar(self, text: str = "") -> None:
        self.main.open_command_bar(text)

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
            self.release_keys_soon()
            return
        self._needs_me_chosen(items[0])

    def _needs_me_chosen(self, item: Any) -> None:
        if item is not None and item.kind == "agent":
            if not self.main.focus_pane(item.key):
                self.notify(f"{item.key} has no live terminal", severity="warning")
        elif item is not None and item.kind == "merge":
            self.action_review(item.key)
        elif item is not None:
            self.post_message(RunCommand(f"mail read {item.key}"))
        self.release_keys_soon()  # (called by the needs-me view, on its own queue)

    async def on_agent_chosen(self, message: AgentChosen) -> None:
        """An agent's row (or its hook's) was chosen: its pane takes the focus, then the keys
        typed since the choice follow it."""
        if not self.main.focus_pane(message.name):
            self.notify(f"{message.name} has no live terminal (suspended or not started)",
                        severity="warning")
        await self.release_keys()

    def action_review(self, key: str | None = None) -> None:
        from .screens.review import ReviewScreen

        if isinstance(self.screen, ReviewScreen):
            if key:
                self.screen.view.select(key)
            return
        self.push_screen(ReviewScreen(self.review_source(), key, self.options.poll_seconds))

    def on_review_panel_chosen(self, message: Any) -> None:
        self.action_review(message.key)

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
        if self.api is not None:
            self.api.focus(message.name)
