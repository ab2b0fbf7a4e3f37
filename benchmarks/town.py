"""Town benchmark: whole `gt` processes on a town with 10 rigs, 200 convoys and 10,000 beads.

Times `gt convoy list --json`, `gt mail inbox --json` and `gt rig list --json` (goal: each under
150 ms here), next to two references measured in the same run, interleaved with them so load
from other work on the machine hits every case alike: a bare interpreter start
(`python -c pass`, the floor no CLI can beat) and the CLI's own start (`gt --version`: the
root command, no subcommand module, no town). The package is byte-compiled first, as an installed package is
(benchmarks/bytecode.py).

    python benchmarks/town.py [--runs N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchtown import bench_project
from bytecode import compile_package

RIGS = 10
BEADS = 10_000
CONVOYS = 200
MAIL = 300
GOAL_MS = 150


def build(root: Path) -> Path:
    from gastown_tui.town import find_town
    from gastown_tui.town.install import install
    from gastown_tui.town.mail import deliver
    from gastown_tui.town.rigs import add_rig

    src = root / "src"
    bench_project(src, {"README.md": "bench\n"})

    home = root / "town"
    install(home)
    town = find_town(home, {})
    rng = random.Random(7)
    ids: list[str] = []
    for r in range(RIGS):
        rig = add_rig(town, f"rig{r}", str(src), prefix=f"r{r}")
        (rig.crew_dir / "dev").mkdir()
        led = rig.ledger("bench")
        per_rig = (BEADS - CONVOYS - MAIL) // RIGS
        with led.transaction():
            for n in range(per_rig):
                issue = led.create(f"Issue {n} of rig {r}", priority=rng.randint(0, 4),
                                   issue_type=rng.choice(["task", "bug", "feature"]))
                ids.append(issue.id)
        closing = rng.sample(ids[-per_rig:], per_rig // 2)
        with led.transaction():
            for i in closing:
                led.close(i)
    hq = town.ledger("mayor/")
    with hq.transaction():
        for c in range(CONVOYS):
            convoy = hq.create(f"Convoy {c}", issue_type="convoy", id_prefix="hq-cv",
                               labels=["notify:overseer"], status="open" if c % 4 else "closed")
            for target in rng.sample(ids, 8):
                hq.add_dependency(convoy.id, target, type="tracks")
        for m in range(MAIL):
            deliver(hq, f"rig{m % RIGS}/crew/dev", ["overseer" if m % 3 else "mayor/"],
                    f"Message {m}", "body\n" * 5, urgent=m % 10 == 0)
    count = sum(len(rig.ledger().list(include_closed=True)) for rig in town.rigs()) + \
        len(hq.list(include_closed=True))
    print(f"town: {RIGS} rigs, {CONVOYS} convoys, {count} beads in all ledgers, "
          f"{MAIL} messages ({home})")
    return home


def time_cases(cases: list[tuple[str, list[str]]], cwd: Path, runs: int) -> dict[str, list[float]]:
    """Round-robin over the cases, so a burst of load lands on all of them, not on one."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GT_", "BD_"))}
    for _, argv in cases:  # warm the file cache
        subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=True)
    times: dict[str, list[float]] = {name: [] for name, _ in cases}
    for _ in range(runs):
        for name, argv in cases:
            t = time.perf_counter()
            subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=True)
            times[name].append((time.perf_counter() - t) * 1000)
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--keep", type=Path, help="Build the town here and keep it.")
    args = ap.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="gt-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        t = time.perf_counter()
        home = build(root)
        print(f"built in {time.perf_counter() - t:.1f} s; {args.runs} runs each, "
              f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores\n")
        compile_package()
        gt = str(Path(sys.executable).with_name("gt"))
        cases = [
            ("reference: python -c pass", [sys.executable, "-c", "pass"]),
            ("reference: gt --version", [gt, "--version"]),
            ("gt convoy list --json", [gt, "convoy", "list", "--json"]),
            ("gt mail inbox --json", [gt, "mail", "inbox", "--json"]),
            ("gt rig list --json", [gt, "rig", "list", "--json"]),
        ]
        times = time_cases(cases, home, args.runs)
        base = statistics.median(times["reference: gt --version"])
        print(f"{'command':<30} {'median':>8} {'min':>8} {'p90':>8} {'+start':>8}  goal")
        for name, _ in cases:
            ms = sorted(times[name])
            med = statistics.median(ms)
            p90 = ms[min(len(ms) - 1, int(len(ms) * 0.9))]
            extra = "" if name.startswith("reference") else f"{med - base:>6.1f}ms"
            goal = "" if name.startswith("reference") else (
                "ok" if med < GOAL_MS else f"over {GOAL_MS} ms")
            print(f"{name:<30} {med:>6.1f}ms {ms[0]:>6.1f}ms {p90:>6.1f}ms {extra:>8}  {goal}")
        print(f"\nload average after: {os.getloadavg()[0]:.2f}")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
