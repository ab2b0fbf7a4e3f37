"""Ledger speed: whole `bd` processes on a ledger of 10,000 beads.

The ledger: 10,000 beads, a third closed, 2,000 with dependencies. Each command runs as a
fresh process (what an agent pays), median of 5 runs. Reference rows in the same run:
the bare interpreter start (`python -c pass`) and `bd --version` (the CLI's own start, no
ledger), so what the ledger itself costs is visible. `bd ready` shows 10 beads unless told
(as bd does); `bd ready -n 0` gives all of them. Goal: every command under 150 ms on 2 cores.

Then the in-process API the town and host use, on the same ledger plus 1,000 mail messages:
open, a mailbox listing (assignee + type + label), ready -n 10, a claim, a create.

    python3 benchmarks/ledger.py [--beads 10000] [--runs 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchtown import fill_beads
from bytecode import compile_package
from gastown_tui.beads import Ledger

GOAL_MS = 150.0


def build(beads_dir: Path, total: int) -> list[str]:
    led = Ledger.init(beads_dir, "bn", actor="bench")
    t0 = time.perf_counter()
    ids = fill_beads(led, total, 2000)
    led.close_db()
    print(f"built {total} beads ({total // 3} closed, 2000 with dependencies) in "
          f"{time.perf_counter() - t0:.1f} s; JSONL "
          f"{(beads_dir / 'issues.jsonl').stat().st_size / 1e6:.1f} MB")
    return ids


def time_rounds(rows: list[tuple[str, list[str]]], cwd: Path, env: dict[str, str],
                runs: int) -> dict[str, tuple[list[float], str]]:
    """Every command once per round, `runs` rounds: a burst of other work on the machine
    then slows all rows alike instead of whichever row happened to be running."""
    for _name, argv in rows:
        subprocess.run(argv, cwd=cwd, env=env, capture_output=True)   # warm the OS caches
    results: dict[str, tuple[list[float], str]] = {name: ([], "") for name, _ in rows}
    for _ in range(runs):
        for name, argv in rows:
            t0 = time.perf_counter()
            proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
            elapsed = (time.perf_counter() - t0) * 1000
            if proc.returncode != 0:
                raise SystemExit(f"{' '.join(argv)} failed: {proc.stderr}")
            results[name] = (results[name][0] + [elapsed], proc.stdout)
    return results


def api(beads_dir: Path, ids: list[str], runs: int) -> None:
    led = Ledger.open(beads_dir, actor="bench")
    with led.transaction():
        for n in range(1000):
            led.create(f"message {n}", issue_type="message", assignee=f"rig/polecats/p{n % 20}",
                       labels=[f"from:p{n % 7}", f"thread:t{n % 50}"])
    led.close_db()
    unclaimed = iter(ids)

    def claim(led: Ledger) -> None:
        for bead in unclaimed:
            issue = led.get(bead)
            if issue.status == "open" and not issue.assignee:
                led.claim(bead, "bench-agent")
                return

    calls = [
        ("Ledger.open", lambda led: Ledger.open(beads_dir).close_db()),
        ("list(assignee, type, label)",
         lambda led: led.list(assignee="rig/polecats/p3", issue_type="message", label="from:p3")),
        ("ready(limit=10)", lambda led: led.ready(limit=10)),
        ("claim (with JSONL export)", claim),
        ("create (with JSONL export)", lambda led: led.create("api bead")),
    ]
    print(f"\n{'in-process API, 11,000 beads':<34} {'median ms':>10}")
    led = Ledger.open(beads_dir, actor="bench")
    for name, call in calls:
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter()
            call(led)
            samples.append((time.perf_counter() - t0) * 1000)
        print(f"{name:<34} {statistics.median(samples):>10.2f}")
    led.close_db()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--beads", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keep", type=Path, help="build the ledger here and keep it")
    args = ap.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="bd-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        ids = build(work / ".beads", args.beads)
        bd = shutil.which("bd", path=str(Path(sys.executable).parent)) or shutil.which("bd")
        env = {**os.environ, "BD_ACTOR": "bench"}
        env.pop("BEADS_DIR", None)
        compile_package()
        show_id = ids[len(ids) // 2]
        rows = [
            ("python -c pass (reference)", [sys.executable, "-c", "pass"]),
            ("bd --version (reference)", [bd, "--version"]),
            ("bd ready --json", [bd, "ready", "--json"]),
            ("bd ready --json -n 0", [bd, "ready", "--json", "-n", "0"]),
            ("bd list --json -n 50", [bd, "list", "--json", "-n", "50"]),
            ("bd list -n 0 (table, all open)", [bd, "list", "-n", "0"]),
            (f"bd show {show_id}", [bd, "show", show_id]),
            ("bd create", [bd, "create", "benchmark bead", "-p", "1"]),
        ]
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
              f"(other work on this machine slows every row alike)")
        print(f"{'command':<34} {'median ms':>10} {'min ms':>8} {'over python':>12}  goal")
        results = time_rounds(rows, work, env, args.runs)
        base = statistics.median(results[rows[0][0]][0])
        for name, _argv in rows:
            samples, out = results[name]
            ms = statistics.median(samples)
            goal = "" if "reference" in name else ("ok" if ms < GOAL_MS else "OVER")
            print(f"{name:<34} {ms:>10.1f} {min(samples):>8.1f} {ms - base:>12.1f}  {goal}")
            if name.startswith("bd ready"):
                print(f"{'':<34} ({len(json.loads(out))} ready beads)")
        print(f"bd: {bd}; python {sys.version.split()[0]}; {os.cpu_count()} cores; "
              f"median of {args.runs} runs each; load average after: "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        api(work / ".beads", ids, args.runs)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
