"""Supervision with real agent processes: crashes, respawns, stuck agents, suspend and resume."""

from __future__ import annotations

import asyncio
import os
import signal

import pygit2

from host_helpers import async_wait_for, new_issue

from gastown_tui.host.client import HostClient
from gastown_tui.host.host import Host
from gastown_tui.town import find_town, hooks, inbox
from gastown_tui.town.config import set_agent

ENV = {**os.environ, "GT_DEMO_STEP_SECONDS": "0.4", "GT_RESPAWN_BACKOFF": "0.1",
       "GT_DONE_GRACE": "0.2", "GT_WATCH_SECONDS": "0.1"}


def _collect(host: Host) -> list[dict]:
    seen: list[dict] = []
    host.subscribe(seen.append)
    return seen


def test_killed_agent_is_respawned_and_completes(town):
    issue = new_issue(town, "Add a line to hello.py")

    async def main():
        host = Host(town, mode="test", environ=ENV)
        seen = _collect(host)
        await host.start()
        try:
            [slung] = await host.sling([issue], "demo", agent="demo")
            name = f"demo/{slung.polecat}"
            first_pid = slung.pid
            await async_wait_for(lambda: str(host.session(name).state) == "busy", 10,
                                 what="the agent to be busy")
            os.kill(first_pid, signal.SIGKILL)
            await async_wait_for(lambda: any(e["kind"] == "agent_respawned" for e in seen), 10,
                                 what="a respawn")
            suspended = [e for e in seen if e["kind"] == "hook_suspended"]
            assert suspended and suspended[0]["reason"] == f"signal {signal.SIGKILL}"
            assert host.session(name).pid != first_pid
            led = find_town(town.root, {}).rig("demo").ledger()
            await async_wait_for(lambda: led.get(issue).is_closed, 20, 0.1,
                                 what="the respawned agent to finish")
            h = hooks.load(find_town(town.root, {}), "demo", slung.polecat)
            # finished (completed), and maybe merged and archived by now
            assert h.state in ("completed", "archived") and h.respawns == 1
            assert {"active", "suspended", "completed"} <= set(h.times)
            repo = pygit2.Repository(str(town.rig("demo").repo_path))
            from gastown_tui.town.mq import mr_for_issue

            mr = mr_for_issue(find_town(town.root, {}).rig("demo"), issue)
            assert issue in repo[pygit2.Oid(hex=mr.head)].message
        finally:
            await host.stop()

    asyncio.run(main())


def test_agent_that_keeps_dying_is_marked_stuck(town):
    set_agent(town, "crasher", "sh -c 'exit 3'")
    issue = new_issue(town, "Never finishes")

    async def main():
        host = Host(find_town(town.root, {}), mode="test", environ=ENV)
        seen = _collect(host)
        await host.start()
        try:
            [slung] = await host.sling([issue], "demo", agent="crasher")
            await async_wait_for(lambda: any(e["kind"] == "agent_stuck" for e in seen), 15,
                                 what="the agent to be marked stuck")
            respawns = [e for e in seen if e["kind"] == "agent_respawned"]
            assert len(respawns) == 3
            # back-off: each respawn waits twice as long after its crash as the one before
            crashes = [e for e in seen if e["kind"] == "hook_suspended"]
            for i, respawn in enumerate(respawns):
                assert respawn["ts"] - crashes[i]["ts"] >= 0.1 * 2 ** i - 0.01
            rows = await asyncio.to_thread(HostClient(town.root).call, "agents")
            assert [r["state"] for r in rows] == ["stuck"]
            assert rows[0]["hook_state"] == "suspended"
            # The app's and the dashboard's row (one function) knows it is parked, so x
            # resumes it.
            from gastown_tui.host.api import Agents
            from gastown_tui.ui.model import TownView, agent_rows

            [row] = agent_rows(await host.answer(Agents()), TownView(town="t"))
            assert (row.state, row.parked) == ("stuck", True)
        finally:
            await host.stop()
        t = find_town(town.root, {})
        h = hooks.load(t, "demo", slung.polecat)
        assert h.stuck and h.state == "suspended"
        assert any(m.subject.startswith("Stuck: demo/polecats/") for m in inbox(t, "overseer"))

    asyncio.run(main())


def test_stop_suspends_and_start_resumes(town):
    issue = new_issue(town, "Slow work")
    env = {**ENV, "GT_DEMO_STEP_SECONDS": "5"}

    async def first():
        host = Host(town, mode="test", environ=env)
        await host.start()
        try:
            [slung] = await host.sling([issue], "demo", agent="demo")
            await async_wait_for(lambda: str(host.session(f"demo/{slung.polecat}").state)
                                 == "busy", 10, what="busy")
            (town.rig("demo").polecats_dir / slung.polecat / "scratch.txt").write_text("mine\n")
        finally:
            await host.stop()
        return slung

    slung = asyncio.run(first())
    t = find_town(town.root, {})
    h = hooks.load(t, "demo", slung.polecat)
    assert h.state == "suspended" and h.pid is None
    repo = pygit2.Repository(str(town.rig("demo").repo_path))
    snap = repo.references[f"refs/gastown/wip/{slung.polecat}"].peel(pygit2.Commit)
    assert repo[snap.tree["scratch.txt"].id].data == b"mine\n"
    assert "host stopping" in snap.message

    async def second():
        host = Host(find_town(town.root, {}), mode="test", environ={**ENV})
        seen = _collect(host)
        await host.start()
        try:
            assert any(e["kind"] == "hook_active" and e.get("resumed") for e in seen)
            led = find_town(town.root, {}).rig("demo").ledger()
            await async_wait_for(lambda: led.get(issue).is_closed, 20, 0.1, what="resumed work")
        finally:
            await host.stop()

    asyncio.run(second())
    h = hooks.load(find_town(town.root, {}), "demo", slung.polecat)
    assert h.state == "archived"   # merged, then its worktree archived
    # the file written before the stop was committed with the work and merged, not lost
    main = repo.references["refs/heads/main"].peel(pygit2.Commit)
    assert repo[main.tree["scratch.txt"].id].data == b"mine\n"


def test_parked_work_stays_parked_until_resumed_or_repaired(town):
    from gastown_tui.host.repair import repair

    issue = new_issue(town, "Parked work")
    env = {**ENV, "GT_DEMO_STEP_SECONDS": "5"}

    async def main():
        host = Host(town, mode="test", environ=env)
        seen = _collect(host)
        await host.start()
        try:
            [slung] = await host.sling([issue], "demo", agent="demo")
            name = f"demo/{slung.polecat}"
            await host.suspend_agent(slung.polecat, "parked by a test")
            assert name not in host.agents and host.session(name) is None
            # a ledger change (the watch reconciles) must not restart parked work
            town.rig("demo").ledger().create("unrelated")
            await asyncio.sleep(0.6)
            assert name not in host.agents
            session = await host.resume_agent(name)
            assert session.alive and host.agents[name].hook_state == "active"
            await host.suspend_agent(name)
            report = await asyncio.to_thread(repair, find_town(town.root, {}))
            assert [f.what for f in report.fixes] == ["suspended hook"]
            assert host.session(name).alive
            kinds = [e["kind"] for e in seen]
            assert kinds.count("hook_suspended") == 2
        finally:
            await host.stop()

    asyncio.run(main())


def test_deleted_worktree_suspends_and_repair_restores_and_resumes(town):
    """A worktree deleted under a working agent: the watch suspends the hook saying why
    (`gt hooks list`), and `gt hooks repair` brings the worktree back on its branch with the
    files of its last snapshot, then the agent resumes there."""
    import shutil

    from host_helpers import run_gt

    from gastown_tui.host.repair import repair
    from gastown_tui.town.snapshots import take_snapshot

    issue = new_issue(town, "Work in a worktree that vanishes")
    env = {**ENV, "GT_DEMO_STEP_SECONDS": "5", "GT_STALL_SECONDS": "0.4"}

    async def main():
        host = Host(town, mode="test", environ=env)
        seen = _collect(host)
        await host.start()
        try:
            [slung] = await host.sling([issue], "demo", agent="demo")
            name = f"demo/{slung.polecat}"
            path = town.rig("demo").polecats_dir / slung.polecat
            (path / "draft.txt").write_text("not committed yet\n")
            await host.domain(lambda _t: take_snapshot(path, slung.polecat, "periodic"))
            shutil.rmtree(path)
            await async_wait_for(lambda: any(e["kind"] == "hook_suspended" and e["agent"] == name
                                             for e in seen), 10, what="the hook to be suspended")
            assert name not in host.agents
            listed = await asyncio.to_thread(run_gt, town.root, "hooks", "list")
            assert f"{name} is suspended: worktree {path} was deleted: `gt hooks repair` " \
                   "restores it" in listed.stdout, listed.stdout
            report = await asyncio.to_thread(repair, find_town(town.root, {}))
            said = report.render_text()
            assert f"recreated {path}" in said and "files restored from snapshot" in said, said
            assert "suspended hook: " + name + " resumed" in said, said
            assert (path / "draft.txt").read_text() == "not committed yet\n"
            assert host.session(name).alive and host.agents[name].hook_state == "active"
            h = hooks.load(find_town(town.root, {}), "demo", slung.polecat)
            assert h.state == "active" and h.reason is None
        finally:
            await host.stop()

    asyncio.run(main())
