"""The dispatch queue with real hosts, ledgers, git and demo agents: slings past max_polecats
wait, start in order as polecats free up, survive kill -9 of the host, and start once."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import time
import traceback

import pygit2

from host_helpers import async_wait_for, gt_argv, new_issue, run_gt, running_host, wait_for

from gastown_tui.host.host import Host
from gastown_tui.town import create_convoy, find_town, hooks
from gastown_tui.town.config import set_agent, set_setting
from gastown_tui.town.queue import capacity, list_queue
from gastown_tui.town.snapshots import list_snapshots

FAST = {"GT_DEMO_STEP_SECONDS": "0.05", "GT_DONE_GRACE": "0.2", "GT_WATCH_SECONDS": "0.1"}


def _merged(town, ids: list[str]) -> dict[str, int]:
    """Issue id -> how many commits on the rig's main name it: the merge queue lands each
    issue's work on main (and deletes its polecat branch), so once means merged once."""
    repo = pygit2.Repository(str(town.rig("demo").repo_path))
    counts = dict.fromkeys(ids, 0)
    for commit in repo.walk(repo.references["refs/heads/main"].target):
        for issue in ids:
            if commit.message.startswith(f"{issue}:") or f"({issue})" in commit.message:
                counts[issue] += 1
    return counts


class _Records(logging.Handler):
    """The in-process host's log (what `.runtime/host.log` holds for a detached host)."""

    def __init__(self, out: list[logging.LogRecord]):
        super().__init__(logging.INFO)
        self.out = out

    def emit(self, record: logging.LogRecord) -> None:
        self.out.append(record)


def test_a_convoy_of_50_with_max_polecats_10_runs_to_merged_without_a_person(town):
    set_setting(town, "max_polecats", "10")
    led = town.rig("demo").ledger("overseer")
    ids = [led.create(f"Write note {i} in notes/n{i}.md").id for i in range(50)]
    convoy = create_convoy(town, "Fifty notes", ids, actor="overseer").id

    def progress(t) -> tuple[bool, int]:
        return t.ledger().get(convoy).is_closed, capacity(t)[1]

    async def main():
        host = Host(find_town(town.root, {}), mode="test", environ={**os.environ, **FAST})
        seen: list[dict] = []
        host.subscribe(seen.append)
        await host.start()
        at_work = []
        try:
            slung = await host.sling(ids, "demo", agent="demo", convoy=False)
            assert sum(1 for s in slung if s.queued is None) == 10
            assert sorted(s.queued for s in slung if s.queued is not None) == list(range(1, 41))
            deadline = time.monotonic() + 240
            landed = False
            while not landed and time.monotonic() < deadline:
                landed, working = await host.domain(progress)
                at_work.append(working)
                await asyncio.sleep(0.2)
            if not landed:
                raise AssertionError(await _stuck_report(host, ids, seen, logs))
        finally:
            await host.stop()
        return seen, at_work

    logs: list[logging.LogRecord] = []
    catch = _Records(logs)
    logger = logging.getLogger("gastown_tui")
    logger.addHandler(catch)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        seen, at_work = asyncio.run(main())
    finally:
        logger.removeHandler(catch)
        logger.setLevel(level)
    t = find_town(town.root, {})
    assert t.ledger().get(convoy).close_reason == "landed"
    assert list_queue(t) == []
    # each issue went on a hook once, by the sling or by the queue, and was committed once
    slings = [e["issue"] for e in seen if e["kind"] == "sling"]
    assert sorted(slings) == sorted(ids)
    assert sum(1 for e in seen if e["kind"] == "sling" and e["by"] == "dispatch queue") == 40
    assert _merged(t, ids) == dict.fromkeys(ids, 1)
    # never more than max_polecats at work, and the queue kept them busy
    assert max(at_work) == 10, at_work
    # names were reused, not fifty made: a name is held while its work waits for the merge
    # queue (a conflict comes back to the same polecat), then freed for the next issue
    assert 10 <= len({h.polecat for h in hooks.all_hooks(t)}) < 50


async def _stuck_report(host, ids: list[str], seen: list[dict],
                        logs: list[logging.LogRecord]) -> str:
    """Everything needed to tell why work stalled: the work not merged, its hooks, MRs and
    agents (alive or how they ended, with their last screen lines), its events, what went
    wrong anywhere, and the host's log."""
    from gastown_tui.town.mq import rig_mrs

    def ledger_side(t):
        rig = t.rig("demo")
        led = rig.ledger()
        # what stalled first, what still waits in the queue after it
        stuck = sorted((led.get(i) for i in ids if not led.get(i).is_closed),
                       key=lambda i: i.assignee == "demo/queue")
        mrs = {m.issue: m for m in rig_mrs(rig, True)}
        hooks_ = {h.issue: h for h in hooks.all_hooks(t) if h.issue}
        by_name = {h.polecat: h for h in hooks.all_hooks(t)}
        return stuck, mrs, hooks_, by_name, list_queue(t)

    stuck, mrs, by_issue, by_name, queue = await host.domain(ledger_side)
    lines = [f"the convoy did not land: {len(stuck)} of {len(ids)} issues are not closed; "
             f"queue {[q.issue for q in queue]}"]
    for issue in stuck[:6]:
        lines.append(f"- {issue.id} {issue.status} {issue.assignee} {issue.title!r}")
        name = (issue.assignee or "").rpartition("/")[2]
        both = [h for h in (by_issue.get(issue.id), by_name.get(name)) if h is not None]
        for hook in {h.address: h for h in both}.values():
            exists = hook.path is not None and hook.path.exists()
            lines.append(f"  hook {hook.address}: {hook.state} issue={hook.issue} "
                         f"stuck={hook.stuck} respawns={hook.respawns} pid={hook.pid} "
                         f"branch={hook.branch} worktree={'present' if exists else 'MISSING'} "
                         f"times={hook.times}")
            agent = host.agents.get(hook.session)
            session = host.session(hook.session)
            if agent is not None:
                lines.append(f"  agent {agent.name}: issue={agent.issue} "
                             f"hook_state={agent.hook_state} pid={agent.pid} "
                             f"finished_at={agent.finished_at} expected_exit="
                             f"{agent.expected_exit} stuck={agent.stuck}")
            if session is None:
                lines.append("  session: none in the host")
            else:
                state = ("alive" if session.alive else
                         f"exited code={session.exit_code} signal={session.exit_signal}")
                lines.append(f"  session pid {session.pid} {state}; last screen lines:")
                text = [ln.rstrip() for ln in session.screen.text_lines() if ln.strip()]
                lines += ["    | " + ln for ln in text[-12:]]
        mr = mrs.get(issue.id)
        if mr is not None:
            lines.append(f"  MR {mr.id}: {mr.state} reason={mr.reason!r} head={mr.head[:10]} "
                         f"landed_as={(mr.landed_as or '')[:10]} landing={mr.landing} "
                         f"updated={mr.updated_at}")
        else:
            lines.append("  MR: none")
        names = {issue.id, f"demo/{name}"} | ({mr.id} if mr else set())
        mine = [e for e in seen if names & {e.get("issue"), e.get("agent"), e.get("mr")}]
        lines.append("  its events:")
        lines += [f"    {_short(e)}" for e in mine[-40:]]
    if len(stuck) > 6:
        lines.append(f"and {len(stuck) - 6} more: {[i.id for i in stuck[6:]]}")
    usual = {"agent_state", "mail", "agent_started", "hook_active", "sling", "queued",
             "agent_exited", "hook_completed", "mr_submitted", "mr_gating", "mr_merged",
             "hook_archived", "convoy_landed", "snapshot", "hook_created", "host_started"}
    odd = [e for e in seen if e["kind"] not in usual]
    lines.append(f"unusual events ({len(odd)}):")
    lines += [f"  {_short(e)}" for e in odd[-30:]]
    lines.append(f"host log ({len(logs)} records):")
    for rec in logs[-30:]:
        lines.append(f"  {rec.levelname} {rec.name}: {rec.getMessage()}")
        if rec.exc_info:
            lines += ["    " + ln for ln in
                      "".join(traceback.format_exception(*rec.exc_info)).splitlines()[-8:]]
    return "\n".join(lines)


def _short(event: dict) -> str:
    return " ".join(f"{k}={v}" for k, v in event.items() if k not in ("time",))


def gt(town, line: str):
    """`gt LINE` in-process (the registry the shell runs), for checks that need no process."""
    from gastown_tui.commands.core import Env
    from gastown_tui.commands.gt import run

    environ = {k: v for k, v in os.environ.items() if not k.startswith(("GT_", "BD_"))}
    result = run(line, Env(cwd=town.root, environ=environ))
    assert result.ok or line.startswith(("sling", "queue remove", "unsling")), result.error
    return result


def test_sling_past_max_polecats_queues_in_priority_order_and_bd_ready_skips_it(town):
    set_setting(town, "max_polecats", "2")
    set_setting(town, "default_agent", "demo")
    ids = [new_issue(town, f"Work {i}") for i in range(3)]
    out = run_gt(town.root, "sling", *ids, "demo", "--json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [r["queued"] for r in rows] == [None, None, 1]
    assert rows[2]["max_polecats"] == 2 and rows[2]["branch"] is None
    urgent = new_issue(town, "Urgent", priority=1)
    text = gt(town, f"sling {urgent} demo").render()
    assert "number 1 in the dispatch queue (max_polecats is 2)" in text, text
    # priority first, then age: the later P1 goes before the earlier P2
    queue = gt(town, "queue list").data
    assert [(q.issue, q.position) for q in queue.rows] == [(urgent, 1), (ids[2], 2)]
    listing = queue.render_text()
    assert "2 queued (max_polecats is 2, 2 at work)" in listing and "once a host runs" in listing

    t = find_town(town.root, {})
    led = t.rig("demo").ledger()
    ready = {i.id for i in led.ready(limit=None)}
    assert urgent not in ready and ids[2] not in ready
    # in bd's format: status hooked, assigned to the rig's queue; the entry in an agent bead
    lines = {d["id"]: d for d in map(json.loads, led.jsonl_path.read_text().splitlines())}
    assert {k: lines[urgent][k] for k in ("status", "assignee")} == {
        "status": "hooked", "assignee": "demo/queue"}
    [record] = [d for d in lines.values() if d.get("assignee") == "demo/queue"
                and d["issue_type"] == "agent"]
    assert set(json.loads(record["notes"])) == {urgent, ids[2]}

    again = gt(town, f"sling {urgent} demo")
    assert again.exit_code == 1 and "already in the dispatch queue" in again.error
    hook_rows = gt(town, "hooks list").data
    assert [(h.issue, h.state, h.position) for h in hook_rows.rows if h.kind == "queue"] == [
        (urgent, "queued", 1), (ids[2], "queued", 2)]
    assert "demo/queue#1  " + urgent in hook_rows.render_text()
    # what the app's Hooks panel is given, read from the same ledger
    from gastown_tui.ui.gather import queued_rows

    assert [(r.agent, r.state, r.bead) for r in queued_rows(t)] == [
        ("demo/queue#1", "queued", urgent), ("demo/queue#2", "queued", ids[2])]

    # out of the queue: ready again, and the rest move up
    gone = gt(town, f"queue remove {urgent}")
    assert "open again" in gone.render(), gone.error
    assert led.get(urgent).status == "open" and not led.get(urgent).assignee
    assert urgent in {i.id for i in led.ready(limit=None)}
    assert [q.issue for q in list_queue(t)] == [ids[2]]
    # `gt unsling` of a queued issue takes it out too
    assert "out of the dispatch queue" in gt(town, f"unsling {ids[2]}").render()
    assert list_queue(t) == [] and led.get(ids[2]).status == "open"

    # a sling that fails queues nothing: all or nothing, queue included
    closed = new_issue(town, "Closed one")
    led.close(closed)
    bad = gt(town, f"sling {urgent} {closed} demo")
    assert bad.exit_code == 1 and f"{closed} is closed" in bad.error
    assert list_queue(t) == [] and led.get(urgent).status == "open"
    # a bad --base is refused now, not when a polecat frees up
    base = gt(town, f"sling {urgent} demo --base nope")
    assert base.exit_code == 2 and "branch 'nope' does not exist" in base.error
    assert list_queue(t) == []

    # finished work frees its polecat's place: the host would start the queue's first now
    from gastown_tui.town.dispatch import dispatch

    assert gt(town, f"sling {urgent} demo").data.slung[0].queued == 1
    done = next(h for h in hooks.all_hooks(t) if h.issue == ids[0])
    hooks.transition(t, done, "active")
    hooks.transition(t, hooks.load(t, "demo", done.polecat), "completed")
    result = dispatch(t)
    assert [s.issue for s, _h in result.started] == [urgent] and result.waiting == []
    assert led.get(urgent).status == "hooked" and led.get(urgent).assignee.startswith(
        "demo/polecats/")


def test_unsling_stops_the_agent_keeps_its_work_and_the_queue_takes_the_place(town):
    set_agent(town, "sleeper", "sh -c 'sleep 600'")
    set_setting(town, "max_polecats", "1")
    long = new_issue(town, "Long work")
    later, first = new_issue(town, "Write b in notes/b.md"), new_issue(
        town, "Write c in notes/c.md", priority=1)

    async def main():
        async with running_host(find_town(town.root, {}), {**os.environ, **FAST}) as (host, seen):
            [slung] = await host.sling([long], "demo", agent="sleeper")
            out = await asyncio.to_thread(run_gt, town.root, "sling", later, first, "demo",
                                          "--agent", "demo")
            assert out.returncode == 0 and out.stdout.count("Queued") == 2, out.stderr
            agents = await asyncio.to_thread(run_gt, town.root, "agents")
            assert f"2 queued for a free polecat, next first: {first}, {later}" in agents.stdout
            rows = json.loads((await asyncio.to_thread(run_gt, town.root, "agents",
                                                       "--json")).stdout)
            assert [(r["name"], r["hook"]) for r in rows if r["role"] == "queued"] == [
                ("demo/queue#1", first), ("demo/queue#2", later)]
            wt = town.rig("demo").polecats_dir / slung.polecat
            (wt / "draft.txt").write_text("half done\n")
            un = await asyncio.to_thread(run_gt, town.root, "unsling", slung.polecat)
            assert un.returncode == 0, un.stderr
            assert "its agent was stopped" in un.stdout and f"{long} is open again" in un.stdout
            assert f"branch polecat/{slung.polecat}/{long} (0 commits)" in un.stdout
            # its worktree went (the freed polecat may have a fresh one for queued work now)
            assert not (wt / "draft.txt").exists()
            # bad input through the host: one line, exit 2, nothing stopped
            for args, words in ((("unsling", "ghost"), "no polecat 'ghost'"),
                                (("queue", "remove", long), f"{long} is not in the dispatch")):
                bad = await asyncio.to_thread(run_gt, town.root, *args)
                assert bad.returncode == 2 and words in bad.stderr, bad.stderr
                assert "Traceback" not in bad.stderr
            led = find_town(town.root, {}).rig("demo").ledger()
            await async_wait_for(lambda: led.get(first).is_closed and led.get(later).is_closed,
                                 60, 0.1, "the queued work to run")
        return seen, slung

    seen, slung = asyncio.run(main())
    t = find_town(town.root, {})
    led = t.rig("demo").ledger()
    assert led.get(long).status == "open" and long in {i.id for i in led.ready(limit=None)}
    # the draft is in the snapshot taken before the worktree went
    repo = pygit2.Repository(str(t.rig("demo").repo_path))
    snap = next(s for s in list_snapshots(t.rig("demo").repo_path, slung.polecat)
                if s.reason == "unslung by overseer")
    assert repo[repo[snap.id].tree["draft.txt"].id].data == b"half done\n"
    # the queue started its work in its order, one at a time, each once
    assert [e["issue"] for e in seen if e["kind"] == "sling"] == [long, first, later]
    assert [e["kind"] for e in seen if e["kind"] in ("unslung", "hook_suspended")] == [
        "hook_suspended", "unslung"]
    unslung_at = next(i for i, e in enumerate(seen) if e["kind"] == "unslung")
    assert all(i > unslung_at for i, e in enumerate(seen)
               if e["kind"] == "sling" and e["issue"] == first)
    # the same polecat took the next work: unslinging freed its name
    assert hooks.load(t, "demo", slung.polecat).issue in (first, later)


def _where(t, ids: list[str]) -> dict[str, list[str]]:
    """Issue -> where the ledger has it: "queue", and/or the polecats whose live hook holds it."""
    out: dict[str, list[str]] = {i: [] for i in ids}
    for q in list_queue(t):
        out.setdefault(q.issue, []).append("queue")
    for h in hooks.all_hooks(t):
        if h.live and h.issue in out:
            out[h.issue].append(h.polecat)
    return out


# A real dispatch in its own process that kills itself with SIGKILL at a chosen point: inside
# the ledger transaction that takes an issue off the queue (after its worktree was made), or
# just after that transaction, before any host could start the agent.
CRASHER = """
import os, sys
from pathlib import Path
from gastown_tui.town import dispatch, find_town, queue, sling
point = sys.argv[2]
if point == "in-transaction":
    queue.forget = lambda *a: os.kill(os.getpid(), 9)
elif point == "after-commit":
    made = sling.sling_one
    def then_die(*a, **k):
        made(*a, **k)
        os.kill(os.getpid(), 9)
    sling.sling_one = then_die
done = dispatch.dispatch(find_town(Path(sys.argv[1]), {}))
print([s.issue for s, _h in done.started], done.failed, done.dropped)
"""


def test_a_dispatch_killed_mid_start_loses_nothing_and_starts_nothing_twice(town):
    set_setting(town, "max_polecats", "2")
    set_setting(town, "default_agent", "demo")
    ids = [new_issue(town, f"Work {i}") for i in range(6)]
    assert gt(town, f"sling {' '.join(ids)} demo").ok
    t = find_town(town.root, {})
    for h in hooks.all_hooks(t):  # the first two finish: two places free up
        hooks.transition(t, h, "active")
        hooks.transition(t, hooks.load(t, "demo", h.polecat), "completed")
    for point in ("in-transaction", "after-commit"):
        proc = subprocess.run([sys.executable, "-c", CRASHER, str(town.root), point],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == -signal.SIGKILL, proc.stderr
        where = _where(t, ids[2:])
        assert all(len(w) == 1 for w in where.values()), where  # nowhere twice, none lost
    # the first start rolled back whole (its issue still queued), the second went through
    # (on a created hook that a host starts, out of the queue)
    assert [q.issue for q in list_queue(t)] == ids[3:]
    [started] = [h for h in hooks.all_hooks(t) if h.state == "created"]
    assert started.issue == ids[2]
    # the worktree the killed start had made was snapshotted and removed by the next one
    assert any(s.reason == "left by an interrupted sling" for h in hooks.all_hooks(t)
               for s in list_snapshots(t.rig("demo").repo_path, h.polecat))
    # two dispatchers at once take the one free place once
    procs = [subprocess.Popen([sys.executable, "-c", CRASHER, str(town.root), "none"],
                              stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=60)[0] for p in procs]
    assert sorted(outs) == sorted(["[] [] []\n", f"['{ids[3]}'] [] []\n"]), outs
    where = _where(t, ids[2:])
    assert all(len(w) == 1 for w in where.values()), where
    assert sum(1 for h in hooks.all_hooks(t) if h.live) == 2


def test_kill_9_of_the_host_with_a_queue_loses_nothing_and_starts_nothing_twice(town, reap):
    from gastown_tui.host.events import read_events
    from gastown_tui.host.runtime import host_running, read_info

    set_setting(town, "max_polecats", "2")
    ids = [new_issue(town, f"Write note {i} in notes/n{i}.md") for i in range(5)]
    slow = {**FAST, "GT_DEMO_STEP_SECONDS": "1.5"}
    assert run_gt(town.root, "up", "--detach", env=slow).returncode == 0
    first = read_info(town.root).pid
    reap.append(first)
    out = run_gt(town.root, "sling", *ids, "demo", "--agent", "demo", env=slow)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("agent started") == 2 and out.stdout.count("Queued") == 3
    t = find_town(town.root, {})
    waiting = [q.issue for q in list_queue(t)]
    agent_pids = [h.pid for h in hooks.all_hooks(t) if h.live]
    reap.extend(agent_pids)
    os.kill(first, signal.SIGKILL)
    wait_for(lambda: host_running(town.root) is None, 10, what="the dead host's lock to go")
    wait_for(lambda: not any(os.path.exists(f"/proc/{p}") and
                             open(f"/proc/{p}/stat").read().split()[2] != "Z"
                             for p in agent_pids), 10, what="the orphaned agents to end")
    # the queue is in the ledger, not in the dead host's memory
    assert [q.issue for q in list_queue(t)] == waiting and len(waiting) == 3

    assert run_gt(town.root, "up", "--detach", env=FAST).returncode == 0
    reap.append(read_info(town.root).pid)
    try:
        led = t.rig("demo").ledger()
        wait_for(lambda: all(led.get(i).is_closed for i in ids), 60, 0.2, "all five to close")
    finally:
        assert run_gt(town.root, "down").returncode == 0
    assert list_queue(t) == []
    # each issue was hooked once (slung or started from the queue), one branch and commit each
    slings = [e["issue"] for e in read_events(town.root, 0) if e["kind"] == "sling"]
    assert sorted(slings) == sorted(ids)
    assert _merged(t, ids) == dict.fromkeys(ids, 1)


def test_two_slings_at_once_keep_to_max_polecats_and_take_an_issue_once(town):
    set_setting(town, "max_polecats", "2")
    set_setting(town, "default_agent", "demo")
    ids = [new_issue(town, f"Work {i}") for i in range(7)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GT_", "BD_"))}

    def both(*argvs):
        procs = [subprocess.Popen(gt_argv(*a), cwd=town.root, env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for a in argvs]
        return [(p.wait(timeout=60), *p.communicate()) for p in procs]

    outs = both(("sling", *ids[:3], "demo"), ("sling", *ids[3:6], "demo"))
    assert [code for code, _o, _e in outs] == [0, 0], outs
    t = find_town(town.root, {})
    where = _where(t, ids[:6])
    assert all(len(w) == 1 for w in where.values()), where
    assert sum(1 for w in where.values() if w != ["queue"]) == 2  # never past max_polecats
    # the same issue slung twice at once: one sling queues it, the other is refused
    outs = both(("sling", ids[6], "demo"), ("sling", ids[6], "demo"))
    assert sorted(code for code, _o, _e in outs) == [0, 1], outs
    assert any("already in the dispatch queue" in e or "was just taken" in e
               for _c, _o, e in outs), outs
    assert [q.issue for q in list_queue(t)].count(ids[6]) == 1


def test_unsling_without_a_host(town):
    set_setting(town, "default_agent", "demo")
    issue = new_issue(town, "Parked work")
    assert gt(town, f"sling {issue} demo/nux").ok
    t = find_town(town.root, {})
    wt = t.rig("demo").polecats_dir / "nux"
    (wt / "notes.txt").write_text("mine\n")
    # an agent left running by a host that died: refused, nothing changed
    orphan = subprocess.Popen(["sleep", "30"])
    try:
        hooks.transition(t, hooks.load(t, "demo", "nux"), "active", pid=orphan.pid)
        busy = gt(town, "unsling nux")
        assert busy.exit_code == 1 and f"still runs (pid {orphan.pid})" in busy.error
        assert (wt / "notes.txt").exists() and hooks.load(t, "demo", "nux").state == "active"
    finally:
        orphan.kill()
        orphan.wait()
    done = gt(town, f"unsling {issue}")  # by the issue on the hook, as well as by name
    assert done.data.address == "demo/polecats/nux" and not done.data.stopped
    text = done.render()
    assert f"{issue} is open again" in text and f"`gt sling {issue} demo/nux`" in text
    assert not wt.exists() and hooks.load(t, "demo", "nux").state == "archived"
    snap = next(s for s in list_snapshots(t.rig("demo").repo_path, "nux")
                if s.reason == "unslung by overseer")
    assert snap.short in text
    # slung to nux again, the work goes on from its branch and the snapshot brings back files
    assert gt(town, f"sling {issue} demo/nux").ok
    assert gt(town, f"hooks rollback nux {snap.short}").ok
    assert (wt / "notes.txt").read_text() == "mine\n"
    again = gt(town, "unsling ghost")
    assert again.exit_code == 2 and "no polecat 'ghost'" in again.error
