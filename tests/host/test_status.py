"""`gt status` against a live host: agents' states come from the host, a stalled agent is
the oldest stalled and needs you, and today's cost comes from its Claude transcript."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os

from host_helpers import async_wait_for, new_issue, run_gt

from gastown_tui.host.host import Host
from gastown_tui.town import find_town
from gastown_tui.town.config import set_agent
from gastown_tui.town.transcripts import claude_folder


def test_status_from_a_live_host_and_after_it(town, tmp_path):
    set_agent(town, "sleeper", "sh -c 'sleep 30'")
    issue = new_issue(town, "Quiet work")
    home = tmp_path / "home"
    env = {"HOME": str(home), "CLAUDE_CONFIG_DIR": "", "CODEX_HOME": "", "GEMINI_CLI_HOME": ""}

    def status() -> dict:
        return json.loads(run_gt(town.root, "status", "--json", env=env, check=True).stdout)

    async def main():
        host = Host(find_town(town.root, {}), mode="test",
                    environ={**os.environ, "GT_STALL_SECONDS": "0.3", "GT_WATCH_SECONDS": "0.1"})
        seen: list[dict] = []
        host.subscribe(seen.append)
        await host.start()
        try:
            [slung] = await host.sling([issue], "demo", agent="sleeper")
            worktree = town.rig("demo").polecats_dir / slung.polecat
            entry = {"type": "assistant", "cwd": str(worktree), "requestId": "req_1",
                     "timestamp": dt.datetime.now(dt.timezone.utc).isoformat(),
                     "message": {"id": "msg_1", "model": "claude-sonnet-4-5-20250929",
                                 "usage": {"input_tokens": 1000, "output_tokens": 2000,
                                           "cache_creation_input_tokens": 0,
                                           "cache_read_input_tokens": 0}}}
            session = home / ".claude/projects" / claude_folder(str(worktree)) / "s.jsonl"
            session.parent.mkdir(parents=True)
            session.write_text(json.dumps(entry) + "\n")
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
        finally:
            await host.stop()

    asyncio.run(main())
    after = status()
    assert after["live"] is False and after["rigs"][0]["agents"] == {"suspended": 1}
    text = run_gt(town.root, "status", env=env, check=True).stdout
    assert "no host runs: agents from the ledger's hooks" in text and "1 suspended" in text
