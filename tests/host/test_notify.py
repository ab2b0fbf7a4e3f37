"""Notifications from a live host: what needs a person becomes one notice, run through the
town's `notify_command` (here one that appends what it reads to a file), repeats dropped and a
flood summed up; `gt notify test` says which channels it used. The refinery's merge requests
and agents waiting on a person reach it too, while the dialogs the host answers do not."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from host_helpers import async_wait_for, new_issue, run_gt, running_host

from gastown_tui.town import find_town
from gastown_tui.town.config import set_agent, set_setting


def _lines(path) -> list[dict]:
    try:
        return [json.loads(line) for line in path.read_text().splitlines()]
    except FileNotFoundError:
        return []


def test_notices_run_notify_command_deduplicated_and_rate_limited(town, tmp_path):
    got = tmp_path / "got.jsonl"
    set_setting(town, "notify_command", f"cat >> {got}")
    set_setting(town, "notify_desktop", "false")
    env = {**os.environ, "GT_NOTIFY_WINDOW_SECONDS": "2", "GT_WATCH_SECONDS": "0.1"}

    async def main():
        async with running_host(find_town(town.root, {}), env) as (host, seen):
            host.publish("mr_rejected", mr="dm-mr1", rig="demo", issue="dm-1", rejections=2)
            host.publish("mr_rejected", mr="dm-mr1", rig="demo", issue="dm-1", rejections=3,
                         needs_you="dm-1 was rejected 3 times: look at it")
            host.publish("convoy_landed", id="hq-cv-1", title="Convoy 1")
            for n in range(1, 7):   # the first again: dropped
                host.publish("convoy_landed", id=f"hq-cv-{n}", title=f"Convoy {n}")
            await async_wait_for(lambda: len(_lines(got)) == 5, 10, what="five notices")
            first = _lines(got)
            assert [n["kind"] for n in first] == ["rejected"] + ["landed"] * 4
            assert first[0] == {"kind": "rejected", "agent": None, "rig": "demo",
                                "bead": "dm-1", "convoy": None,
                                "text": "dm-1 was rejected 3 times: look at it",
                                "time": first[0]["time"]}
            assert first[1]["convoy"] == "hq-cv-1" and first[1]["text"] == \
                "convoy landed: Convoy 1"
            # Five a window at most: the other two come as one summary when it is over.
            await async_wait_for(lambda: len(_lines(got)) == 6, 10, what="the summary")
            summary = _lines(got)[5]
            assert summary["kind"] == "summary" and summary["text"].startswith(
                "2 more things need you: convoy landed: Convoy 5; convoy landed: Convoy 6")
            assert len([e for e in seen if e["kind"] == "notice"]) == 6

            report = await asyncio.to_thread(run_gt, town.root, "notify", "test")
            assert report.returncode == 0, report.stderr
            assert "notify_command: sent" in report.stdout
            assert "desktop: off (notify_desktop is false)" in report.stdout
            assert "apps: 0 attached apps" in report.stdout
            assert _lines(got)[-1]["kind"] == "test"
            set_setting(town, "notify_command", "echo broken >&2; exit 3")
            await async_wait_for(lambda: host.settings.notify_command.startswith("echo"), 10,
                                 what="the host to read the new setting")
            host.publish("convoy_landed", id="hq-cv-9", title="Convoy 9")
            [failed] = await async_wait_for(
                lambda: [e for e in seen if e["kind"] == "notify_failed"], 10,
                what="the failure to be said")
            assert failed["error"] == "exit code 3: broken"

    asyncio.run(main())


def test_merge_requests_that_need_a_person_reach_notify_command(town, tmp_path):
    """The refinery's own events: work whose gate fails is sent back three times (the agent's
    gt done, then a person's two retries) and one notice says it needs a person; work whose
    gate passes waits for review (merge.review = human) and a notice says how to look."""
    from gastown_tui.town import mq

    got = tmp_path / "got.jsonl"
    set_setting(town, "notify_command", f"cat >> {got}")
    set_setting(town, "notify_desktop", "false")
    set_setting(town, "merge.gate",
                "if test -f change.txt; then echo 'the tests fail'; exit 3; fi", rig="demo")
    set_setting(town, "merge.review", "human", rig="demo")
    set_agent(town, "plainsh", "bash --norc --noprofile")
    failing = new_issue(town, "Breaks the gate")
    passing = new_issue(town, "Add a line to hello.py")
    env = {**os.environ, "GT_DEMO_STEP_SECONDS": "0.05", "GT_DONE_GRACE": "0.2",
           "GT_WATCH_SECONDS": "0.1", "PS1": "$ "}

    async def main():
        async with running_host(find_town(town.root, {}), env) as (host, seen):
            [slung] = await host.sling([failing], "demo", agent="plainsh")
            await host.sling([passing], "demo", agent="demo")
            (Path(slung.worktree) / "change.txt").write_text("x\n")
            host.type_keys(f"demo/{slung.polecat}", "gt done -m 'first try'\r")

            def rejected():
                return [e for e in seen if e["kind"] == "mr_rejected"
                        and e.get("issue") == failing]

            for n in (1, 2, 3):
                await async_wait_for(lambda: len(rejected()) == n, 40,
                                     what=f"rejection {n}")
                if n < 3:
                    retried = await asyncio.to_thread(run_gt, town.root, "mq", "retry",
                                                      rejected()[-1]["mr"])
                    assert retried.returncode == 0, retried.stderr
            assert rejected()[-1]["rejections"] == 3
            await async_wait_for(lambda: {"rejected", "review"} <= {n["kind"] for n in
                                                                     _lines(got)}, 40,
                                 what="both notices")
            [sent_back] = [n for n in _lines(got) if n["kind"] == "rejected"]
            mr = mq.mr_for_issue(find_town(town.root, {}).rig("demo"), failing)
            assert (sent_back["rig"], sent_back["bead"]) == ("demo", failing)
            assert sent_back["text"].startswith(f"{failing} was rejected 3 times: look at it "
                                                f"(`gt diff {mr.id}`)")
            [review] = [n for n in _lines(got) if n["kind"] == "review"]
            waiting = mq.mr_for_issue(find_town(town.root, {}).rig("demo"), passing)
            assert (review["rig"], review["bead"]) == ("demo", passing)
            assert f"gt mq approve {waiting.id}" in review["text"]

    asyncio.run(main())


def test_desktop_notice_through_notify_send(tmp_path):
    """`notify-send` needs a desktop session's notification server, which no test machine
    has: a stand-in on PATH takes its place and writes down its arguments."""
    from gastown_tui.town.notify import Notice, desktop

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    args = tmp_path / "args"
    stand_in = bin_dir / "notify-send"
    stand_in.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > {args}\n")
    stand_in.chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin"}
    sent = desktop(Notice("stuck", "demo/nux is stuck on dm-1"), env)
    assert (sent.ok, sent.detail) == (True, "sent with notify-send")
    assert args.read_text().splitlines() == ["-a", "Gas Town", "-u", "critical", "Gas Town",
                                             "demo/nux is stuck on dm-1"]
    assert desktop(Notice("landed", "convoy landed: X"), env).ok
    assert args.read_text().splitlines()[3] == "normal"
    stand_in.write_text("#!/bin/sh\necho 'Cannot connect to the session bus' >&2\nexit 1\n")
    failed = desktop(Notice("test", "t"), env)
    assert (failed.ok, failed.detail) == (False, "notify-send failed: Cannot connect to the "
                                                 "session bus")
    stand_in.unlink()
    assert desktop(Notice("test", "t"), env).detail == "notify-send is not installed"


# Claude Code's folder-trust question, which the host answers at start; the screen is
# cleared a moment after it is answered (so the question is read as waiting first).
TRUST_DIALOG = """
import sys, time
print("\\n" * 40)   # at the bottom of the screen, where agents draw their dialogs
print("Do you trust the files in this folder?")
print(" ❯ 1. Yes, proceed")
print("   2. No, exit")
sys.stdout.flush()
sys.stdin.readline()
time.sleep(0.5)
print("\\x1b[H\\x1b[2Jtrusted", flush=True)
time.sleep(60)
"""


def test_a_waiting_agent_is_told_but_a_dialog_the_host_answers_is_not(town, tmp_path):
    got = tmp_path / "got.jsonl"
    set_setting(town, "notify_command", f"cat >> {got}")
    set_setting(town, "notify_desktop", "false")
    fake = tmp_path / "bin" / "claude"
    fake.parent.mkdir()
    fake.write_text(f"#!{sys.executable}\n" + TRUST_DIALOG)
    fake.chmod(0o755)
    set_agent(town, "claude", str(fake))
    set_agent(town, "plainsh", "bash --norc --noprofile")
    trusting, asking = new_issue(town, "Trusts its folder"), new_issue(town, "Asks first")
    env = {**os.environ, "GT_WATCH_SECONDS": "0.1", "GT_NOTIFY_WAIT_SECONDS": "3",
           "PS1": "$ "}

    async def main():
        async with running_host(find_town(town.root, {}), env) as (host, seen):
            [c] = await host.sling([trusting], "demo", agent="claude")
            [s] = await host.sling([asking], "demo", agent="plainsh")
            claude, shell = f"demo/{c.polecat}", f"demo/{s.polecat}"
            await async_wait_for(lambda: any(e["kind"] == "dialog_answered" for e in seen), 20,
                                 what="the trust question to be answered")
            await async_wait_for(lambda: any(e["kind"] == "agent_state" and e["agent"] == claude
                                             and e["new"] == "waiting" for e in seen), 10,
                                 what="the question to be read as waiting")
            await async_wait_for(lambda: "$" in "".join(host.session(shell).screen
                                                        .text_lines()), 20, what="a prompt")
            host.type_keys(shell, "read -p 'Delete the build folder? [y/N] ' answer\r")
            [told] = await async_wait_for(lambda: _lines(got), 20, what="the notice")
            assert (told["kind"], told["agent"], told["rig"], told["bead"]) == \
                ("waiting", shell, "demo", asking)
            assert told["text"].startswith(f"{shell} is waiting") and \
                told["text"].endswith(f" on {asking}")
            await asyncio.sleep(1)
            assert [n["agent"] for n in _lines(got)] == [shell]

    asyncio.run(main())
