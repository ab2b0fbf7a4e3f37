"""Usage limits with a stand-in for Claude Code that draws its limit messages ("You've hit your
session limit · resets in Ns", or a 429 that gives no reset time; read by the terminal
engine's detector): a person is told once per agent, the limited agent is not nudged or
restarted for its silence, a new sling for its preset waits in the dispatch queue saying why,
and at the reset time the agent is told to go on and the queued work starts; without a reset
time it is told to try again after limit_retry_seconds; an agent moved to a preset with
another account's CLAUDE_CONFIG_DIR goes on there, told to run gt prime."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path

from host_helpers import async_wait_for, new_issue, run_gt, running_host

from gastown_tui.host.limits import RESUME_PROMPT
from gastown_tui.town import find_town, hooks
from gastown_tui.town.config import set_agent, set_setting


def _notices(path: Path, kind: str) -> list[dict]:
    lines = path.read_text().splitlines() if path.exists() else []
    return [n for n in map(json.loads, lines) if n["kind"] == kind]

FAKE = r'''
import os, select, sys, termios, time, tty

until = float(open(os.environ["FAKE_LIMIT_FILE"]).read())
account = os.environ.get("CLAUDE_CONFIG_DIR", "")
rate_limited = bool(os.environ.get("FAKE_RATE_LIMITED"))  # a limit that gives no reset time
limited = "account-b" not in account and (rate_limited or time.time() < until)
log = []
typed = ""


def draw():
    rows = [" ✻ Claude Code (stand-in)", f" config: {account or '~/.claude'}", ""] + log
    if limited and rate_limited:
        rows.append("  ⎿  API Error: Request rejected (429) · Rate limited")
    elif limited:
        rows.append(f"  ⎿  You've hit your session limit · resets in {int(until - time.time())}s")
    rows += ["", "─" * 60, "❯ " + typed, "─" * 60]
    sys.stdout.write("\x1b[H\x1b[2J" + "\r\n".join(rows))
    sys.stdout.flush()


tty.setcbreak(0, termios.TCSANOW)
draw()
while True:
    if select.select([0], [], [], 0.5)[0]:
        for ch in os.read(0, 1024).decode(errors="replace"):
            if ch in "\r\n":
                if typed.strip():
                    log.append("> " + typed)
                    if limited:
                        limited = False
                        log.append("● Going on with the work.")
                typed = ""
            elif ch == "\x7f":
                typed = typed[:-1]
            elif ch >= " ":
                typed += ch
        draw()
'''


def test_a_limited_agent_holds_its_preset_until_the_reset(town, tmp_path):
    # Named claude, so that presets of its own (another account, another limit) are read as
    # Claude Code by the program's name.
    fake = tmp_path / "bin" / "claude"
    fake.parent.mkdir()
    fake.write_text(f"#!{sys.executable}\n" + FAKE)
    fake.chmod(0o755)
    limit_file = tmp_path / "limit-until"
    set_agent(town, "claude", str(fake))
    set_agent(town, "claude-b", str(fake),
              {"CLAUDE_CONFIG_DIR": str(tmp_path / "account-b")})
    set_agent(town, "claude-429", str(fake), {"FAKE_RATE_LIMITED": "1"})
    first, moved, later, rated = (new_issue(town, t) for t in ("Work A", "Work C", "Work B",
                                                               "Work D"))
    got = tmp_path / "notices.jsonl"
    set_setting(town, "notify_command", f"cat >> {got}")
    set_setting(town, "notify_desktop", "false")
    env = {**os.environ, "GT_STALL_SECONDS": "3", "GT_WATCH_SECONDS": "0.1",
           "FAKE_LIMIT_FILE": str(limit_file), "GT_LIMIT_RETRY_SECONDS": "2"}

    async def main():
        async with running_host(find_town(town.root, {}), env) as (host, seen):
            limit_file.write_text(str(time.time() + 9))  # three stall periods
            slung = await host.sling([first, moved], "demo", agent="claude")
            a, c = (f"demo/{s.polecat}" for s in slung)
            [rate] = await host.sling([rated], "demo", agent="claude-429")
            d = f"demo/{rate.polecat}"
            await async_wait_for(lambda: all(str(host.session(n).state) == "limited"
                                             for n in (a, c, d)), 20, what="the limit")
            assert host.agents[a].limit_resets_at is not None
            # A person hears of it once per agent, with the reset time.
            await async_wait_for(lambda: len(_notices(got, "limited")) == 3, 10,
                                 what="the limit notices")
            told = {n["agent"]: n for n in _notices(got, "limited")}
            assert told.keys() == {a, c, d}
            assert told[d]["text"] == f"{d} hit its usage limit (rate limited (429)) on {rated}"
            assert told[a]["bead"] == first and told[a]["rig"] == "demo"
            assert told[a]["text"].startswith(f"{a} hit its usage limit (session limit) "
                                              "(resets ")
            [queued] = await host.sling([later], "demo", agent="claude")
            assert queued.queued is not None and "claude is at its usage limit" in \
                queued.reason, queued
            listed = await asyncio.to_thread(run_gt, town.root, "queue", "list")
            assert f"{later} waits because agent claude is at its usage limit" in listed.stdout

            moved_to = await asyncio.to_thread(run_gt, town.root, "hooks", "move", c,
                                               "claude-b")
            assert moved_to.returncode == 0, moved_to.stderr
            assert "moves from claude to claude-b on its hook" in moved_to.stdout
            await async_wait_for(lambda: host.agents.get(c) is not None
                                 and host.agents[c].agent == "claude-b"
                                 and "account-b" in "".join(host.session(c).screen
                                                            .text_lines()), 20,
                                 what="the move")
            assert hooks.find(find_town(town.root, {}), c).agent == "claude-b"
            # A program without a SessionStart hook here is told to prime after the restart
            # (claude's hook file is in the worktree too; the stand-in does not read it).
            await async_wait_for(lambda: "> Run `gt prime` and start on the work on your hook."
                                 in host.session(c).screen.text_lines(), 20,
                                 what="the first prompt after the move")

            await async_wait_for(lambda: any(e["kind"] == "limit_resumed" and e["agent"] == a
                                             for e in seen), 30, what="the reset")
            assert RESUME_PROMPT[:40] in "".join(host.session(a).screen.text_lines())
            await async_wait_for(lambda: any(e["kind"] == "sling" and e["issue"] == later
                                             for e in seen), 20,
                                 what="the queued work to start")
            # Silent while limited, and never nudged nor restarted for it.
            assert not [e for e in seen if e["kind"] in ("agent_recovery", "agent_restarted")
                        and e.get("agent") in (a, d)]
            # A limit without a reset time: the agent was told to try again after
            # limit_retry_seconds, and its preset stays held (backing off) until it works.
            [retry] = [e for e in seen if e["kind"] == "limit_retry"][:1]
            assert retry["preset"] == "claude-429" and retry["agents"] == d
            assert RESUME_PROMPT[:40] in "".join(host.session(d).screen.text_lines())
            assert host.limits.retry_after("claude-429") > 0

    asyncio.run(main())
