"""`gt status` against a live host: agents' states come from the host, a stalled agent is
the oldest stalled and needs you, and today's cost comes from its Claude transcript."""

from __future__ import annotations

import asyncio
import json
import os

from host_helpers import async_wait_for, new_issue, run_gt, running_host
from transcript_sample import write_one_reply

from gastown_tui.town import find_town
from gastown_tui.town.config import set_agent


def test_status_from_a_live_host_and_after_it(town, tmp_path):
    set_agent(town, "sleeper", "sh -c 'sleep 30'")
    issue = new_issue(town, "Quiet work")
    home = tmp_path / "home"
    env = {"HOME": str(home), "CLAUDE_CONFIG_DIR": "", "CODEX_HOME": "", "GEMINI_CLI_HOME": ""}

    def status() -> dict:
        return json.loads(run_gt(town.root, "status", "--json", env=env, check=True).stdout)

    async def main():
        fast = {**os.environ, "GT_STALL_SECONDS": "0.3", "GT_WATCH_SECONDS": "0.1"}
        async with running_host(find_town(town.root, {}), fast) as (host, seen):
            [slung] = await host.sling([issue], "demo", agent="sleeper")
            write_one_reply(home, town.rig("demo").polecats_dir / slung.polecat)
            await async_wait_for(lambda: any(e["kind"] == "agent_stuck" for e in seen), 10,
                                 what="a stall that recovery did not end")
            live = await asyncio.to_thread(status)
            assert live["live"] is True and live["note"] == "agents from the running host"
            [rig] = live["rigs"]
            assert rig["agents"] == {"stuck": 1} and rig["tokens_today"] == 3000
            assert rig["cost_today"] == (1000 * 3 + 2000 * 15) / 1e6
            assert live["oldest_stalled"]["name"] == f"demo/{slung.polecat}"
            assert live["oldest_stalled"]["bead"] == issue
            assert live["needs"] == [{"kind": "agent", "key": f"demo/{slung.polecat}",
                                      "text": f"demo/{slung.polecat} is stuck on {issue}"}]

    asyncio.run(main())
    after = status()
    assert after["live"] is False and after["rigs"][0]["agents"] == {"suspended": 1}
    text = run_gt(town.root, "status", env=env, check=True).stdout
    assert "no host runs: agents from the ledger's hooks" in text and "1 suspended" in text
