"""The whole flow with real processes: demo agents in real ptys commit until convoys land."""

from __future__ import annotations

import pygit2

from host_helpers import gt_json, new_issue, run_gt, wait_for

from gastown_tui.host.runtime import read_info
from gastown_tui.town import find_town, inbox

FAST = {"GT_DEMO_STEP_SECONDS": "0.1", "GT_DONE_GRACE": "0.5"}


def test_gt_demo_headless_lands(tmp_path):
    target = tmp_path / "demo"
    proc = run_gt(tmp_path, "demo", str(target), "--headless", "--agents", "3", env=FAST,
                  timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "landed" in proc.stdout
    assert "hook_completed" in proc.stderr  # progress lines went to stderr
    town = find_town(target, {})
    repo = pygit2.Repository(str(town.rig("sample").repo_path))
    main = repo.references["refs/heads/main"].peel(pygit2.Commit)
    branches = [r for r in repo.references if r.startswith("refs/heads/polecat/")]
    assert len(branches) == 3
    for ref in branches:
        tip = repo.references[ref].peel(pygit2.Commit)
        assert tip.parents[0].id == main.id  # exactly one commit: the agent's
        polecat = ref.split("/")[3]
        assert polecat in tip.author.name
        changed = [p.delta.new_file.path for p in repo.diff(main, tip)]
        assert changed and all(not c.startswith("CLAUDE") for c in changed)
    # the convoy notified the overseer (--human) and the Mayor
    overseer = [m.subject for m in inbox(town, "overseer")]
    assert any(s.startswith("Convoy landed: Demo") for s in overseer)
    assert any(s.startswith("Convoy landed: Demo") for s in
               [m.subject for m in inbox(town, "mayor/")])
    hooks = gt_json(target, "hooks", "list")
    assert {h["state"] for h in hooks} == {"completed"}
    assert all(h["ahead"] == 1 and h["dirty"] == 0 for h in hooks)
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
        wait_for(lambda: {a["hook_state"] for a in gt_json(town.root, "agents", "--all")}
                 == {"completed"}, 10, 0.2, "the host to see the hooks completed")
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
