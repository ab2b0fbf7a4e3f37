"""Notifications as plain text: toasts quote stored text and errors (a landed convoy's title,
a new mail's subject, what the host said about an agent), and Textual reads a toast's message
as markup. A title `[/]` would break the toast and `[@click=app.quit]` would make it a button,
so the app and the dashboard show every message literally, controls as marks (`visible`)."""

from __future__ import annotations

from typing import Any

from ..visible import visible


class PlainNotices:
    """A mixin of the app and of the dashboard, before `App`. Widgets' `notify` ends here too,
    so `markup` is ignored: none of this project's notices is written in markup."""

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        super().notify(visible(str(message), lines=True), title=visible(str(title)),
                       severity=severity, timeout=timeout, markup=False)
