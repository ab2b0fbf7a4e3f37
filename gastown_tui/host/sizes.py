"""Which size an agent's terminal takes when several clients show it, as tmux's `window-size`.

Every client (an attached app, the dashboard, the app running the host in process) reports the
size of the pane it shows each agent in and says when it types into one. The town setting
`window_size` picks the terminal's size from those: `latest` (the default) the pane of the
client that typed into the agent last (before anyone typed: the one that reported last),
`smallest` or `largest` the smallest or largest columns and rows among them. With no client
showing an agent, its terminal keeps its size; an agent started again under the same name (a
handoff, a respawn) starts at the size its clients last showed it at. A pane bigger than the terminal shows it whole;
a smaller one shows a window that follows the cursor (the client's business).
"""

from __future__ import annotations

import time
from typing import Callable

RULES = ("latest", "smallest", "largest")


class WindowSizes:
    def __init__(self, resize: Callable[[str, int, int], None], rule: Callable[[], str]):
        self._resize = resize
        self.rule = rule
        # session -> client -> [cols, rows, last typed into it, last reported]
        self._views: dict[str, dict[str, list[float]]] = {}

    def report(self, client: str, name: str, cols: int, rows: int) -> None:
        view = self._views.setdefault(name, {}).setdefault(client, [0, 0, 0.0, 0.0])
        view[0], view[1], view[3] = max(1, int(cols)), max(1, int(rows)), time.monotonic()
        self.apply(name)

    def typed(self, client: str, name: str) -> None:
        view = self._views.get(name, {}).get(client)
        if view is None:
            return
        latest = self._latest(name)
        view[2] = time.monotonic()
        if latest is not view and self.rule() == "latest":
            self.apply(name)

    def forget(self, client: str) -> None:
        """A client went away: the others decide (or the terminal keeps its size)."""
        for name, views in list(self._views.items()):
            if views.pop(client, None) is not None:
                if views:
                    self.apply(name)
                else:
                    del self._views[name]

    def hide(self, client: str, name: str) -> None:
        """The client stopped showing `name`."""
        views = self._views.get(name)
        if views is not None and views.pop(client, None) is not None and views:
            self.apply(name)

    def size(self, name: str) -> tuple[int, int] | None:
        views = self._views.get(name)
        if not views:
            return None
        rule = self.rule()
        if rule == "smallest":
            return (int(min(v[0] for v in views.values())),
                    int(min(v[1] for v in views.values())))
        if rule == "largest":
            return (int(max(v[0] for v in views.values())),
                    int(max(v[1] for v in views.values())))
        view = self._latest(name)
        return int(view[0]), int(view[1])

    def apply_all(self) -> None:
        """The rule changed: every terminal a client shows takes its size again."""
        for name in list(self._views):
            self.apply(name)

    def apply(self, name: str) -> None:
        size = self.size(name)
        if size is not None:
            try:
                self._resize(name, *size)
            except LookupError:
                self._views.pop(name, None)

    def _latest(self, name: str) -> list[float] | None:
        views = self._views.get(name)
        if not views:
            return None
        return max(views.values(), key=lambda v: (v[2], v[3]))
