"""An app whose one pane shows the truecolours coding agents draw with (their dark themes' diff
backgrounds and accents), one labelled line each, for the colour-depth tests (`--256` or
`--16` picks the terminal's colours; run bare it detects them, as the app does).

The values are the programs' own: Claude Code's `dark` theme, Codex's diff backgrounds
(`codex-rs/tui` diff_render) and Gemini CLI's default dark theme."""

from __future__ import annotations

import sys

from gastown_tui.ui.app import AppOptions, GastownApp
from gastown_tui.ui.model import TownView

# label -> (SGR part: 48 background or 38 text, r, g, b)
LINES = {
    "claude-added": (48, 34, 92, 43),
    "claude-removed": (48, 122, 41, 54),
    "codex-added": (48, 33, 58, 43),
    "codex-removed": (48, 74, 34, 29),
    "gemini-added": (48, 40, 53, 11),
    "gemini-removed": (48, 67, 0, 0),
    "gemini-background": (48, 30, 30, 46),
    "claude-orange": (38, 215, 119, 87),
    "claude-success": (38, 78, 186, 101),
    "gemini-blue": (38, 137, 180, 250),
}


def screen() -> bytes:
    return "".join(f"\x1b[{part};2;{r};{g};{b}m{label}\x1b[0m\r\n"
                   for label, (part, r, g, b) in LINES.items()).encode()


def make_app(color_system: str | None = None) -> GastownApp:
    return GastownApp(AppOptions(view=TownView(town="colours"), live=False,
                                 panes={"agent": screen()}, pane_size=(60, 14),
                                 environ={"HOME": "/nonexistent-gastown-home"},
                                 color_system=color_system))


if __name__ == "__main__":
    make_app({"--256": "256", "--16": "standard"}.get(sys.argv[-1])).run()
