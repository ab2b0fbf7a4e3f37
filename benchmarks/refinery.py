"""Refinery benchmark: how fast the merge queue lands work and how few gate runs it spends.

Prints, each beside a reference run in this script:
  - 30 merge requests that do not conflict, gate `true`, from the first step until all are
    merged (goal: under 30 s), and whether each agent's commit is on the target exactly once;
    reference: the same queue worked one request at a time (merge.batch = 1);
  - 10 merge requests of which one breaks a gate that takes 1 s: gate runs until the other 9
    are merged and the culprit is sent back (goal: at most 6), against one at a time, and
    the same count for each position the culprit can take;
  - the host process's CPU while a gate runs (a real `gt up` host, gate `sleep 5`), against
    the same host idle for as long.

Run: python3 benchmarks/refinery.py [--mrs 30] [--bisect 10] [--culprit 4]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pygit2

from benchtown import bench_town
from procstat import cpu_seconds

_SCRIPT = Path(sys.executable).parent / "gt"
GT = str(_SCRIPT) if _SCRIPT.exists() else (shutil.which("gt") or "gt")


def town_with_queue(root: Path, n: int, culprit: int | None, batch: int, gate: str):
    """A town whose rig holds `n` submitted merge requests (one file each; the `culprit`-th
    also adds bad.txt, which the gate refuses)."""
    from gastown_tui.town.config import set_setting
    from gastown_tui.town.done import finish
    from gastown_tui.town.sling import sling

    town = bench_town(root, {"README.md": "# sample\n"})
    set_setting(town, "max_polecats", str(max(30, n)))
    set_setting(town, "merge.batch", str(batch), rig="bench")
    set_setting(town, "merge.gate", gate, rig="bench")
    led = town.rig("bench").ledger("overseer")
    ids = [led.create(f"change {i}").id for i in range(n)]
    slung = sling(town, ids, "bench", agent="shell", convoy=False, environ=os.environ)
    for i, (s, _hook) in enumerate(slung):
        wt = Path(s.worktree)
        (wt / f"part{i}.txt").write_text(f"{i}\n")
        if i == culprit:
            (wt / "bad.txt").write_text("breaks the gate\n")
        env = {"GT_RIG": "bench", "GT_POLECAT": s.polecat}
        finish(town, wt, env, f"change {i}")
    return town


def work_queue(town) -> tuple[float, object]:
    from gastown_tui.town.refinery import Refinery

    refinery = Refinery(town, "bench")
    started = time.perf_counter()
    tally = refinery.run_until_idle()
    return time.perf_counter() - started, tally


def once_on_target(town, n: int) -> bool:
    repo = pygit2.Repository(str(town.rig("bench").repo_path))
    messages = [c.message for c in repo.walk(repo.references["refs/heads/main"].target)]
    return sorted(messages) == sorted([f"change {i}" for i in range(n)] + ["first"])


def throughput(n: int) -> None:
    print(f"{n} merge requests, no conflicts, gate `true`:")
    for label, batch in (("refinery (batch 5)", 5), ("one at a time", 1)):
        with tempfile.TemporaryDirectory() as tmp:
            town = town_with_queue(Path(tmp), n, None, batch, "true")
            seconds, tally = work_queue(town)
            print(f"  {label:<20} {seconds:6.2f} s until all {len(tally.merged)} merged, "
                  f"{tally.gate_runs} gate runs, each commit on main once: "
                  f"{'yes' if once_on_target(town, n) else 'NO'}")


def bisection(n: int, culprit: int) -> None:
    gate = "sleep 1; test ! -f bad.txt"
    print(f"{n} merge requests, number {culprit + 1} breaks a 1 s gate:")
    for label, batch in (("refinery (batch 5)", 5), ("one at a time", 1)):
        with tempfile.TemporaryDirectory() as tmp:
            town = town_with_queue(Path(tmp), n, culprit, batch, gate)
            seconds, tally = work_queue(town)
            print(f"  {label:<20} {tally.gate_runs:3d} gate runs ({tally.gate_seconds:5.1f} s "
                  f"gating, {seconds:5.1f} s in all), {len(tally.merged)} merged, "
                  f"{len(tally.rejected)} sent back")


def sweep(n: int) -> None:
    """Gate runs for each position the culprit can take (an instant gate: the count does not
    depend on how long it takes)."""
    for label, batch in (("refinery (batch 5)", 5), ("one at a time", 1)):
        runs = []
        for culprit in range(n):
            with tempfile.TemporaryDirectory() as tmp:
                town = town_with_queue(Path(tmp), n, culprit, batch, "test ! -f bad.txt")
                runs.append(work_queue(town)[1].gate_runs)
        print(f"  {label:<20} gate runs with the culprit at 1..{n}: "
              f"{' '.join(map(str, runs))} (mean {sum(runs) / n:.1f}, at most {max(runs)})")


def host_cpu(seconds: float = 5.0) -> None:
    """A real host: its CPU over `seconds` with nothing to do, then while a gate runs."""
    with tempfile.TemporaryDirectory() as tmp:
        town = town_with_queue(Path(tmp), 1, None, 5, f"sleep {seconds:g}")
        root = town.root
        env = {**os.environ, "GT_WATCH_SECONDS": "0.5"}
        # The queue waits while the host measures itself idle: review holds it after the gate,
        # so the idle phase comes first, with the queue's request parked by a held reason.
        from gastown_tui.town import mq

        mr = mq.rig_mrs(town.rig("bench"))[0]
        mq.hold(town, town.rig("bench"), mr, "benchmark: idle phase", 3600)
        subprocess.run([GT, "up", "--detach"], cwd=str(root), env=env, check=True,
                       capture_output=True)
        from gastown_tui.host.runtime import read_info

        pid = read_info(root).pid
        try:
            time.sleep(2.0)
            before = cpu_seconds(pid)
            time.sleep(seconds)
            idle = cpu_seconds(pid) - before
            subprocess.run([GT, "mq", "retry", mr.id], cwd=str(root), env=env, check=True,
                           capture_output=True)
            time.sleep(0.5)     # the gate has started
            before = cpu_seconds(pid)
            time.sleep(seconds - 1.0)
            gating = cpu_seconds(pid) - before
            print(f"host CPU while a gate runs: {100 * gating / (seconds - 1):.1f} % "
                  f"(idle host: {100 * idle / seconds:.1f} %)")
        finally:
            subprocess.run([GT, "down"], cwd=str(root), env=env, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mrs", type=int, default=30)
    parser.add_argument("--bisect", type=int, default=10)
    parser.add_argument("--culprit", type=int, default=4, help="1-based position of the "
                        "request that breaks the gate")
    args = parser.parse_args()
    throughput(args.mrs)
    bisection(args.bisect, args.culprit - 1)
    sweep(args.bisect)
    host_cpu()


if __name__ == "__main__":
    main()
