"""The Review view as a screen of the app (`ctrl+b r`, or Enter in the sidebar's Review panel):
the merge queue beside the diff of the chosen request or hook (`widgets/review.py`). A
person's verbs run as `gt mq approve/reject` (`reviewing.run_verb`); Escape from the queue
goes back to the panes."""

from __future__ import annotations

from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.screen import Screen

from ..widgets.review import ReviewView


class ReviewScreen(Screen[None]):
    CSS_PATH = "review.tcss"

    def __init__(self, source: Any, select: str | None = None, poll_seconds: float = 2.0):
        super().__init__()
        self.source = source
        self.poll_seconds = poll_seconds
        self.view = ReviewView(source, select=select, id="review")

    def compose(self) -> ComposeResult:
        yield self.view

    def on_mount(self) -> None:
        # The queue moves by itself (gates pass, agents resubmit): look again now and then.
        self.set_interval(self.poll_seconds, self.view.reload)
        self.view.queue.focus()

    def on_unmount(self) -> None:
        self.source.close()

    def on_review_view_closed(self, message: ReviewView.Closed) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        """Back to the panes from any part of the view (a prefix key that acts on them)."""
        self.dismiss(None)

    def on_review_view_verb(self, message: ReviewView.Verb) -> None:
        self.run_verb(message.verb, message.key, message.note)

    @work(group="review-verbs")
    async def run_verb(self, verb: str, key: str, note: str) -> None:
        from ..reviewing import run_verb

        done, said = await run_verb(self.app.runner(), verb, key, note)
        if not self.view.live:
            return
        self.notify(said, severity="information" if done else "error", timeout=4)
        self.view.action_reload()
        self.app.request_refresh(0)
