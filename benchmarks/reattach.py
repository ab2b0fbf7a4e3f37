"""Re-attaching to a running town (issue 11: "first full frame with 30 running agents in under
0.5 s"), as the median of several re-attaches, beside references from the same run.

A town with N hooks (default 30) of demo agents is started in the background (`gt up --headless
--detach`) and left until every agent runs. Then, R times (default 7): `gt` in a 200x60 pty,
until its first full frame (the status line counting the N agents and an agent's screen in a
pane), then `ctrl+b d` and wait for the app to end. References, in turns with those runs so a
change in the machine's load hits each: `gt` re-attaching to an empty town's running host (the
same app with nothing to show), `gt --version` (interpreter + CLI start) and, with `--against
TREE`, the same re-attach by the app of another checkout (e.g. /work/main: the app before a
change, against the same host). The median and the spread of each are printed with the load
average before and after.

    python3 benchmarks/reattach.py [--hooks 30] [--runs 7] [--against TREE] [--json]
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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from app import STATUS_MARK, Terminal, make_town  # noqa: E402
from bytecode import compile_package  # noqa: E402
from terminal_mux import _load  # noqa: E402

AGENT_SCREEN = b"demo agent"


def start_host(town: Path, hooks: int, env: dict[str, str]) -> None:
    """The town's host in the background, with every hook's agent running."""
    from gastown_tui.host.api import Agents
    from gastown_tui.host.client import HostClient

    subprocess.run([shutil.which("gt") or "gt", "up", "--headless", "--detach"], cwd=town,
                   env=env, check=True, capture_output=True)
    client = HostClient(town)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        rows = client.request(Agents())
        if sum(1 for r in rows if r.pid and r.state != "exited") >= hooks:
            return
        time.sleep(0.2)
    raise SystemExit(f"the host did not run {hooks} agents within 120 s")


def stop_host(town: Path, env: dict[str, str]) -> None:
    subprocess.run([shutil.which("gt") or "gt", "down"], cwd=town, env=env,
                   capture_output=True, timeout=120)


def reattach(town: Path, hooks: int, env: dict[str, str]) -> float:
    """Seconds from spawning `gt` until its first full frame; the app then detaches."""
    term = Terminal([shutil.which("gt") or "gt"], 200, 60, town, env)
    try:
        if hooks:
            counted = term.wait_for(f"{hooks} agents".encode(), term.started, 30)
            shown = term.wait_for(AGENT_SCREEN, term.started, 30)
            full = max(counted, shown) if counted and shown else None
        else:
            full = term.wait_for(STATUS_MARK, term.started, 30)
        term.write(b"\x02d")
    finally:
        ended = term.end(30)
    if ended is None or full is None:
        raise SystemExit("the app did not show its first full frame or did not end after "
                         "ctrl+b d")
    return full - term.started


def version_start(env: dict[str, str]) -> float:
    started = time.monotonic()
    subprocess.run([shutil.which("gt") or "gt", "--version"], capture_output=True, env=env,
                   check=True)
    return time.monotonic() - started


def summary(values: list[float]) -> dict:
    return {"median_s": round(statistics.median(values), 3), "min_s": round(min(values), 3),
            "max_s": round(max(values), 3), "runs": [round(v, 3) for v in values]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hooks", type=int, default=30)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--against", type=Path, metavar="TREE",
                        help="also re-attach with the app of this checkout, in turns")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.hooks < 1 or args.runs < 1:
        parser.error("--hooks and --runs must be >= 1")
    if args.against is not None and not (args.against / "gastown_tui").is_dir():
        parser.error(f"--against {args.against}: no gastown_tui package there")
    compile_package()
    report: dict = {"hooks": args.hooks, "load_before": _load(), "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="gt-reattach-bench-") as name:
        tmp = Path(name)
        env = dict(os.environ, TERM="xterm-256color", GT_DEMO_STEP_SECONDS="600",
                   HOME=str(tmp / "home"))
        Path(env["HOME"]).mkdir()
        full = make_town(tmp / "full" / "town", args.hooks)
        empty = make_town(tmp / "empty" / "town", 0)
        start_host(full, args.hooks, env)
        try:
            start_host(empty, 0, env)
            try:
                reattach(full, args.hooks, env)  # (the first run warms the file cache)
                runs: dict[str, list] = {"full": [], "empty": [], "version": []}
                if args.against is not None:
                    other = dict(env, PYTHONPATH=str(args.against.resolve()))
                    reattach(full, args.hooks, other)
                    runs["against"] = []
                for _ in range(args.runs):
                    runs["full"].append(reattach(full, args.hooks, env))
                    if args.against is not None:
                        runs["against"].append(reattach(full, args.hooks, other))
                    runs["empty"].append(reattach(empty, 0, env))
                    runs["version"].append(version_start(env))
            finally:
                stop_host(empty, env)
        finally:
            stop_host(full, env)
    report.update({key: summary(values) for key, values in runs.items()})
    report["load_after"] = _load()
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    f, e, v = report["full"], report["empty"], report["version"]
    print(f"re-attach, {args.hooks} running agents: first full frame (the {args.hooks} agents "
          f"counted, an agent's screen shown) median {f['median_s']} s (min {f['min_s']}, max "
          f"{f['max_s']}) over {args.runs} runs")
    print(f"  reference: re-attach to an empty town (status line) median {e['median_s']} s "
          f"(min {e['min_s']}, max {e['max_s']}); `gt --version` median {v['median_s']} s")
    if "against" in report:
        a = report["against"]
        print(f"  reference: the app of {args.against} re-attaching, the same way: median "
              f"{a['median_s']} s (min {a['min_s']}, max {a['max_s']})")
    print(f"  load average before {report['load_before']}, after {report['load_after']}; "
          f"{report['cpus']} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
