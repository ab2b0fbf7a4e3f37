"""Stored text in the app: the ledger's titles, subjects, senders, beads and branches show as
text with their controls as marks in every panel, toast, pane title, modal and the status
line; markup in them (`[bold red]`, `[/]`, `[@click=app.quit]`) is shown, never applied."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import OptionList, Static
from ui_helpers import rendered

from gastown_tui.term.screen import Screen
from gastown_tui.ui.app import AppOptions, GastownApp
from gastown_tui.ui.model import AgentRow, ConvoyRow, HookRow, MailRow, TownView, WorkRow
from gastown_tui.ui.screens.needs import NeedsMeScreen
from gastown_tui.ui.widgets.panels import (AgentsPanel, ConvoysPanel, HooksPanel, MailPanel,
                                           WorkPanel)
from gastown_tui.ui.widgets.result import ResultView
from hostile_text import CATALOGUE, SHOWN, assert_safe

NAMES = list(CATALOGUE)


def sender(name: str) -> str:
    """An address ending in the entry."""
    return "r/polecats/" + CATALOGUE[name].replace("/", "|")


def shown_sender(name: str) -> str:
    return "r/" + SHOWN[name].replace("/", "|")


def hostile_view() -> TownView:
    """Every row of every panel carries one catalogue entry where stored text goes."""
    return TownView(
        town="t",
        agents=[AgentRow(f"r/a{i}", "polecat", "r", "waiting", bead=CATALOGUE[n])
                for i, n in enumerate(NAMES)],
        convoys=[ConvoyRow(f"hq-cv-{i}", CATALOGUE[n], 1, 2, landed=i % 2 == 1)
                 for i, n in enumerate(NAMES)],
        hooks=[HookRow(f"r/a{i}", "r", "active", CATALOGUE[n], branch=CATALOGUE[n])
               for i, n in enumerate(NAMES)],
        mail=[MailRow(f"hq-m{i}", sender(n), CATALOGUE[n], True) for i, n in enumerate(NAMES)],
        work=[WorkRow(f"r-{i}", CATALOGUE[n], "r") for i, n in enumerate(NAMES)])


def prompts(panel) -> list[Content]:
    return [panel.get_option_at_index(i).prompt for i in range(panel.option_count)]


def assert_literal(prompt: Content, where: str) -> None:
    """No style of the prompt came from stored markup: no action, link or colour of theirs."""
    for span in prompt.spans:
        style = str(span.style)
        assert "@click" not in style and "link" not in style and "red" not in style, \
            f"{where}: {style}"


async def test_every_panel_shows_stored_text_as_marks(environ):
    app = GastownApp(AppOptions(environ=environ, live=False, view=hostile_view()))
    async with app.run_test(size=(160, 60)) as pilot:
        await pilot.pause()
        screen = app.main
        for panel, suffix in ((AgentsPanel, lambda n: f" {SHOWN[n]}"),
                              (ConvoysPanel, lambda n: f" 1/2 {SHOWN[n]}"),
                              (WorkPanel, lambda n: f" {SHOWN[n]}"),
                              (MailPanel, lambda n: f" {shown_sender(n)} {SHOWN[n]}")):
            shown = prompts(screen.query_one(panel))
            assert len(shown) == len(NAMES)
            for name, prompt in zip(NAMES, shown):
                assert prompt.plain.endswith(suffix(name)), (panel.__name__, name, prompt.plain)
                assert "\n" not in prompt.plain
                assert_literal(prompt, f"{panel.__name__} {name}")
        for name, prompt in zip(NAMES, prompts(screen.query_one(HooksPanel))):
            # the branch has a line of its own, by design; the stored text adds none
            head, branch = prompt.plain.split("\n")
            assert head.endswith(f" {SHOWN[name]}") and branch.endswith(f"⎇ {SHOWN[name]}")
            assert_literal(prompt, f"HooksPanel {name}")
        assert_safe(rendered(app), where="the app")


async def test_toasts_the_needs_me_view_panes_and_results(environ):
    app = GastownApp(AppOptions(environ=environ, live=False, view=TownView(town="t")))
    async with app.run_test(size=(160, 60)) as pilot:
        await pilot.pause()
        before = TownView(town="t", convoys=[ConvoyRow(f"hq-cv-{i}", CATALOGUE[n], 1, 2, False)
                                             for i, n in enumerate(NAMES)])
        after = hostile_view()
        after.convoys = [ConvoyRow(f"hq-cv-{i}", CATALOGUE[n], 2, 2, True)
                         for i, n in enumerate(NAMES)]
        app._notifications.clear()
        app._announce(before, after)        # every convoy lands, every mail is new
        await pilot.pause()
        said = [(n.title, n.message, n.markup) for n in app._notifications]
        for name in NAMES:
            assert ("landed", f"convoy landed: {SHOWN[name]}", False) in said
            assert (f"mail from {shown_sender(name)}", SHOWN[name], False) in said
        assert app.is_running                # a toast of "[/]" is text, not broken markup
        assert_safe(rendered(app), where="the toasts")

        await app.push_screen(NeedsMeScreen(after.needs_me()))
        await pilot.pause()
        items = prompts(app.screen.query_one(OptionList))
        mail_items = [p.plain for p in items if "mail from" in p.plain]
        for name, plain in zip(NAMES, mail_items):
            assert plain.endswith(f"mail from {shown_sender(name)}: {SHOWN[name]}")
        assert_safe(rendered(app), where="the needs-me view")
        app.pop_screen()

        app.main.show_view(after)
        pane = await app.main.add_pane("r/a0", Screen(80, 24), None)
        await pilot.pause()
        title = Content.from_markup(pane.border_title).plain
        assert title.endswith(f"r/a0 · {SHOWN[NAMES[0]]}")

        result = app.main.query_one(ResultView)
        hostile = CATALOGUE["osc52-clipboard"] + CATALOGUE["rich-markup"]
        result.show_result(f"bd show {hostile}", f"{hostile}\n{CATALOGUE['bidi-override']}",
                           None)
        await pilot.pause()
        body = result.query_one("#result-text", Static)
        assert str(body.visual) == (f"{SHOWN['osc52-clipboard']}{SHOWN['rich-markup']}\n"
                                    f"{SHOWN['bidi-override']}")
        assert Content.from_markup(result.border_title).plain == \
            f"bd show {SHOWN['osc52-clipboard']}{SHOWN['rich-markup']}"
        result.show_result("bd show x", "", f"no bead '{hostile}'")
        await pilot.pause()
        assert str(body.visual) == \
            f"error: no bead '{SHOWN['osc52-clipboard']}{SHOWN['rich-markup']}'"
        app.main.status.note = CATALOGUE["bel"] + CATALOGUE["markup-backslash"]
        await pilot.pause()
        assert_safe(rendered(app), where="panes, results and the status line")
        assert f"{SHOWN['bel']}{SHOWN['markup-backslash']}" in rendered(app)
