"""20 processes `bd update --claim` the same 50 beads at once: each bead is claimed exactly once,
every loser gets a clear message and exit 1, and the ledger agrees with the winners."""

from __future__ import annotations

import json
import subprocess
import sys
import time

WORKER = r"""
import json, os, random, sys, time
from pathlib import Path
from gastown_tui.commands.bd import run
from gastown_tui.commands.core import Env

ids = json.loads(sys.argv[1])
go = Path(sys.argv[2])
random.seed(os.getpid())
random.shuffle(ids)
while not go.exists():
    time.sleep(0.005)
for bead in ids:
    # One full bd command per claim, as an agent would run it (fresh ledger open each time).
    res = run(["update", bead, "--claim", "--json"], Env(cwd=Path.cwd(), environ=dict(os.environ)))
    print(json.dumps([bead, res.exit_code, res.error]), flush=True)
"""


def test_twenty_processes_claim_fifty_beads(bd, workdir, tmp_path):
    ids = [bd.json("create", f"work {n}")["id"] for n in range(50)]
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, json.dumps(ids), str(go)],
                              cwd=workdir, env={**bd.environ, "BD_ACTOR": f"agent{n}"},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for n in range(20)]
    try:
        time.sleep(0.5)
        go.touch()
        outputs = [p.communicate(timeout=240) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    winners: dict[str, list[str]] = {i: [] for i in ids}
    for n, (out, err) in enumerate(outputs):
        assert procs[n].returncode == 0, err
        results = [json.loads(line) for line in out.splitlines()]
        assert len(results) == 50
        for bead, code, error in results:
            if code == 0:
                winners[bead].append(f"agent{n}")
            else:
                assert code == 1 and "already claimed by agent" in error, error
    assert all(len(w) == 1 for w in winners.values()), winners
    final = {i["id"]: i for i in bd.json("list", "--all", "-n", "0")}
    for bead, (winner,) in winners.items():
        assert final[bead]["assignee"] == winner and final[bead]["status"] == "in_progress"
    jsonl = (workdir / ".beads" / "issues.jsonl").read_text()
    exported = [json.loads(x) for x in jsonl.splitlines()]
    assert {r["id"]: r["assignee"] for r in exported} == {b: w[0] for b, w in winners.items()}
