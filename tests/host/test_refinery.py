"""The refinery in a real host process: killed with -9 mid-gate and mid-merge, it leaves the
target old or new, never between; the next host ends the orphaned gate, discards the scratch
tree and merges each request exactly once."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pygit2

from host_helpers import gt_json, run_gt, running_host, wait_for

from gastown_tui.host.runtime import host_running, read_info
from gastown_tui.town import mq

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "town"))
from mq_helpers import Work, sample_repo  # noqa: E402

FAST = {"GT_WATCH_SECONDS": "0.1"}


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _crash(town_root: Path) -> None:
    """The host and every process of its own (its git push included) killed at once."""
    pid = read_info(town_root).pid
    os.killpg(os.getpgid(pid), signal.SIGKILL)
    wait_for(lambda: host_running(town_root) is None, 10, what="the dead host's lock to go")


def test_host_killed_mid_gate_and_mid_merge(tmp_path, reap):
    origin = sample_repo(tmp_path / "origin.git", bare=True)
    work = Work(tmp_path / "town", origin)
    root = work.town.root
    # origin holds every push while `hold` exists (a slow remote)
    hold = tmp_path / "hold"
    hook = origin / "hooks" / "pre-receive"
    hook.write_text(f"#!/bin/sh\nwhile [ -e {hold} ]; do sleep 0.1; done\nexit 0\n")
    hook.chmod(0o755)
    # the first gate run hangs (and records its pid); later runs pass
    first, gate_pid = tmp_path / "first-run", tmp_path / "gate.pid"
    first.write_text("")
    work.set("merge.gate", f"if [ -e {first} ]; then rm {first}; echo $$ > {gate_pid}; "
                           "sleep 300; fi")
    work.set("merge.push", "true")
    issue, _s, _d = work.finished("one change", {"one.txt": "1\n"})
    mr_id = mq.mr_for_issue(work.rig, issue).id
    repo = work.repo()
    old = work.main().id

    def origin_main():
        return pygit2.Repository(str(origin)).references["refs/heads/main"].target

    def state() -> str:
        return mq.find_mr(work.town, mr_id)[1].state

    # 1. killed mid-gate: nothing moved; the gate, in its own process group, outlives it
    assert run_gt(root, "up", "--detach", env=FAST).returncode == 0
    reap.append(read_info(root).pid)
    wait_for(lambda: gate_pid.exists() and gate_pid.read_text().strip(), 20, 0.05,
             "the gate to start")
    orphan = int(gate_pid.read_text())
    assert state() == "gating"
    _crash(root)
    assert work.main().id == old and origin_main() == old and _alive(orphan)

    # 2. the next host ends the orphaned gate and discards its tree, gates again, moves the
    # target, and is killed while origin holds the push
    hold.write_text("")
    assert run_gt(root, "up", "--detach", env=FAST).returncode == 0
    reap.append(read_info(root).pid)
    wait_for(lambda: not _alive(orphan), 10, what="the orphaned gate to be ended")
    wait_for(lambda: state() == "merging" and work.main().id != old, 20, 0.05,
             "the target to move")
    new = work.main().id
    _crash(root)
    assert origin_main() == old and state() == "merging"
    assert not (work.town.runtime_dir / "refinery/demo/gate.pid").exists()

    # 3. origin takes pushes again: the next host pushes and finishes the merge, once
    hold.unlink()
    assert run_gt(root, "up", "--detach", env=FAST).returncode == 0
    reap.append(read_info(root).pid)
    try:
        wait_for(lambda: state() == "merged", 20, 0.1, "the merge to finish")
        assert work.main().id == new and origin_main() == new
        assert [c.id for c in repo.walk(new)][1] == old      # one commit added, once
        assert work.rig.ledger().get(issue).is_closed
        kinds = [e["kind"] for e in gt_json(root, "events", "-n", "200")]
        assert kinds.count("mr_merged") == 1
    finally:
        assert run_gt(root, "down").returncode == 0


def test_work_sent_back_restarts_its_agent_and_nudges_it(tmp_path):
    """A failing gate: the finished polecat's agent is started again on the same worktree and
    the nudge saying what to fix is typed into it and verified."""
    import asyncio

    from host_helpers import async_wait_for

    from gastown_tui.town import hooks
    from gastown_tui.town.config import set_agent

    work = Work(tmp_path / "town", sample_repo(tmp_path / "sample"))
    set_agent(work.town, "plainsh", "bash --norc --noprofile")
    work.set("merge.gate", "if test -f change.txt; then echo 'the tests fail'; exit 3; fi")
    issue = work.issue("breaks the gate")
    env = {**os.environ, "GT_DONE_GRACE": "0.2", "GT_WATCH_SECONDS": "0.1",
           "GT_NUDGE_WAIT_SECONDS": "3", "PS1": "$ "}

    async def main():
        async with running_host(work.town, env) as (host, seen):
            [slung] = await host.sling([issue], "demo", agent="plainsh")
            name = f"demo/{slung.polecat}"
            wt = Path(slung.worktree)
            (wt / "change.txt").write_text("x\n")
            host.type_keys(name, "gt done -m 'first try'\r")
            await async_wait_for(lambda: any(e["kind"] == "mr_rejected" for e in seen), 30,
                                 what="the rejection")
            await async_wait_for(lambda: any(e["kind"] == "nudge" and e["agent"] == name
                                             for e in seen), 30, what="the verified nudge")
            screen = "\n".join(host.session(name).screen.text_lines())
            assert "came back (gate failed)" in screen
            h = hooks.load(work.town, "demo", slung.polecat)
            assert h.state == "active" and h.worktree == str(wt) and wt.is_dir()
            starts = [e for e in seen if e["kind"] == "agent_started" and e["agent"] == name]
            assert len(starts) == 2     # the first, then the one that gets the work back
            assert mq.mr_for_issue(work.rig, issue).told

    asyncio.run(main())
