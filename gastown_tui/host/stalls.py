"""Stuck recovery: an agent on hooked work that makes no progress for `stall_minutes` is first
nudged to re-read its hook, then restarted with its resume flags, then reported to a person
(a needs-you item and a notification), one stall period apart.

Progress is a change of what the agent's screen says, not of its animation: spinners, timers
and token counters redraw every fraction of a second while an agent hangs on a request, so
digits and spinner glyphs are left out when two looks at a screen are compared. An agent that
waits for a person (a dialog) or for its usage limit to reset is not stalled: its turn has not
come. What the recovery itself types or restarts is not progress either: the screen is looked
at again once a step is done, and only changes after that count.

The ladder steps back to the start once the agent has gone two stall periods without stalling,
so an agent that stalls again soon after a nudge is restarted, and one that worked on for a
long while starts over with a nudge.
"""

from __future__ import annotations

import re
import time
import zlib

from .context import Context
from .model import Agent
from .runtime import HostError

NUDGED, RESTARTED, REPORTED = 1, 2, 3
STEPS = {NUDGED: "nudged", RESTARTED: "restarted", REPORTED: "reported"}
# States in which silence is not a stall: its turn has not come.
NOT_STALLED = ("waiting", "limited")
# Agent programs that take a typed prompt; typed into a shell, the words would run.
PROMPTED = ("claude", "codex", "gemini", "demo")
RECOVER_PROMPT = ("You have made no progress for a while. Run gt prime to re-read the work on "
                  "your hook, then go on with it (run gt done once it is finished).")
# Spinner glyphs (braille, Claude Code's and Gemini CLI's stars and dots) and digits (timers,
# token counts) change while nothing else does.
ANIMATION = re.compile(r"[\u2800-\u28ff✻✳✢✶✽✺✦✧*·•◦●○◐◓◑◒⏺]|\d+")


def screen_mark(lines: list[str]) -> int:
    """What the screen says, as a number that animation does not change."""
    return zlib.crc32("\n".join(ANIMATION.sub("", line).rstrip() for line in lines).encode())


def check(host: Context, agent: Agent, session, now: float) -> None:
    """One look at a running agent on active hooked work (from the watch's slow checks)."""
    if agent.recovering:
        return
    mark = screen_mark(session.screen.text_lines())
    if mark != agent.screen_mark or str(session.state) in NOT_STALLED:
        agent.screen_mark = mark
        agent.progress_at = now
    stall = host.settings.stall_seconds
    idle_for = now - max(agent.progress_at, agent.started)
    stalled = idle_for >= stall
    if stalled and not agent.stalled:
        host.publish("agent_stalled", agent=agent.name, issue=agent.issue,
                     quiet_seconds=int(idle_for))
    agent.stalled = stalled
    if stalled and now - max(agent.progress_at, agent.recovery_at, agent.started) >= stall:
        agent.stalled_at = now
        if agent.recovery < REPORTED:
            agent.recovering = True
            host.spawn_task(_next_step(host, agent, int(idle_for)))
    elif not stalled and agent.recovery == REPORTED:
        agent.recovery = RESTARTED   # working again: no longer a person's; a stall reports it
    elif agent.recovery and now - max(agent.stalled_at, agent.recovery_at) >= 2 * stall:
        agent.recovery = 0   # it has worked on for a while: a later stall starts over


async def _next_step(host: Context, agent: Agent, idle_for: int) -> None:
    step = agent.recovery + 1
    name = agent.name
    try:
        if step == NUDGED:
            await _nudge(host, agent)
        elif step == RESTARTED:
            agent = await _restart(host, agent) or agent
        else:
            host.publish("agent_stuck", agent=name, issue=agent.issue, rig=agent.rig,
                         reason=f"no progress for {_minutes(idle_for)} after a nudge to "
                                "re-read its hook and a restart")
    finally:
        agent.recovering = False
    agent.recovery = step
    agent.recovery_at = time.time()
    session = host.session(name)
    if session is not None:
        agent.screen_mark = screen_mark(session.screen.text_lines())
    if step < REPORTED:
        host.publish("agent_recovery", agent=name, issue=agent.issue, step=STEPS[step],
                     quiet_seconds=idle_for)


async def _nudge(host: Context, agent: Agent) -> None:
    if agent.family not in PROMPTED:
        return  # a program that takes no prompt: the restart comes after the same wait
    try:
        await host.nudger.deliver(agent.name, RECOVER_PROMPT, "recovery")
    except HostError as e:
        host.publish("nudge_failed", agent=agent.name, error=str(e))


async def _restart(host: Context, agent: Agent) -> Agent | None:
    """A fresh session on the same hook, picking up its conversation (resume flags); the new
    record keeps the ladder's place."""
    from .actions import restart

    try:
        await restart(host, agent.name, resume=True, why="agent_restarted")
    except HostError as e:
        host.publish("agent_start_failed", agent=agent.name, issue=agent.issue, error=str(e))
        return None
    fresh = host.agents.get(agent.name)
    if fresh is not None:
        fresh.stalled_at = agent.stalled_at
    return fresh


def _minutes(seconds: int) -> str:
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"
