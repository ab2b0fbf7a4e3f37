"""Bad input for every host command: one clear line, the right exit code, nothing half-made."""

from __future__ import annotations

import pygit2
import pytest

from host_helpers import gt_json, new_issue, run_gt

from gastown_tui.town import find_town, hooks

NO_HOST = ("gt: error: no host is running for this town: start one with `gt up --headless` "
           "or `gt`")


def _fails(proc, code: int, *words: str) -> None:
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    # progress lines may come first; the error is one line, last
    err = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""
    assert "Traceback" not in proc.stderr and proc.stderr.count("error:") == 1, proc.stderr
    for w in words:
        assert w in err, err


@pytest.fixture(scope="module")
def refusing_town():
    """One town for the refusals that change nothing (a fresh town per case costs seconds)."""
    import shutil
    import tempfile
    from pathlib import Path

    from host_helpers import make_sample_repo

    from gastown_tui.town.install import install
    from gastown_tui.town.rigs import add_rig

    base = Path(tempfile.mkdtemp(prefix="gt-host-test-"))
    try:
        install(base / "t")
        add_rig(find_town(base / "t", {}), "demo", str(make_sample_repo(base / "sample")))
        yield find_town(base / "t", {})
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.parametrize("args", [
    ("agents",), ("agents", "--all"), ("peek", "mayor"), ("nudge", "mayor", "hi"),
    ("down",), ("mayor", "status"), ("mayor", "stop"), ("mayor", "detach"),
    ("hooks", "suspend", "nux"), ("hooks", "resume", "demo/nux"),
])
def test_live_commands_without_a_host(refusing_town, args):
    proc = run_gt(refusing_town.root, *args)
    _fails(proc, 1)
    assert proc.stderr.strip() == NO_HOST


@pytest.mark.parametrize("args,code,words", [
    (("sling",), 2, ["Missing argument"]),
    (("sling", "de-zzz"), 2, ["RIG"]),
    (("sling", "de-zzz", "demo"), 1, ["de-zzz"]),
    (("sling", "hq-abc", "demo"), 2, ["hq-abc is a town bead", "bd create"]),
    (("sling", "bug-101", "demo/my-agent"), 2, ["no rig of this town has the prefix of bug-101",
                                                "start with de-"]),
    (("sling", "de-zzz", "nowhere"), 2, ["no rig named 'nowhere'"]),
    (("sling", "de-zzz", "demo/Bad Name"), 2, []),
    (("sling", "de-zzz", "a/b/c/d"), 2, ["bad target"]),
    (("sling", "de-zzz", "--crew", "joe"), 2, ["--crew needs --rig"]),
    (("hooks", "snapshots", "ghost"), 2, ["no polecat 'ghost'"]),
    (("hooks", "rollback", "ghost"), 2, ["no polecat 'ghost'"]),
    (("hooks", "rollback", "ghost", ""), 2, ["the snapshot id is empty"]),
    (("hooks", "list", "--rig", "nowhere"), 2, ["no rig named"]),
    (("hooks", "suspend", ""), 2, ["give the agent to suspend"]),
    (("hooks", "resume", " "), 2, ["give the agent to resume"]),
    (("hooks", "suspend"), 2, ["Missing argument 'NAME'"]),
    (("done",), 1, ["not a polecat"]),
    (("handoff",), 1, ["not a polecat"]),
    (("peek", "mayor", "0"), 2, []),
    (("nudge", "mayor", ""), 2, ["empty"]),
    (("nudge", "mayor", "hi", "--mode", "shout"), 2, []),
    (("demo", "--agents", "0"), 2, ["--agents"]),
    (("demo", "--agents", "31"), 2, ["--agents"]),
    (("up", "--detach", "--bogus"), 2, []),
    (("down", "--timeout", "0"), 2, ["--timeout"]),
    (("events", "-n", "-1"), 2, ["-n"]),
    (("sling", "", "demo"), 2, ["empty"]),
    (("sling", "de-zzz", " "), 2, ["empty"]),
    (("nudge", "", "hi"), 2, ["give the agent"]),
    (("peek", ""), 2, ["give the agent"]),
    (("mayor", "start", "--agent", "nope"), 2, ["unknown agent 'nope'"]),
    (("sling", "de-zzz", "demo", "--agent", "nope"), 1, ["de-zzz"]),
    (("queue", "list", "--rig", "nowhere"), 2, ["no rig named 'nowhere'"]),
    (("queue", "remove"), 2, ["Missing argument 'ID'"]),
    (("queue", "remove", ""), 2, ["give the id of a queued issue"]),
    (("queue", "remove", "de-zzz"), 2, ["de-zzz is not in the dispatch queue",
                                        "the queue is empty", "gt queue list"]),
    (("queue", "remove", "hq-abc"), 2, ["hq-abc is not in the dispatch queue"]),
    (("queue", "remove", "de-zzz", "de-yyy"), 2, ["unexpected extra argument"]),
    (("queue", "list", "--json", "--all"), 2, ["No such option"]),
    (("unsling",), 2, ["Missing argument 'NAME'"]),
    (("unsling", " "), 2, ["give the polecat to unsling"]),
    (("unsling", "ghost"), 2, ["no polecat 'ghost'"]),
    (("unsling", "de-zzz"), 2, ["no polecat 'de-zzz'"]),
])
def test_bad_usage(refusing_town, args, code, words):
    _fails(run_gt(refusing_town.root, *args), code, *words)


def test_outside_a_town(tmp_path):
    for args in (("prime",), ("agents",), ("sling", "x-1", "r"), ("hooks", "list"),
                 ("events",), ("up", "--detach")):
        _fails(run_gt(tmp_path, *args), 1, "not inside a town")


def test_demo_refuses_a_non_empty_dir(tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("mine")
    _fails(run_gt(tmp_path, "demo", "busy", "--headless"), 1, "not empty")
    assert (tmp_path / "busy" / "keep.txt").read_text() == "mine"


def test_failed_sling_leaves_nothing_behind(town):
    good = new_issue(town, "Good one")
    closed = new_issue(town, "Closed one")
    town.rig("demo").ledger().close(closed)
    before_convoys = len(town.ledger().list(issue_type="convoy", include_closed=True))
    proc = run_gt(town.root, "sling", good, closed, "demo", "--agent", "demo")
    _fails(proc, 1, f"{closed} is closed")
    t = find_town(town.root, {})
    led = t.rig("demo").ledger()
    assert led.get(good).status == "open" and not led.get(good).assignee
    assert not [h for h in hooks.all_hooks(t) if h.live]
    repo = pygit2.Repository(str(t.rig("demo").repo_path))
    assert not [r for r in repo.references if r.startswith("refs/heads/polecat/")]
    assert repo.list_worktrees() == []
    assert not any(p.is_dir() for p in t.rig("demo").polecats_dir.iterdir())
    live = [c for c in t.ledger().list(issue_type="convoy") if c.status == "open"]
    assert len(live) == 0
    assert len(t.ledger().list(issue_type="convoy", include_closed=True)) >= before_convoys


def test_sling_refusals_keep_state(town):
    issue = new_issue(town, "Only once")
    ok = run_gt(town.root, "sling", issue, "demo/nux", "--agent", "demo")
    assert ok.returncode == 0, ok.stderr
    _fails(run_gt(town.root, "sling", issue, "demo", "--agent", "demo"), 1,
           "already on the hook of demo/polecats/nux")
    other = new_issue(town, "Another")
    _fails(run_gt(town.root, "sling", other, "demo/nux", "--agent", "demo"), 1,
           "polecat 'nux' is busy")
    _fails(run_gt(town.root, "sling", other, "demo", "--agent", "nonesuch"), 2,
           "unknown agent 'nonesuch'")
    _fails(run_gt(town.root, "sling", other, "demo", "--agent", "demo", "--base", "nope"), 2,
           "branch 'nope' does not exist")
    _fails(run_gt(town.root, "sling", other, issue, "demo/x", "--agent", "demo"), 2,
           "several issues")
    t = find_town(town.root, {})
    assert [h.polecat for h in hooks.all_hooks(t) if h.live] == ["nux"]
    assert t.rig("demo").ledger().get(other).status == "open"


def test_failed_sling_keeps_an_idle_polecats_finished_work(town):
    first = new_issue(town, "Finished work")
    slung = run_gt(town.root, "sling", first, "demo/nux", "--agent", "demo", "--no-convoy")
    assert slung.returncode == 0, slung.stderr
    wt = town.rig("demo").polecats_dir / "nux"
    env = {"GT_ROLE": "polecat", "GT_RIG": "demo", "GT_POLECAT": "nux",
           "BD_ACTOR": "demo/polecats/nux", "GT_TOWN_ROOT": str(town.root)}
    (wt / "kept.txt").write_text("mine\n")
    assert run_gt(wt, "done", "-m", "finished", env=env).returncode == 0
    second = new_issue(town, "Next work")
    # its work waits in the merge queue: nux is not free for more
    _fails(run_gt(town.root, "sling", second, "demo/nux", "--agent", "demo"), 1,
           "waits in the merge queue")
    # dropped by a person (issue closed, merge request rejected): nux is idle, its finished
    # worktree kept until new work comes
    town.rig("demo").ledger("overseer").close(first, reason="not needed")
    mr = gt_json(town.root, "mq", "list")[0]["id"]
    assert run_gt(town.root, "mq", "reject", mr, "-m", "dropped").returncode == 0
    _fails(run_gt(town.root, "sling", second, "demo/nux", "--agent", "demo", "--base", "nope"),
           2, "branch 'nope' does not exist")
    h = hooks.load(find_town(town.root, {}), "demo", "nux")
    assert h.state == "completed" and h.issue == first
    assert (h.path / "kept.txt").read_text() == "mine\n"


@pytest.mark.parametrize("action", ["start", "attach"])
def test_mayor_with_an_unknown_agent_starts_no_host(town, action):
    from gastown_tui.host.runtime import host_running

    _fails(run_gt(town.root, "mayor", action, "--agent", "nope"), 2, "unknown agent 'nope'")
    assert host_running(town.root) is None


def test_agent_that_cannot_start_rolls_the_sling_back(town, reap, tmp_path):
    """The host cannot start the agent: the bead, the idle polecat's record, the branch, the
    worktree and the convoy are as they were before the sling."""
    from gastown_tui.host.runtime import read_info
    from gastown_tui.town.config import set_agent

    bad = tmp_path / "agent"
    bad.write_text("#!/nonexistent/interpreter\n")
    bad.chmod(0o755)
    set_agent(town, "broken", str(bad))
    first = new_issue(town, "Finished work")
    assert run_gt(town.root, "sling", first, "demo/nux", "--agent", "demo").returncode == 0
    t = find_town(town.root, {})
    h = hooks.load(t, "demo", "nux")
    hooks.transition(t, h, "active")
    hooks.transition(t, hooks.load(t, "demo", "nux"), "completed")
    before = hooks.load(t, "demo", "nux")
    convoys = len(t.ledger().list(issue_type="convoy", include_closed=True))
    assert run_gt(town.root, "up", "--detach").returncode == 0
    reap.append(read_info(town.root).pid)
    try:
        second = new_issue(town, "Next work")
        _fails(run_gt(town.root, "sling", second, "demo/nux", "--agent", "broken"), 1,
               "cannot run")
        after = hooks.load(find_town(town.root, {}), "demo", "nux")
        assert after == before
        assert (after.path / "hello.py").exists()
        assert pygit2.Repository(str(after.path)).head.shorthand == f"polecat/nux/{first}"
        led = t.rig("demo").ledger()
        assert led.get(second).status == "open" and not led.get(second).assignee
        repo = pygit2.Repository(str(t.rig("demo").repo_path))
        assert f"refs/heads/polecat/nux/{second}" not in repo.references
        assert f"refs/heads/polecat/nux/{first}" in repo.references
        live = [c for c in t.ledger().list(issue_type="convoy", include_closed=True)
                if c.status != "tombstone"]
        assert len(live) == convoys
    finally:
        assert run_gt(town.root, "down").returncode == 0


def test_concurrent_slings_of_one_issue_have_one_winner(town):
    """Several `gt sling` processes racing for one issue: exactly one hooks it, the others
    fail and leave no worktree, branch or hook behind."""
    import subprocess

    from host_helpers import gt_argv

    env = {k: v for k, v in __import__("os").environ.items()
           if not k.startswith(("GT_", "BD_", "BEADS_"))}
    for round_ in range(3):
        issue = new_issue(town, f"Contested {round_}")
        procs = [subprocess.Popen(gt_argv("sling", issue, f"demo/p{round_}x{i}", "--agent",
                                          "demo", "--no-convoy"),
                                  cwd=str(town.root), env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for i in range(4)]
        results = [(p.wait(60), p.stderr.read()) for p in procs]
        for p in procs:
            p.stdout.close()
            p.stderr.close()
        assert sorted(code for code, _ in results) == [0, 1, 1, 1], results
        assert all("Traceback" not in err for _, err in results)
        t = find_town(town.root, {})
        holders = [h for h in hooks.all_hooks(t) if h.issue == issue and h.live]
        assert len(holders) == 1
        assert t.rig("demo").ledger().get(issue).assignee == holders[0].address
        repo = pygit2.Repository(str(t.rig("demo").repo_path))
        assert [r for r in repo.references if r.endswith("/" + issue)] == [
            f"refs/heads/{holders[0].branch}"]
        assert sorted(p.name for p in t.rig("demo").polecats_dir.iterdir()
                      if p.name.startswith(f"p{round_}x")) == [holders[0].polecat]


def test_concurrent_slings_to_one_rig_each_get_a_polecat(town):
    """Slings racing for the same rig (one idle polecat with finished work in it) each get a
    polecat of their own; the finished work stays on its branch."""
    import subprocess

    from host_helpers import gt_argv

    first = new_issue(town, "Finished before")
    assert run_gt(town.root, "sling", first, "demo/nux", "--agent", "demo").returncode == 0
    t = find_town(town.root, {})
    hooks.transition(t, hooks.load(t, "demo", "nux"), "active")
    hooks.transition(t, hooks.load(t, "demo", "nux"), "completed")
    env = {k: v for k, v in __import__("os").environ.items()
           if not k.startswith(("GT_", "BD_", "BEADS_"))}
    issues = [new_issue(town, f"Parallel {i}") for i in range(4)]
    procs = [subprocess.Popen(gt_argv("sling", issue, "demo", "--agent", "demo", "--no-convoy"),
                              cwd=str(town.root), env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True) for issue in issues]
    errors = [(p.wait(60), p.stderr.read()) for p in procs]
    for p in procs:
        p.stderr.close()
    assert [code for code, _ in errors] == [0, 0, 0, 0], errors
    t = find_town(town.root, {})
    live = {h.issue: h for h in hooks.all_hooks(t) if h.live}
    assert set(live) == set(issues) and len({h.polecat for h in live.values()}) == 4
    led = t.rig("demo").ledger()
    for issue, h in live.items():
        assert led.get(issue).assignee == h.address
        assert h.path.is_dir() and pygit2.Repository(str(h.path)).head.shorthand == h.branch
    repo = pygit2.Repository(str(t.rig("demo").repo_path))
    assert f"refs/heads/polecat/nux/{first}" in repo.references


def test_a_directory_in_the_sockets_place(town):
    """An empty folder where host.sock goes is cleared; one holding something is refused in
    one line (a traceback in host.log before), and `gt hooks repair` says what to do."""
    import asyncio

    from gastown_tui.host.host import Host
    from gastown_tui.host.runtime import HostError, socket_path

    sock = socket_path(town.root)
    sock.mkdir(parents=True)

    async def start_and_stop():
        host = Host(find_town(town.root, {}), mode="test")
        await host.start()
        await host.stop()

    asyncio.run(start_and_stop())
    sock.mkdir()
    (sock / "something").write_text("x")
    with pytest.raises(HostError, match="is a directory, not the host's socket: move it away"):
        asyncio.run(start_and_stop())
    proc = run_gt(town.root, "hooks", "repair")
    assert proc.returncode == 0 and "in the host socket's place: move it away" in proc.stdout
