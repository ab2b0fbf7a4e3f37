"""Live behaviours with real processes: handoff, stalls, periodic snapshots, start-up dialogs,
the event stream and `gt mayor attach` starting a host."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pygit2
import pytest

from host_helpers import async_wait_for, gt_argv, new_issue, run_gt, wait_for

from gastown_tui.host.host import Host
from gastown_tui.host.runtime import read_info
from gastown_tui.town import find_town, hooks, inbox
from gastown_tui.town.config import set_agent
from gastown_tui.town.transcripts import claude_folder

ENV = {**os.environ, "GT_DEMO_STEP_SECONDS": "0.05", "GT_RESPAWN_BACKOFF": "0.1",
       "GT_WATCH_SECONDS": "0.1"}


def _collect(host: Host) -> list[dict]:
    seen: list[dict] = []
    host.subscribe(seen.append)
    return seen


def test_handoff_restarts_the_agent_fresh(town):
    # a plain bash (no rc files, a known prompt) stands in for an agent that runs commands
    set_agent(town, "plainsh", "bash --norc --noprofile")
    issue = new_issue(town, "Long work")

    async def main():
        host = Host(find_town(town.root, {}), mode="test", environ={**ENV, "PS1": "$ "})
        seen = _collect(host)
        await host.start()
        try:
            [slung] = await host.sling([issue], "demo", agent="plainsh")
            name = f"demo/{slung.polecat}"
            await async_wait_for(lambda: "$" in "".join(host.session(name).screen.text_lines()),
                                 20, what="a shell prompt")
            await host.nudge(name, "gt handoff -m 'carry on from step 2'", "immediate")
            await async_wait_for(lambda: any(e["kind"] == "handoff" for e in seen), 15,
                                 what="the handoff")
            assert host.session(name).pid != slung.pid and host.session(name).alive
            mail = inbox(find_town(town.root, {}), f"demo/polecats/{slung.polecat}")
            assert [m.subject for m in mail] == [f"Handoff: {issue}"]
        finally:
            await host.stop()

    asyncio.run(main())


def test_stall_and_periodic_snapshot(town):
    set_agent(town, "sleeper", "sh -c 'sleep 30'")
    issue = new_issue(town, "Quiet work")

    async def main():
        host = Host(find_town(town.root, {}), mode="test",
                    environ={**ENV, "GT_STALL_SECONDS": "0.5", "GT_SNAPSHOT_SECONDS": "0.3"})
        seen = _collect(host)
        await host.start()
        try:
            [slung] = await host.sling([issue], "demo", agent="sleeper")
            (town.rig("demo").polecats_dir / slung.polecat / "wip.txt").write_text("draft")
            await async_wait_for(lambda: any(e["kind"] == "agent_stalled" for e in seen), 10,
                                 what="a stall")
            await async_wait_for(lambda: any(e["kind"] == "snapshot" for e in seen), 10,
                                 what="a periodic snapshot")
            # A shell takes no prompt: no nudge is typed; it is restarted, then reported.
            await async_wait_for(lambda: any(e["kind"] == "agent_stuck" for e in seen), 10,
                                 what="the stall to be reported")
            assert not any(e["kind"] == "nudge" for e in seen)
            assert [e["step"] for e in seen if e["kind"] == "agent_recovery"] == \
                ["nudged", "restarted"]
            rows = await asyncio.to_thread(
                lambda: json.loads(run_gt(town.root, "agents", "--json").stdout))
            assert rows[0]["state"] == "stuck" and rows[0]["stalled"] is True
        finally:
            await host.stop()

    asyncio.run(main())


def test_stall_minutes_set_while_a_host_runs_applies(town):
    """`gt config set stall_minutes N` reaches a running host; GT_STALL_SECONDS stays ahead."""
    env = {k: v for k, v in ENV.items() if k != "GT_STALL_SECONDS"}

    async def main():
        host = Host(find_town(town.root, {}), mode="test", environ=env)
        await host.start()
        try:
            assert host.settings.stall_seconds == 15 * 60
            out = await asyncio.to_thread(run_gt, town.root, "config", "set", "stall_minutes",
                                          "7")
            assert out.returncode == 0, out.stderr
            await async_wait_for(lambda: host.settings.stall_seconds == 7 * 60, 15,
                                 what="the host to read the new stall_minutes")
        finally:
            await host.stop()
        pinned = Host(find_town(town.root, {}), mode="test",
                      environ={**env, "GT_STALL_SECONDS": "2"})
        pinned.settings.reread(pinned.town, pinned.environ)
        assert pinned.settings.stall_seconds == 2

    asyncio.run(main())


def test_hooks_list_shows_live_terminal_activity(town):
    """The ledger records transitions only; `gt hooks list` takes an agent's last terminal
    output from the running host."""
    issue = new_issue(town, "Busy work")

    async def main():
        host = Host(find_town(town.root, {}), mode="test",
                    environ={**ENV, "GT_DEMO_STEP_SECONDS": "30"})
        await host.start()
        try:
            [slung] = await host.sling([issue], "demo", agent="demo")
            await asyncio.sleep(1.5)  # the agent's spinner keeps drawing
            rows = await asyncio.to_thread(
                lambda: json.loads(run_gt(town.root, "hooks", "list", "--json").stdout))
            h = hooks.load(find_town(town.root, {}), "demo", slung.polecat)
            assert h.last_activity <= h.times["active"]
            assert rows[0]["last_activity"] > h.times["active"]
        finally:
            await host.stop()

    asyncio.run(main())


DIALOG_AGENT = """
import sys, time
print("Do you trust the files in this folder?")
print(" ❯ 1. Yes, proceed")
print("   2. No, exit")
sys.stdout.flush()
line = sys.stdin.readline()
print("trusted" if line.strip() == "" else "refused")
sys.stdout.flush()
time.sleep(30)
"""


def test_startup_dialog_is_answered(town, tmp_path):
    script = tmp_path / "fake_claude.py"
    script.write_text(DIALOG_AGENT)
    set_agent(town, "claude", f"{sys.executable} {script}")
    issue = new_issue(town, "Needs trust")

    async def main():
        host = Host(find_town(town.root, {}), mode="test", environ=ENV)
        seen = _collect(host)
        await host.start()
        try:
            [slung] = await host.sling([issue], "demo", agent="claude")
            name = f"demo/{slung.polecat}"
            await async_wait_for(lambda: any(e["kind"] == "dialog_answered" for e in seen), 10,
                                 what="the trust dialog to be answered")
            await async_wait_for(lambda: "trusted" in host.session(name).screen.text_lines(),
                                 5, what="the agent to go on")
        finally:
            await host.stop()

    asyncio.run(main())



def test_custom_preset_of_a_known_agent_gets_its_rules(town, tmp_path):
    """A preset of your own that runs claude (`claude --model x` under another name) gets
    claude's start-up dialog answers, its SessionStart hook and, on resume, claude's resume
    flag when its folder has a conversation to resume."""
    fake = tmp_path / "bin" / "claude"
    fake.parent.mkdir()
    fake.write_text(f"#!{sys.executable}\nimport sys\nprint('argv:', ' '.join(sys.argv[1:]))\n"
                    + DIALOG_AGENT)
    fake.chmod(0o755)
    set_agent(town, "claude-fast", f"{fake} --model fast")
    issue = new_issue(town, "Needs trust")
    config = tmp_path / "claude-config"

    async def main():
        host = Host(find_town(town.root, {}), mode="test",
                    environ={**ENV, "CLAUDE_CONFIG_DIR": str(config)})
        seen = _collect(host)
        await host.start()
        try:
            [slung] = await host.sling([issue], "demo", agent="claude-fast")
            name = f"demo/{slung.polecat}"
            await async_wait_for(lambda: any(e["kind"] == "dialog_answered" for e in seen), 10,
                                 what="the trust dialog to be answered")
            assert "argv: --model fast" in host.session(name).screen.text_lines()
            # It primes itself after a compaction or a resume: gt prime is its SessionStart
            # hook in the worktree's local settings.
            settings = json.loads((Path(slung.worktree) / ".claude/settings.local.json")
                                  .read_text())
            assert {"type": "command", "command": "gt prime"} in \
                settings["hooks"]["SessionStart"][0]["hooks"]
            # Resumed with no conversation recorded for its folder: `claude --continue` would
            # end at once ("No conversation found to continue"), so it starts without it.
            await host.suspend_agent(name)
            await host.resume_agent(name)
            await async_wait_for(lambda: "argv: --model fast"
                                 in host.session(name).screen.text_lines(), 10,
                                 what="the resumed agent")
            # With one in its config folder, it picks that conversation up.
            folder = config / "projects" / claude_folder(slung.worktree)
            folder.mkdir(parents=True)
            (folder / "2f1c.jsonl").write_text('{"type": "user"}\n')
            await host.suspend_agent(name)
            await host.resume_agent(name)
            await async_wait_for(lambda: "argv: --model fast --continue"
                                 in host.session(name).screen.text_lines(), 10,
                                 what="the resumed agent with claude's resume flag")
        finally:
            await host.stop()

    asyncio.run(main())


def test_finished_work_is_archived_once_its_branch_is_merged(town):
    from gastown_tui.town.config import set_setting
    from gastown_tui.town.outcomes import approve

    issue = new_issue(town, "Add a line to hello.py")
    set_setting(town, "merge.review", "human", rig="demo")

    async def main():
        host = Host(find_town(town.root, {}), mode="test",
                    environ={**ENV, "GT_DONE_GRACE": "0.1", "GT_MERGE_CHECK_SECONDS": "0.3"})
        seen = _collect(host)
        await host.start()
        try:
            [slung] = await host.sling([issue], "demo", agent="demo")
            t = find_town(town.root, {})
            await async_wait_for(lambda: any(e["kind"] == "mr_review" for e in seen), 20, 0.1,
                                 what="the work to wait for review")
            await asyncio.sleep(1.0)
            # not merged yet: the finished worktree stays
            assert not [e for e in seen if e["kind"] == "hook_archived"]
            wt = town.rig("demo").polecats_dir / slung.polecat
            assert wt.is_dir() and not t.rig("demo").ledger().get(issue).is_closed
            # a file the person left that is ignored and over the snapshot's cap
            (wt / ".gitignore").write_text("*.bin\n")
            (wt / "big.bin").write_bytes(b"x" * (2 << 20))
            repo = pygit2.Repository(str(town.rig("demo").repo_path))
            tip = repo.references[f"refs/heads/{slung.branch}"].target
            [mr] = [e["mr"] for e in seen if e["kind"] == "mr_review"]
            approve(t, mr, "overseer")   # the person approves; the refinery merges it
            host.refineries.wake()
            await async_wait_for(lambda: [e for e in seen if e["kind"] == "hook_archived"], 10,
                                 what="the merged work to be archived")
            h = hooks.load(find_town(town.root, {}), "demo", slung.polecat)
            assert h.state == "archived" and not wt.exists()
            assert t.rig("demo").ledger().get(issue).is_closed
            # the branch is gone; its commit stays reachable from the snapshot ref
            assert f"refs/heads/{slung.branch}" not in repo.references
            wip = repo.references[f"refs/gastown/wip/{slung.polecat}"].target
            assert repo.descendant_of(wip, tip)
            [archived] = [e for e in seen if e["kind"] == "hook_archived"]
            assert archived["moved"] == 1
            assert (Path(archived["set_aside"]) / "big.bin").stat().st_size == 2 << 20
        finally:
            await host.stop()

    asyncio.run(main())

def test_events_follow_stream(town, reap):
    async def main():
        host = Host(town, mode="test", environ=ENV)
        await host.start()
        proc = subprocess.Popen(gt_argv("events", "--follow", "--json", "-n", "0"),
                                cwd=str(town.root), stdout=subprocess.PIPE, text=True)
        reap.append(proc.pid)
        lines: list[dict] = []

        def read():
            for line in proc.stdout:
                lines.append(json.loads(line))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            for i in range(100):
                host.publish("ping_test", n=i)
                await asyncio.sleep(0.05)
                if lines:
                    break
            host.publish("last_one")
            await async_wait_for(lambda: any(e["kind"] == "last_one" for e in lines), 5,
                                 what="the streamed event")
        finally:
            await host.stop()
        await asyncio.to_thread(proc.wait, 5)
        assert proc.returncode == 0
        await asyncio.to_thread(reader.join, 5)
        # the stream ends with the host's last word, not cut before it
        assert lines[-1]["kind"] == "host_stopped"

    asyncio.run(main())


def test_the_mayor_makes_rig_issues_in_a_rigs_clone(town):
    """What the Mayor's prime tells it works in its pane: `bd create` inside a rig's clone
    makes that rig's issue (one `gt sling` can hand out), in its own home the town's."""
    from gastown_tui.host.mayor import mayor_start

    clone = town.rig("demo").beads_dir.parent
    bd = shutil.which("bd") or "bd"
    set_agent(town, "mayorsh", f"sh -c '{bd} create \"town work\" && cd {clone} && "
              f"{bd} create \"rig work\" && sleep 30'")

    async def main():
        host = Host(find_town(town.root, {}), mode="test", environ=ENV)
        await host.start()
        try:
            await mayor_start(host, "mayorsh")
            t = find_town(town.root, {})
            await async_wait_for(lambda: [i for i in t.rig("demo").ledger().list()
                                          if i.title == "rig work"], 15,
                                 what="the Mayor's rig issue")
            assert [i.title for i in t.ledger().list(issue_type="task")] == ["town work"]
        finally:
            await host.stop()

    asyncio.run(main())


def test_mayor_attach_starts_a_host(town, reap):
    out = run_gt(town.root, "mayor", "attach", "--agent", "demo",
                 env={"GT_DEMO_STEP_SECONDS": "0.05"})
    info = read_info(town.root)
    if info:
        reap.append(info.pid)
    assert out.returncode == 0, out.stderr
    assert "the Mayor is running (demo" in out.stdout and "gt peek mayor" in out.stdout
    try:
        wait_for(lambda: "Role: mayor" in run_gt(town.root, "peek", "mayor", "200").stdout, 10,
                 what="the Mayor to prime")
        assert run_gt(town.root, "mayor", "start").returncode == 1
        other = run_gt(town.root, "mayor", "attach", "--agent", "shell")
        assert other.returncode == 0 and "already runs demo, not shell" in other.stdout
        # a running Mayor comes back with the next host
        assert run_gt(town.root, "down").returncode == 0
        assert run_gt(town.root, "up", "--detach").returncode == 0
        reap.append(read_info(town.root).pid)
        status = json.loads(run_gt(town.root, "mayor", "status", "--json").stdout)
        assert status["running"] is True and status["agent"] == "demo"
        # detach with no host: the Mayor goes on in a background host
        assert run_gt(town.root, "down").returncode == 0
        detach = run_gt(town.root, "mayor", "detach")
        assert detach.returncode == 0 and "background host" in detach.stdout, detach.stderr
        reap.append(read_info(town.root).pid)
        status = json.loads(run_gt(town.root, "mayor", "status", "--json").stdout)
        assert status["running"] is True
        assert run_gt(town.root, "mayor", "stop").returncode == 0
        status = json.loads(run_gt(town.root, "mayor", "status", "--json").stdout)
        assert status["running"] is False
        # a stopped Mayor stays stopped
        assert run_gt(town.root, "down").returncode == 0
        assert run_gt(town.root, "up", "--detach").returncode == 0
        reap.append(read_info(town.root).pid)
        status = json.loads(run_gt(town.root, "mayor", "status", "--json").stdout)
        assert status["running"] is False
    finally:
        assert run_gt(town.root, "down").returncode == 0


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
def test_mayor_attach_in_a_terminal_focuses_the_mayor(town, tmp_path):
    """In a terminal, `gt mayor attach` opens the app with the Mayor's pane focused, even with
    another agent's pane shown first: what a person types goes to the Mayor."""
    from gastown_tui.host.runtime import host_running

    issue = new_issue(town, "Slow work")
    assert run_gt(town.root, "sling", issue, "demo/ace", "--agent", "demo").returncode == 0
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GT_", "BD_", "BEADS_")) and k not in ("COLUMNS", "LINES")}
    env.update(TERM="xterm-256color", LANG="C.UTF-8", TMUX_TMPDIR=str(tmp_path),
               GT_DEMO_STEP_SECONDS="30")
    tmux = ["tmux", "-f", "/dev/null", "-L", "gt-attach"]
    subprocess.run([*tmux, "new-session", "-d", "-s", "main", "-x", "170", "-y", "48", "-c",
                    str(town.root), " ".join(gt_argv("mayor", "attach", "--agent", "demo"))],
                   env=env, check=True, timeout=10)
    try:
        wait_for(lambda: "demo agent · mayor/" in run_gt(town.root, "peek", "mayor", "200").stdout,
                 30, 0.2, "the host to run the Mayor")
        wait_for(lambda: "polecats/ace" in run_gt(town.root, "peek", "ace", "200").stdout,
                 30, 0.2, "the polecat's pane")
        def shown() -> str:
            return subprocess.run([*tmux, "capture-pane", "-p", "-t", "main"], env=env,
                                  capture_output=True, text=True, timeout=10).stdout

        # both panes are on the app's screen before a key is typed
        wait_for(lambda: "demo agent · mayor/" in shown() and "polecats/ace" in shown(), 30,
                 0.2, "the app to show both panes")
        time.sleep(0.5)
        subprocess.run([*tmux, "send-keys", "-t", "main", "whoami"], env=env, timeout=10)
        wait_for(lambda: "> whoami" in run_gt(town.root, "peek", "mayor", "200").stdout,
                 10, 0.2, "the typed keys on the Mayor's screen")
        assert "whoami" not in run_gt(town.root, "peek", "ace", "200").stdout
    finally:
        subprocess.run([*tmux, "kill-server"], env=env, timeout=10)
        # The app attached to a background host, which outlives it.
        assert run_gt(town.root, "down").returncode == 0
        wait_for(lambda: host_running(town.root) is None, 20, 0.1, "the host to stop")


def test_host_start_gives_an_older_rig_its_ledger_redirect(town):
    """A rig added before gt wrote `<rig>/.beads/redirect` gets it when a host starts, so bd in
    the rig folder files beads in the rig ledger, not the town's."""
    redirect = town.rig("demo").path / ".beads" / "redirect"
    redirect.unlink()

    async def main():
        host = Host(find_town(town.root, {}), mode="test", environ=ENV)
        await host.start()
        await host.stop()

    asyncio.run(main())
    assert redirect.read_text() == "../mayor/rig/.beads\n"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GT_", "BD_", "BEADS_")) and k not in ("COLUMNS", "LINES")}
    made = subprocess.run([shutil.which("bd") or "bd", "create", "In the rig folder", "--json"],
                          cwd=str(redirect.parent.parent), env=env, capture_output=True,
                          text=True, timeout=60, check=True)
    assert json.loads(made.stdout)["id"].startswith(town.rig("demo").prefix + "-")


def test_sling_event_comes_before_the_hook_active_it_causes(town):
    issue = new_issue(town, "Ordered")

    async def main():
        host = Host(find_town(town.root, {}), mode="test", environ=ENV)
        seen = _collect(host)
        await host.start()
        try:
            [slung] = await host.sling([issue], "demo", agent="demo")
        finally:
            await host.stop()
        name = f"demo/{slung.polecat}"
        kinds = [e["kind"] for e in seen if e.get("agent") == name
                 and e["kind"] in ("sling", "hook_active")]
        assert kinds[:2] == ["sling", "hook_active"]
        logged = [e["kind"] for e in json.loads("[" + ",".join(
            (town.root / ".runtime" / "events.jsonl").read_text().splitlines()) + "]")
            if e.get("agent") == name and e["kind"] in ("sling", "hook_active")]
        assert logged[:2] == ["sling", "hook_active"]

    asyncio.run(main())
