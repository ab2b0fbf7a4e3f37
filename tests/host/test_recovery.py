"""Stuck recovery with a real demo agent whose step takes longer than the stall time: it is
nudged to re-read its hook (the nudge lands on its screen), restarted with its resume flags,
then reported: a needs-you item in `gt status` and a notification through `notify_command`."""

from __future__ import annotations

import asyncio
import json
import os

from host_helpers import async_wait_for, new_issue, run_gt, running_host

from gastown_tui.town import find_town
from gastown_tui.town.config import set_setting


def test_a_stalled_demo_agent_is_nudged_restarted_then_reported(town, tmp_path):
    issue = new_issue(town, "A step that hangs")
    got = tmp_path / "notices.jsonl"
    set_setting(town, "notify_command", f"cat >> {got}")
    env = {**os.environ, "GT_DEMO_STEP_SECONDS": "60", "GT_STALL_SECONDS": "1",
           "GT_WATCH_SECONDS": "0.1"}

    async def main():
        async with running_host(find_town(town.root, {}), env) as (host, seen):
            [slung] = await host.sling([issue], "demo", agent="demo")
            name = f"demo/{slung.polecat}"
            first_pid = slung.pid

            def kinds(kind):
                return [e for e in seen if e["kind"] == kind and e.get("agent") == name]

            await async_wait_for(lambda: kinds("agent_recovery"), 20, what="the nudge")
            assert kinds("agent_stalled") and kinds("nudge")
            assert "received prompt #1" in "\n".join(host.session(name).screen.text_lines())
            await async_wait_for(lambda: len(kinds("agent_recovery")) == 2, 20,
                                 what="the restart")
            assert kinds("agent_restarted") and host.session(name).pid != first_pid
            assert [e["step"] for e in kinds("agent_recovery")] == ["nudged", "restarted"]
            [stuck] = await async_wait_for(lambda: kinds("agent_stuck"), 20,
                                           what="the report")
            assert "after a nudge to re-read its hook and a restart" in stuck["reason"]
            status = json.loads((await asyncio.to_thread(
                run_gt, town.root, "status", "--json", check=True)).stdout)
            assert {"kind": "agent", "key": name, "text": f"{name} is stuck on {issue}"} in \
                status["needs"]
            await async_wait_for(got.exists, 10, what="the notice")
            [notice] = [json.loads(line) for line in got.read_text().splitlines()]
            assert (notice["kind"], notice["agent"], notice["rig"], notice["bead"]) == \
                ("stuck", name, "demo", issue)
            assert notice["text"].startswith(f"{name} is stuck on {issue}: no progress for ")

    asyncio.run(main())


def test_resume_command_lines_per_agent(tmp_path):
    """What a restart with resume flags runs: Codex's `resume --last` subcommand before its
    options, Gemini CLI's `--resume latest`, Claude Code's `--continue` only when its config
    folder records a conversation for the worktree (else it would end at once)."""
    from gastown_tui.host.presets import resume_argv
    from gastown_tui.town.transcripts import claude_folder

    wt = tmp_path / "wt"
    wt.mkdir()
    env = {"CLAUDE_CONFIG_DIR": str(tmp_path / "account"), "HOME": str(tmp_path)}
    assert resume_argv("codex", ["codex", "--dangerously-bypass-approvals-and-sandbox"], wt,
                       env) == ["codex", "resume", "--last",
                                "--dangerously-bypass-approvals-and-sandbox"]
    assert resume_argv("gemini", ["gemini", "--approval-mode", "yolo"], wt, env) == \
        ["gemini", "--approval-mode", "yolo", "--resume", "latest"]
    claude = ["claude", "--dangerously-skip-permissions"]
    assert resume_argv("claude", claude, wt, env) == claude
    # Another account's folder records it: only that account's agents continue it.
    other = tmp_path / ".claude/projects" / claude_folder(str(wt))
    other.mkdir(parents=True)
    (other / "s.jsonl").write_text("{}\n")
    assert resume_argv("claude", claude, wt, env) == claude
    assert resume_argv("claude", claude, wt, {"HOME": str(tmp_path)}) == claude + ["--continue"]
    assert resume_argv("shell", ["bash"], wt, env) == ["bash"]
