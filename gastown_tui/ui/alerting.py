"""The app tells its own terminal about a notice the host decided on (`host/notifier.py`), so
a person whose terminal is behind other windows hears of it: OSC 9, OSC 777 or the bell, as
that terminal takes them (`term/alerts.py`), wrapped for tmux's passthrough inside tmux."""

from __future__ import annotations

import asyncio
from typing import Any

from ..term.alerts import choose, sequence
from ..town.notify import TITLE


class TerminalAlerts:
    def __init__(self, environ: dict[str, str], setting: str) -> None:
        self.environ = environ
        self.setting = setting if isinstance(setting, str) else "auto"
        self.method: tuple[str, bool] | None = None

    async def alert(self, app: Any, event: dict) -> None:
        if self.method is None:
            # Asking tmux what the outer terminal is runs two commands: off the UI's thread.
            self.method = await asyncio.to_thread(choose, self.environ, self.setting)
        method, wrap = self.method
        seq = sequence(method, TITLE, str(event.get("text") or ""), wrap)
        driver = getattr(app, "_driver", None)
        if seq and driver is not None:
            driver.write(seq)
