"""Terminals seen from another process: the host's screens mirrored into local `term` screens.

The host's `screens` request answers with the screens that changed since the versions the
caller knows (ANSI lines, cursor, a few modes). Each one is drawn into a local `Screen` of the
same size by cursor-addressed writes of the rows that differ, so the app's own `TerminalPane`
renders it unchanged and only changed rows are redrawn. No Textual here.
"""

from __future__ import annotations

from typing import Any

from ..term.screen import Screen

HISTORY = 0  # a mirror has no scrollback of its own: rows are written in place, never scrolled


class RemoteScreen:
    """One agent's screen as last reported by the host."""

    def __init__(self, cols: int, rows: int) -> None:
        self.screen = Screen(cols, rows, history=HISTORY)
        self.lines: list[str] = [""] * rows
        self.version: str | None = None
        self.alive = True

    def apply(self, snap: dict[str, Any]) -> set[int] | None:
        """Bring the mirror up to `snap`; the rows that changed, or None when it was rebuilt."""
        cols, rows = int(snap["cols"]), int(snap["rows"])
        rebuilt = (cols, rows) != (self.screen.columns, self.screen.lines)
        if rebuilt:
            self.screen = Screen(cols, rows, history=HISTORY)
            self.lines = [""] * rows
        lines = list(snap.get("lines") or [])[:rows]
        lines += [""] * (rows - len(lines))
        out = []
        for y, line in enumerate(lines):
            if line != self.lines[y]:
                # Reset the pen and clear the row first: a line's text ends in the default style.
                out.append(f"\x1b[{y + 1};1H\x1b[0m\x1b[2K{line}")
        x, y, visible = snap.get("cursor") or (0, 0, True)
        out.append(f"\x1b[0m\x1b[{int(y) + 1};{min(int(x), cols - 1) + 1}H")
        out.append("\x1b[?25h" if visible else "\x1b[?25l")
        out.append("\x1b[?1h" if snap.get("app_cursor") else "\x1b[?1l")
        out.append("\x1b[?2004h" if snap.get("bracketed_paste") else "\x1b[?2004l")
        self.screen.feed("".join(out).encode())
        self.lines = lines
        self.version = snap.get("version")
        self.alive = bool(snap.get("alive", True))
        changed = set(self.screen.dirty)
        self.screen.clear_dirty()
        return None if rebuilt else changed


class RemoteScreens:
    """Every mirrored screen by session name, and the versions to ask the host about."""

    def __init__(self) -> None:
        self.screens: dict[str, RemoteScreen] = {}

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
        live = set(reply.get("names") or [])
        gone = [name for name in self.screens if name not in live]
        for name in gone:
            del self.screens[name]
        return changed, gone

    def clear(self) -> list[str]:
        gone = list(self.screens)
        self.screens.clear()
        return gone
