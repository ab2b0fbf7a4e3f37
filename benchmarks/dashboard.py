"""Dashboard benchmark: the demo town with 10 busy agents, one browser on `gt dashboard`.

Prints, for one run of `--seconds` (default 60) in each phase:
  - the host's CPU without any dashboard (the reference), then with the dashboard serving one
    headless Chromium tab: the difference is what the dashboard costs the host;
  - the dashboard's own CPU and memory: the server (`gt dashboard`) and the tab's app process;
  - how long a ledger change (a new convoy, made by another process) takes to show on the page,
    how long keys typed in the page take to come back as the agent's echo, and the page's
    first draw after navigation.
The demo agents step slowly (`--step`, default 90 s) so all of them stay busy, spinner running,
through both phases.

Run: python3 benchmarks/dashboard.py [--agents 10] [--seconds 60] [--screenshot PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from procstat import cpu_seconds, rss_mib

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "web"))

from web_browser import Browser  # noqa: E402
from web_helpers import (DEMO_BUSY, GT, Dashboard, clean_env, end, make_town,  # noqa: E402
                         start_host)


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def app_pid(server: int) -> int:
    """The tab's dashboard app: the python under textual-serve's shell."""
    for pid in descendants(server):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"gastown_tui.web" in argv and not argv[0].endswith(b"sh"):
            return pid
    raise SystemExit("no dashboard app process under the server")


class Meter:
    """CPU seconds of a set of pids over a window, and their peak resident memory."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.start = {k: cpu_seconds(p) for k, p in pids.items()}
        self.t0 = time.monotonic()
        self.peak = {k: rss_mib(p) for k, p in pids.items()}

    def sample(self) -> None:
        for k, p in self.pids.items():
            self.peak[k] = max(self.peak[k], rss_mib(p))

    def cpu_percent(self) -> dict[str, float]:
        wall = time.monotonic() - self.t0
        return {k: 100 * (cpu_seconds(p) - self.start[k]) / wall for k, p in self.pids.items()}


async def measure(pids: dict[str, int], seconds: float) -> tuple[dict, dict]:
    meter = Meter(pids)
    end_at = time.monotonic() + seconds
    while time.monotonic() < end_at:
        await asyncio.sleep(1.0)
        meter.sample()
    return meter.cpu_percent(), meter.peak


async def run(args: argparse.Namespace) -> None:
    base = Path(tempfile.mkdtemp(prefix="gt-bench-dashboard-"))
    root = base / "town"
    host = dash = None
    try:
        ids, _convoy = make_town(root, args.agents)
        host = start_host(root, step_seconds=args.step)
        from gastown_tui.host.client import HostClient

        HostClient(root, timeout=60).call("sling", issues=ids, target="sample", agent="demo",
                                          no_convoy=True)
        await asyncio.sleep(3)  # the agents start and draw their first screens
        agents = len(HostClient(root).call("agents"))
        print(f"demo town: {agents} agents busy (step {args.step:g} s); "
              f"{os.cpu_count()} cores; other load on the machine runs too (load average "
              f"{os.getloadavg()[0]:.2f} at start)")

        ref_cpu, ref_mem = await measure({"host": host.pid}, args.seconds)

        dash = Dashboard(root)
        profile = base / "chromium"
        profile.mkdir()
        async with Browser(profile) as page:
            t = time.monotonic()
            await page.open(dash.url)
            await page.wait_for("Agents", DEMO_BUSY, timeout=60)
            first_draw = time.monotonic() - t
            app = app_pid(dash.proc.pid)
            pids = {"host": host.pid, "server": dash.proc.pid, "app": app}
            cpu, mem = await measure(pids, args.seconds)

            latencies = []
            for i in range(args.changes):
                title = f"Bench convoy {i}"
                subprocess.run([*GT, "convoy", "create", title, ids[i % len(ids)]], cwd=root,
                               env=clean_env(), check=True, capture_output=True)
                latencies.append(await page.wait_for(title, timeout=30))
                await asyncio.sleep(0.7)  # changes land at varied points of the poll cycle
            if args.screenshot:
                await page.screenshot(Path(args.screenshot))

            # Keys typed in the page until the agent's echo shows on the page: the first
            # agent's terminal zoomed and focused (Enter in the Agents panel), then words
            # typed into the demo agent's input line.
            await page.click(8, 8)
            await page.key("Enter", 13, "\r")
            await asyncio.sleep(1.0)
            echoes = []
            for i in range(args.changes):
                word = f"k{i}q"
                t = time.monotonic()
                await page.type(word)
                await page.wait_for(word, timeout=30)
                echoes.append(time.monotonic() - t)
                await asyncio.sleep(0.3)
        print(f"\nhost CPU over {args.seconds:g} s with {agents} busy agents:")
        print(f"  without a dashboard (reference)   {ref_cpu['host']:6.1f} %   "
              f"RSS {ref_mem['host']:.0f} MiB")
        print(f"  with the dashboard and one tab    {cpu['host']:6.1f} %   "
              f"RSS {mem['host']:.0f} MiB   ({cpu['host'] - ref_cpu['host']:+.1f} points)")
        print("dashboard:")
        print(f"  server (gt dashboard)             {cpu['server']:6.1f} %   "
              f"peak RSS {mem['server']:.0f} MiB")
        print(f"  the tab's app process             {cpu['app']:6.1f} %   "
              f"peak RSS {mem['app']:.0f} MiB")
        print(f"  together                          {cpu['server'] + cpu['app']:6.1f} %   "
              f"peak RSS {mem['server'] + mem['app']:.0f} MiB")
        print(f"page: first draw with agents and terminals {first_draw:.2f} s after navigation")
        print(f"ledger change -> shown in the browser (a new convoy from another process, from "
              f"the end of `gt convoy create`): median {statistics.median(latencies):.2f} s, "
              f"max {max(latencies):.2f} s over {len(latencies)}")
        print(f"keys typed in the page -> the agent's echo shown on the page: median "
              f"{statistics.median(echoes) * 1000:.0f} ms, max {max(echoes) * 1000:.0f} ms "
              f"over {len(echoes)}")
        if args.screenshot:
            print(f"screenshot: {args.screenshot}")
    finally:
        if dash is not None:
            dash.close()
        if host is not None:
            end(host, grace=30)
        shutil.rmtree(base, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--step", type=float, default=90.0)
    parser.add_argument("--changes", type=int, default=5)
    parser.add_argument("--screenshot", help="save the page as PNG here at the end")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
