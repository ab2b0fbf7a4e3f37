"""The commands agents call all the time, each timed as a whole process at 10,000 beads.

A town with one rig whose ledger holds 10,000 beads (a third closed, a fifth with dependencies),
a town ledger with 100 convoys and 300 messages, and polecats slung work as `gt sling` does
(no host runs: these commands never need one). Every command runs from a polecat's worktree
with the environment its agent gets (GT_ROLE, GT_RIG, GT_POLECAT, BD_ACTOR, BEADS_DIR, ...),
through `gt` and `bd` scripts such as pip writes for the timed checkout's pyproject.toml (so a
changed entry point is timed before anyone reinstalls), round-robin with a bare
interpreter start (`python3 -c pass`, the floor no Python CLI can beat), so load from other
work on the machine hits every row alike. Each row prints its median and minimum wall time
and its excess over the floor's median, against the goal: at most 30 ms over the floor.
Beside them, the CPU time the process used (user + system, from the kernel's accounting of
the finished child) and its excess over the floor's: on a machine that other work keeps busy,
wall times wander with the load, CPU times much less.

The same rows run a second time in a second town, built the same way, whose host runs as it
does for agents (`gt up --detach`, an idle agent on every hook, their commands served by the
host's command server, commands/served.py), round-robin with the first town's rows and its own
floor. There the CPU column counts only the caller's process: the command's own CPU is spent in
a process the server forked, which is not the timed process's child. `--no-host` leaves that
town out.

Writes act on a different bead each run (`bd update`, `bd close`), and each `gt done` runs on
its own polecat's hook, with a changed file to commit, made before the timed run. `gt done`'s
git work is real work: the row under it times a process that does only that work (imports
pygit2 as `gt` does, commits the worktree, takes the snapshot, and skips the cycle collector
as `gt` does), so what is left of `gt done` is its own.

`--against` times a second installation in the same run: another checkout, run by this
interpreter (e.g. main's: `git worktree add /tmp/main-ref main`), or another interpreter's
installed package (through the scripts installed beside it). It builds its own town with its
own code, and every command runs for both in turn, so the two columns see the same load.

    python3 benchmarks/agent_commands.py [--beads 10000] [--runs 11] [--no-host]
                                         [--against CHECKOUT|PYTHON]
"""

from __future__ import annotations

import argparse
import json
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

from benchtown import bench_project, fill_beads

HERE = Path(__file__).resolve().parent

# What pip writes for a console script (`pip install`, editable or not).
SCRIPT = """#!{python}
# -*- coding: utf-8 -*-
import re
import sys
from {module} import {function}
if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])
    sys.exit({function}())
"""

GOAL_MS = 30.0
WARMUP = 1


@dataclass
class Case:
    name: str
    # run number -> (argv, cwd, environment); setup before the timed run when given
    argv: Callable[[int], tuple[list[str], str, dict[str, str]]]
    setup: Callable[[int], None] | None = None
    reference: bool = False
    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


def scripts(root: Path, checkout: Path | None) -> dict[str, str]:
    """The `gt` and `bd` scripts to time: those pip would write for `checkout`'s pyproject.toml,
    or (no checkout) those installed beside the interpreter."""
    if checkout is None:
        return {name: str(Path(sys.executable).parent / name) for name in ("gt", "bd")}
    import tomllib

    entries = tomllib.loads((checkout / "pyproject.toml").read_text())["project"]["scripts"]
    out = {}
    for name in ("gt", "bd"):
        module, _, function = entries[name].partition(":")
        path = root / "bin" / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(SCRIPT.format(python=sys.executable, module=module, function=function))
        path.chmod(0o755)
        out[name] = str(path)
    return out


def build(root: Path, beads: int, hooks: int, checkout: Path | None,
          host: bool = False) -> dict:
    """The town, made with the gastown_tui this process imports (`checkout`'s, or the
    interpreter's installed one); returns (as JSON types) what the cases need: the interpreter
    and scripts, the steady polecat's worktree and environment, one
    (worktree, environment) per `gt done` run, open bead ids, a bead and a message to show."""
    import gastown_tui
    from gastown_tui.town import find_town
    from gastown_tui.town.config import set_setting
    from gastown_tui.town.install import install
    from gastown_tui.town.mail import deliver
    from gastown_tui.town.rigs import add_rig
    from gastown_tui.town.sling import agent_env, sling

    src = root / "src"
    bench_project(src, {"README.md": "bench\n"})

    home = root / "town"
    install(home)
    town = find_town(home, {})
    set_setting(town, "max_polecats", str(hooks + 10))
    if host:
        from gastown_tui.town.config import set_agent

        # The host starts an agent on every hook; this one waits, as an agent that has
        # finished typing does, while the timed commands run in its place.
        set_agent(town, "idle", "sleep 100000")
    rig = add_rig(town, "work", str(src), prefix="wk")
    led = rig.ledger("bench")
    ids = fill_beads(led, beads, beads // 5)
    open_ids = [i.id for i in led.list(status="open", order="id")
                if not led.dependencies(i.id)]
    rnd = random.Random(11)
    rnd.shuffle(open_ids)
    led.close_db()

    env0 = {k: v for k, v in os.environ.items() if not k.startswith(("GT_", "BD_", "BEADS_"))}
    # The processes run the package this interpreter imports, whatever else is installed.
    env0["PYTHONPATH"] = str(Path(gastown_tui.__file__).resolve().parents[1])
    slung = []
    for issue_id in [open_ids.pop() for _ in range(hooks + 1)]:
        [(s, hook)] = sling(town, [issue_id], "work", agent="idle" if host else "demo")
        slung.append((s.worktree, {**env0, **agent_env(town, rig, hook)}))
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
    from bytecode import compile_package

    compile_package()
    return {"python": sys.executable, **scripts(root, checkout), "wt": steady_wt,
            "env": steady_env, "done": slung[1:], "open": open_ids, "show": ids[len(ids) // 2],
            "message": message, "env0": env0, "town": str(home)}


def start_host(t: dict) -> None:
    """The town's host, started as a person does (`gt up --detach`), with the environment
    the timed commands have (so its agents' is theirs); waits for its command server."""
    subprocess.run([t["gt"], "up", "--detach"], cwd=t["town"], env=t["env0"], check=True,
                   capture_output=True)
    sock = Path(t["town"], ".runtime", "serve.sock")
    deadline = time.monotonic() + 60
    while not sock.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"the host of {t['town']} started no command server; see "
                             f"{sock.parent / 'serve.log'}")
        time.sleep(0.1)


def stop_host(t: dict) -> None:
    proc = subprocess.run([t["gt"], "down"], cwd=t["town"], env=t["env0"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pid = Path(t["town"], ".runtime", "host.pid")
        if pid.exists():
            os.kill(int(pid.read_text()), 15)


def cases(t: dict) -> list[Case]:
    py, gt, bd = t["python"], t["gt"], t["bd"]
    wt, env = t["wt"], t["env"]
    update_ids, close_ids = t["open"][0::2], t["open"][1::2]

    def fixed(*argv: str) -> Callable[[int], tuple[list[str], str, dict[str, str]]]:
        return lambda _n: (list(argv), wt, env)

    def commit_something(n: int) -> None:
        Path(t["done"][n][0], f"work-{n}.txt").write_text(f"run {n}\n")

    # The second half of the hooks: the git work alone, on hooks gt done never touched.
    spare = len(t["done"]) // 2

    def git_work(n: int) -> tuple[list[str], str, dict[str, str]]:
        done_wt, done_env = t["done"][spare + n]
        # The process as gt's entry runs it: pygit2 imported as gt does (checkouts before
        # gitload.py: as is), no cycle collection while it works nor at its exit.
        code = ("import gc, sys\n"
                "gc.disable()\n"
                "try:\n"
                "    from gastown_tui.gitload import install\n"
                "    install()\n"
                "except ImportError:\n"
                "    pass\n"
                "import pygit2\n"
                "from pathlib import Path\n"
                "from gastown_tui.town.worktrees import commit_all\n"
                "from gastown_tui.town.snapshots import take_snapshot\n"
                "commit_all(Path(sys.argv[1]), 'git work alone', sys.argv[2])\n"
                "take_snapshot(Path(sys.argv[1]), sys.argv[3], 'done')\n"
                "gc.freeze()\n")
        return ([py, "-c", code, done_wt, done_env["BD_ACTOR"], done_env["GT_POLECAT"]],
                done_wt, done_env)

    def change_spare(n: int) -> None:
        Path(t["done"][spare + n][0], f"git-{n}.txt").write_text(f"run {n}\n")

    return [
        Case("python3 -c pass (floor)", fixed(py, "-c", "pass"), reference=True),
        Case("gt --version (reference)", fixed(gt, "--version"), reference=True),
        Case("bd --version (reference)", fixed(bd, "--version"), reference=True),
        Case("bd ready", fixed(bd, "ready")),
        Case("bd ready --json", fixed(bd, "ready", "--json")),
        Case("bd show ID", fixed(bd, "show", t["show"])),
        Case("bd list (50, as bd)", fixed(bd, "list")),
        Case("bd list -n 0 (all open)", fixed(bd, "list", "-n", "0")),
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
        Case("  its git work alone", git_work, setup=change_spare, reference=True),
    ]


def run_case(case: Case, n: int, counted: bool) -> None:
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
    if counted:
        case.times.append(elapsed)
        case.cpu.append(cpu)


def _children_cpu() -> float:
    """CPU ms used by this process's finished children so far (subprocess.run reaps each)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * 1000


_WIDTH = 47


def _columns(rows: list[Case], name: str) -> list[str]:
    """Per row: wall median and minimum, the median's excess over the floor, CPU median and
    its excess over the floor's, and the verdict on the goal."""
    floor = statistics.median(rows[0].times)
    floor_cpu = statistics.median(rows[0].cpu)
    out = [f"{' ' + name + ' ':-^{_WIDTH}}",
           f"{'wall':>7} {'min':>6} {'over':>7} {'cpu':>6} {'over':>7}  {'goal':<4}"]
    for case in rows:
        med, cpu = statistics.median(case.times), statistics.median(case.cpu)
        over, cpu_over = f"{med - floor:+7.1f}", f"{cpu - floor_cpu:+7.1f}"
        if case is rows[0]:
            over = cpu_over = ""
        verdict = "" if case.reference else ("ok" if med - floor <= GOAL_MS else "OVER")
        out.append(f"{med:>7.1f} {min(case.times):>6.1f} {over:>7} {cpu:>6.1f} {cpu_over:>7}"
                   f"  {verdict:<4}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--beads", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--against", metavar="CHECKOUT|PYTHON",
                    help="also time, in the same run, another checkout (a folder holding "
                         "gastown_tui) with this interpreter, or another interpreter's "
                         "installed package")
    ap.add_argument("--build-only", type=Path, help=argparse.SUPPRESS)
    # The checkout a --build-only run builds with ("": the interpreter's installed package).
    ap.add_argument("--checkout", default=str(HERE.parent), help=argparse.SUPPRESS)
    ap.add_argument("--keep", type=Path, help="build the town(s) here and keep them")
    ap.add_argument("--no-host", action="store_true",
                    help="time only the towns without a host")
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    checkout = Path(args.checkout).resolve() if args.checkout else None
    if checkout is not None:
        sys.path.insert(0, str(checkout))
    hooks = 2 * (WARMUP + args.runs)    # gt done's, then its git work's alone
    root = args.keep or Path(tempfile.mkdtemp(prefix="gt-agent-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    if args.build_only:
        args.build_only.write_text(json.dumps(build(root, args.beads, hooks, checkout)))
        return
    hosted: dict | None = None
    try:
        t0 = time.perf_counter()
        towns = {"this": build(root / "this", args.beads, hooks, checkout)}
        if not args.no_host:
            hosted = build(root / "host", args.beads, hooks, checkout, host=True)
            start_host(hosted)
            towns["this, host up"] = hosted
        if args.against:
            spec = root / "against.json"
            other = Path(args.against).resolve()
            python, theirs = ((sys.executable, str(other)) if other.is_dir()
                              else (str(other), ""))
            subprocess.run([python, __file__, "--beads", str(args.beads), "--runs",
                            str(args.runs), "--keep", str(root / "against"),
                            "--checkout", theirs, "--build-only", str(spec)], check=True)
            towns["against"] = json.loads(spec.read_text())
        print(f"built {len(towns)} town(s) of {args.beads} beads in "
              f"{time.perf_counter() - t0:.1f} s; load average {os.getloadavg()[0]:.2f} on "
              f"{os.cpu_count()} cores")
        tables = {name: cases(t) for name, t in towns.items()}
        for n in range(WARMUP + args.runs):
            for k in range(len(tables["this"])):
                for rows in tables.values():
                    run_case(rows[k], n, n >= WARMUP)
        rows = tables["this"]
        lines = ["", f"{'command':<26}"] + [f"{c.name:<26}" for c in rows]
        for name, table in tables.items():
            lines = [a + "  " + b for a, b in zip(lines, _columns(table, name))]
        print("\n" + "\n".join(line.rstrip() for line in lines))
        pythons = ", ".join(f"{name}: {t['python']}" for name, t in towns.items())
        print(f"\nms; median of {args.runs} runs each after {WARMUP} uncounted; over: the "
              f"excess over the floor of the same installation; goal: wall at most "
              f"{GOAL_MS:.0f} ms over the floor; {pythons}; python {sys.version.split()[0]}; "
              f"load average after {os.getloadavg()[0]:.2f}")
    finally:
        if hosted is not None:
            stop_host(hosted)
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
