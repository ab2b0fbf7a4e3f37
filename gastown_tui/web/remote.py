"""Terminals seen from another process: the host's screens mirrored into local `term` screens.

The host's `screens` request answers with the screens that changed since the versions the
caller knows (ANSI lines, cursor, a few modes). Each one is drawn into a local `Screen` (as wide
as the agent's, at most as tall as its pane) by cursor-addressed writes of the rows that differ,
so the app's own `TerminalPane` renders it unchanged and only changed rows are redrawn. The
agent's terminal keeps its size: it belongs to the host's own view. No Textual here.
"""

from __future__ import annotations

from typing import Any

from ..term.screen import Screen

HISTORY = 0  # a mirror has no scrollback of its own: rows are written in place, never scrolled


def window(lines: list[str], cursor_y: int, height: int) -> list[int]:
    """The rows (indices into `lines`) a pane `height` rows tall shows: all of them when they
    fit; else runs of blank rows shrink to one (full-screen agent UIs keep their log at the top
    and their input box at the bottom, with nothing between), and the window follows the cursor
    (an agent's input box, a shell's last line), as a glance needs."""
    if len(lines) <= height:
        return list(range(len(lines)))
    kept = [i for i, line in enumerate(lines)
            if line.strip() or i == cursor_y or i == 0 or lines[i - 1].strip()]
    at = kept.index(cursor_y) if cursor_y in kept else len(kept) - 1
    top = min(max(0, at - height + 1), max(0, len(kept) - height))
    return kept[top:top + height]


class RemoteScreen:
    """One agent's screen as last reported by the host, seen through a window as tall as the
    pane showing it (see `window`)."""

    def __init__(self, cols: int, rows: int) -> None:
        self.screen = Screen(cols, rows, history=HISTORY)
        self.lines: list[str] = [""] * rows
        self.version: str | None = None
        self.view_rows: int | None = None
        self.top = 0
        self._snap: dict[str, Any] = {"cols": cols, "rows": rows, "lines": []}

    def apply(self, snap: dict[str, Any]) -> set[int] | None:
        """Bring the mirror up to `snap`; the rows that changed, or None when it was rebuilt."""
        self._snap = snap
        self.version = snap.get("version")
        return self._draw()

    def set_view(self, rows: int) -> set[int] | None | bool:
        """The pane is `rows` tall now; False when that changes nothing."""
        if rows < 1 or rows == self.view_rows:
            return False
        self.view_rows = rows
        return self._draw()

    def _draw(self) -> set[int] | None:
        snap = self._snap
        cols, rows = int(snap["cols"]), int(snap["rows"])
        height = min(rows, self.view_rows or rows)
        rebuilt = (cols, height) != (self.screen.columns, self.screen.lines)
        if rebuilt:
            self.screen = Screen(cols, height, history=HISTORY)
            self.lines = [""] * height
        x, y, visible = snap.get("cursor") or (0, 0, True)
        x, y = int(x), int(y)
        full = list(snap.get("lines") or [])[:rows]
        full += [""] * (rows - len(full))
        shown = window(full, y, height)
        self.top = shown[0]
        lines = [full[i] for i in shown] + [""] * (height - len(shown))
        y = shown.index(y) if y in shown else 0
        out = []
        for row, line in enumerate(lines):
            if line != self.lines[row]:
                # Reset the pen and clear the row first: a line's text ends in the default style.
                out.append(f"\x1b[{row + 1};1H\x1b[0m\x1b[2K{line}")
        out.append(f"\x1b[0m\x1b[{y + 1};{min(x, cols - 1) + 1}H")
        out.append("\x1b[?25h" if visible else "\x1b[?25l")
        out.append("\x1b[?1h" if snap.get("app_cursor") else "\x1b[?1l")
        out.append("\x1b[?2004h" if snap.get("bracketed_paste") else "\x1b[?2004l")
        self.screen.feed("".join(out).encode())
        self.lines = lines
        changed = set(self.screen.dirty)
        self.screen.clear_dirty()
        return None if rebuilt else changed


class RemoteScreens:
    """Every mirrored screen by session name, and the versions to ask the host about."""

    def __init__(self) -> None:
        self.screens: dict[str, RemoteScreen] = {}
        self.names: list[str] = []  # every live session, mirrored or not

    def known(self) -> dict[str, str]:
        return {name: r.version for name, r in self.screens.items() if r.version is not None}

    def apply(self, reply: dict[str, Any]) -> tuple[dict[str, set[int] | None], list[str]]:
        """Apply a `screens` reply: (changed rows by name, names that are gone)."""
        changed: dict[str, set[int] | None] = {}
        for name, snap in (reply.get("screens") or {}).items():
            mirror = self.screens.get(name)
            if mirror is None:
                mirror = self.screens[name] = RemoteScreen(int(snap["cols"]), int(snap["rows"]))
                mirror.apply(snap)
                changed[name] = None
            else:
                changed[name] = mirror.apply(snap)
        self.names = list(reply.get("names") or [])
        live = set(self.names)
        gone = [name for name in self.screens if name not in live]
        for name in gone:
            del self.screens[name]
        return changed, gone

    def clear(self) -> list[str]:
        gone = list(self.screens)
        self.screens.clear()
        self.names = []
        return gone
