"""HostBanner: a strip across the top of the main screen while the town's host is down (it died
under an attached app): what happened and the key that starts it again. It takes no focus and
asks nothing, so the panes' last screens and the panels stay there to read; it goes when the
host is back."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from ...visible import visible


class HostBanner(Static):
    DEFAULT_CSS = """
    HostBanner {
        dock: top;
        height: auto;
        padding: 0 1;
        background: $error;
        color: auto 90%;
        display: none;
    }
    HostBanner.-shown { display: block; }
    """

    def show(self, message: str, key: str = "", action: str = "") -> None:
        """Show `message`, then `key` (bold) and what it does."""
        line = Content(visible(message))
        if key:
            line = Content.assemble(line, "  ", Content.styled(key, "bold"), " ",
                                    Content(action))
        self.update(line)
        self.add_class("-shown")

    def hide(self) -> None:
        self.remove_class("-shown")

    @property
    def shown(self) -> bool:
        return self.has_class("-shown")
