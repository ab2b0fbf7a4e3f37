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
