"""The Review view on a real town: merge requests made by `gt done` (in process, as
tests/town/test_mq.py makes them) on a rig with `merge.review = human`, gated by the refinery of
the app's own host; the view lists them, shows their diffs, approves one (it merges) and sends
one back with a note (the issue returns to its hook, the agent is told)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from hostile_text import CATALOGUE, assert_safe
from ui_helpers import rendered, until

from gastown_tui.town.diffs import Diff, FileDiff, Hunk
from gastown_tui.ui.app import AppOptions, GastownApp
from gastown_tui.ui.model import TownView
from gastown_tui.ui.reviewing import FixedReview, ReviewRow, event_toast
from gastown_tui.ui.screens.prompt import PromptScreen
from gastown_tui.ui.screens.review import ReviewScreen

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "town"))
from mq_helpers import Work, sample_repo  # noqa: E402

LOGIN = {"login.py": "def login(name):\n    return name == 'admin'\n",
         "README.md": "# sample\n\nSign in with login().\n"}
NOTES = {"notes.txt": "remember the milk\n"}


@pytest.fixture
def work(tmp_path: Path) -> Work:
    work = Work(tmp_path / "town", sample_repo(tmp_path / "sample"))
    work.set("merge.review", "human")
    return work


async def test_review_shows_the_queue_and_diffs_approves_and_sends_back(work, environ):
    from gastown_tui.town import inbox, mq

    login, login_slung, _ = work.finished("Sign in", LOGIN)
    notes, notes_slung, _ = work.finished("Notes", NOTES)
    first, second = (mq.mr_for_issue(work.rig, i).id for i in (login, notes))
    app = GastownApp(AppOptions(town_root=work.town.root, environ=environ, poll_seconds=0.5,
                                embedded=True))
    async with app.run_test(size=(160, 44)) as pilot:
        # The host's refinery gates both; each then waits for a person: a toast, the count.
        await until(pilot, lambda: sum(m.state == "waiting review" for m in app.view.merges)
                    == 2, timeout=30, what="two merge requests waiting for review")
        assert any(n.title == "review waiting" and first in n.message
                   for n in app._notifications)
        await until(pilot, lambda: "◆ 2 to review" in rendered(app), what="the status count")
        assert {h.agent: h.merge for h in app.view.hooks} == {
            f"demo/{login_slung.polecat}": "waiting review",
            f"demo/{notes_slung.polecat}": "waiting review"}

        await pilot.press("ctrl+b", "r")
        screen = await until(pilot, lambda: isinstance(app.screen, ReviewScreen)
                             and app.screen, what="the Review view")
        view = screen.view
        await until(pilot, lambda: view.diff is not None and view.shown.key == first,
                    what="the first request's diff")
        assert [(r.key, r.label) for r in view.rows if r.is_mr] == [
            (first, "waiting review"), (second, "waiting review")]
        assert [(f.path, f.added, f.removed) for f in view.diff.files] == [
            ("README.md", 2, 0), ("login.py", 2, 0)]
        shown = rendered(app)
        assert "login.py +2 -0" in shown and "+4 -0 in 2 files" in shown
        assert "    return name == 'admin'" in shown
        await pilot.press("tab", "n")
        assert app.focused is view.files and view.files.highlighted == 1
        await pilot.press("shift+tab")

        await pilot.press("a")
        await until(pilot, lambda: mq.find_mr(work.town, first)[1].state == "merged",
                    timeout=15, what="the approved request to merge")
        assert (work.main().tree / "login.py").data.startswith(b"def login")
        assert work.rig.ledger().get(login).status == "closed"

        await until(pilot, lambda: [r.key for r in view.rows if r.state == "review"]
                    == [second], what="the queue read again")
        await pilot.press("home")
        await until(pilot, lambda: view.shown is not None and view.shown.key == second,
                    what="the second request chosen")
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="the note prompt")
        await pilot.press(*"use docs/", "enter")
        await until(pilot, lambda: mq.find_mr(work.town, second)[1].state == "rejected",
                    timeout=15, what="the request sent back")
        mr = mq.find_mr(work.town, second)[1]
        assert mr.reason == "overseer: use docs/"
        # Back on its hook, the agent mailed and (by the host) nudged with the note.
        assert work.rig.ledger().get(notes).status == "hooked"
        agent = f"demo/polecats/{notes_slung.polecat}"
        assert any("use docs/" in m.body for m in inbox(work.town, agent))
        await until(pilot, lambda: mq.find_mr(work.town, second)[1].told, timeout=30,
                    what="the host to tell the agent")

        # Its hook is live again: its worktree as it is now, before the next `gt done`.
        (Path(notes_slung.worktree) / "todo.md").write_text("- docs/\n")
        await pilot.press("r")
        hook = f"demo/polecats/{notes_slung.polecat}"
        await until(pilot, lambda: any(r.key == hook for r in view.rows), what="the hook row")
        view.select(hook)
        await until(pilot, lambda: view.diff is not None and view.shown.key == hook,
                    what="the hook's diff")
        assert [f.path for f in view.diff.files] == ["notes.txt", "todo.md"]
        await pilot.press("escape")
        assert app.screen is app.main
        await app.stop_town()


def test_toasts_for_requests_sent_back_and_waiting_not_for_a_persons_own_verbs():
    back = event_toast({"kind": "mr_rejected", "mr": "de-mr-1", "issue": "de-1",
                        "state": "gate_failed", "reason": "the gate `pytest` failed"})
    assert back == ("de-mr-1 (de-1) went back to its agent (gate failed): the gate `pytest` "
                    "failed", "merge request sent back", "warning")
    waiting = event_toast({"kind": "mr_review", "mr": "de-mr-2"}, "C-b r")
    assert waiting[0] == "de-mr-2 passed its gate and waits for your review; C-b r to review it"
    assert event_toast({"kind": "mr_rejected", "mr": "de-mr-1", "by": "overseer"}) is None
    assert event_toast({"kind": "mr_merged", "mr": "de-mr-3"}) is None


async def test_the_review_view_shows_stored_text_as_marks(environ):
    """Titles, reasons, agents, branches, paths and file contents: their controls as marks,
    their markup as text, one queue row per request."""
    texts = list(CATALOGUE.values())
    rows = [ReviewRow(f"r-mr-{i}", "mr", "held", "held", "r", text, "r-1", f"r/polecats/{text}",
                      text, text, text) for i, text in enumerate(texts)]
    diff = Diff(texts[0], "0" * 40, "1" * 40, [
        FileDiff(f"{i}{text}", None, "added", 1, 0, hunks=[Hunk(f"@@ -0,0 +1 @@ {text}",
                                                                [("+", text)])])
        for i, text in enumerate(texts)])
    app = GastownApp(AppOptions(environ=environ, live=False, view=TownView(town="t"),
                                review=FixedReview(rows, {"r-mr-0": diff})))
    async with app.run_test(size=(160, 60)) as pilot:
        await pilot.press("ctrl+b", "r")
        view = await until(pilot, lambda: isinstance(app.screen, ReviewScreen)
                           and app.screen.view.diff is not None and app.screen.view,
                           what="the diff of the first request")
        queue = view.queue
        for i in range(queue.option_count):
            prompt = queue.get_option_at_index(i).prompt
            assert prompt.plain.count("\n") == 1, prompt.plain
            assert not any("@click" in str(span.style) or "link" in str(span.style)
                           or "red" in str(span.style) for span in prompt.spans)
        assert_safe(rendered(app), where="the Review view")
        for _ in range(3):
            await pilot.press("tab")
            assert_safe(rendered(app), where="the Review view")
        view.diff_view.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        assert_safe(rendered(app), where="the end of the diff")
