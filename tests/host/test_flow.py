"""The whole flow with real processes: demo agents in real ptys commit until convoys land."""

from __future__ import annotations

import pygit2

from host_helpers import gt_json, new_issue, run_gt, wait_for

from gastown_tui.host.runtime import read_info
from gastown_tui.town import find_town, inbox

FAST = {"GT_DEMO_STEP_SECONDS": "0.1", "GT_DONE_GRACE": "0.5"}


def test_gt_demo_headless_lands(tmp_path):
    """The demo's whole loop: three agents commit, the queue gates and merges their work, the
    one whose change conflicts gets it back, rebases, resubmits, and the sample project's
    main ends with every agent's commit exactly once."""
    target = tmp_path / "demo"
    proc = run_gt(tmp_path, "demo", str(target), "--headless", "--agents", "3", env=FAST,
                  timeout=90)
    assert proc.returncode == 0, proc.stderr
    assert "landed" in proc.stdout
    assert "hook_completed" in proc.stderr  # progress lines went to stderr
    assert "mr_rejected" in proc.stderr and "conflicts with main in hello.py" in proc.stderr
    town = find_town(target, {})
    sample = pygit2.Repository(town.rig("sample").url)
    main = sample.references["refs/heads/main"].peel(pygit2.Commit)
    history = [c for c in sample.walk(main.id)][:-1]   # the agents' commits, newest first
    issues = [c.message.split(":")[0] for c in history]
    assert len(history) == 3 and len(set(issues)) == 3
    assert all("polecats/" in c.author.name for c in history)
    assert "Merged into main of the sample project" in proc.stdout
    assert all(c.message.splitlines()[0] in proc.stdout for c in history)
    # the conflict was resolved keeping both agents' lines; the gate passes on the result
    hello = (target / ".demo/sample-project/hello.py").read_text()
    assert sum(1 for line in hello.splitlines() if line.startswith("# sa-")) == 2
    assert "<<<<<<<" not in hello
    mrs = gt_json(target, "mq", "list", "--all")
    assert {m["state"] for m in mrs} == {"merged"} and sorted(m["rejections"] for m in mrs) \
        == [0, 0, 1]
    # the convoy notified the overseer and the Mayor, saying what merged where
    overseer = [m for m in inbox(town, "overseer") if m.subject.startswith("Convoy landed")]
    assert len(overseer) == 1 and "merged into main as" in overseer[0].body
    assert any(s.startswith("Convoy landed: Demo") for s in
               [m.subject for m in inbox(town, "mayor/")])
    hooks = gt_json(target, "hooks", "list", "--all")
    assert {h["state"] for h in hooks} == {"archived"}
    assert {h["merge_state"] for h in hooks} == {"merged"}
    repo = pygit2.Repository(str(town.rig("sample").repo_path))
    assert not [r for r in repo.references if r.startswith("refs/heads/polecat/")]
    # one ready issue stays unslung, for a person to try slinging
    spare = town.rig("sample").ledger().ready()
    assert len(spare) == 1 and spare[0].id not in {h["issue"] for h in hooks}
    assert f"gt sling {spare[0].id} sample" in proc.stdout


def test_sling_through_a_running_host(town, reap):
    ids = [new_issue(town, f"Write note {i} in notes/n{i}.md") for i in range(3)]
    # Finished agents linger a minute: new work for their idle polecats must end them itself.
    up = run_gt(town.root, "up", "--detach", env={**FAST, "GT_DONE_GRACE": "60"})
    assert up.returncode == 0, up.stderr
    reap.append(read_info(town.root).pid)
    try:
        out = run_gt(town.root, "sling", *ids, "demo", "--agent", "demo", env=FAST)
        assert out.returncode == 0, out.stderr
        assert out.stdout.count("agent started") == 3
        led = town.rig("demo").ledger()

        def all_closed():
            return all(led.get(i).is_closed for i in ids)

        wait_for(all_closed, 30, 0.1, "the three issues to close")
        convoys = gt_json(town.root, "convoy", "list", "--all")
        mine = [c for c in convoys if c["title"].startswith("Work: Write note")]
        assert len(mine) == 3
        wait_for(lambda: all(c["status"] != "open" for c in
                             gt_json(town.root, "convoy", "list", "--all")
                             if c["title"].startswith("Work: Write note")), 10, 0.2, "landings")
        def kinds():
            return [e["kind"] for e in gt_json(town.root, "events", "-n", "200")]

        wait_for(lambda: kinds().count("convoy_landed") == 3, 10, 0.2, "landing events")
        assert kinds().count("sling") == 3
        # merged: each polecat's worktree archived and its name free for new work
        wait_for(lambda: {a["hook_state"] for a in gt_json(town.root, "agents", "--all")}
                 == {"archived"}, 10, 0.2, "the host to see the hooks archived")
        assert kinds().count("mr_merged") == 3 and kinds().count("mr_submitted") == 3
        # the polecats are idle now, so new work reuses them instead of new names
        again = new_issue(town, "Write note 9 in notes/n9.md")
        slung = gt_json(town.root, "sling", again, "demo", "--agent", "demo", env=FAST)
        names = {h["polecat"] for h in gt_json(town.root, "hooks", "list", "--all")}
        assert len(names) == 3
        wait_for(lambda: led.get(again).is_closed, 30, 0.1, "the reused polecat to finish")
        # both pieces of work of the reused polecat are in its snapshot chain
        snaps = gt_json(town.root, "hooks", "snapshots", slung[0]["polecat"])
        assert len(snaps) >= 2 and {s["reason"] for s in snaps} >= {"done"}
        assert len({s["head"] for s in snaps}) >= 2
    finally:
        assert run_gt(town.root, "down").returncode == 0
