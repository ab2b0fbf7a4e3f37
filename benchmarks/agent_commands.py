"""The commands agents call all the time, each timed as a whole process at 10,000 beads.

A town with one rig whose ledger holds 10,000 beads (a third closed, 2,000 with dependencies),
a town ledger with 100 convoys and 300 messages, and polecats slung work as `gt sling` does
(no host runs: these commands never need one). Every command runs from a polecat's worktree
with the environment its agent gets (GT_ROLE, GT_RIG, GT_POLECAT, BD_ACTOR, BEADS_DIR, ...),
round-robin with a bare interpreter start (`python3 -c pass`, the floor no Python CLI can
beat), so load from other work on the machine hits every row alike. Each row prints its
median and minimum wall time and its excess over the floor's median, against the goal: at most
30 ms over the floor. Beside them, the CPU time the process used (user + system, from the
kernel's accounting of the finished child) and its excess over the floor's: on a machine that
other work keeps busy, wall times wander with the load, CPU times much less.

Writes act on a different bead each run (`bd update`, `bd close`), and each `gt done` runs on
its own polecat's hook, with a changed file to commit, made before the timed run. `gt done`
is printed apart: its commit, snapshot and merge-request work in git is real work; the row
below it (`gt done, git work alone`) times that work in-process, so what is left of the row
is the command's Python overhead.

    python3 benchmarks/agent_commands.py [--beads 10000] [--runs 11] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pygit2
from bytecode import compile_package

GOAL_MS = 30.0
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Case:
    name: str
    # run number -> (argv, cwd, environment); setup before the timed run when given
    argv: Callable[[int], tuple[list[str], Path, dict[str, str]]]
    setup: Callable[[int], None] | None = None
    reference: bool = False
    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


def fill_rig(led, total: int) -> list[str]:
    rnd = random.Random(7)
    ids: list[str] = []
    with led.transaction():
        for n in range(total):
            issue = led.create(
                f"Bead number {n}: {rnd.choice(['fix', 'add', 'refactor', 'test'])} "
                f"{rnd.choice(['parser', 'ui', 'ledger', 'hooks', 'mail'])}",
                description="Some words about the work. " * rnd.randint(1, 8),
                priority=rnd.randint(0, 4),
                issue_type=rnd.choice(["task", "bug", "feature", "chore"]),
                labels=rnd.sample(["ui", "core", "docs", "perf", "infra"], rnd.randint(0, 2)))
            ids.append(issue.id)
        for n in rnd.sample(range(1, total), 2000):
            led.add_dependency(ids[n], ids[rnd.randrange(0, n)], "blocks")
        for n in rnd.sample(range(total), total // 3):
            led.close(ids[n], "done")
    return ids


def build(root: Path, beads: int, hooks: int) -> dict:
    """The town; returns what the cases need: its root, the steady polecat's worktree and
    environment, one (worktree, environment) per `gt done` run, open bead ids, a message id."""
    from gastown_tui.town import find_town
    from gastown_tui.town.config import set_setting
    from gastown_tui.town.install import install
    from gastown_tui.town.mail import deliver
    from gastown_tui.town.rigs import add_rig
    from gastown_tui.town.sling import agent_env, sling

    src = root / "src"
    repo = pygit2.init_repository(str(src), initial_head="main")
    (src / "README.md").write_text("bench\n")
    repo.index.add_all()
    repo.index.write()
    sig = pygit2.Signature("Bench", "bench@example.com")
    repo.create_commit("HEAD", sig, sig, "first", repo.index.write_tree(), [])

    home = root / "town"
    install(home)
    town = find_town(home, {})
    set_setting(town, "max_polecats", str(hooks + 10))
    rig = add_rig(town, "work", str(src), prefix="wk")
    led = rig.ledger("bench")
    ids = fill_rig(led, beads)
    open_ids = [i.id for i in led.list(status="open", order="id")
                if not led.dependencies(i.id)]
    rnd = random.Random(11)
    rnd.shuffle(open_ids)
    led.close_db()

    env0 = {k: v for k, v in os.environ.items() if not k.startswith(("GT_", "BD_", "BEADS_"))}
    env0["PYTHONPATH"] = str(ROOT)
    slung = []
    for issue_id in [open_ids.pop() for _ in range(hooks + 1)]:
        [(s, hook)] = sling(town, [issue_id], "work", agent="demo")
        slung.append((Path(s.worktree), {**env0, **agent_env(town, rig, hook)}))
    steady_wt, steady_env = slung[0]
    address = steady_env["BD_ACTOR"]

    hq = town.ledger("mayor/")
    with hq.transaction():
        for c in range(100):
            convoy = hq.create(f"Convoy {c}", issue_type="convoy", id_prefix="hq-cv",
                               status="open" if c % 4 else "closed")
            for target in rnd.sample(ids, 8):
                hq.add_dependency(convoy.id, target, type="tracks")
        for m in range(300):
            deliver(hq, "mayor/", [address if m % 3 == 0 else "overseer"], f"Message {m}",
                    "body\n" * 5)
    message = next(i.id for i in hq.list(issue_type="message", assignee=address, limit=1))
    hq.close_db()
    return {"home": home, "wt": steady_wt, "env": steady_env, "done": slung[1:],
            "open": open_ids, "show": ids[len(ids) // 2], "message": message,
            "env0": env0}


def cases(t: dict) -> list[Case]:
    py = sys.executable
    scripts = Path(sys.executable).parent
    gt, bd = str(scripts / "gt"), str(scripts / "bd")
    wt, env = t["wt"], t["env"]
    update_ids, close_ids = t["open"][0::2], t["open"][1::2]

    def fixed(*argv: str) -> Callable[[int], tuple[list[str], Path, dict[str, str]]]:
        return lambda _n: (list(argv), wt, env)

    def commit_something(n: int) -> None:
        done_wt = t["done"][n][0]
        (done_wt / f"work-{n}.txt").write_text(f"run {n}\n")

    return [
        Case("python3 -c pass (floor)", fixed(py, "-c", "pass"), reference=True),
        Case("gt --version (reference)", fixed(gt, "--version"), reference=True),
        Case("bd --version (reference)", fixed(bd, "--version"), reference=True),
        Case("bd ready", fixed(bd, "ready")),
        Case("bd ready --json", fixed(bd, "ready", "--json")),
        Case("bd show ID", fixed(bd, "show", t["show"])),
        Case("bd list (every open bead)", fixed(bd, "list")),
        Case("bd list --json -n 50", fixed(bd, "list", "--json", "-n", "50")),
        Case("bd create", fixed(bd, "create", "A bead from the benchmark", "-p", "1")),
        Case("bd update --status", lambda n: ([bd, "update", update_ids[n], "--status",
                                               "in_progress"], wt, env)),
        Case("bd close", lambda n: ([bd, "close", close_ids[n], "-r", "done"], wt, env)),
        Case("gt prime", fixed(gt, "prime")),
        Case("gt hook", fixed(gt, "hook")),
        Case("gt hook --json", fixed(gt, "hook", "--json")),
        Case("gt mail send", fixed(gt, "mail", "send", "mayor/", "-s", "Progress", "-m",
                                   "halfway there")),
        Case("gt mail inbox", fixed(gt, "mail", "inbox")),
        Case("gt mail inbox --json", fixed(gt, "mail", "inbox", "--json")),
        Case("gt mail read ID", fixed(gt, "mail", "read", t["message"])),
        Case("gt done", lambda n: ([gt, "done", "-m", f"run {n}"], t["done"][n][0],
                                   t["done"][n][1]), setup=commit_something),
    ]


def time_rounds(rows: list[Case], runs: int, warmup: int) -> None:
    """Every case once per round; the first `warmup` rounds are not counted (OS caches)."""
    for n in range(warmup + runs):
        for case in rows:
            if case.setup is not None:
                case.setup(n)
            argv, cwd, env = case.argv(n)
            before = _children_cpu()
            t0 = time.perf_counter()
            proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
            elapsed = (time.perf_counter() - t0) * 1000
            cpu = _children_cpu() - before
            if proc.returncode != 0:
                raise SystemExit(f"{case.name}: {' '.join(argv)} failed ({proc.returncode}): "
                                 f"{proc.stderr}")
            if n >= warmup:
                case.times.append(elapsed)
                case.cpu.append(cpu)


def _children_cpu() -> float:
    """CPU ms used by this process's finished children so far (subprocess.run reaps each)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * 1000


def git_work_of_done(t: dict, run: int) -> float:
    """What `gt done`'s git work costs in-process: commit the worktree's changes and take
    the snapshot, as `town.done.finish` does, on a fresh hook (ms)."""
    from gastown_tui.town.snapshots import take_snapshot
    from gastown_tui.town.worktrees import commit_all

    done_wt, env = t["done"][run]
    (done_wt / "git-work.txt").write_text("git work\n")
    t0 = time.perf_counter()
    commit_all(done_wt, "git work alone", env["BD_ACTOR"])
    take_snapshot(done_wt, env["GT_POLECAT"], "done")
    return (time.perf_counter() - t0) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--beads", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--keep", type=Path, help="build the town here and keep it")
    args = ap.parse_args()
    warmup = 1
    root = args.keep or Path(tempfile.mkdtemp(prefix="gt-agent-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        # one hook per gt done run, and a few more for the in-process git figure
        t = build(root, args.beads, warmup + args.runs + 3)
        print(f"built the town ({args.beads} beads in the rig) in "
              f"{time.perf_counter() - t0:.1f} s; load average "
              f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        compile_package()
        rows = cases(t)
        time_rounds(rows, args.runs, warmup)
        floor = statistics.median(rows[0].times)
        floor_cpu = statistics.median(rows[0].cpu)
        print(f"\n{'':<28} {'wall':-^30} {'cpu':-^20}")
        print(f"{'command':<28} {'median':>8} {'min':>8} {'over floor':>12} {'median':>8} "
              f"{'over floor':>11}  goal: wall at most {GOAL_MS:.0f} ms over the floor")
        for case in rows:
            med, cpu = statistics.median(case.times), statistics.median(case.cpu)
            over = med - floor
            verdict = "" if case.reference else ("ok" if over <= GOAL_MS else "OVER")
            first = case is rows[0]
            print(f"{case.name:<28} {med:>6.1f}ms {min(case.times):>6.1f}ms "
                  f"{'' if first else f'{over:>+10.1f}ms':>12} {cpu:>6.1f}ms "
                  f"{'' if first else f'{cpu - floor_cpu:>+9.1f}ms':>11}  {verdict}")
        git = statistics.median(git_work_of_done(t, warmup + args.runs + k) for k in range(3))
        done = statistics.median(rows[-1].times)
        print(f"{'gt done, git work alone':<28} {git:>6.1f}ms   (in-process; gt done less this: "
              f"{done - git - floor:+.1f} ms over the floor)")
        print(f"\n{args.runs} runs each (median; after {warmup} uncounted), python "
              f"{sys.version.split()[0]}; load average after: {os.getloadavg()[0]:.2f}")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
