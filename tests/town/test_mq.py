"""The merge queue in-process: `gt done` submits, the refinery gates batches with real gate
commands in real scratch worktrees, bisects, merges by compare-and-swap, and sends conflicts and
failures back to the same hook."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pygit2
import pytest

from mq_helpers import Work, git, sample_repo

from gastown_tui.commands.core import Env
from gastown_tui.commands import gt as gt_cli
from gastown_tui.commands.render import to_jsonable
from gastown_tui.town import hooks, inbox, mq
from gastown_tui.town.convoys import create_convoy, get_convoy
from gastown_tui.town.errors import TownError


@pytest.fixture
def work(tmp_path: Path) -> Work:
    return Work(tmp_path / "town", sample_repo(tmp_path / "sample"))


@pytest.fixture(scope="module")
def untouched(tmp_path_factory) -> Work:
    """One town for the commands that must change nothing."""
    root = tmp_path_factory.mktemp("mq-bad-input")
    return Work(root / "town", sample_repo(root / "sample"))


def gt(work: Work, line, cwd: Path | None = None):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GT_", "BD_")) and k != "BEADS_DIR"}
    return gt_cli.run(line, Env(cwd=cwd or work.town.root, environ=env))


def ok(work: Work, line, cwd: Path | None = None):
    result = gt(work, line, cwd)
    assert result.exit_code == 0, f"gt {line}: {result.error}"
    return to_jsonable(result.data)


def test_done_queues_and_the_refinery_lands_each_change_once(work: Work):
    ids = [work.issue(f"task {n}") for n in range(3)]
    convoy = create_convoy(work.town, "Three changes", ids, notify=["overseer"]).id
    slung = work.sling(*ids)
    files = [{"a.txt": "a\n"}, {"b.txt": "b\n"}, {"README.md": "# sample, improved\n"}]
    heads = []
    for s, f in zip(slung, files):
        done = work.done(s, f, f"change {s.issue}")
        assert done.merge_request and done.target == "main"
        heads.append(work.repo().references[f"refs/heads/{s.branch}"].target)
    led = work.rig.ledger()
    # done and awaiting merge: not ready work, blocked by its MR, in bd's own format
    assert {led.get(i).status for i in ids} == {"blocked"}
    assert not [i for i in led.ready() if i.id in ids]
    record = work.jsonl(ids[0])
    mr0 = mq.mr_for_issue(work.rig, ids[0])
    assert record["status"] == "blocked" and {
        "issue_id": ids[0], "depends_on_id": mr0.id, "type": "blocks"}.items() <= \
        record["dependencies"][0].items()
    assert work.jsonl(mr0.id)["issue_type"] == "merge-request"
    assert [d["issue"] for d in ok(work, "mq list demo")] == ids
    assert {h["merge_state"] for h in ok(work, "hooks list")} == {"queued"}
    assert get_convoy(work.town, convoy).status == "open"
    again = gt(work, f"sling {ids[0]} demo --agent shell")
    assert again.exit_code == 1 and "waits for its merge request" in again.error

    work.set("merge.gate", "test -f README.md && echo gate ok")
    before = work.main()
    tally = work.run()
    assert tally.gate_runs == 1 and len(tally.merged) == 3
    # each change on main once, in queue order; the first one as the agent made it
    chain = []
    commit = work.main()
    while commit.id != before.id:
        chain.append(commit)
        commit = commit.parents[0]
    assert [c.message for c in reversed(chain)] == [f"change {i}" for i in ids]
    assert chain[-1].id == heads[0]
    for issue in ids:
        bead = led.get(issue)
        mr = mq.mr_for_issue(work.rig, issue)
        assert bead.status == "closed" and bead.close_reason == \
            f"merged into main as {mr.landed_as[:10]}"
        assert mr.state == "merged" and mr.merged_commit == str(work.main().id)
    landed = [m for m in inbox(work.town, "overseer") if m.subject.startswith("Convoy landed")]
    assert len(landed) == 1 and landed[0].body.count("merged into main as") == 3
    # clean-up: worktrees archived, branches gone, their commits kept by the snapshot refs
    repo = work.repo()
    for s, head in zip(slung, heads):
        h = hooks.load(work.town, "demo", s.polecat)
        assert h.state == "archived" and not Path(s.worktree).exists()
        assert f"refs/heads/{s.branch}" not in repo.references
        wip = repo.references[f"refs/gastown/wip/{s.polecat}"].target
        assert repo.descendant_of(wip, head)
    assert work.kinds().count("mr_gating") == 3 and work.kinds().count("mr_merged") == 3
    assert work.kinds().count("hook_archived") == 3
    # what each merged: the MR's own change against main as it was
    diff = ok(work, f"diff {mq.mr_for_issue(work.rig, ids[2]).id}")
    assert [(f["path"], f["added"], f["removed"]) for f in diff["files"]] == [
        ("README.md", 1, 1)]
    assert ok(work, "mq list") == []
    assert len(ok(work, "mq list --all")) == 3


def test_a_conflict_goes_back_to_the_same_hook_and_is_resubmitted(work: Work):
    first, s1, _d = work.finished("greet", {"hello.py": "print('hello')\nprint('hi')\n"})
    second, s2, _d = work.finished("wave", {"hello.py": "print('hello')\nprint('wave')\n"})
    tally = work.run()
    assert len(tally.merged) == 1 and len(tally.rejected) == 1
    mr = mq.mr_for_issue(work.rig, second)
    assert mr.state == "conflict" and mr.files == ["hello.py"] and mr.rejections == 1
    assert "conflicts with main in hello.py" in mr.reason and not mr.told
    # back on the same hook: worktree and branch kept, the host starts the agent again
    led = work.rig.ledger()
    assert led.get(second).status == "hooked"
    h = hooks.load(work.town, "demo", s2.polecat)
    assert h.state == "created" and h.worktree == s2.worktree and Path(s2.worktree).is_dir()
    mail = [m for m in inbox(work.town, f"demo/polecats/{s2.polecat}")
            if m.subject.startswith("Rejected")]
    assert mail and "git rebase main" in mail[0].body
    env = work.env(s2.polecat)
    from gastown_tui.town.prime import prime

    text = prime(work.town, Path(s2.worktree), env).render_text()
    assert f"MERGE REQUEST {mr.id} CAME BACK" in text and "hello.py" in text
    hook_view = ok(work, "hook", cwd=Path(s2.worktree))
    assert hook_view["merge_state"] == "conflict" and hook_view["files"] == ["hello.py"]
    # the agent rebases, keeps both lines, and runs `gt done` again: the same MR, queued
    wt = Path(s2.worktree)
    assert git(wt, "rebase", "main", check=False).returncode != 0
    (wt / "hello.py").write_text("print('hello')\nprint('hi')\nprint('wave')\n")
    git(wt, "add", "hello.py")
    git(wt, "rebase", "--continue")
    again = work.done(s2, {})
    assert again.merge_request == mr.id and led.get(second).status == "blocked"
    assert mq.mr_for_issue(work.rig, second).state == "queued"
    work.run()
    final = mq.mr_for_issue(work.rig, second)
    assert final.state == "merged" and final.rejections == 1
    assert work.repo()[work.main().tree["hello.py"].id].data == \
        b"print('hello')\nprint('hi')\nprint('wave')\n"
    assert led.get(first).is_closed and led.get(second).is_closed


def test_a_failing_gate_is_retried_once_then_bisected_to_its_culprit(work: Work):
    work.set("merge.gate", "if test -f bad.txt; then echo 'bad.txt must go'; exit 1; fi")
    made = [work.finished(f"part {n}", {f"part{n}.txt" if n != 2 else "bad.txt": f"{n}\n"})
            for n in range(5)]
    tally = work.run()
    # the batch of five, its retry, prefixes 2 (green) and 3 (red); then the two after it
    assert tally.gate_runs == 5
    culprit = mq.mr_for_issue(work.rig, made[2][0])
    assert culprit.state == "gate_failed" and "failed (exit 1)" in culprit.reason
    assert culprit.gate_tail[-1] == "bad.txt must go"
    log = Path(culprit.log)
    assert log.parent == work.town.runtime_dir / "refinery/demo/logs"
    assert "bad.txt must go" in log.read_text()
    assert sorted(tally.merged) == sorted(mq.mr_for_issue(work.rig, m[0]).id
                                          for n, m in enumerate(made) if n != 2)
    assert "bad.txt" not in work.main().tree
    # sent back twice more unchanged: after three rejections it needs a person
    issue, s, _d = made[2]
    for n in (2, 3):
        work.done(s, {})
        work.run()
        assert mq.mr_for_issue(work.rig, issue).rejections == n
    mr = mq.find_mr(work.town, culprit.id)[1]
    assert mr.needs_you and "rejected 3 times" in mr.needs_you
    assert [m.id for m in mq.needs_you(work.town)] == [mr.id]
    assert any(m.subject.startswith("Needs you") for m in inbox(work.town, "overseer"))
    from gastown_tui.ui.gather import TownReader

    view = TownReader(work.town.root)._read()
    assert [(i.kind, i.key) for i in view.needs_me() if i.kind == "merge"] == [("merge", mr.id)]


def test_a_flaky_gate_passes_on_its_retry(work: Work, tmp_path: Path):
    counter = tmp_path / "runs"
    work.set("merge.gate", f"echo x >> {counter}; test $(wc -l < {counter}) -ge 2")
    issue, _s, _d = work.finished("flaky", {"f.txt": "f\n"})
    tally = work.run()
    assert tally.gate_runs == 2 and mq.mr_for_issue(work.rig, issue).state == "merged"


def test_a_hanging_gate_is_killed_at_its_timeout_with_its_process_group(work: Work,
                                                                         tmp_path: Path):
    pids = tmp_path / "pids"
    work.set("merge.gate", f"if test -f h.txt; then sleep 300 & echo $! >> {pids}; sleep 300; fi")
    work.set("merge.gate_timeout", "1")
    issue, _s, _d = work.finished("hangs", {"h.txt": "h\n"})
    started = time.monotonic()
    work.run()
    assert time.monotonic() - started < 15
    mr = mq.mr_for_issue(work.rig, issue)
    assert mr.state == "gate_failed" and "timed out" in mr.reason
    assert "[gate killed after 1 s" in Path(mr.log).read_text()
    for pid in pids.read_text().split():
        stat = Path(f"/proc/{pid}/stat")
        assert not stat.exists() or stat.read_text().split()[2] == "Z"


def test_human_review_waits_for_approval(work: Work):
    work.set("merge.review", "human")
    work.set("merge.gate", "true")
    issue, _s, _d = work.finished("reviewed", {"r.txt": "r\n"})
    before = work.main().id
    assert work.run().gate_runs == 1
    mr = mq.mr_for_issue(work.rig, issue)
    assert mr.label == "waiting review" and work.main().id == before
    assert ok(work, "mq list")[0]["state_label"] == "waiting review"
    approved = ok(work, f"mq approve {mr.id}")
    assert approved["approved_by"] == "overseer" and approved["state"] == "queued"
    tally = work.run()
    # the same tree passed its gate already: merged without another run
    assert tally.gate_runs == 1 and mq.mr_for_issue(work.rig, issue).state == "merged"


def test_a_convoy_made_with_human_holds_its_merges(work: Work):
    issue = work.issue("for a person to see")
    create_convoy(work.town, "Careful", [issue], human=True)
    [s] = work.sling(issue)
    work.done(s, {"c.txt": "c\n"})
    work.run()
    assert mq.mr_for_issue(work.rig, issue).state == "review"


@pytest.mark.parametrize("strategy", ["merge", "squash"])
def test_merge_and_squash_strategies(work: Work, strategy: str):
    work.set("merge.strategy", strategy)
    before = work.main()
    issue, s, _d = work.finished("two commits", {"one.txt": "1\n"})
    wt = Path(s.worktree)
    mr = mq.mr_for_issue(work.rig, issue)
    work.run()
    tip = work.main()
    assert "one.txt" in tip.tree
    if strategy == "merge":
        assert [p.id for p in tip.parents] == [before.id, pygit2.Oid(hex=mr.head)]
    else:
        assert [p.id for p in tip.parents] == [before.id]
        assert tip.message.startswith(f"{issue}: two commits") and "Squashed from" in \
            tip.message
    assert not wt.exists()


def test_held_reasons_keep_the_work_and_a_retry_merges_it(work: Work):
    issue, s, _d = work.finished("held", {"held.txt": "x\n"})
    mr = mq.mr_for_issue(work.rig, issue)
    # a missing target
    work.set("merge.target", "nope")
    work.run()
    held = mq.mr_for_issue(work.rig, issue)
    assert held.state == "queued" and "exists neither" in held.reason
    assert "exists neither" in gt(work, "mq list").render()
    work.set("merge.target", "")
    # the branch deleted under the queue: held, the work still at its head commit
    repo = work.repo()
    repo.references.delete(f"refs/heads/{s.branch}")
    ok(work, f"mq retry {mr.id}")
    work.run()
    held = mq.mr_for_issue(work.rig, issue)
    assert "was deleted" in held.reason and held.head[:10] in held.reason
    repo.references.create(f"refs/heads/{s.branch}", pygit2.Oid(hex=held.head))
    ok(work, f"mq retry {mr.id}")
    # an issue a person reopened: held until a person says what they want
    work.rig.ledger("overseer").update(issue, status="open")
    work.run()
    held = mq.mr_for_issue(work.rig, issue)
    assert held.state == "queued" and "set to open by a person" in held.reason
    work.run()
    assert mq.mr_for_issue(work.rig, issue).state == "queued"   # still held: a person decides
    ok(work, f"mq retry {mr.id}")       # merge it anyway
    work.run()
    assert mq.mr_for_issue(work.rig, issue).state == "merged"
    assert work.rig.ledger().get(issue).is_closed


def test_a_person_rejects_with_a_note(work: Work):
    issue, s, _d = work.finished("not like this", {"n.txt": "n\n"})
    mr = mq.mr_for_issue(work.rig, issue)
    out = ok(work, ["mq", "reject", mr.id, "-m", "use the helper instead"])
    assert out["state"] == "rejected" and "use the helper instead" in out["reason"]
    assert hooks.load(work.town, "demo", s.polecat).state == "created"
    assert work.rig.ledger().get(issue).status == "hooked"
    mail = inbox(work.town, f"demo/polecats/{s.polecat}")
    assert any("use the helper instead" in m.body for m in mail)
    assert work.run().merged == [] and work.kinds() == []
    # its agent stuck (it exited too often to be started again): a person has to look
    assert mq.find_mr(work.town, mr.id)[1].needs_you is None
    hooks.save(work.town, hooks.load(work.town, "demo", s.polecat), stuck=True)
    assert "is stuck" in mq.find_mr(work.town, mr.id)[1].needs_you
    assert [m.id for m in mq.needs_you(work.town)] == [mr.id]


def test_a_retry_after_the_work_went_back_queues_it_from_the_hook(work: Work):
    """Sent back (its hook given to the agent again) and then retried by a person before the
    agent started on it: the hook is completed again and the MR merges."""
    issue, s, _d = work.finished("merge it anyway", {"anyway.txt": "a\n"})
    mr = mq.mr_for_issue(work.rig, issue)
    ok(work, ["mq", "reject", mr.id, "-m", "not yet"])
    assert hooks.load(work.town, "demo", s.polecat).state == "created"
    out = ok(work, f"mq retry {mr.id}")
    assert out["state"] == "queued"
    assert hooks.load(work.town, "demo", s.polecat).state == "completed"
    work.run()
    assert mq.mr_for_issue(work.rig, issue).state == "merged"


def test_crash_states_are_recovered_exactly_once(work: Work):
    """What a host killed mid-merge leaves: the MR recorded as merging with the commit it
    lands as, and the target either not moved yet or moved. Recovery merges it once, or
    queues it again; a half-done gate's processes and scratch tree are discarded."""
    from gastown_tui.town import landing

    a, _s, _d = work.finished("before the move", {"a.txt": "a\n"})
    b, _s, _d = work.finished("after the move", {"b.txt": "b\n"})
    repo = work.repo()
    old = str(work.main().id)
    mra, mrb = mq.mr_for_issue(work.rig, a), mq.mr_for_issue(work.rig, b)
    stack = landing.build_stack(repo, old, [landing.Piece(m.id, m.head, m.title, m.branch)
                                            for m in (mra, mrb)], "rebase")
    new = stack.tip()
    for m in (mra, mrb):
        mq.set_state(work.rig, [m], "merging", landing={"old": old, "new": new},
                     landed_as=dict(stack.tips)[m.id])
    # killed before the compare-and-swap: the target is old
    scratch = landing.Scratch(work.town.runtime_dir, "demo", work.rig.repo_path)
    scratch.checkout(old)
    import subprocess

    orphan = subprocess.Popen(["sleep", "300"], cwd=str(scratch.path), start_new_session=True)
    scratch.pidfile.write_text(f"{orphan.pid}\n")
    work.refinery.recover()
    assert orphan.wait(timeout=10) != 0 and not scratch.path.exists()
    assert {mq.mr_for_issue(work.rig, i).state for i in (a, b)} == {"queued"}
    # killed after it: the target is new, and the MRs are merged without a second copy
    for m in (mra, mrb):
        mq.set_state(work.rig, [mq.mr_for_issue(work.rig, m.issue)], "merging",
                     landing={"old": old, "new": new}, landed_as=dict(stack.tips)[m.id])
    assert landing.move_ref(repo, "refs/heads/main", old, new, "test")
    work.refinery.recover()
    assert {mq.mr_for_issue(work.rig, i).state for i in (a, b)} == {"merged"}
    work.run()
    assert str(work.main().id) == new and str(work.main().parents[0].parents[0].id) == old
    assert work.kinds().count("mr_merged") == 2


def test_clean_up_after_a_merge_leaves_a_polecat_reused_meanwhile_alone(work: Work,
                                                                        monkeypatch):
    """The host's dispatch may give an idle polecat new work between the refinery reading its
    finished hook and archiving it (the MR merged: the polecat is free). The clean-up must
    not remove the worktree the sling just made nor write the finished issue back over the
    new hook: that left the new issue hooked on a polecat that never worked on it."""
    from gastown_tui.town import find_town, outcomes
    from gastown_tui.town.config import set_setting
    from gastown_tui.town.dispatch import dispatch

    set_setting(work.town, "max_polecats", "1")
    first, then = work.issue("first"), work.issue("then")
    [s1, queued] = work.sling(first, then)
    assert queued.queued == 1
    work.done(s1, {"a.txt": "a\n"})
    read = outcomes.hook_of
    started = []

    def then_dispatch(town, mr):
        hook = read(town, mr)
        if not started:   # the host's domain thread, with its own Town, runs a dispatch now
            started.extend(s for s, _h in dispatch(find_town(work.town.root, {})).started)
        return hook

    monkeypatch.setattr(outcomes, "hook_of", then_dispatch)
    assert work.run().merged == [mq.mr_for_issue(work.rig, first).id]
    assert [(s.issue, s.polecat) for s in started] == [(then, s1.polecat)]
    hook = hooks.load(work.town, "demo", s1.polecat)
    assert (hook.issue, hook.state, hook.branch) == (then, "created",
                                                     f"polecat/{s1.polecat}/{then}")
    assert pygit2.Repository(hook.worktree).head.shorthand == hook.branch
    led = work.rig.ledger()
    assert led.get(first).is_closed and led.get(then).assignee == hook.address
    # the sling archived the finished worktree (with a snapshot): the merged branch went too
    assert f"refs/heads/{s1.branch}" not in work.repo().references
    assert "hook_archived" not in work.kinds()


def test_clean_up_after_a_merge_the_watch_archived_first_still_deletes_the_branch(
        work: Work, monkeypatch):
    """Once the MR is merged the host's watch may archive the finished worktree (its branch
    is in main) between the refinery reading the hook and archiving it: it is archived once,
    and the merged branch goes all the same, its tip kept by the snapshot ref."""
    from gastown_tui.town import find_town, outcomes
    from gastown_tui.town.sling import archive_finished

    issue, s1, _d = work.finished("work", {"a.txt": "a\n"})
    tip = work.repo().references[f"refs/heads/{s1.branch}"].target
    read = outcomes.hook_of
    watched = []

    def watch_first(town, mr):
        hook = read(town, mr)
        if not watched:
            watched.append(archive_finished(find_town(work.town.root, {}), hook,
                                            "branch merged")[0])
        return hook

    monkeypatch.setattr(outcomes, "hook_of", watch_first)
    assert work.run().merged == [mq.mr_for_issue(work.rig, issue).id]
    assert watched[0] is not None and watched[0].state == "archived"
    assert hooks.load(work.town, "demo", s1.polecat).state == "archived"
    repo = work.repo()
    assert f"refs/heads/{s1.branch}" not in repo.references
    assert repo.descendant_of(repo.references[f"refs/gastown/wip/{s1.polecat}"].target, tip)
    assert "hook_archived" not in work.kinds()


def test_a_clean_up_that_fails_after_a_merge_stops_neither_the_batch_nor_recovery(
        work: Work):
    """Archiving a merged MR's hook can fail (here its polecat's snapshot ref is locked, as a
    process killed while moving it leaves it). The work is merged all the same: the MRs
    landed with it must finish too (they stayed `merging`), and a restarted refinery must
    recover the others instead of failing on that clean-up again each time."""
    from gastown_tui.town.refinery import Refinery

    a, s1, _d = work.finished("first", {"a.txt": "a\n"})
    b, s2, _d = work.finished("second", {"b.txt": "b\n"})
    lock = Path(work.repo().path) / "refs" / "gastown" / "wip" / f"{s1.polecat}.lock"
    lock.write_text("")
    assert len(work.run().merged) == 2
    assert {mq.mr_for_issue(work.rig, i).state for i in (a, b)} == {"merged"}
    assert all(work.rig.ledger().get(i).is_closed for i in (a, b))
    assert hooks.load(work.town, "demo", s2.polecat).state == "archived"
    assert hooks.load(work.town, "demo", s1.polecat).state == "completed"
    assert Path(s1.worktree).exists()
    [(_k, said)] = [(k, f) for k, f in work.events if k == "mr_cleanup_failed"]
    assert said["mr"] == mq.mr_for_issue(work.rig, a).id and said["agent"] == \
        f"demo/polecats/{s1.polecat}" and "gt hooks prune" in said["reason"]
    # a batch caught gating by a killed host, queued again by the next one's recovery
    from gastown_tui.town.sling import sling

    c = work.issue("third")
    [(s3, _h)] = sling(work.town, [c], "demo/nux", agent="shell", environ=os.environ)
    work.done(s3, {"c.txt": "c\n"})
    mq.set_state(work.rig, [mq.mr_for_issue(work.rig, c)], "gating")
    again = Refinery(work.town, "demo", emit=lambda kind, **f: work.events.append((kind, f)))
    again.recover()
    assert mq.mr_for_issue(work.rig, c).state == "queued"
    assert again.run_until_idle().merged == [mq.mr_for_issue(work.rig, c).id]
    # the lock gone, the next recovery archives what was left
    lock.unlink()
    again.recover()
    assert hooks.load(work.town, "demo", s1.polecat).state == "archived"
    assert not Path(s1.worktree).exists()


def test_compare_and_swap_refuses_a_moved_target(work: Work):
    from gastown_tui.town import landing

    repo = work.repo()
    old = str(work.main().id)
    assert not landing.move_ref(repo, "refs/heads/main", "0" * 40, old, "stale")
    assert landing.move_ref(repo, "refs/heads/other", None, old, "create")
    assert not landing.move_ref(repo, "refs/heads/other", None, old, "exists now")


def test_crew_submit_never_touches_the_clone(work: Work):
    from gastown_town_test_fixtures import tree_snapshot
    from gastown_tui.town.crew import add_crew

    add_crew(work.town, "alice", "demo")
    clone = work.rig.crew_dir / "alice"
    git(clone, "checkout", "-b", "feature")
    (clone / "feature.txt").write_text("mine\n")
    git(clone, "add", "feature.txt")
    git(clone, "commit", "-m", "a feature")
    (clone / "README.md").write_text("half-edited\n")      # not committed
    (clone / "scratch.txt").write_text("untracked\n")
    before = tree_snapshot(clone)
    out = ok(work, "mq submit", cwd=clone)
    assert out["agent"] == "demo/crew/alice" and out["branch"] == "feature"
    work.run()
    assert mq.find_mr(work.town, out["id"])[1].state == "merged"
    assert "feature.txt" in work.main().tree
    assert tree_snapshot(clone) == before
    assert git(clone, "status", "--porcelain").stdout.count("\n") == 2


def test_gt_diff_shows_a_hooks_work_before_done(work: Work):
    issue = work.issue("in progress")
    [s] = work.sling(issue)
    wt = Path(s.worktree)
    (wt / "hello.py").write_text("print('hello, world')\n")
    (wt / "new.txt").write_text("one\ntwo\n")
    out = ok(work, f"diff {s.polecat}")
    files = {f["path"]: (f["status"], f["added"], f["removed"]) for f in out["files"]}
    assert files == {"hello.py": ("modified", 1, 1), "new.txt": ("added", 2, 0)}
    assert out["head"] == "worktree" and out["files"][0]["hunks"]
    text = gt(work, f"diff {s.polecat}").render()
    assert "+print('hello, world')" in text and "\x1b[" not in text   # plain when not a tty
    # on a terminal: coloured, and what the files hold still shown, not obeyed
    (wt / "new.txt").write_text("one\ntwo \x1b]52;c;bWluZQ==\x07\n")
    coloured = gt(work, f"diff {s.polecat}")
    coloured.data.color = True
    shown = coloured.render()
    assert "\x1b[32m+one\x1b[0m" in shown and "^[]52;c;bWluZQ==^G" in shown
    assert "\x07" not in shown
    stat = gt(work, f"diff {s.polecat} --stat").render()
    assert "2 files changed, 3 insertions(+), 1 deletion(-)" in stat and "@@" not in stat


def test_hooks_prune_archives_only_work_that_is_over(work: Work):
    dropped, s1, _d = work.finished("dropped", {"d.txt": "d\n"})
    waiting, s2, _d = work.finished("waiting", {"w.txt": "w\n"})
    work.rig.ledger("overseer").close(dropped, reason="not needed")
    ok(work, ["mq", "reject", mq.mr_for_issue(work.rig, dropped).id, "-m", "dropped"])
    dry = ok(work, "hooks prune --dry-run")
    assert [(p["agent"], p["done"]) for p in dry] == [(f"demo/{s1.polecat}", False)]
    assert Path(s1.worktree).exists()
    done = ok(work, "hooks prune")
    assert [p["agent"] for p in done] == [f"demo/{s1.polecat}"]
    assert not Path(s1.worktree).exists() and Path(s2.worktree).exists()
    assert hooks.load(work.town, "demo", s1.polecat).state == "archived"
    assert ok(work, "hooks prune").startswith("nothing to prune")


@pytest.mark.parametrize("line, code, words", [
    ("mq list nope", 2, "no rig named 'nope'"),
    (["mq", "list", " "], 2, "the rig is empty"),
    (["mq", "show", ""], 2, "give a merge request id"),
    ("mq show zz-mr-1", 2, "no rig's merge request"),
    ("mq show de-mr-zzzz", 2, "no bead 'de-mr-zzzz'"),
    ("mq retry", 2, "Missing argument"),
    ("mq reject de-mr-zzzz", 2, "say why with -m NOTE"),
    ("mq approve de-mr-zzzz", 2, "no bead 'de-mr-zzzz'"),
    ("mq submit", 2, "run `gt mq submit` inside your crew clone"),
    ("diff nobody", 2, "no polecat 'nobody'"),
    (["diff", ""], 2, "give a polecat name or a merge request id"),
    ("config set --rig demo merge.strategy yolo", 2, "one of rebase, merge, squash"),
    ("config set --rig demo merge.batch 0", 2, "a whole number from 1 to 100"),
    ("config set --rig demo merge.push maybe", 2, "true or false"),
    ("config set --rig demo merge.review robots", 2, "one of auto, human"),
    ("config set --rig demo merge.gate_timeout soon", 2, "a whole number"),
    ("config set --rig demo merge.target a..b", 2, "a branch name"),
    ("config set --rig demo merge.nope 1", 2, "unknown rig setting"),
])
def test_bad_input_is_one_line_and_changes_nothing(untouched: Work, line, code, words):
    before = (untouched.rig.beads_dir / "issues.jsonl").read_text()
    settings = untouched.rig.config_path.read_text()
    result = gt(untouched, line)
    assert result.exit_code == code, result.error
    assert words in (result.error or result.output) and "\n" not in (result.error or "")
    assert (untouched.rig.beads_dir / "issues.jsonl").read_text() == before
    assert untouched.rig.config_path.read_text() == settings


def test_verbs_refuse_merge_requests_in_the_wrong_state(work: Work):
    issue, _s, _d = work.finished("verbs", {"v.txt": "v\n"})
    mr = mq.mr_for_issue(work.rig, issue).id
    cases = [(f"mq approve {mr}", "needs no approval")]
    for line, words in cases:
        result = gt(work, line)
        assert result.exit_code == 1 and words in result.error
    work.run()
    for line, words in [(f"mq retry {mr}", "merged already"),
                        (["mq", "reject", mr, "-m", "late"], "merged already"),
                        (f"mq show {issue}", mr)]:
        result = gt(work, line)
        if "show" in line:
            assert result.exit_code == 0 and result.data.id == mr
        else:
            assert result.exit_code == 1 and words in result.error
    with pytest.raises(TownError):
        mq.find_mr(work.town, work.issue("no MR"))


def test_pushing_to_origin_and_its_faults(tmp_path: Path):
    """merge.push: origin moved (fetched and built on), refused (protected), unreachable and
    diverged: each a one-line reason on the MR, the target old or new, nothing lost."""
    origin = sample_repo(tmp_path / "origin.git", bare=True)
    work = Work(tmp_path / "town", origin)
    work.set("merge.push", "true")
    someone = tmp_path / "someone"
    git(tmp_path, "clone", "-q", str(origin), str(someone))
    (someone / "theirs.txt").write_text("pushed by someone else\n")
    git(someone, "add", "theirs.txt")
    git(someone, "commit", "-qm", "their change")
    git(someone, "push", "-q", "origin", "main")
    # origin moved since the rig was made: the merge is built on what origin has now
    issue, _s, _d = work.finished("ours", {"ours.txt": "ours\n"})
    work.run()
    mr = mq.mr_for_issue(work.rig, issue)
    assert mr.state == "merged"
    pushed = pygit2.Repository(str(origin)).references["refs/heads/main"].peel(pygit2.Commit)
    assert {"ours.txt", "theirs.txt"} <= {e.name for e in pushed.tree}
    assert str(work.main().id) == str(pushed.id)

    # refused by origin (a protected branch): the target goes back, the MR waits
    hook = origin / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'main is a protected branch' >&2\nexit 1\n")
    hook.chmod(0o755)
    before = work.main().id
    issue, _s, _d = work.finished("refused", {"refused.txt": "r\n"})
    work.run()
    held = mq.mr_for_issue(work.rig, issue)
    assert held.state == "queued" and held.reason.startswith("origin refused the push")
    assert work.main().id == before and "\n" not in held.reason
    hook.unlink()

    # unreachable: nothing fetched, nothing moved
    git(work.rig.repo_path, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    mq.set_state(work.rig, [held], "queued", retry_after=0.0)
    work.run()
    held = mq.mr_for_issue(work.rig, issue)
    assert held.reason.startswith("cannot reach origin") and work.main().id == before
    git(work.rig.repo_path, "remote", "set-url", "origin", str(origin))

    # diverged: the rig's main and origin's each hold a commit the other lacks
    repo = work.repo()
    tree = work.main().tree_id
    local = repo.create_commit(None, pygit2.Signature("x", "x@x"), pygit2.Signature("x", "x@x"),
                               "only here", tree, [work.main().id])
    repo.references["refs/heads/main"].set_target(local)
    git(someone, "pull", "-q", "--no-rebase", "origin", "main")
    (someone / "more.txt").write_text("more\n")
    git(someone, "add", "more.txt")
    git(someone, "commit", "-qm", "more of theirs")
    git(someone, "push", "-q", "origin", "main")
    mq.set_state(work.rig, [held], "queued", retry_after=0.0)
    work.run()
    held = mq.mr_for_issue(work.rig, issue)
    assert "have diverged" in held.reason and str(work.main().id) == str(local)
    assert ok(work, "mq list")[0]["reason"] == held.reason
