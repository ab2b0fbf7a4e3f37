"""Keys and views as a person meets them: the help screen, the palette, the command bar, the
sling modal, scrollback mode and the Mail panel (issue 13, items 7 to 12)."""

from __future__ import annotations

from ui_helpers import rendered, until

from gastown_tui.ui.app import AppOptions, GastownApp


def demo_app(tmp_path, **options) -> GastownApp:
    """The snapshot apps' demo town (fixed content, no processes), with its own HOME."""
    from snapshot_apps.demo_town import make_app

    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return make_app(environ={"HOME": str(home)}, **options)


async def booted(app, pilot, pane: str = "demo/nux") -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()
    app.main.focus_pane(pane)
    await pilot.pause()


def static_text(screen, selector: str) -> str:
    return screen.query_one(selector).render().plain


async def test_help_lists_every_key_a_person_needs_and_the_state_icons(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await booted(app, pilot)
        await pilot.press("ctrl+b", "question_mark")
        keys = static_text(app.screen, "#help-keys")
        sections = {title: body for title, _, body in
                    (part.partition("\n") for part in keys.split("\n\n"))}
        assert "space" in sections["Work"] and "Select or unselect (for S)" in sections["Work"]
        assert "enter" in sections["Mail"] and "Read" in sections["Mail"]
        assert "1-9 enter" in sections["needs you"] and "escape q" in sections["needs you"]
        assert "ctrl+q is its program's: C-b q" in sections["anywhere"]
        assert "/ ?" in sections["scrollback (C-b [)"]
        icons = static_text(app.screen, "#help-icons")
        for icon, word in (("●", "busy"), ("○", "idle"), ("·", "unknown"), ("▲", "stuck"),
                           ("✕", "exited"), ("‖", "suspended"), ("◆", "waiting")):
            assert f"  {icon}  {word}" in icons, icon


async def palette_hits(app, pilot, query: str) -> list[tuple[str, str]]:
    """Open the palette (ctrl+b space), type `query`: the (label, help) of its hits."""
    from textual.command import CommandList

    await pilot.press("ctrl+b", "space")
    await until(pilot, lambda: type(app.screen).__name__ == "CommandPalette", what="palette")
    await pilot.press(*[c if c != " " else "space" for c in query])
    hits = app.screen.query_one(CommandList)
    await until(pilot, lambda: hits.option_count, what=f"hits for {query!r}")
    await pilot.pause(0.3)
    out = []
    for i in range(hits.option_count):
        hit = hits.get_option_at_index(i).hit
        out.append((str(hit.text or hit.prompt), hit.help or ""))
    return out


async def test_the_palette_names_actions_fully_with_their_keys_and_runs_commands(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await booted(app, pilot)
        hits = await palette_hits(app, pilot, "zoom")
        assert ("Zoom the focused pane, or back to the grid", "C-b z") in hits, hits
        assert not any("prefix." in text for _, text in hits)
        await pilot.press("escape")
        hits = await palette_hits(app, pilot, "theme")
        assert [label for label, _ in hits if "Theme" in label] == ["Theme"], hits
        await pilot.press("escape")
        # A command without arguments runs at once; one with arguments opens the bar.
        hits = await palette_hits(app, pilot, "gt convoy list")
        assert hits[0][0] == "gt convoy list", hits
        await pilot.press("enter")
        result = app.main.query_one("#result")
        await until(pilot, lambda: result.has_class("-shown"), what="the command's result")
        assert str(result.border_title) == "gt convoy list"
        await pilot.press("escape")
        hits = await palette_hits(app, pilot, "gt sling")
        assert hits[0][0] == "gt sling", hits
        await pilot.press("enter")
        bar = app.main.query_one("#command-input")
        await until(pilot, lambda: bar.has_focus, what="the command bar")
        assert bar.value == "sling "


async def test_tab_cycles_through_candidates_and_one_enter_runs_the_line(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await booted(app, pilot)
        await pilot.press("ctrl+b", "colon", "c", "o", "tab")
        bar = app.main.query_one("#command-input")
        listed = app.main.query_one("#completions")
        assert listed.has_class("-shown") and bar.value == "co"
        names = [listed.get_option_at_index(i).prompt.plain.split()[0]
                 for i in range(listed.option_count)]
        assert names[:4] == ["completion", "config", "convoy", "costs"], names
        # The descriptions start in one column.
        prompts = [listed.get_option_at_index(i).prompt.plain for i in range(len(names))]
        columns = {len(p) - len(p[len(n):].lstrip()) for p, n in zip(prompts, names)}
        assert len(columns) == 1, prompts
        await pilot.press("tab")
        assert bar.value == "completion" and listed.highlighted == 0
        await pilot.press("tab")
        assert bar.value == "config" and listed.has_class("-shown")
        await pilot.press("shift+tab")
        assert bar.value == "completion"
        await pilot.press("down", "down")
        assert bar.value == "convoy"
        await pilot.press("space", "l", "i", "tab")  # typing goes on from the candidate
        assert bar.value == "convoy list "
        await pilot.press("ctrl+u", *"convoy", "space", "tab", "tab")
        assert listed.has_class("-shown") and bar.value.startswith("convoy ")
        await pilot.press("enter")  # one Enter runs what the line shows
        result = app.main.query_one("#result")
        await until(pilot, lambda: result.has_class("-shown"), what="the result")
        assert str(result.border_title) == f"gt {bar.value.strip()}"
        assert not app.main.query_one("#commandbar").has_class("-open")
