"""The app's status line and the dashboard's header give `gt status`'s numbers (one function,
`town_status`), and the Agents panel shows each agent's cost today from its own records ("-"
when it has none)."""

from __future__ import annotations

import json
import subprocess

from transcript_sample import write_one_reply
from ui_helpers import rendered, until

from gastown_tui.ui.app import AppOptions, GastownApp


async def test_status_line_and_cost_column_from_gt_status(town_root, environ):
    from pathlib import Path

    env = {**environ, "GT_DEMO_STEP_SECONDS": "60", "CLAUDE_CONFIG_DIR": "",
           "GT_COSTS_SECONDS": "0.5"}
    app = GastownApp(AppOptions(town_root=town_root, environ=env, poll_seconds=0.3,
                                embedded=True))
    async with app.run_test(size=(200, 50)) as pilot:
        await until(pilot, lambda: app.host is not None, what="the host")
        beads = [w.id for w in await until(pilot, lambda: app.view.work, what="ready work")]
        slung = await app.host.sling(beads, "demo")
        paid, unpaid = (f"demo/{s.polecat}" for s in slung)
        write_one_reply(Path(env["HOME"]), town_root / "demo/polecats" / slung[0].polecat)
        cost = (1000 * 3 + 2000 * 15) / 1e6   # Sonnet's prices: $0.03
        rows = await until(pilot, lambda: {a.name: a for a in app.view.agents
                                           if a.cost}.get(paid) and app.view.agents,
                           timeout=20, what="the cost column")
        by_name = {a.name: a for a in rows}
        assert by_name[paid].cost == f"${cost:.2f}" and by_name[unpaid].cost == "-"
        assert f"${cost:.2f}" in rendered(app)
        status = await until(pilot, lambda: (s := app.view.status) is not None
                             and s.cost_today and sum(s.agents.values()) == 2 and s,
                             timeout=20, what="the status line's numbers")
        out = subprocess.run(["gt", "status", "--json"], cwd=town_root, env=env,
                             capture_output=True, text=True, timeout=60)
        shell = json.loads(out.stdout)
        assert shell["cost_today"] == status.cost_today == cost
        assert shell["queued"] == status.queued and shell["merges"] == status.merges
        assert sum(shell["agents"].values()) == sum(status.agents.values()) == 2
        line = str(app.main.status.render())
        assert "2 agents (" in line and f"today ${cost:.2f}" in line, line
        await app.stop_town()
