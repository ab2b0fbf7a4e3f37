"""The agent actions over the control socket (what the dashboard's x/K/H/R and `gt hooks
suspend|resume` and `gt handoff` send), on a real host with a bash agent: the same
`agent_action` the app's keys run in process, with one-line refusals for the wrong state."""

from __future__ import annotations

import asyncio
import json
import os

import pygit2
import pytest

from host_helpers import async_wait_for, new_issue, run_gt

from gastown_tui.host.client import HostClient
from gastown_tui.host.host import Host
from gastown_tui.files import pid_alive
from gastown_tui.host.runtime import HostError
from gastown_tui.town import find_town, hooks, inbox
from gastown_tui.town.config import set_agent
from gastown_tui.town.snapshots import wip_ref

ENV = {**os.environ, "GT_WATCH_SECONDS": "0.1", "PS1": "$ "}


def test_suspend_resume_stop_and_handoff_over_the_socket(town):
    set_agent(town, "plainsh", "bash --norc --noprofile")
    issue = new_issue(town, "Long work")

    async def main():
        host = Host(find_town(town.root, {}), mode="test", environ=ENV)
        await host.start()
        try:
            [slung] = await host.sling([issue], "demo", agent="plainsh")
            await scenario(host, slung)
        finally:
            await host.stop()

    async def call(what: str, **args):
        """An agent action as its wire request (`act`), as a client in any language sends it."""
        return await asyncio.to_thread(HostClient(town.root, timeout=30).call, "act", what=what,
                                       **args)

    async def refused(op: str, target: str, code: int = 1) -> str:
        with pytest.raises(HostError) as e:
            await call(op, target=target)
        assert e.value.exit_code == code and "\n" not in str(e.value)
        return str(e.value)

    def screen(host: Host, name: str) -> str:
        return "\n".join(host.session(name).screen.text_lines())

    async def fresh_session(host: Host, name: str, before: int, what: str) -> None:
        """Wait for `name` to run again in a new process (after a handoff)."""
        await async_wait_for(lambda: host.session(name) is not None
                             and host.session(name).alive and host.session(name).pid != before,
                             20, what=what)

    def hook_of(slung):
        return hooks.load(find_town(town.root, {}), "demo", slung.polecat)

    async def scenario(host: Host, slung):
        name, address = f"demo/{slung.polecat}", f"demo/polecats/{slung.polecat}"
        worktree = hook_of(slung).path
        await async_wait_for(lambda: "$" in screen(host, name), 20, what="a shell prompt")
        host.type_keys(name, "echo half-done > wip.txt\r")
        await async_wait_for(lambda: (worktree / "wip.txt").exists(), 10, what="the file")

        # suspend (gt hooks suspend): snapshot with the untracked file, hook parked, no terminal
        proc = await asyncio.to_thread(run_gt, town.root, "hooks", "suspend", slung.polecat,
                                       "--json")
        assert proc.returncode == 0, proc.stderr
        out = json.loads(proc.stdout)
        assert (out["agent"], out["action"], out["state"]) == (name, "suspend", "suspended")
        assert out["snapshot"] and out["said"].startswith(f"{name} suspended")
        assert hook_of(slung).state == "suspended"
        assert host.session(name) is None and name not in host.agents
        assert not pid_alive(slung.pid)
        repo = pygit2.Repository(str(town.rig("demo").repo_path))
        snap = repo.references[wip_ref(slung.polecat)].peel(pygit2.Commit)
        assert snap.tree["wip.txt"].data == b"half-done\n"
        assert "suspend from gt hooks suspend" in snap.message

        # the wrong state for each action: one line that says what to do
        assert "is suspended already: resume it with `gt hooks resume" in \
            await refused("suspend", name)
        assert "is suspended already" in await refused("stop", name)
        for op in ("restart", "handoff"):
            assert f"{name} is suspended: resume it first" in await refused(op, name)

        # resume (gt hooks resume): a fresh terminal on the same hook, the file still there
        proc = await asyncio.to_thread(run_gt, town.root, "hooks", "resume", name)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == f"{name} resumed on its hook"
        assert hook_of(slung).state == "active" and host.session(name).alive
        assert (worktree / "wip.txt").read_text() == "half-done\n"
        assert "is running, not suspended" in await refused("resume", name)
        # the short name and the address name the same agent
        assert "is running, not suspended" in await refused("resume", address)

        # stop: what the app's K does to a polecat, its work kept
        out = await call("stop", target=name, by="the dashboard")
        assert out["state"] == "suspended" and hook_of(slung).state == "suspended"
        assert host.session(name) is None
        await call("resume", target=name)
        await async_wait_for(lambda: "$" in screen(host, name), 20, what="the prompt again")

        # handoff from inside the agent (`gt handoff`): mail to self, then a fresh session
        before = host.session(name).pid
        host.type_keys(name, "gt handoff -m 'carry on from step 2'\r")
        await fresh_session(host, name, before, "the session after the handoff")
        [mail] = inbox(find_town(town.root, {}), address)
        assert (mail.sender, mail.to, mail.subject) == (address, address, f"Handoff: {issue}")
        assert mail.body == "carry on from step 2"
        assert hook_of(slung).state == "active"

        # handoff asked by a person (the dashboard's H): the note comes from the overseer
        before = host.session(name).pid
        out = await call("handoff", target=name, by="the dashboard")
        assert out["mailed"] == address and "handoff note" in out["said"]
        await fresh_session(host, name, before, "the session after the second handoff")
        notes = inbox(find_town(town.root, {}), address)
        assert notes[0].sender == "overseer" and "run `gt prime` first" in notes[0].body

        # ... and from a person's shell: `gt handoff NAME`
        before = host.session(name).pid
        done = await asyncio.to_thread(run_gt, town.root, "handoff", slung.polecat, "-m",
                                       "from the shell", check=True)
        assert done.stdout.strip() == f"handoff mail sent to {address}; {address} restarts fresh"
        await fresh_session(host, name, before, "the session after the shell's handoff")
        note = inbox(find_town(town.root, {}), address)[0]
        assert (note.sender, note.body) == ("overseer", "from the shell")
        blank = await asyncio.to_thread(run_gt, town.root, "handoff", " ")
        assert blank.returncode == 2 and "give the agent to hand off" in blank.stderr
        ghost = await asyncio.to_thread(run_gt, town.root, "handoff", "ghost")
        assert ghost.returncode == 2 and "no polecat 'ghost'" in ghost.stderr

        # unknown agents and the Mayor
        assert "no polecat 'ghost'" in await refused("suspend", "ghost", code=2)
        assert "give the agent" in await refused("resume", "/", code=2)
        assert "the Mayor has no hook to resume" in await refused("resume", "mayor")
        assert "the Mayor is not running" in await refused("stop", "mayor")
        assert "the Mayor has no hook to hand off" in await refused("handoff", "mayor")
        with pytest.raises(HostError) as e:
            await call("suspend")
        assert e.value.exit_code == 2 and "needs a text 'target'" in str(e.value)

    asyncio.run(main())


def test_a_finished_hook_has_nothing_to_suspend_or_resume(town):
    """After `gt done` the polecat is idle: every action says its hook holds no work."""
    issue = new_issue(town, "Add a line to hello.py")
    env = {**ENV, "GT_DEMO_STEP_SECONDS": "0.05", "GT_DONE_GRACE": "0.1"}

    async def main():
        host = Host(find_town(town.root, {}), mode="test", environ=env)
        await host.start()
        try:
            [slung] = await host.sling([issue], "demo", agent="demo")
            led = find_town(town.root, {}).rig("demo").ledger()
            await async_wait_for(lambda: led.get(issue).is_closed, 30, 0.1, what="the work")
            for what in ("suspend", "resume", "restart", "handoff"):
                with pytest.raises(HostError, match=r"has no work on its hook \(its hook is "
                                   r"(completed|archived)\)"):
                    await host.agent_action(what, slung.polecat)
        finally:
            await host.stop()

    asyncio.run(main())
