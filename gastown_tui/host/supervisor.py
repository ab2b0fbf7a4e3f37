"""Supervision: start agents on hooks, watch them exit, respawn with back-off, mark stuck work,
answer start-up dialogs, suspend on host stop and resume on host start. What a person does to an
agent (suspend, resume, restart, the Mayor) is in `actions.py`; the ledger watch in `watch.py`.

Everything here runs on the host's loop; ledger and git work goes through `host.domain`.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path
from typing import Any, Callable

from ..files import pid_alive
from ..term.events import Exited, LinesChanged, StateChanged
from ..town import hooks as hooks_mod
from .context import Context
from .ending import until_may_end
from .model import MAYOR, Agent
from .presets import DIALOGS, dialog_for, resume_argv, term_preset, wants_first_prompt
from .runtime import HostError, wanted_mayor

DIALOG_WINDOW_S = 90.0


# ---------------------------------------------------------------------- domain helpers
# These run on the domain thread with the host's own Town.

def _snapshot(town, hook: hooks_mod.Hook, reason: str) -> str | None:
    from ..town.snapshots import take_snapshot

    if hook.path is None or not hook.path.exists():
        return None
    snap = take_snapshot(hook.path, hook.polecat, reason)
    return snap.short if snap else None


def _suspend(town, rig: str, polecat: str, kind: str, reason: str, count_respawn: bool):
    hook = hooks_mod.load(town, rig, polecat, kind)
    if hook is None or hook.state not in ("active", "created"):
        return hook, None
    snap = _snapshot(town, hook, reason)
    changes: dict[str, Any] = {"pid": None, "reason": reason}
    if count_respawn:
        changes["respawns"] = hook.respawns + 1
    return hooks_mod.transition(town, hook, "suspended", **changes), snap


def _prepare_start(town, hook: hooks_mod.Hook, environ) -> tuple[list[str], dict, str]:
    from ..town.presets import get_preset
    from ..town.sling import agent_env

    rig = town.rig(hook.rig)
    preset = get_preset(town, hook.agent or "claude", environ)
    if hook.path is not None:
        from ..town.session_hooks import install

        try:
            install(hook.path, term_preset(preset.name, preset.argv).name)
        except OSError:
            pass  # without it the agent is still told to prime by its first prompt
    return list(preset.argv), {**dict(preset.env), **agent_env(town, rig, hook)}, preset.name


def _mark_stuck(town, hook: hooks_mod.Hook, why: str) -> None:
    from ..town.mail import send_mail

    fresh = hooks_mod.load(town, hook.rig, hook.polecat, hook.kind) or hook
    hooks_mod.save(town, fresh, stuck=True)
    send_mail(town, "mayor/", "overseer", f"Stuck: {fresh.address} on {fresh.issue}",
              f"{fresh.address} exited {fresh.respawns} times while working on {fresh.issue}; "
              f"it is not restarted again.\nLast exit: {why}\n"
              f"Worktree: {fresh.worktree}\nSnapshots: gt hooks snapshots {fresh.polecat}\n"
              f"Restart it by hand with `gt hooks repair` after fixing the cause.")


# ---------------------------------------------------------------------- starting


def _holds_agent_env(pid: int, address: str) -> bool:
    try:
        data = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return False
    return f"BD_ACTOR={address}".encode() in data.split(b"\0")


async def start_hook(host: Context, hook: hooks_mod.Hook, resume: bool = False):
    """Start the agent for `hook` in its worktree; the hook becomes active."""
    return (await start_hooks(host, [hook], resume, strict=True))[0]


async def start_hooks(host: Context, hooks: list[hooks_mod.Hook], resume: bool = False,
                      strict: bool = False,
                      before_active: Callable[[], None] | None = None) -> list:
    """Start many hooks' agents with two domain round trips in all (one to prepare, one ledger
    transaction per rig to mark them active), not two per agent: slinging 30 at once is then
    bounded by spawning, not by ledger commits. With `strict`, the first failure raises (and
    ends what was started); otherwise a hook that cannot start is reported as an event and
    gets None. `before_active` runs once every agent has started, before their hook_active
    events (a sling publishes its own event there, so the stream reads in order)."""
    ready = []
    for hook in hooks:
        await _end_previous_work(host, hook)
        problem = _cannot_start(host, hook)
        if problem is not None:
            if strict:
                raise HostError(problem)
            host.publish("agent_start_failed", agent=hook.session, issue=hook.issue,
                         error=problem)
            continue
        ready.append(hook)
    prepared = await host.domain(_prepare_many, ready, host.environ)
    sessions: dict[str, Any] = {}
    try:
        for hook in ready:
            argv, env, preset = prepared[hook.session]
            if isinstance(argv, Exception):
                if strict:
                    raise argv
                host.publish("agent_start_failed", agent=hook.session, issue=hook.issue,
                             error=str(argv))
                continue
            if resume:
                argv = resume_argv(term_preset(preset, argv).name, argv, hook.path,
                                   host.agent_env(env))
            agent = Agent(hook.session, "polecat" if hook.kind == "polecats" else "crew",
                          hook.rig, hook.polecat, hook.kind, preset, time.time(),
                          issue=hook.issue, hook_state="active", worktree=hook.worktree)
            try:
                sessions[hook.session] = host.start_terminal(agent, argv, hook.path,
                                                             host.agent_env(env))
            except Exception as e:  # noqa: BLE001 - reported below or raised when strict
                if strict:
                    raise
                host.publish("agent_start_failed", agent=hook.session, issue=hook.issue,
                             error=str(e))
        started = [(h, sessions[h.session].pid) for h in ready if h.session in sessions]
        moved_on = await host.domain(_mark_many_active, started)
    except BaseException:
        for name in sessions:
            host.agents[name].expected_exit = True
            host.mux.terminate(name)
        raise
    from ..town.sling import FIRST_PROMPT

    if before_active is not None:
        before_active()
    for hook, _pid in started:
        if hook.session in moved_on:
            continue
        host.publish("hook_active", agent=hook.session, issue=hook.issue, resumed=resume)
        agent = host.agents.get(hook.session)
        if agent is not None and wants_first_prompt(agent.family):
            host.nudger.enqueue(hook.session, FIRST_PROMPT)
    return [sessions.get(h.session) for h in hooks]


async def _end_previous_work(host: Context, hook: hooks_mod.Hook) -> None:
    """An idle polecat given new work may still show the session of its finished work (in its
    grace after `gt done`, or before the watch saw the completion): that session ends first.
    Sling only picks polecats whose hook is not live, so it holds no unfinished work."""
    agent = host.agents.get(hook.session)
    session = host.session(hook.session)
    if agent is None or session is None or not session.alive or agent.issue == hook.issue:
        return
    agent.expected_exit = True
    await until_may_end(host, agent)
    host.mux.terminate(hook.session)
    try:
        await host.mux.wait(hook.session, timeout=5)
    except asyncio.TimeoutError:
        host.mux.kill(hook.session)
        await host.mux.wait(hook.session, timeout=5)


def _cannot_start(host: Context, hook: hooks_mod.Hook) -> str | None:
    old = host.session(hook.session)
    if old is not None:
        if old.alive:
            return f"{hook.session} is already running (pid {old.pid})"
        host.mux.close(hook.session)
    if hook.path is None or not hook.path.is_dir():
        return (f"the worktree of {hook.address} is missing ({hook.worktree}): run "
                "`gt hooks repair`")
    return None


def _prepare_many(town, hooks: list[hooks_mod.Hook], environ) -> dict[str, tuple]:
    out: dict[str, tuple] = {}
    for hook in hooks:
        try:
            out[hook.session] = _prepare_start(town, hook, environ)
        except Exception as e:  # noqa: BLE001 - handed back to the loop to raise or report
            out[hook.session] = (e, None, None)
    return out


def _mark_many_active(town, started: list[tuple[hooks_mod.Hook, int]]) -> set[str]:
    """The started hooks made active; returns the sessions of those that moved on first. An
    agent can finish (`gt done` makes its hook active, then completed) before this runs on a
    busy domain thread: its hook is left as it is, and the rest of its batch, which raising
    here would end with it, is marked active all the same."""
    by_rig: dict[str, list] = {}
    for hook, pid in started:
        by_rig.setdefault(hook.rig, []).append((hook, pid))
    moved_on = set()
    for rig, items in by_rig.items():
        led = town.rig(rig).ledger()
        with led.transaction():
            for hook, pid in items:
                fresh = hooks_mod.load(town, hook.rig, hook.polecat, hook.kind) or hook
                if fresh.issue != hook.issue or not fresh.live:
                    moved_on.add(hook.session)
                    continue
                hooks_mod.transition(town, fresh, "active", led=led, pid=pid,
                                     last_activity=hooks_mod.now())
    return moved_on


async def sling(host: Context, issue_ids: list[str], target: str, *, agent: str | None = None,
                convoy: bool = True, base: str | None = None, crew: str | None = None,
                actor: str = "overseer") -> list:
    async with host.hooks_lock:
        return await _sling(host, issue_ids, target, agent=agent, convoy=convoy, base=base,
                            crew=crew, actor=actor)


async def _sling(host: Context, issue_ids: list[str], target: str, *, agent, convoy, base, crew,
                 actor) -> list:
    from ..town.sling import roll_back, sling as town_sling

    undo: list = []
    done = await host.domain(town_sling, list(issue_ids), target, undo=undo, agent=agent,
                             convoy=convoy, base=base, crew=crew, actor=actor,
                             environ=host.environ, hold=host.limits.holds())
    hooked = [(s, h) for s, h in done if h is not None]

    def publish_slings() -> None:
        for slung, _hook in hooked:
            host.publish("sling", issue=slung.issue, agent=f"{slung.rig}/{slung.polecat}",
                         convoy=slung.convoy, by=actor)

    try:
        sessions = await start_hooks(host, [h for _s, h in hooked], strict=True,
                                     before_active=publish_slings)
        for (slung, _hook), session in zip(hooked, sessions):
            slung.started, slung.pid = True, session.pid
    except BaseException:
        await host.domain(lambda _town: roll_back(undo))
        raise
    for slung, hook in done:
        if hook is None:
            host.publish("queued", issue=slung.issue, rig=slung.rig, position=slung.queued,
                         by=actor, reason=slung.reason or None)
    if len(hooked) < len(done):
        from .dispatch import dispatch_locked

        await dispatch_locked(host)  # `gt agents` shows them now, not at the next ledger look
    return [s for s, _h in done]


async def _end_orphan(pid: int) -> None:
    for sig, wait in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 1.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while pid_alive(pid) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if not pid_alive(pid):
            return


async def resume_all(host: Context) -> None:
    """At host start: every created, active (the last host died) or suspended hook runs again."""
    async with host.hooks_lock:
        await _resume_all(host)


async def _resume_all(host: Context) -> None:
    hooks = await host.domain(hooks_mod.all_hooks)
    fresh: list[hooks_mod.Hook] = []
    resumed: list[hooks_mod.Hook] = []
    for hook in hooks:
        if not hook.live or hook.stuck:
            continue
        resume = hook.state != "created"
        if hook.state == "active":
            if hook.pid and pid_alive(hook.pid) and _holds_agent_env(hook.pid, hook.address):
                # An orphan of the dead host still writing in the worktree: stop it before a
                # second agent starts there.
                await _end_orphan(hook.pid)
            hook, snap = await host.domain(_suspend, hook.rig, hook.polecat, hook.kind,
                                           "the previous host stopped without suspending",
                                           False)
            host.publish("hook_suspended", agent=hook.session, issue=hook.issue,
                         reason="host died", snapshot=snap)
        (resumed if resume else fresh).append(hook)
    for group, resume in ((fresh, False), (resumed, True)):
        try:
            await start_hooks(host, group, resume=resume)
        except Exception as e:  # noqa: BLE001 - the town must come up even so
            host.publish("agent_start_failed", error=str(e))
    mayor = wanted_mayor(host.root)
    if mayor and host.session(MAYOR) is None:
        from .mayor import mayor_start

        try:
            await mayor_start(host, mayor)
        except Exception as e:  # noqa: BLE001 - the town works without its Mayor
            host.publish("agent_start_failed", agent=MAYOR, error=str(e))


async def suspend_all(host: Context) -> None:
    """At host stop: snapshot and suspend every active hook."""
    names = [(a.rig, a.polecat, a.kind) for a in host.agents.values()
             if a.role in ("polecat", "crew") and not a.expected_exit]
    for a in host.agents.values():
        a.expected_exit = True
    if not names:
        return

    def suspend_many(town):
        out = []
        for rig, polecat, kind in names:
            try:
                current = hooks_mod.load(town, rig, polecat, kind)
                if current is None or current.state not in ("active", "created"):
                    continue  # finished, or already suspended after a crash
                hook, snap = _suspend(town, rig, polecat, kind, "host stopping", False)
                out.append((hook.session, hook.issue, snap))
            except Exception as e:  # noqa: BLE001 - suspend the rest even if one fails
                out.append((f"{rig}/{polecat}", None, f"failed: {e}"))
        return out

    for name, issue, snap in await host.domain(suspend_many):
        host.publish("hook_suspended", agent=name, issue=issue, reason="host stopping",
                     snapshot=snap)


# ---------------------------------------------------------------------- terminal events


def on_term_event(host: Context, ev) -> None:
    if isinstance(ev, Exited):
        session = host.session(ev.session)
        pid = session.pid if session is not None else None
        agent = host.agents.get(ev.session)
        if agent is not None:
            host.limits.on_state(agent, "exited")
        host.spawn_task(on_exit(host, ev.session, pid, ev.exit_code, ev.exit_signal))
    elif isinstance(ev, StateChanged):
        agent = host.agents.get(ev.session)
        if agent is None:
            return
        extra = {k: v for k, v in (("reason", ev.reason), ("resets_at", ev.resets_at)) if v}
        host.publish("agent_state", agent=ev.session, old=ev.old, new=ev.new, **extra)
        host.limits.on_state(agent, ev.new, ev.reason, ev.resets_at)
        host.nudger.on_state(ev.session, ev.new)
    elif isinstance(ev, LinesChanged):
        agent = host.agents.get(ev.session)
        if (agent is not None and not agent.dialog_check and agent.family in DIALOGS
                and time.time() - agent.started < DIALOG_WINDOW_S):
            # Start-up dialogs are read from the screen itself (they may sit anywhere on it),
            # at most a few times a second while the agent is young.
            agent.dialog_check = True
            host.loop.call_later(0.3, _answer_dialog, host, agent)


def _answer_dialog(host: Context, agent: Agent) -> None:
    agent.dialog_check = False
    session = host.session(agent.name)
    if session is None or not session.alive:
        return
    dialog = dialog_for(agent.family, "\n".join(session.screen.text_lines()), agent.dialogs)
    if dialog is None:
        return
    agent.dialogs.add(dialog.name)
    host.mux.send_keys(agent.name, dialog.keys)
    host.publish("dialog_answered", agent=agent.name, dialog=dialog.name)


async def on_exit(host: Context, name: str, pid: int | None, code: int | None,
                  sig: int | None) -> None:
    agent = host.agents.get(name)
    if agent is None or (pid is not None and agent.pid != pid):
        return  # an earlier session of that name (a restart already replaced it)
    host.publish("agent_exited", agent=name, exit_code=code, signal=sig,
                 expected=agent.expected_exit or None)
    if host.stopping:
        return
    if agent.role == "mayor" or agent.expected_exit:
        if host.agents.get(name) is agent:
            host.agents.pop(name, None)
            if host.session(name) is not None and not agent.restarting:
                host.mux.close(name)
        return
    why = f"signal {sig}" if sig else f"exit code {code}"
    hook, snap = await host.domain(_suspend, agent.rig, agent.polecat, agent.kind,
                                   f"agent exited ({why})", True)
    if hook is None or hook.state != "suspended":
        # The work was finished (gt done) or taken away: a normal end.
        host.agents.pop(name, None)
        if host.session(name) is not None:
            host.mux.close(name)
        return
    agent.hook_state = "suspended"
    host.publish("hook_suspended", agent=name, issue=hook.issue, reason=why, snapshot=snap,
                 respawns=hook.respawns)
    if hook.respawns > host.settings.respawn_limit:
        agent.stuck = True
        await host.domain(_mark_stuck, hook, why)
        host.publish("agent_stuck", agent=name, issue=hook.issue, respawns=hook.respawns - 1)
        return
    delay = host.settings.respawn_backoff * (2 ** (hook.respawns - 1))
    # A preset at its usage limit would only fail again: its agents start once it resets.
    delay = max(delay, host.limits.retry_after(agent.agent))
    host.spawn_task(_respawn_later(host, hook, delay))


async def _respawn_later(host: Context, hook: hooks_mod.Hook, delay: float) -> None:
    await asyncio.sleep(delay)
    if host.stopping:
        return
    fresh = await host.domain(hooks_mod.load, hook.rig, hook.polecat, hook.kind)
    if fresh is None or fresh.state != "suspended" or fresh.stuck:
        return
    try:
        await start_hook(host, fresh, resume=True)
        host.publish("agent_respawned", agent=fresh.session, issue=fresh.issue,
                     attempt=fresh.respawns)
    except Exception as e:  # noqa: BLE001 - reported, and the next reconcile can retry
        host.publish("agent_start_failed", agent=fresh.session, issue=fresh.issue, error=str(e))
