"""An attached app shows what the app running the host in process shows (`gt app --embedded`):
vim, less, top, a curses program and a 256-colour and truecolour chart, compared row by row
(text and style runs, cursor, modes) and as the panes draw them; and window sizes follow the
town's `window_size` rule between the two apps."""

from __future__ import annotations

from ui_helpers import until

from gastown_tui.ui.app import AppOptions, GastownApp

CURSES = r'''
import curses
def main(s):
    curses.start_color(); curses.use_default_colors()
    for i in range(1, 8):
        curses.init_pair(i, i, -1)
    s.box()
    for i in range(1, 8):
        s.addstr(i, 2, f"colour pair {i}", curses.color_pair(i) | (curses.A_BOLD if i % 2 else 0))
    s.addstr(9, 2, "curses-ready", curses.A_REVERSE | curses.A_UNDERLINE)
    s.refresh(); s.getch()
curses.wrapper(main)
'''
CHART = (r"for i in $(seq 0 255); do printf '\e[48;5;%dm %3d\e[0m' $i $i; "
         r"[ $(( (i+1) % 16 )) = 0 ] && echo; done; "
         r"for r in 0 64 128 192 255; do for g in 0 85 170 255; do "
         r"printf '\e[38;2;%d;%d;200m#%02x%02x\e[0m ' $r $g $r $g; done; echo; done; "
         r"echo chart-done")


def same(a, b) -> bool:
    """The two screens alike: size, every row's runs, cursor and the input modes."""
    if (a.columns, a.lines) != (b.columns, b.lines):
        return False
    if any(a.row_runs(y) != b.row_runs(y) for y in range(a.lines)):
        return False
    ma, mb = a.modes, b.modes
    return ((a.cursor_x, a.cursor_y, a.cursor_hidden) == (b.cursor_x, b.cursor_y,
                                                           b.cursor_hidden)
            and (ma.application_cursor, ma.bracketed_paste, ma.mouse, ma.alternate)
            == (mb.application_cursor, mb.bracketed_paste, mb.mouse, mb.alternate))


def drawn(pane) -> list:
    return [[(seg.text, seg.style) for seg in pane.render_line(y)]
            for y in range(pane.size.height)]


async def test_attached_and_embedded_apps_show_the_same_screens(town_root, environ, tmp_path):
    from gastown_tui.town import find_town
    from gastown_tui.town.config import set_agent
    from gastown_tui.ui import acting

    (tmp_path / "notes.py").write_text("".join(f"def f{i}(x):\n    return x * {i}  # n{i}\n"
                                               for i in range(60)))
    (tmp_path / "curses_demo.py").write_text(CURSES)
    town = find_town(town_root, {})
    set_agent(town, "plainsh", "bash --norc --noprofile -i")
    environ = dict(environ, PS1="$ ", LANG="C.UTF-8", TERM="xterm-256color")
    bead = town.rig("demo").ledger().ready()[0].id
    embedded = GastownApp(AppOptions(town_root=town_root, environ=environ, embedded=True,
                                     poll_seconds=0.5))
    async with embedded.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: embedded.api is not None, what="the host in the app")
        [slung] = await acting.sling(embedded.api, town_root, [bead], "demo", "plainsh")
        name = acting.session_of(slung)
        here = await until(pilot, lambda: embedded.main.grid.pane(name), timeout=20,
                           what="the shell's pane")
        attached = GastownApp(AppOptions(town_root=town_root, environ=environ,
                                         poll_seconds=0.5))
        async with attached.run_test(size=(120, 40)) as pilot2:
            there = await until(pilot2, lambda: attached.main.grid.pane(name), timeout=20,
                                what="the shell in the attached app")
            embedded.main.focus_pane(name)
            attached.main.focus_pane(name)
            real = embedded.host.session(name).screen
            await until(pilot, lambda: "$" in "\n".join(real.text_lines()), timeout=20,
                        what="the prompt")

            async def prompt() -> None:
                await until(pilot, lambda: real.text_lines()[real.cursor_y].strip() == "$"
                            and not real.modes.alternate, timeout=15, what="the shell again")

            async def show(command: str, marker: str) -> None:
                await prompt()
                embedded.api.type_keys(name, f"cd {tmp_path}; {command}\r".encode())
                await until(pilot, lambda: marker in "\n".join(real.text_lines()),
                            timeout=20, what=marker)
                await until(pilot2, lambda: same(real, there.screen_model), timeout=10,
                            what=f"the attached app to show {command!r} alike")
                await pilot.pause(0.2)
                await pilot2.pause(0.2)
                await until(pilot2, lambda: drawn(here) == drawn(there), timeout=5,
                            what=f"both panes to draw {command!r} alike")

            await show("vim --clean -c 'syntax on' -c 'set number' notes.py", "n12")
            assert real.modes.alternate
            embedded.api.type_keys(name, b":q!\r")
            await show("less -R notes.py", "n3")
            embedded.api.type_keys(name, b"q")
            await show("top -d 30 -n 1 -b | head -30; top -d 30", "PID")
            embedded.api.type_keys(name, b"q")
            await show("python3 curses_demo.py", "curses-ready")
            embedded.api.type_keys(name, b"x")
            await show(CHART, "chart-done")
            # Scrollback comes from the host on demand: the attached app searches it as the
            # embedded one searches its own.
            await pilot2.press("ctrl+b", "left_square_bracket")
            await until(pilot2, lambda: there.copy is not None, timeout=10,
                        what="scrollback mode in the attached app")
            assert there.copy_screen.history_size == real.history_size > 0
            await pilot2.press("slash", "P", "I", "D", "enter")  # top's header, scrolled up
            await until(pilot2, lambda: "/PID" in there.copy.message, what="the search")
            lines = there.copy_screen.history_text(real.history_size) + \
                there.copy_screen.text_lines()
            assert "PID" in lines[there.copy.cursor] and there.copy.cursor < real.history_size
            await pilot2.press("escape")
            await attached.detach_app()
        await embedded.stop_town()


async def test_terminal_size_follows_the_window_size_rule(town_root, environ):
    """Two apps of different sizes on one agent: `latest` gives it the pane of the app that
    typed last, `smallest` and `largest` the smallest or largest of both; the smaller pane
    shows a window that follows the cursor."""
    from gastown_tui.town import find_town
    from gastown_tui.town.config import set_agent, set_setting
    from gastown_tui.ui import acting

    town = find_town(town_root, {})
    set_agent(town, "plainsh", "bash --norc --noprofile -i")
    environ = dict(environ, PS1="$ ", GT_WATCH_SECONDS="0.1")
    bead = town.rig("demo").ledger().ready()[0].id
    big = GastownApp(AppOptions(town_root=town_root, environ=environ, embedded=True))
    async with big.run_test(size=(160, 50)) as pilot:
        await until(pilot, lambda: big.api is not None, what="the host in the app")
        [slung] = await acting.sling(big.api, town_root, [bead], "demo", "plainsh")
        name = acting.session_of(slung)
        large = await until(pilot, lambda: big.main.grid.pane(name), timeout=20,
                            what="the pane")
        session = big.host.session(name)
        small = GastownApp(AppOptions(town_root=town_root, environ=environ))
        async with small.run_test(size=(110, 30)) as pilot2:
            little = await until(pilot2, lambda: small.main.grid.pane(name), timeout=20,
                                 what="the pane in the smaller app")

            def size_of(pane) -> tuple[int, int]:
                return pane.size.width, pane.size.height

            small.main.focus_pane(name)
            await pilot2.press("e", "c", "h", "o", "space", "s", "enter")
            await until(pilot2, lambda: (session.cols, session.rows) == size_of(little),
                        what="latest: the smaller app typed last")
            big.main.focus_pane(name)
            await pilot.press("e", "c", "h", "o", "space", "b", "enter")
            await until(pilot, lambda: (session.cols, session.rows) == size_of(large),
                        what="latest: the bigger app typed last")
            # The smaller pane shows the rows around the cursor (the prompt at the bottom).
            big.api.type_keys(name, b"for i in $(seq 1 60); do echo row-$i; done\r")
            await until(pilot2, lambda: "row-60" in "\n".join(
                s.text for s in (little.render_line(y) for y in range(little.size.height))),
                timeout=15, what="the window to follow the cursor")
            for rule, want in (("smallest", size_of(little)), ("largest", size_of(large))):
                set_setting(town, "window_size", rule)  # as `gt config set` does
                await until(pilot2, lambda: (session.cols, session.rows) == want,
                            what=f"{rule}: {want}")
            await small.detach_app()
        await big.stop_town()
