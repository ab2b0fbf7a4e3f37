"""Running things from the app: the registry's commands (command bar, palette, sidebar
actions), and slinging and agent actions from the keyboard, which are typed requests to the
host (`acting.py`, shared with the dashboard).

A mixin of GastownApp. Registry commands run on a worker thread: they may talk to the host
over its control socket, which may answer on the app's own loop (a host in the app).
"""

from __future__ import annotations

import asyncio
from typing import Any

from textual import work

from .messages import AgentAction, BeadChosen, MailReply, RunCommand, SlingMany
from .typeahead import HOLD_S

MAYOR = "mayor"  # the Mayor's session (and pane) name


def split_prog(line: str) -> tuple[str, str]:
    """Whose command a typed line is, and the rest: ("bd", "ready") for "bd ready", ("gt",
    "convoy list") for "gt convoy list" or "convoy list" (the bar's commands are gt's unless
    they say bd)."""
    text = line.lstrip()
    for prog in ("bd", "gt"):
        if text == prog or text.startswith(prog + " "):
            return prog, text[len(prog):].lstrip()
    return "gt", line


def attaches_mayor(line: str) -> bool:
    """`mayor attach ...`: a command whose answer is the Mayor's pane taking the focus."""
    return line.split()[:2] == ["mayor", "attach"]


class Dispatch:
    def complete(self, line: str) -> list:
        """Completions from the one registry, `gt`'s or `bd`'s as the line says."""
        import dataclasses

        from ..commands import bd, gt
        from ..commands.completion import complete

        prog, rest = split_prog(line)
        shift = len(line) - len(rest)
        root = bd.root() if prog == "bd" else gt.root()
        return [dataclasses.replace(c, start=c.start + shift)
                for c in complete(root, rest, self.command_env(), prog=prog)]

    def command_env(self) -> Any:
        from ..commands.calls import IN_APP
        from .acting import command_env

        return command_env(self.options.town_root, self.options.environ, **{IN_APP: "1"})

    def runner(self) -> Any:
        """A registry command line run as the command bar runs it, blocking (call it off
        the loop), for the views that run commands of their own (Review)."""
        from ..commands.gt import run

        env = self.command_env()
        return lambda line: run(line, env)

    def on_run_command(self, message: RunCommand) -> None:
        self.run_command(message.line, message.quiet)

    @work(group="commands")
    async def run_command(self, line: str, quiet: bool = False) -> Any:
        from ..commands import bd, gt

        env = self.command_env()
        prog, rest = split_prog(line)
        run = bd.run if prog == "bd" else gt.run
        # Commands may talk to this very host over its socket, so they run off the loop.
        result = await asyncio.get_running_loop().run_in_executor(None, run, rest, env)
        line = rest if prog == "gt" else line
        if self.closing:
            return result
        if result.error is None and self._apply_setting(line, result.data):
            quiet = True  # what it did shows on screen
        elif attaches_mayor(line) and self.holding_keys:
            self.release_keys_soon()  # no pane to wait for: the keys typed since go on
        if result.error is not None:
            self.main.show_result(line, "", result.error)
        elif not quiet:
            self.main.show_result(line, result.render(), None)
        else:
            self.notify(f"gt {line}: done", timeout=2)
        self.request_refresh(0)
        return result

    def _apply_setting(self, line: str, data: Any) -> bool:
        """`config set theme NAME` typed in the bar also changes the theme on screen;
        `mayor attach` focuses the Mayor's pane (as soon as it shows), which is its whole
        answer: True then."""
        words = line.split()
        if words[:3] == ["config", "set", "theme"] and isinstance(data, dict) \
                and data.get("rig") is None and data.get("value") in self.available_themes:
            self.theme = data["value"]
        elif attaches_mayor(line) and getattr(data, "running", False):
            # The keys typed since the bar's Enter wait for the pane (see typeahead.py).
            if self.main.focus_pane(MAYOR):
                self.release_keys_soon()
            else:
                self.focus_when_started(MAYOR)
                if self.holding_keys:
                    self.hold_keys(HOLD_S)
            return True
        return False

    # ---- slinging and agent actions ------------------------------------------------------

    def on_bead_chosen(self, message: BeadChosen) -> None:
        from .screens.sling import SlingScreen

        names, chosen, missing = self.agent_choices(message.rig)
        self.push_screen(SlingScreen(message.bead_id, message.rig, names, agent=chosen,
                                     missing=missing), self._sling_chosen)

    def agent_choices(self, rig: str) -> tuple[list[str], str, list[str]]:
        """The agent presets to offer, the one this rig would use (rig > town > claude), and
        those not installed here."""
        if self.options.town_root is None:
            return ["claude", "codex", "gemini", "demo"], "claude", []
        from ..town import Town
        from ..town.presets import missing_agents, sling_choices

        town = Town(self.options.town_root)
        names, chosen = sling_choices(town, rig)
        return names, chosen, missing_agents(town, names, self.options.environ)

    def _sling_chosen(self, request: Any) -> None:
        if request is not None:
            self.sling(request)

    def follows_slings(self) -> bool:
        """The `sling_focus` setting: after a sling, the focus goes to the new agent's pane
        (follow) or stays where the person was (stay, the default)."""
        return self.settings["sling_focus"] == "follow"

    @work(group="commands")
    async def sling(self, request: Any) -> None:
        """Sling as the modal asked. Following slings, the first new agent's pane takes the
        focus, and the keys typed since the modal's Enter wait for it (see typeahead.py), for
        a second more if the pane is still to come; else the focus stays where it was."""
        from . import acting

        pane_to_come = False
        follow = self.follows_slings()
        # A pane may come before the host's answer: it must not take the focus either.
        self._quiet_slings += not follow
        try:
            try:
                slung = await acting.sling(self.api, self.options.town_root, request.beads,
                                           request.rig, request.agent, request.convoy)
            except Exception as e:  # noqa: BLE001 - HostError, TownError: one line
                if not self.closing:
                    self.main.show_result(request.command(), "", str(e))
                return
            finally:
                self._quiet_slings -= not follow
            if not follow:
                self._stay_put.update(acting.session_of(s) for s in acting.started(slung)
                                      if self.main.grid.pane(acting.session_of(s)) is None)
            self.request_refresh(0)
            if self.closing:
                return
            note = acting.queued_note(slung)
            if note:
                self.notify(note, timeout=6)
            slung = acting.started(slung)
            if not slung or not follow:
                return
            first = acting.session_of(slung[0])
            if self.main.grid.pane(first) is not None:
                self.main.focus_pane(first)
            else:
                self.focus_when_started(first)
                pane_to_come = True
        finally:
            if pane_to_come and self.holding_keys:
                self.hold_keys(HOLD_S)
            else:
                self.release_keys_soon()

    def on_sling_many(self, message: SlingMany) -> None:
        from .screens.sling import SlingScreen

        bead_ids = message.bead_ids
        rig = next((w.rig for w in self.view.work if w.id == bead_ids[0]), "")
        names, chosen, missing = self.agent_choices(rig)
        self.push_screen(SlingScreen(" ".join(bead_ids), rig, names, agent=chosen, convoy=True,
                                     missing=missing), self._sling_chosen)

    def on_mail_reply(self, message: MailReply) -> None:
        """Ask for the reply's text, then send it (`gt mail reply`)."""
        import shlex

        from ..town.addresses import shown_address
        from .screens.prompt import PromptScreen

        def send(text: str | None) -> None:
            if text:
                self.post_message(RunCommand(
                    f"mail reply {shlex.quote(message.id)} -m {shlex.quote(text)}", quiet=True))

        self.push_screen(PromptScreen(f"Reply to {shown_address(message.sender)}: "
                                      f"{message.subject}",
                                      "your reply (enter sends)"), send)

    def on_agent_action(self, message: AgentAction) -> None:
        what, name = message.what, message.name
        if what == "nudge":
            from .screens.prompt import PromptScreen

            def send(text: str | None) -> None:
                if text:
                    self.host_action("nudge", name, text)

            self.push_screen(PromptScreen(f"Nudge {name}", "text to type into the agent"), send)
        elif what == "peek":
            self.host_action("peek", name)
        else:
            row = self.view.agent(name)
            if what == "suspend" and row is not None and row.parked:
                what = "resume"  # x toggles: a parked agent (suspended, or stuck) resumes
            self.host_action(what, name)

    @work(group="agent-actions")
    async def host_action(self, what: str, name: str, text: str = "") -> None:
        """nudge, peek, suspend, resume, stop, restart, handoff: typed requests to the host,
        the same the dashboard and `gt` send."""
        from . import acting

        try:
            if self.api is None:
                raise RuntimeError("no host runs in this app; open it inside a town")
            if what == "peek":
                shown = await acting.peek(self.api, name)
            elif what == "nudge":
                said = await acting.nudge(self.api, name, text)
            else:
                said = await acting.act(self.api, what, name, by="the app")
        except Exception as e:  # noqa: BLE001 - HostError and friends: one line, no traceback
            if not self.closing:
                self.notify(f"{what} {name}: {e}", severity="error")
            return
        if self.closing:
            return
        if what == "peek":
            self.main.show_result(f"peek {name}", shown, None)
        else:
            self.notify(said, timeout=3)
        self.request_refresh(0)
