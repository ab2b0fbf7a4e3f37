"""`gt up --detach`, `gt down` and the one-host rule, with real host processes."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys

from host_helpers import gt_argv, new_issue, run_gt, wait_for

from gastown_tui.host.runtime import host_running, read_info


def test_detach_refuse_down(town, reap):
    up = run_gt(town.root, "up", "--detach")
    assert up.returncode == 0, up.stderr
    info = read_info(town.root)
    reap.append(info.pid)
    assert f"pid {info.pid}" in up.stdout
    assert (town.root / ".runtime" / "host.pid").read_text().strip() == str(info.pid)

    again = run_gt(town.root, "up", "--detach")
    assert again.returncode == 1
    assert f"already running for this town (pid {info.pid}" in again.stderr
    headless = run_gt(town.root, "up", "--headless", timeout=20)
    assert headless.returncode == 1 and f"pid {info.pid}" in headless.stderr
    assert "Traceback" not in headless.stderr

    agents = run_gt(town.root, "agents", "--json")
    assert agents.returncode == 0 and json.loads(agents.stdout) == []

    down = run_gt(town.root, "down")
    assert down.returncode == 0, down.stderr
    assert host_running(town.root) is None
    assert not (town.root / ".runtime" / "host.pid").exists()
    after = run_gt(town.root, "agents")
    assert after.returncode == 1
    assert after.stderr.strip() == ("gt: error: no host is running for this town: start one "
                                    "with `gt up --headless` or `gt`")
    assert run_gt(town.root, "down").returncode == 1
    # the detached host told its log what happened
    log = (town.root / ".runtime" / "host.log").read_text()
    assert f"host running for {town.root} (pid {info.pid})" in log
    assert "host_started" in log and "host_stopped" in log


def test_killed_host_leaves_nothing_stale(town, reap):
    assert run_gt(town.root, "up", "--detach").returncode == 0
    pid = read_info(town.root).pid
    reap.append(pid)
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: host_running(town.root) is None, what="the lock to be released")
    assert run_gt(town.root, "agents").returncode == 1
    up = run_gt(town.root, "up", "--detach")
    assert up.returncode == 0, up.stderr
    reap.append(read_info(town.root).pid)
    assert run_gt(town.root, "down").returncode == 0


def test_host_side_refusals_keep_their_codes(town, reap):
    assert run_gt(town.root, "up", "--detach").returncode == 0
    reap.append(read_info(town.root).pid)
    try:
        bad = run_gt(town.root, "sling", "de-zzz", "demo", "--agent", "demo")
        assert bad.returncode == 1 and "de-zzz" in bad.stderr and "Traceback" not in bad.stderr
        wrong = run_gt(town.root, "sling", new_issue(town), "demo/Bad!", "--agent", "demo")
        assert wrong.returncode == 2 and "bad polecat name" in wrong.stderr
        peek = run_gt(town.root, "peek", "nobody")
        assert peek.returncode == 2 and "no running agent 'nobody'" in peek.stderr
        assert run_gt(town.root, "mayor", "stop").returncode == 1
        assert json.loads(run_gt(town.root, "hooks", "list", "--json").stdout) == []
    finally:
        assert run_gt(town.root, "down").returncode == 0


def test_foreground_host_prints_events_and_stops_on_ctrl_c(town, reap):
    import subprocess

    issue = new_issue(town)
    assert run_gt(town.root, "sling", issue, "demo", "--agent", "demo").returncode == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GT_", "BD_", "BEADS_"))}
    proc = subprocess.Popen(gt_argv("up", "--headless"), cwd=str(town.root), env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    reap.append(proc.pid)
    wait_for(lambda: run_gt(town.root, "agents").returncode == 0, 20, 0.1, "the host to serve")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "host running for" in err and "host stopped" in out
    for kind in ("host_started", "hook_active", "hook_suspended", "host_stopped"):
        assert kind in err, err
    assert "agent_state" not in err
    assert read_info(town.root) is None


def _without_ages(table: str) -> list[list[str]]:
    return [[cell for cell in line.split() if not re.fullmatch(r"\d+[smhd]", cell)]
            for line in table.splitlines()]


def _steady(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in ("uptime", "last_activity")} for r in rows]


def test_gt_agents_fast_path_answers_as_the_registry(town, reap):
    """The `gt` script answers `gt agents` without loading the registry (fast.py); what it
    prints must be what the registry prints (`gt --cmd` always goes through the registry)."""
    assert run_gt(town.root, "up", "--detach").returncode == 0
    reap.append(read_info(town.root).pid)
    try:
        issue = new_issue(town, "Stay at the prompt")
        assert run_gt(town.root, "sling", issue, "demo", "--agent", "shell").returncode == 0
        # compared once the shell has settled at its prompt, so both calls see one state
        wait_for(lambda: [r["state"] for r in json.loads(
            run_gt(town.root, "agents", "--json").stdout)] == ["idle"], 30, 0.2,
            what="the agent to be listed, idle at its prompt")
        for words in (["agents", "--json"], ["--json", "agents", "--all"]):
            fast = run_gt(town.root, *words)
            registry = run_gt(town.root, "--cmd", " ".join(words))
            assert fast.returncode == registry.returncode == 0, (fast.stderr, registry.stderr)
            assert _steady(json.loads(fast.stdout)) == _steady(json.loads(registry.stdout))
            assert fast.stderr == registry.stderr == ""
        text, registry_text = run_gt(town.root, "agents"), run_gt(town.root, "--cmd", "agents")
        # ages (uptime, last activity) move between the two calls; every other cell must match
        assert _without_ages(text.stdout) == _without_ages(registry_text.stdout)
        assert len(text.stdout.splitlines()) == 2

        probe = ("import atexit, sys\n"
                 "atexit.register(lambda: print('click' in sys.modules, file=sys.stderr))\n"
                 "from gastown_tui.commands.fast import main\nmain(['agents', '--json'])\n")
        proc = subprocess.run([sys.executable, "-c", probe], cwd=town.root, capture_output=True,
                              text=True, timeout=60)
        assert proc.returncode == 0 and proc.stderr.strip() == "False", proc.stderr
        # other words go to the registry
        assert "Usage: gt agents" in run_gt(town.root, "agents", "--help").stdout
    finally:
        assert run_gt(town.root, "down").returncode == 0
