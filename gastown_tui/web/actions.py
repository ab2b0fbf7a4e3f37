"""What a person can do from the dashboard's panels: registry commands (the panels' Enter,
nudge, peek, configuration), slinging from Work, the agent actions (suspend/resume, stop,
restart, handoff), zooming a terminal, approving and sending back merge requests in Review.

A mixin of DashboardApp. Registry commands run in this process on a worker thread, exactly as in
the app and the shell; slinging and agent actions are the app's own (`ui.acting`: typed
requests to the host the dashboard watches). A read-only dashboard refuses all of them but
the commands that only read.
"""

from __future__ import annotations

import asyncio
from typing import Any

from textual import work
from textual.widgets import TabbedContent

from ..ui.messages import AgentAction, AgentChosen, BeadChosen, RunCommand, SlingMany
from ..ui.widgets.grid import PaneGrid
from ..ui.widgets.panels import AgentsPanel
from ..ui.widgets.result import ResultView
from ..ui.widgets.review import ReviewPanel, ReviewView

# Commands that only read: the ones a read-only dashboard still runs for its panels.
READ_ONLY_COMMANDS = ("convoy show ", "peek ", "mail thread ")


class Actions:
    def command_env(self) -> Any:
        from ..ui.acting import command_env

        return command_env(self.town_root, self.environ)

    def runner(self) -> Any:
        """A registry command line run in this process, blocking (call it off the loop)."""
        from ..commands.gt import run

        env = self.command_env()
        return lambda line: run(line, env)

    def refuse(self, what: str) -> None:
        self.notify(f"read-only dashboard: {what} is off (start `gt dashboard` without "
                    "--read-only)", severity="warning")

    def on_run_command(self, message: RunCommand) -> None:
        line = message.line
        if self.read_only:
            if line.startswith("mail read "):
                line = "mail thread " + line[len("mail read "):]
            if not line.startswith(READ_ONLY_COMMANDS):
                self.refuse(f"gt {line.split(' ', 1)[0]}")
                return
        self.run_command(line, message.quiet)

    @work(group="commands")
    async def run_command(self, line: str, quiet: bool = False) -> Any:
        from ..commands.gt import run

        result = await asyncio.to_thread(run, line, self.command_env())
        if not self.is_running:
            return result
        if result.error is not None:
            self.query_one(ResultView).show_result(line, "", result.error)
        elif not quiet:
            self.query_one(ResultView).show_result(line, result.render(), None)
        else:
            self.notify(f"gt {line}: done", timeout=3)
        self.source.invalidate()
        self.poll_ledger()
        return result

    async def on_agent_chosen(self, message: AgentChosen) -> None:
        """Choosing an agent zooms its terminal (a mirror is drawn at the agent's own size,
        so a small grid cell crops it) and focuses it; choosing it again shows the grid.
        The focus moves at once (not on a later turn), then the keys typed since the
        choice follow it (see ui/typeahead.py)."""
        self.query_one(TabbedContent).active = "terminals"
        grid = self.query_one(PaneGrid)
        pane = grid.pane(message.name)
        if pane is None:
            self.notify(f"{message.name} has no live terminal", severity="warning")
        else:
            grid.toggle_zoom(message.name)
            self.screen.set_focus(pane)
        await self.release_keys()

    def on_agent_action(self, message: AgentAction) -> None:
        if message.what == "peek":
            self.agent_act("peek", message.name)
        elif self.read_only:
            self.refuse(message.what)
        elif message.what == "nudge":
            from ..ui.screens.prompt import PromptScreen

            def send(text: str | None) -> None:
                if text:
                    self.agent_act("nudge", message.name, text)

            self.push_screen(PromptScreen(f"Nudge {message.name}", "text to type into the "
                                          "agent"), send)
        else:
            what = message.what
            row = next((r for r in self.query_one(AgentsPanel).rows
                        if r.name == message.name), None)
            if what == "suspend" and row is not None and row.parked:
                what = "resume"  # x toggles, as in the app
            self.agent_act(what, message.name)

    @work(group="agent-actions")
    async def agent_act(self, what: str, name: str, text: str = "") -> None:
        """peek, nudge, suspend, resume, stop, restart, handoff: typed requests to the host,
        as the app's keys send them (`ui.acting`)."""
        from ..ui import acting

        try:
            if self.api is None:
                raise RuntimeError("no host runs this town: the agents are not live")
            if what == "peek":
                shown = await acting.peek(self.api, name)
            elif what == "nudge":
                said = await acting.nudge(self.api, name, text)
            else:
                said = await acting.act(self.api, what, name, by="the dashboard")
        except Exception as e:  # noqa: BLE001 - HostError and friends: one line
            if self.is_running:
                self.notify(f"{what} {name}: {e}", severity="error")
            return
        if not self.is_running:
            return
        if what == "peek":
            self.query_one(ResultView).show_result(f"peek {name}", shown, None)
            return
        self.notify(said, timeout=3)
        self.source.invalidate()
        self.poll_ledger()
        self.request_refresh(0)

    def on_bead_chosen(self, message: BeadChosen) -> None:
        self._sling(message.bead_id, message.rig, convoy=False)

    def on_sling_many(self, message: SlingMany) -> None:
        rig = next((w.rig for w in self.view.work if w.id == message.bead_ids[0]), "")
        self._sling(" ".join(message.bead_ids), rig, convoy=True)

    def _sling(self, beads: str, rig: str, convoy: bool) -> None:
        if self.read_only:
            self.refuse("sling")
            return
        from ..town import Town
        from ..town.errors import TownError
        from ..town.presets import missing_agents, sling_choices
        from ..ui.screens.sling import SlingScreen

        try:
            town = Town(self.town_root)
            names, chosen = sling_choices(town, rig)
            missing = missing_agents(town, names, self.environ)
        except TownError as e:  # the town's settings do not parse: say so, open nothing
            self.notify(str(e), severity="error")
            return

        def chosen_request(request: Any) -> None:
            if request is not None:
                self.sling(request)

        self.push_screen(SlingScreen(beads, rig, names, agent=chosen, convoy=convoy,
                                     missing=missing), chosen_request)

    @work(group="commands")
    async def sling(self, request: Any) -> None:
        """The app's sling (`ui.acting.sling`): hook the beads and start their agents."""
        from ..ui import acting

        try:
            if self.api is None:
                raise RuntimeError("no host runs this town: start one with `gt up --headless`")
            slung = await acting.sling(self.api, self.town_root, request.beads, request.rig,
                                       request.agent, request.convoy)
        except Exception as e:  # noqa: BLE001 - HostError, TownError: one line
            if self.is_running:
                self.query_one(ResultView).show_result(request.command(), "", str(e))
            return
        note = acting.queued_note(slung)
        if note and self.is_running:
            self.notify(note, timeout=6)
        self.source.invalidate()
        self.poll_ledger()
        self.request_refresh(0)

    # ---- reviewing -----------------------------------------------------------------------

    def on_review_panel_chosen(self, message: ReviewPanel.Chosen) -> None:
        self.action_tab("review")
        self.query_one(ReviewView).select(message.key)

    def on_review_view_closed(self, message: ReviewView.Closed) -> None:
        self.query_one(TabbedContent).active = "terminals"
        self.query_one(ReviewPanel).focus()

    def on_review_view_verb(self, message: ReviewView.Verb) -> None:
        if self.read_only:
            self.refuse(message.verb)
            return
        self.review_verb(message.verb, message.key, message.note)

    @work(group="review-verbs")
    async def review_verb(self, verb: str, key: str, note: str) -> None:
        """`gt mq approve/reject` as the app's Review view runs them (`ui.reviewing`)."""
        from ..ui.reviewing import run_verb

        done, said = await run_verb(self.runner(), verb, key, note)
        if not self.is_running:
            return
        self.notify(said, severity="information" if done else "error", timeout=4)
        self.query_one(ReviewView).action_reload()
        self.source.invalidate()
        self.poll_ledger()
