"""Every shipped theme (themes/*.toml and the Textual themes the app offers) reaches WCAG AA in
what the app draws: 4.5:1 for text, 3:1 for borders, scrollbars, checkboxes and icons.

The pairs are taken from the frames themselves (`contrast.py`), in every state the app has:
the main screen with each panel focused and every kind of row, panes with and without focus
and in scrollback, the command bar with completions, results and errors, toasts, and each
screen (help, what needs you, sling, questions, the theme picker, the Review view with its
diff). So they follow the tcss, the theme variables and the markup as they change; and every
rule of the app's own styles that sets a colour must have shown in one of these states (a new
state added to the tcss without a place here fails the test)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from contrast import low_pairs
from snapshot_apps.demo_town import REVIEW
from textual.css.stylesheet import Stylesheet
from textual.theme import BUILTIN_THEMES
from ui_helpers import until

from gastown_tui.term.screen import Screen
from gastown_tui.ui.app import HOST_DIED, HOST_RESTART, AppOptions, GastownApp
from gastown_tui.ui.model import AgentRow, ConvoyRow, HookRow, MailRow, MergeRow, TownView, \
    WorkRow
from gastown_tui.ui.theme import SHIPPED_DIR, load_themes

UI = Path(__file__).resolve().parents[2] / "gastown_tui" / "ui"
SHIPPED = sorted(t.name for t in load_themes([SHIPPED_DIR]).themes)
# The two ANSI themes draw in the terminal's own 16 colours, which the app cannot know.
OFFERED = sorted(n for n, t in BUILTIN_THEMES.items() if not t.ansi)

VIEW = TownView(
    town="gt",
    agents=[AgentRow(f"sample/{state}", "polecat", "sample", state, f"sa-{i}", "Work")
            for i, state in enumerate(["busy", "waiting", "idle", "stuck", "exited",
                                       "suspended", "unknown"])]
    + [AgentRow("sample/toast", "polecat", "sample", "busy", "sa-9", "Work", unread=2)],
    convoys=[ConvoyRow("hq-cv-1", "Auth system", 2, 5, False),
             ConvoyRow("hq-cv-2", "Docs", 3, 3, True)],
    hooks=[HookRow("sample/busy", "sample", "active", "sa-0", "polecat/busy/sa-0", 2, True),
           HookRow("sample/suspended", "sample", "suspended", "sa-5", "polecat/x/sa-5"),
           HookRow("sample/new", "sample", "created", "sa-6", "")],
    queued=[HookRow("sample/queue#1", "sample", "queued", "sa-7", kind="queue")],
    mail=[MailRow("hq-m1", "sample/polecats/nux", "Which session store?", True, True),
          MailRow("hq-m2", "mayor/", "Convoy Docs landed", False)],
    work=[WorkRow("sa-10", "Rate-limit login attempts", "sample", 1),
          WorkRow("sa-11", "Remember-me checkbox", "sample", 2)],
    merges=[MergeRow("sa-mr-1", "sample", "waiting review", "sa-1", "sample/polecats/nux",
                     "", "sa-mr-1 waits for your review")],
)
PANE = b"$ make test\r\n14 passed\r\n$ "


async def _states(app: GastownApp, pilot):
    """Drive the app through its states; yield a name for each frame to measure. (Frames
    hold what they can together: every theme draws each of them.)"""
    main = app.main
    await pilot.pause()
    for severity in ("information", "warning", "error"):
        app.notify(f"a toast: {severity}", title=severity, severity=severity)
    await pilot.press("ctrl+b")
    await pilot.pause()
    yield "a pane focused, the prefix armed, toasts"
    await pilot.press("escape")
    app.clear_notifications()
    main.banner.show(HOST_DIED, "C-b R", HOST_RESTART)
    await pilot.pause()
    yield "the host died: its banner"
    main.banner.hide()
    main.query_one("#work").select("sa-10")
    for panel in ("agents", "convoys", "hooks", "mail", "work"):
        main.query_one(f"#{panel}").focus()
        await pilot.pause()
        yield f"{panel} focused"
    main.show_view(TownView(town="gt"))
    main.show_result("convoy list", "ID        TITLE\nhq-cv-1   Auth system", None)
    await pilot.pause()
    yield "an empty town, a result"
    main.show_view(VIEW)
    main.show_result("convoy show x", None, "no convoy 'x'")
    await pilot.pause()
    yield "an error"
    await pilot.press("escape")
    main.grid.panes[0].focus()
    await pilot.press("ctrl+b", "left_square_bracket")
    await pilot.pause()
    yield "scrollback"
    await pilot.press("escape")
    await pilot.press("ctrl+b", "colon")
    await pilot.pause()
    yield "the command bar, empty"
    await pilot.press(*"con")
    await pilot.pause(0.1)
    yield "the command bar with completions"
    await pilot.press("escape")
    for keys, name in ((("ctrl+b", "question_mark"), "help"),
                       (("ctrl+b", "w"), "what needs you"),
                       (("ctrl+b", "t"), "the theme picker")):
        await pilot.press(*keys)
        await pilot.pause(0.1)
        yield name
        await pilot.press("escape")
        await pilot.pause()
    main.query_one("#work").focus()
    await pilot.press("s")
    await pilot.pause(0.1)
    yield "the sling form"
    app.screen.query_one("#sling-agent").focus()
    await pilot.pause()
    yield "the sling form's agent list"
    await pilot.press("escape")
    await pilot.pause()
    from gastown_tui.ui.screens.prompt import PromptScreen, QuitScreen

    await app.push_screen(QuitScreen())
    await pilot.pause()
    yield "quitting"
    app.pop_screen()
    await app.push_screen(PromptScreen("Nudge sample/busy", "what to say (enter sends)"))
    await pilot.pause()
    yield "a prompt"
    app.pop_screen()
    await pilot.press("ctrl+b", "r")
    await until(pilot, lambda: getattr(app.screen, "view", None) is not None
                and app.screen.view.diff is not None, what="the first diff")
    for part in ("queue", "files", "diff"):
        app.screen.query_one(f"#review-{part}").focus()
        await pilot.pause()
        yield f"the review view, its {part} focused"
    await pilot.press("escape")


def _app() -> GastownApp:
    return GastownApp(AppOptions(view=VIEW, live=False, panes={"sample/busy": PANE,
                                                               "sample/idle": PANE},
                                 pane_size=(60, 10), theme=SHIPPED[0], review=REVIEW,
                                 environ={"HOME": "/nonexistent-gastown-home"}))


async def _measure(themes: list[str], seen: set | None = None) -> dict[str, list[str]]:
    """For each theme, the pairs below WCAG AA in any state. One app goes through the
    states; in each, every theme in turn draws it."""
    app = _app()
    low: dict[str, dict] = {theme: {} for theme in themes}
    async with app.run_test(size=(150, 46)) as pilot:
        async for state in _states(app, pilot):
            for theme in themes:
                app.theme = theme
                await pilot.pause()
                low_pairs(app, state, low[theme])
            if themes:
                app.theme = SHIPPED[0]
                await pilot.pause()
            if seen is not None:
                seen.update(_matched_rules(app))
    return {theme: sorted(str(x) for x in found.values()) for theme, found in low.items()}


# In groups, so that parallel test workers share them.
@pytest.mark.parametrize("themes", [SHIPPED, OFFERED[:7], OFFERED[7:13], OFFERED[13:]],
                         ids=["shipped", "textual-1", "textual-2", "textual-3"])
async def test_every_theme_reaches_wcag_aa(themes):
    low = await _measure(themes)
    assert {theme: pairs for theme, pairs in low.items() if pairs} == {}


# ---- every colour rule of the app's own styles shows in one of the states ----------------

COLOUR_PROPS = re.compile(r"^\s*(color|background|border[a-z-]*|scrollbar[a-z-]*)\s*:",
                          re.MULTILINE)


def _app_rules() -> list[str]:
    """The selectors of the app's own rules (its .tcss files and widgets' DEFAULT_CSS) that
    set a colour."""
    sources = [p.read_text() for p in UI.rglob("*.tcss")]
    for path in UI.rglob("*.py"):
        for block in re.findall(r'DEFAULT_CSS = """(.*?)"""', path.read_text(), re.S):
            sources.append(block)
        sources += re.findall(r'DEFAULT_CSS = "([^"]*)"', path.read_text())
    selectors = []
    for css in sources:
        css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
        for head, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
            if COLOUR_PROPS.search(body) or re.search(r"(color|background|border)\s*:", body):
                selectors += [s.strip() for s in head.split(",") if s.strip()]
    return sorted(set(selectors))


def _matched_rules(app: GastownApp) -> set[str]:
    """The rules that apply to a widget on screen now; a rule for a part of a widget (a
    component class: `OptionList > .option-list--option-disabled`) when the widget shows; a
    rule for the screen itself (`ReviewScreen`) while it shows."""
    from textual.css.match import match
    from textual.css.parse import parse_selectors

    matched = set()
    for selector in _app_rules():
        widget = re.sub(r"\s*>\s*\.[a-z-]+--[a-z-]+$", "", selector)
        try:
            if app.screen.query(widget) or match(parse_selectors(widget), app.screen):
                matched.add(selector)
        except Exception:  # noqa: BLE001 - a selector of another screen's stylesheet
            continue
    return matched


async def test_every_colour_rule_of_the_app_shows_in_a_measured_state():
    seen: set[str] = set()
    await _measure([], seen)
    assert sorted(set(_app_rules()) - seen) == []
