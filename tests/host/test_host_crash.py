"""kill -9 of the host in the middle of work: a new host resumes every hook, nothing is lost."""

from __future__ import annotations

import os
import signal

import pygit2

from host_helpers import new_issue, run_gt, wait_for

from gastown_tui.host.runtime import host_running, read_info
from gastown_tui.town import find_town, hooks

SLOW = {"GT_DEMO_STEP_SECONDS": "1.5", "GT_DONE_GRACE": "0.2", "GT_WATCH_SECONDS": "0.1"}
FAST = {"GT_DEMO_STEP_SECONDS": "0.1", "GT_DONE_GRACE": "0.2", "GT_WATCH_SECONDS": "0.1"}


def _edited(path, issue: str) -> bool:
    hello = path / "hello.py"
    return hello.exists() and issue in hello.read_text()


def test_host_killed_mid_work(town, reap):
    ids = [new_issue(town, f"Add line {i} to hello.py") for i in range(2)]
    assert run_gt(town.root, "up", "--detach", env=SLOW).returncode == 0
    first = read_info(town.root).pid
    reap.append(first)
    out = run_gt(town.root, "sling", *ids, "demo", "--agent", "demo", env=SLOW)
    assert out.returncode == 0, out.stderr
    t = find_town(town.root, {})
    hs = [h for h in hooks.all_hooks(t) if h.issue in ids]
    agent_pids = [h.pid for h in hs]
    reap.extend(agent_pids)
    # each agent has written its change but not yet committed it
    wait_for(lambda: all(_edited(h.path, h.issue) for h in hs), 20, 0.02, "the edits")
    written = {h.polecat: (h.path / "hello.py").read_text() for h in hs}
    os.kill(first, signal.SIGKILL)
    wait_for(lambda: host_running(town.root) is None, 10, what="the dead host's lock to go")
    wait_for(lambda: not any(os.path.exists(f"/proc/{p}") and
                             open(f"/proc/{p}/stat").read().split()[2] != "Z"
                             for p in agent_pids), 10, what="the orphaned agents to end")
    assert all(h.state == "active" for h in hooks.all_hooks(t) if h.issue in ids)

    assert run_gt(town.root, "up", "--detach", env=FAST).returncode == 0
    reap.append(read_info(town.root).pid)
    try:
        repo = pygit2.Repository(str(town.rig("demo").repo_path))
        for polecat, text in written.items():
            # the resume snapshot holds what the agent wrote before its host died
            snap = repo.references[f"refs/gastown/wip/{polecat}"].peel(pygit2.Commit)
            assert "previous host stopped" in snap.message
            assert text in repo[snap.tree["hello.py"].id].data.decode()
        led = t.rig("demo").ledger()
        # both end hello.py, so the second to merge comes back with a conflict and is
        # rebased by its agent before it merges too
        wait_for(lambda: all(led.get(i).is_closed for i in ids), 60, 0.1, "resumed work")
        main = repo.references["refs/heads/main"].peel(pygit2.Commit)
        merged = repo[main.tree["hello.py"].id].data.decode().splitlines()
        for text in written.values():
            # the resumed agent went on from its edit: made once, committed once, merged once
            assert merged.count(text.splitlines()[-1]) == 1
    finally:
        assert run_gt(town.root, "down").returncode == 0
