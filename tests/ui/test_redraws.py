"""When panes reach the screen: what is drawn follows every program (lines kept by SteadyLines
are never stale), and panes without focus are drawn in turns, a few per slot."""

from __future__ import annotations

from ui_helpers import BASH, BASH_ENV, rendered, screen_text, until

from gastown_tui.ui.app import AppOptions, GastownApp
from gastown_tui.ui.widgets.redraws import PANES_PER_SLOT, SLOT_S


async def start(app, pilot, *names: str) -> list:
    for name in names:
        app.mux.spawn(name, BASH, env=BASH_ENV, cols=60, rows=16)
    panes = [await until(pilot, lambda n=n: app.main.grid.pane(n), what=f"pane {n}")
             for n in names]
    for name in names:
        await until(pilot, lambda n=name: "$" in screen_text(app, n), what=f"{name}'s prompt")
    return panes


async def type_line(pilot, text: str) -> None:
    await pilot.press(*[c if c != " " else "space" for c in text], "enter")


async def test_what_is_drawn_follows_every_program(environ):
    app = GastownApp(AppOptions(environ=environ, start_host=False))
    async with app.run_test(size=(200, 50)) as pilot:
        first, second = await start(app, pilot, "first", "second")
        first.focus()
        await pilot.pause(0.1)
        # The shell computes the text, so only its output (not the typed line) matches.
        await type_line(pilot, "echo one-$((40+2))")
        await until(pilot, lambda: "one-42" in rendered(app), what="the focused pane's output")
        app.mux.write("second", "echo two-$((40+3))\r")
        await until(pilot, lambda: "two-43" in rendered(app), what="the other pane's output")
        await pilot.press("ctrl+b", "n")
        assert app.focused is second
        await type_line(pilot, "clear")
        await until(pilot, lambda: "two-43" not in rendered(app), what="the cleared pane drawn")
        assert "one-42" in rendered(app)
        await app.stop_town()


async def test_panes_without_focus_are_drawn_a_few_per_slot(environ):
    app = GastownApp(AppOptions(environ=environ, start_host=False))
    async with app.run_test(size=(200, 50)) as pilot:
        panes = await start(app, pilot, "a", "b", "c", "d")
        panes[0].focus()
        await pilot.pause(0.3)
        for name in "bcd":
            app.mux.write(name, f"echo {name}-$((6*7))\r")
        for name in "bcd":
            await until(pilot, lambda n=name: f"{n}-42" in rendered(app), what=f"{name} drawn")
        drawn = [p.background_drawn_at for p in panes[1:]]
        slots = sorted(set(drawn))
        assert all(drawn.count(slot) <= PANES_PER_SLOT for slot in slots)
        assert all(later - earlier >= SLOT_S - 0.001 for earlier, later in zip(slots, slots[1:]))
        await app.stop_town()
