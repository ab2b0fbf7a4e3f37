"""The dashboard's Review tab on a town whose merge requests wait for a person's review: a
read-only dashboard shows them and refuses to approve or send back; another approves."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from gastown_tui.web.app import DashboardApp
from web_helpers import clean_env

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "town"))
from mq_helpers import Work, sample_repo  # noqa: E402


@pytest.fixture
def work(tmp_path: Path) -> Work:
    """Two merge requests gated by the refinery (in process) and waiting for review."""
    work = Work(tmp_path / "town", sample_repo(tmp_path / "sample"))
    work.set("merge.review", "human")
    work.finished("Sign in", {"login.py": "def login():\n    return True\n"})
    work.finished("Notes", {"notes.txt": "remember\n"})
    work.run()
    return work


async def until(check, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


def test_review_tab_approves_and_a_read_only_one_refuses(work, tmp_path):
    from gastown_tui.town import mq
    from gastown_tui.ui.widgets.review import ReviewView

    first, second = (m.id for m in mq.rig_mrs(work.rig))

    async def review(read_only: bool) -> list[str]:
        app = DashboardApp(work.town.root, read_only=read_only,
                           environ=clean_env(HOME=str(tmp_path)))
        async with app.run_test(size=(160, 45)) as pilot:
            view = app.query_one(ReviewView)
            await until(lambda: app.view.merges)
            await pilot.press("f4")
            await until(lambda: view.diff is not None and view.shown.key == first)
            assert [(r.key, r.label) for r in view.rows if r.is_mr] == [
                (first, "waiting review"), (second, "waiting review")]
            assert [f.path for f in view.diff.files] == ["login.py"]
            await pilot.press("a")
            if read_only:
                await pilot.press("j")
                await until(lambda: view.shown.key == second)
                await pilot.press("x")
                await pilot.pause(0.3)
                assert len(app.screen_stack) == 1  # no note asked for
            else:
                await until(lambda: any("approved" in n.message for n in app._notifications))
            return [n.message for n in app._notifications]

    said = asyncio.run(review(read_only=True))
    assert any("read-only dashboard: approve is off" in m for m in said)
    assert any("read-only dashboard: reject is off" in m for m in said)
    assert [(m.state, m.approved_by) for m in mq.rig_mrs(work.rig)] == [("review", None)] * 2

    said = asyncio.run(review(read_only=False))
    assert any(f"{first} approved: it merges next" in m for m in said)
    mr = mq.find_mr(work.town, first)[1]
    # Approved and queued to merge as tested: without a host the refinery waits for one.
    assert (mr.state, mr.approved_by) == ("queued", "overseer")
