"""Truecolour in a terminal with 256 or 16 colours (`ui/color_depth.py`): the colours Claude Code,
Codex and Gemini CLI draw with land on the nearest colour that looks alike, by CIEDE2000 over
xterm's cube and grey ramp, or, with 16 colours, on their hue's name as the programs' own ANSI
themes name them; and that is what the app sends the terminal."""

from __future__ import annotations

import random
import re

import pytest
from rich.color import Color, ColorSystem
from rich.console import Console
from snapshot_apps.program_colours import LINES, make_app

from gastown_tui.ui.color_depth import ciede2000, lab, nearest_16, nearest_256, xterm_256

# Dark themes' diff backgrounds and accents, light themes' too, and the 256-colour index that
# looks nearest. Rich's own downgrade (what Textual did) in the comment where it differs.
NEAREST_256 = {
    # Claude Code, `dark` and `light`
    (34, 92, 43): 22,         # added line
    (122, 41, 54): 52,        # removed line (Rich: 89, a magenta)
    (215, 119, 87): 173,      # its orange
    (78, 186, 101): 71,       # success
    (255, 107, 128): 204,     # error
    (255, 193, 7): 214,       # warning
    (177, 185, 249): 147,     # permission
    (105, 219, 124): 78,      # light: added line
    (255, 168, 180): 217,     # light: removed line
    # Codex
    (74, 34, 29): 52,         # removed line
    (33, 58, 43): 236,        # added line: a grey this dark and muted looks nearest (Rich: 22)
    (218, 251, 225): 194,     # light: added line
    (255, 235, 233): 224,     # light: removed line
    # Gemini CLI
    (40, 53, 11): 22,         # added line
    (67, 0, 0): 52,           # removed line
    (30, 30, 46): 234,        # its background (Rich: 16, black)
    (137, 180, 250): 111,     # blue accent
    (203, 166, 247): 183,     # purple
    (166, 227, 161): 114,     # green (Rich: 151, a grey-green)
    (243, 139, 168): 211,     # red
    (198, 234, 216): 194,     # light: added line (Rich: 188, a grey)
    (255, 204, 204): 224,     # light: removed line
}

# The ANSI colour each program gives the same colour in its own 16-colour theme: Claude
# Code's `dark-ansi`/`light-ansi`, Gemini CLI's `ansi` (which uses no bright variants), and
# Codex's plain green and red for its lines.
ANSI_NAME = {
    (175, 135, 255): 13, (253, 93, 177): 13, (215, 119, 87): 9, (177, 185, 249): 12,
    (72, 150, 140): 14, (71, 130, 200): 4, (78, 186, 101): 10, (255, 107, 128): 9,
    (255, 193, 7): 11, (34, 92, 43): 2, (122, 41, 54): 1, (105, 72, 77): 1,
    (56, 166, 96): 10, (179, 89, 107): 9,
    (135, 0, 255): 5, (255, 0, 135): 5, (87, 105, 247): 4, (0, 102, 102): 6, (44, 122, 57): 2,
    (171, 43, 63): 1, (150, 108, 30): 3, (105, 219, 124): 2, (255, 168, 180): 1,
    (199, 225, 203): 2, (253, 210, 216): 1, (47, 157, 68): 10, (209, 69, 75): 9,
    (137, 180, 250): 4, (203, 166, 247): 5, (137, 220, 235): 6, (166, 227, 161): 2,
    (249, 226, 175): 3, (243, 139, 168): 1, (40, 53, 11): 2, (67, 0, 0): 1,
    (59, 130, 246): 4, (139, 92, 246): 5, (6, 182, 212): 6, (60, 168, 75): 2,
    (213, 164, 10): 3, (221, 76, 76): 1, (198, 234, 216): 2, (255, 204, 204): 1,
    (33, 58, 43): 2, (74, 34, 29): 1, (218, 251, 225): 2,
}
# So pale or grey that they read as a grey: Claude's dimmed added line and Codex's light
# removed line, which Codex itself draws without a background with 16 colours.
READ_AS_GREY = {(71, 88, 74), (255, 235, 233)}


@pytest.mark.parametrize("rgb, index", NEAREST_256.items())
def test_256_colours_nearest_by_how_they_look(rgb, index):
    assert nearest_256(rgb) == index, (rgb, xterm_256(nearest_256(rgb)), xterm_256(index))


def test_every_colour_of_the_table_is_itself_and_the_shortlist_keeps_the_best():
    assert all(nearest_256(xterm_256(n)) == n for n in range(16, 256))
    rng = random.Random(13)
    for _ in range(300):
        rgb = tuple(rng.randrange(256) for _ in range(3))
        target = lab(rgb)
        best = min(ciede2000(target, lab(xterm_256(n))) for n in range(16, 256))
        assert ciede2000(target, lab(xterm_256(nearest_256(rgb)))) <= best + 0.1, rgb


@pytest.mark.parametrize("rgb, name", ANSI_NAME.items())
def test_16_colours_keep_the_hue_the_programs_give_it(rgb, name):
    assert nearest_16(rgb) % 8 == name % 8, (rgb, nearest_16(rgb), name)


def test_16_colours_dark_lines_are_the_normal_colours_and_light_accents_bright():
    assert [nearest_16(c) for c in [(34, 92, 43), (122, 41, 54), (33, 58, 43), (74, 34, 29),
                                    (40, 53, 11), (67, 0, 0)]] == [2, 1, 2, 1, 2, 1]
    assert [nearest_16(c) for c in [(78, 186, 101), (255, 107, 128), (255, 193, 7),
                                    (177, 185, 249)]] == [10, 9, 11, 12]
    assert {nearest_16(c) for c in READ_AS_GREY} <= {0, 7, 8, 15}
    assert [nearest_16(c) for c in [(0, 0, 0), (18, 18, 18), (127, 127, 127),
                                    (229, 229, 229), (255, 255, 255)]] == [0, 0, 8, 7, 15]


def has(sgr: str, code: str) -> bool:
    return re.search(rf"(^|;){code}($|;)", sgr) is not None


def sgr_of(output: str, label: str) -> str:
    """The SGR parameters the app sent just before `label`."""
    found = re.search(r"\x1b\[([0-9;]*)m" + re.escape(label), output)
    assert found, f"{label} not drawn"
    return found.group(1)


async def drawn(color_system: str | None) -> str:
    """Everything the app sends a terminal with that many colours for one full frame."""
    app = make_app(color_system)
    console = Console(color_system={"256": "256", "standard": "standard"}.get(
        color_system, "truecolor"), force_terminal=True, legacy_windows=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.pause()
        return app.screen._compositor.render_update(full=True).render_segments(console)


async def test_the_app_sends_a_256_colour_terminal_the_nearest_colours():
    output = await drawn("256")
    for label, (part, r, g, b) in LINES.items():
        assert has(sgr_of(output, label), f"{part};5;{nearest_256((r, g, b))}"), label
    assert has(sgr_of(output, "claude-added"), "48;5;22")
    assert has(sgr_of(output, "claude-removed"), "48;5;52")
    assert "48;2;" not in output and "38;2;" not in output   # no truecolour left anywhere


async def test_the_app_sends_a_16_colour_terminal_the_hue_names():
    output = await drawn("standard")
    assert has(sgr_of(output, "claude-added"), "42")       # green background
    assert has(sgr_of(output, "codex-removed"), "41")      # red background
    assert has(sgr_of(output, "claude-orange"), "91")      # bright red text
    assert not re.search(r"[34]8;[25];", output)                         # 16 colours only


async def test_a_truecolour_terminal_gets_the_colours_as_they_are():
    output = await drawn(None)
    assert has(sgr_of(output, "claude-added"), "48;2;34;92;43")


def test_where_richs_rounding_went_wrong():
    """The old path (Rich's downgrade, which Textual uses) on these programs' colours."""
    rich = {rgb: Color.from_rgb(*rgb).downgrade(ColorSystem.EIGHT_BIT).number
            for rgb in NEAREST_256}
    assert rich[(30, 30, 46)] == 16 and rich[(122, 41, 54)] == 89
