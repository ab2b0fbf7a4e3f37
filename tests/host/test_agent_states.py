"""What an agent's screen says reaches `gt agents --json` and `gt status` through a real host
and a real pty: the question a waiting agent asks, a usage limit and when it resets. The agent
draws screens recorded from Claude Code (screen_agent.py); nothing may be typed into it while
it waits or is limited (the first prompt and wait-idle nudges wait for an idle prompt)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from datetime import datetime, timedelta
from pathlib import Path

from host_helpers import async_wait_for, run_gt

from gastown_tui.host.host import MAYOR, Host
from gastown_tui.host.mayor import mayor_start
from gastown_tui.town import find_town
from gastown_tui.town.config import set_agent

HERE = Path(__file__).resolve().parent
RECORDINGS = HERE.parent / "term" / "recordings"
ENV = {**os.environ, "GT_WATCH_SECONDS": "0.1", "GT_NUDGE_WAIT_SECONDS": "0.5"}


def _next_3pm_berlin() -> float:
    from zoneinfo import ZoneInfo

    now = datetime.now(ZoneInfo("Europe/Berlin"))
    three = now.replace(hour=15, minute=0, second=0, microsecond=0)
    return (three if three > now else three + timedelta(days=1)).timestamp()


def test_reason_and_limit_reach_gt_agents_and_nothing_is_typed_in(town, tmp_path):
    typed = tmp_path / "typed"
    screens = [RECORDINGS / f"claude_{n}_80x24.screen" for n in ("permission", "limit_waiting")]
    set_agent(town, "claude", " ".join([sys.executable, str(HERE / "screen_agent.py"),
                                        str(typed), *map(str, screens)]))

    async def agents() -> dict:
        out = await asyncio.to_thread(run_gt, town.root, "agents", "--json")
        assert out.returncode == 0, out.stderr
        return {row["name"]: row for row in json.loads(out.stdout)}

    async def main():
        host = Host(find_town(town.root, {}), mode="test", environ=ENV)
        await host.start()
        try:
            await mayor_start(host, "claude")
            await async_wait_for(lambda: str(host.session(MAYOR).state) == "waiting", 10,
                                 what="the permission prompt")
            row = (await agents())[MAYOR]
            assert (row["state"], row["reason"], row["resets_at"]) == (
                "waiting", "permission: Bash(rm -rf build/)", None)
            status = await asyncio.to_thread(run_gt, town.root, "status", "--json")
            assert status.returncode == 0, status.stderr
            assert {"kind": "agent", "key": MAYOR, "text": "mayor is waiting: permission: "
                    "Bash(rm -rf build/)"} in json.loads(status.stdout)["needs"]

            os.kill(host.session(MAYOR).pid, signal.SIGUSR1)
            await async_wait_for(lambda: str(host.session(MAYOR).state) == "limited", 10,
                                 what="the usage limit")
            before = _next_3pm_berlin()
            row = (await agents())[MAYOR]
            assert (row["state"], row["reason"]) == ("limited", "session limit")
            assert row["resets_at"] in (before, _next_3pm_berlin())  # 3pm may pass meanwhile
            text = await asyncio.to_thread(run_gt, town.root, "agents")
            assert "session limit, until " in text.stdout

            nudge = await host.nudge(MAYOR, "are you there?", "wait-idle")
            assert nudge["queued"] and not nudge["delivered"]
            await asyncio.sleep(0.5)
            assert not typed.exists() or typed.read_bytes() == b""
        finally:
            await host.stop()

    asyncio.run(main())


def test_the_trust_questions_of_current_releases_are_answered():
    from gastown_tui.host.presets import dialog_for

    for agent in ("claude", "codex", "gemini"):
        for size in ("80x24", "120x40"):
            screen = (RECORDINGS / f"{agent}_trust_{size}.screen").read_text()
            dialog = dialog_for(agent, screen.partition("---\n")[2], set())
            assert dialog is not None and dialog.name == "folder trust", (agent, size)
        prompt = (RECORDINGS / f"{agent}_prompt_80x24.screen").read_text()
        assert dialog_for(agent, prompt.partition("---\n")[2], set()) is None
