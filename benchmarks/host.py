"""Host benchmark: 30 demo agents slung at once through a real detached host.

Prints:
  - time from `gt sling` (30 issues) until every hook is active, and until every agent's own UI
    shows it working (busy), against a reference: the same 30 agent programs spawned on bare
    ptys (ptyprocess) with no host, no ledger and no git;
  - the host process's CPU and memory while the 30 agents run;
  - `gt agents --json` latency with 30 live agents (the goal is < 100 ms), against the CLI's own
    floor in the same run (`gt --version`, `python -c pass`), and the bare socket round trip.

Run: python3 benchmarks/host.py [--agents 30] [--step 3]
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

from bytecode import compile_package
from procstat import cpu_seconds, rss_mib

# The entry script beside this interpreter: what an agent runs with the environment's scripts
# folder on PATH. A version manager's shim found first on PATH (pyenv's is a bash script) costs
# tens of milliseconds more per call and is measured separately.
_SCRIPT = Path(sys.executable).parent / "gt"
GT = str(_SCRIPT) if _SCRIPT.exists() else (shutil.which("gt") or "gt")
ON_PATH = shutil.which("gt")


def gt(cwd: Path, *args: str, env: dict | None = None, check: bool = True):
    proc = subprocess.run([GT, *args], cwd=str(cwd), env=env, capture_output=True, text=True,
                          timeout=300)
    if check and proc.returncode != 0:
        raise SystemExit(f"gt {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc


def timed(argv: list[str], cwd: Path, env: dict, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(argv, cwd=str(cwd), env=env, capture_output=True, check=True)
        out.append((time.perf_counter() - t) * 1000)
    return out


# `gt agents --json` inside one interpreter, timed from before gastown_tui is imported to the
# end of the command: what the CLI costs on top of starting Python (through the `gt` script's
# entry, whose fast path serves `gt agents` without the registry).
IN_PROCESS = """
import io, sys, time
t = time.perf_counter()
from gastown_tui.commands.fast import main
sys.argv = ["gt", "agents", "--json"]
out, sys.stdout = sys.stdout, io.StringIO()
try:
    main()
except SystemExit:
    pass
sys.stdout = out
print((time.perf_counter() - t) * 1000)
"""


def in_process(cwd: Path, env: dict, runs: int) -> list[float]:
    return [float(subprocess.run([sys.executable, "-c", IN_PROCESS], cwd=str(cwd), env=env,
                                 capture_output=True, text=True, check=True).stdout)
            for _ in range(runs)]


def fmt(ms: list[float]) -> str:
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"median {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   (n={len(ms)})"


def socket_calls(client, n: int = 200) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        client.call("agents")
        out.append((time.perf_counter() - t) * 1000)
    return out


def reference_bare_ptys(n: int, env: dict, cwd: Path) -> tuple[float, float]:
    """Spawn n demo agents on bare ptys; seconds until spawned, and until each drew its UI."""
    from ptyprocess import PtyProcess

    t0 = time.perf_counter()
    procs = [PtyProcess.spawn([sys.executable, "-m", "gastown_tui.host.demo_agent"],
                              cwd=str(cwd), env=env, dimensions=(36, 120)) for _ in range(n)]
    spawned = time.perf_counter() - t0
    for p in procs:
        p.read(64)  # the first bytes of its screen
    drawn = time.perf_counter() - t0
    for p in procs:
        p.terminate(force=True)
    return spawned, drawn


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--agents", type=int, default=30)
    ap.add_argument("--step", type=float, default=4.0, help="demo agent seconds per step")
    args = ap.parse_args()
    compile_package()
    from gastown_tui.host import demo as demo_mod
    from gastown_tui.host.client import HostClient
    from gastown_tui.host.runtime import read_info

    tmp = Path(tempfile.mkdtemp(prefix="gt-bench-host-"))
    root = tmp / "town"
    # Finished demo agents stay at their prompt (a long grace), so the second latency figure is
    # taken with 30 live, idle agents.
    env = {**os.environ, "GT_DEMO_STEP_SECONDS": str(args.step), "GT_DONE_GRACE": "600"}
    for var in ("GT_TOWN_ROOT", "GT_ROLE", "GT_RIG", "GT_POLECAT", "BD_ACTOR", "BEADS_DIR"):
        env.pop(var, None)
    host_pid = None
    try:
        town, ids, _convoy = demo_mod.build_town(root, args.agents, lambda _l: None)
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
        gt(root, "up", "--detach", env=env)
        host_pid = read_info(root).pid
        rss_idle = rss_mib(host_pid)

        t0 = time.perf_counter()
        out = gt(root, "sling", *ids, "sample", "--agent", "demo", "--no-convoy", "--json",
                 env=env)
        active_s = time.perf_counter() - t0
        slung = json.loads(out.stdout)
        assert len(slung) == args.agents and all(s["started"] for s in slung)
        client = HostClient(root)
        while True:
            rows = client.call("agents")
            if sum(r["state"] == "busy" for r in rows) == args.agents:
                break
            if time.perf_counter() - t0 > 120:
                raise SystemExit("agents did not all become busy within 120 s")
            time.sleep(0.05)
        busy_s = time.perf_counter() - t0

        busy_cli = timed([GT, "agents", "--json"], root, env, 20)
        busy_sock = socket_calls(client)

        window = 8.0
        c0, w0 = cpu_seconds(host_pid), time.perf_counter()
        peak = rss_mib(host_pid)
        while time.perf_counter() - w0 < window:
            time.sleep(0.5)
            peak = max(peak, rss_mib(host_pid))
        cpu = (cpu_seconds(host_pid) - c0) / (time.perf_counter() - w0) * 100
        rows = client.call("agents")
        live = sum(1 for r in rows if r["pid"])
        still_busy = sum(1 for r in rows if r["state"] == "busy")

        led = town.rig("sample").ledger()
        deadline = time.perf_counter() + 180
        while not all(led.get(i).is_closed for i in ids):
            if time.perf_counter() > deadline:
                raise SystemExit("the agents did not finish within 180 s")
            time.sleep(0.5)
        while sum(r["state"] == "idle" for r in client.call("agents")) < args.agents:
            time.sleep(0.2)
        idle_live = sum(1 for r in client.call("agents") if r["pid"])
        agents_cli = timed([GT, "agents", "--json"], root, env, 20)
        version_cli = timed([GT, "--version"], root, env, 20)
        ours = in_process(root, env, 20)
        shim_cli = (timed([ON_PATH, "agents", "--json"], root, env, 20)
                    if ON_PATH and Path(ON_PATH).resolve() != Path(GT).resolve() else None)
        python_floor = timed([sys.executable, "-c", "pass"], root, env, 20)
        sock = socket_calls(client)

        ref_spawn, ref_drawn = reference_bare_ptys(args.agents, env, root)

        print(f"\ngt = {GT}")
        print(f"\n{args.agents} demo agents slung at once (demo step {args.step:g} s)")
        print(f"  all hooks active (gt sling returned): {active_s:6.2f} s")
        print(f"  all agents busy (their UI working):   {busy_s:6.2f} s")
        print(f"  reference, bare ptys, no host:        {ref_spawn:6.2f} s spawned, "
              f"{ref_drawn:6.2f} s first output")
        print(f"\nhost process while {live} agents run ({window:g} s window; {still_busy} still "
              "busy at its end)")
        print(f"  CPU {cpu:5.1f} % of one core;  RSS {peak:6.1f} MiB "
              f"(idle host {rss_idle:.1f} MiB)")
        print(f"\n`gt agents --json` with {args.agents} live agents at work (right after all "
              "became busy)")
        print(f"  gt agents --json   {fmt(busy_cli)}")
        print(f"  socket round trip  {fmt(busy_sock)}")
        print(f"\n`gt agents --json` with {idle_live} live agents, all idle at their prompt")
        print(f"  gt agents --json   {fmt(agents_cli)}")
        print(f"  gt --version       {fmt(version_cli)}   (CLI start-up floor)")
        if shim_cli:
            print(f"  via PATH {ON_PATH}: {fmt(shim_cli)}")
        print(f"  python -c pass     {fmt(python_floor)}   (interpreter floor)")
        print(f"  import + command   {fmt(ours)}   (gt's own part, in one interpreter)")
        print(f"  socket round trip  {fmt(sock)}   (HostClient.call('agents'))")
        print(f"\nload average at end {os.getloadavg()[0]:.2f}")
    finally:
        if host_pid:
            gt(root, "down", env=env, check=False)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
