"""Supervision with real agent processes: crashes, respawns, stuck agents, suspend and resume."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import time

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


def _busy_town_ledger(town) -> sqlite3.Connection:
    """Another writer holding the town ledger's write lock, as other agents' mail does on a
    loaded machine: a `gt done` waits there to send its "Done" mail, after its hook already
    says completed."""
    db = sqlite3.connect(str(town.beads_dir / "beads.db"), isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    return db


def test_a_slow_gt_done_ends_before_its_terminal_does(town):
    """The host ends a finished agent's terminal after its short grace, but not while its
    `gt done` still runs: killed there, the work's "Done" mail and its notice to the host
    were lost."""
    issue = new_issue(town, "Add a line to hello.py")
    env = {**ENV, "GT_DEMO_STEP_SECONDS": "0.3", "GT_DONE_GRACE": "0.1"}

    async def main():
        host = Host(town, mode="test", environ=env)
        seen = _collect(host)
        await host.start()
        try:
            [slung] = await host.sling([issue], "demo", agent="demo", convoy=False)
            name = f"demo/{slung.polecat}"
            db = _busy_town_ledger(town)
            try:
                await async_wait_for(lambda: host.agents[name].finished_at is not None, 20,
                                     what="the host to see the work completed")
                await asyncio.sleep(1.0)   # the grace, many times over
                session = host.session(name)
                assert session is not None and session.alive, \
                    "the terminal ended under `gt done`"
            finally:
                db.execute("ROLLBACK")
                db.close()
            await async_wait_for(lambda: host.session(name) is None
                                 or not host.session(name).alive, 20,
                                 what="the terminal to end once `gt done` has")
            done = [m for m in inbox(find_town(town.root, {}), "mayor/")
                    if m.subject.startswith(f"Done: {issue}")]
            assert len(done) == 1
            # its last step: telling the host, which publishes what it submitted
            assert any(e["kind"] == "mr_submitted" and e["issue"] == issue for e in seen)
            assert not any(e["kind"] == "agent_end_forced" for e in seen)
        finally:
            await host.stop()

    asyncio.run(main())


def test_a_command_that_outlives_the_wait_limit_is_reported(town):
    """A `gt` command that never ends (here a `gt done` whose ledger stays busy) holds the
    finished terminal only up to `done_wait_limit`; then it ends, and the event says why."""
    issue = new_issue(town, "Add a line to hello.py")
    env = {**ENV, "GT_DEMO_STEP_SECONDS": "0.3", "GT_DONE_GRACE": "0.1",
           "GT_DONE_WAIT_LIMIT": "1"}

    async def main():
        host = Host(town, mode="test", environ=env)
        seen = _collect(host)
        await host.start()
        try:
            [slung] = await host.sling([issue], "demo", agent="demo", convoy=False)
            name = f"demo/{slung.polecat}"
            db = _busy_town_ledger(town)
            try:
                await async_wait_for(lambda: host.session(name) is None
                                     or not host.session(name).alive, 20,
                                     what="the terminal to end at the limit")
                [forced] = [e for e in seen if e["kind"] == "agent_end_forced"]
                assert forced["agent"] == name and forced["issue"] == issue
                assert forced["waited_seconds"] >= 1
            finally:
                db.execute("ROLLBACK")
                db.close()
        finally:
            await host.stop()

    asyncio.run(main())


def test_an_agent_done_before_its_batch_is_marked_active_ends_no_other(town):
    """A sling starts its batch's agents, then marks their hooks active in one ledger
    transaction on the domain thread. On a loaded host that thread gets there late, and an
    agent as quick as this one has run `gt done` by then: its hook stays completed, the others
    are marked active and work on, and the sling does not fail (which ended them all)."""
    from gastown_tui.town.mq import mr_for_issue

    issues = [new_issue(town, f"Add line {n} to hello.py") for n in range(3)]
    env = {**ENV, "GT_DEMO_STEP_SECONDS": "0"}

    def until_one_completed() -> None:
        t = find_town(town.root, {})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(
                h.state == "completed" for h in hooks.rig_hooks(t.rig("demo"))):
            time.sleep(0.02)

    async def main():
        host = Host(town, mode="test", environ=env)
        seen = _collect(host)

        def busy_domain_after_the_batch_starts(event: dict) -> None:
            if event["kind"] == "agent_started" and \
                    sum(e["kind"] == "agent_started" for e in seen) == len(issues):
                # Queued on the domain thread before the marking, as other work is on a
                # loaded host.
                host._domain.submit(until_one_completed)

        await host.start()
        host.subscribe(busy_domain_after_the_batch_starts)
        try:
            slung = await host.sling(issues, "demo", agent="demo")
            assert all(s.started for s in slung)
            t = find_town(town.root, {})
            marked = {e["agent"] for e in seen if e["kind"] == "hook_active"}
            quick = [s for s in slung if f"demo/{s.polecat}" not in marked]
            assert quick, "every hook was marked active: no agent was done before"
            for s in quick:
                assert hooks.load(t, "demo", s.polecat).state in ("completed", "archived")
            rig = t.rig("demo")
            await async_wait_for(lambda: all(mr_for_issue(rig, i) is not None for i in issues),
                                 30, 0.1, what="every agent of the batch to finish its work")
            assert not [e for e in seen if e["kind"] in ("agent_start_failed", "hook_suspended")]
        finally:
            await host.stop()

    asyncio.run(main())
