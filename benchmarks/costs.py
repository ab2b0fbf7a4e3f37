"""`gt costs` on a month of transcripts: a cold run (no cache) against repeated runs.

A real town with AGENTS polecats (slung with the shell preset); each worked DAYS days with one
Claude Code session a day of RESPONSES responses (every response beside a user line holding a
tool's output, as real transcripts have), and every tenth session is a Codex rollout instead.
Other projects' transcripts sit beside them, as on a person's machine.

Prints, for real `gt costs --json` processes:
  - cold: the first run, which parses every transcript into `.runtime/costs.db`;
  - warm: the same call again, nothing changed;
  - grown: after every agent's newest session got 20 more responses (agents at work);
  - reference: one pass that only reads and JSON-parses every line of every file, as a
    cacheless reader must on each call.

Run: python3 benchmarks/costs.py [--agents 20] [--days 30] [--responses 200]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchtown import bench_town

_SCRIPT = Path(sys.executable).parent / "gt"
GT = str(_SCRIPT) if _SCRIPT.exists() else (shutil.which("gt") or "gt")
TOOL_OUTPUT = "line of a tool's output that the agent read back\\n" * 24


def make_town(root: Path, agents: int) -> list[Path]:
    from gastown_tui.town.config import set_setting
    from gastown_tui.town.sling import sling

    town = bench_town(root, {"README.md": "# sample\n"})
    set_setting(town, "max_polecats", str(agents))
    led = town.rig("bench").ledger("overseer")
    ids = [led.create(f"work {i}").id for i in range(agents)]
    slung = sling(town, ids, "bench", agent="shell", convoy=True, environ=os.environ)
    return [Path(s.worktree) for s, _hook in slung]


def claude_lines(cwd: Path, session: str, start: float, n: int, first: int = 0) -> str:
    out = []
    for i in range(first, first + n):
        when = dt.datetime.fromtimestamp(start + i * 20, dt.timezone.utc).isoformat()
        out.append(json.dumps({
            "parentUuid": f"p{i}", "isSidechain": False, "userType": "external",
            "cwd": str(cwd), "sessionId": session, "version": "2.1.197", "type": "user",
            "message": {"role": "user", "content": [{"type": "tool_result",
                                                     "tool_use_id": f"t{i}",
                                                     "content": TOOL_OUTPUT}]},
            "uuid": f"u{i}", "timestamp": when}))
        out.append(json.dumps({
            "parentUuid": f"u{i}", "isSidechain": False, "userType": "external",
            "cwd": str(cwd), "sessionId": session, "version": "2.1.197", "type": "assistant",
            "message": {"model": "claude-sonnet-4-5-20250929", "id": f"msg_{session}_{i}",
                        "type": "message", "role": "assistant",
                        "content": [{"type": "text", "text": "Reading the file next."}],
                        "usage": {"input_tokens": 12, "output_tokens": 340,
                                  "cache_creation_input_tokens": 900,
                                  "cache_read_input_tokens": 40000}},
            "requestId": f"req_{session}_{i}", "uuid": f"a{i}", "timestamp": when}))
    return "\n".join(out) + "\n"


def codex_lines(cwd: Path, session: str, start: float, n: int) -> str:
    when = dt.datetime.fromtimestamp(start, dt.timezone.utc).isoformat()
    out = [{"timestamp": when, "type": "session_meta", "payload": {"id": session,
                                                                  "cwd": str(cwd)}},
           {"timestamp": when, "type": "turn_context", "payload": {"cwd": str(cwd),
                                                                  "model": "gpt-5-codex"}}]
    total = 0
    for i in range(n):
        total += 5340
        last = {"input_tokens": 5000, "cached_input_tokens": 4000, "output_tokens": 340,
                "reasoning_output_tokens": 100, "total_tokens": 5340}
        out.append({"timestamp": when, "type": "response_item", "payload": {
            "type": "function_call_output", "call_id": f"c{i}", "output": TOOL_OUTPUT}})
        out.append({"timestamp": when, "type": "event_msg", "payload": {
            "type": "token_count", "info": {"total_token_usage": {**last, "total_tokens": total},
                                            "last_token_usage": last}}})
    return "".join(json.dumps(x) + "\n" for x in out)


def write_month(home: Path, worktrees: list[Path], days: int,
                responses: int) -> list[tuple[Path, Path]]:
    """Every transcript; returns each agent's newest Claude session and its folder."""
    from gastown_tui.town.transcripts import claude_folder

    newest = []
    now = time.time()
    for a, wt in enumerate(worktrees + [home / "elsewhere" / "project"]):
        folder = home / ".claude/projects" / claude_folder(str(wt))
        folder.mkdir(parents=True, exist_ok=True)
        for d in range(days):
            start = now - (days - d) * 86400
            session = f"{a:04d}-{d:04d}-4000-8000-000000000000"
            if (a + d) % 10 == 9:
                day = dt.datetime.fromtimestamp(start)
                path = home / ".codex/sessions" / day.strftime("%Y/%m/%d") / \
                    f"rollout-{day.strftime('%Y-%m-%dT%H-%M-%S')}-{session}.jsonl"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(codex_lines(wt, session, start, responses))
                continue
            path = folder / f"{session}.jsonl"
            path.write_text(claude_lines(wt, session, start, responses))
            last = (path, wt)
        if wt in worktrees:
            newest.append(last)
    return newest


def timed(town: Path, env: dict) -> float:
    start = time.perf_counter()
    subprocess.run([GT, "costs", "--json"], cwd=town, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def reference(home: Path) -> float:
    start = time.perf_counter()
    for path in list(home.rglob("*.jsonl")):
        with open(path, "rb") as f:
            for line in f:
                json.loads(line)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--responses", type=int, default=200)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="gt-bench-costs-"))
    try:
        worktrees = make_town(root, args.agents)
        home = root / "home"
        newest = write_month(home, worktrees, args.days, args.responses)
        size = sum(p.stat().st_size for p in home.rglob("*.jsonl"))
        files = sum(1 for _ in home.rglob("*.jsonl"))
        env = {**os.environ, "HOME": str(home)}
        for var in ("CLAUDE_CONFIG_DIR", "CODEX_HOME", "GEMINI_CLI_HOME"):
            env.pop(var, None)
        responses = (args.agents + 1) * args.days * args.responses
        print(f"{files} transcripts, {size / 1e6:.0f} MB, {responses:,} responses "
              f"({args.agents} agents and one other project, {args.days} days)")
        town = root / "town"
        cold = timed(town, env)
        warm = min(timed(town, env) for _ in range(3))
        for path, wt in newest:
            with open(path, "a") as f:
                f.write(claude_lines(wt, path.stem, time.time(), 20, args.responses))
        grown = timed(town, env)
        ref = reference(home)
        print(f"cold `gt costs`:   {cold:6.2f} s (parses everything into the cache)")
        print(f"warm, no change:   {warm:6.2f} s ({cold / warm:.0f}x faster than cold)")
        print(f"warm, {len(newest)} grown:   {grown:6.2f} s (reads only the new lines)")
        print(f"reference: read and parse every line once, no cache: {ref:.2f} s")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
