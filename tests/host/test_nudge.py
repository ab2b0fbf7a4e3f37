"""Verified nudges into a real agent terminal, racing a person's typing in the same pane."""

from __future__ import annotations

import asyncio
import os

import pytest

from host_helpers import async_wait_for, running_host

from gastown_tui.host.host import MAYOR, Host
from gastown_tui.host.nudge import PERSON_PAUSE_S, _typed_text, clean
from gastown_tui.host.runtime import HostError
from gastown_tui.host.mayor import mayor_start

ENV = {**os.environ, "GT_DEMO_STEP_SECONDS": "0.05"}


def _said(host: Host) -> list[str]:
    lines = host.session(MAYOR).screen.text_lines()
    return [ln.strip()[len("you: "):] for ln in lines if ln.strip().startswith("you: ")]


async def _idle_mayor(host: Host) -> None:
    await mayor_start(host, "demo")
    await async_wait_for(lambda: str(host.session(MAYOR).state) == "idle", 15,
                         what="the demo Mayor to be idle")


def test_nudge_and_typing_both_arrive_intact(town):
    person = [f"typed by a person, line {i}: the quick brown fox" for i in range(3)]
    nudges = [f"nudge {i}: please run gt prime and check your hook" for i in range(2)]

    async def main():
        host = Host(town, mode="test", environ=ENV)
        await host.start()
        try:
            await _idle_mayor(host)

            async def typist():
                for i, line in enumerate(person):
                    for ch in line + "\r":
                        host.type_keys(MAYOR, ch)
                        await asyncio.sleep(0.004)
                    if i == 0:
                        host.paste_text(MAYOR, "pasted by a person\r")
                    await asyncio.sleep(0.05)

            async def nudger():
                results = []
                for text in nudges:
                    await asyncio.sleep(0.08)
                    results.append(await host.nudge(MAYOR, text, "immediate"))
                return results

            _, results = await asyncio.gather(typist(), nudger())
            assert all(r["delivered"] and r["verified"] for r in results)
            await async_wait_for(lambda: len(_said(host)) == 6, 10, what="all six prompts")
            said = _said(host)
            assert sorted(said) == sorted(person + nudges + ["pasted by a person"])
        finally:
            await host.stop()

    asyncio.run(main())


def test_nudge_while_a_person_paused_mid_line(town):
    """A person typed half a line and stopped to think: the nudge is submitted on its own, and
    their half line is back in the input for them to finish, not sent with the nudge."""
    async def main():
        host = Host(town, mode="test", environ=ENV)
        await host.start()
        try:
            await _idle_mayor(host)
            for ch in "half a thought":
                host.type_keys(MAYOR, ch)
                await asyncio.sleep(0.005)
            await asyncio.sleep(PERSON_PAUSE_S + 0.3)
            r = await host.nudge(MAYOR, "please run gt prime", "immediate")
            assert r["delivered"] and r["verified"]
            assert _said(host) == ["please run gt prime"]
            await async_wait_for(lambda: host.session(MAYOR).screen.text_lines()[-1].strip()
                                 == "> half a thought", 5, what="the half line back")
            for ch in " and the rest\r":
                host.type_keys(MAYOR, ch)
            await async_wait_for(lambda: len(_said(host)) == 2, 5, what="the person's line")
            assert _said(host) == ["please run gt prime", "half a thought and the rest"]
        finally:
            await host.stop()

    asyncio.run(main())


def test_modes_and_refusals(town):
    async def main():
        host = Host(town, mode="test", environ=ENV)
        await host.start()
        try:
            await _idle_mayor(host)
            r = await host.nudge("mayor", "hello\x1b[31m red\x07 \n world", "wait-idle")
            assert r["delivered"] and r["mode"] == "wait-idle"
            q = await host.nudge("mayor/", "later please", "queue")
            assert q["queued"] and not q["delivered"]
            await async_wait_for(lambda: "later please" in _said(host), 10,
                                 what="the queued nudge")
            assert "hello red world" in _said(host)
            with pytest.raises(HostError, match="empty"):
                await host.nudge("mayor", "\x1b\x07\n", "immediate")
            with pytest.raises(HostError, match="unknown nudge mode"):
                await host.nudge("mayor", "x", "shout")
            with pytest.raises(HostError, match="no running agent 'ghost'"):
                await host.nudge("ghost", "x")
        finally:
            await host.stop()

    asyncio.run(main())


def test_clean():
    assert clean("a\r\nb\tc\x00d\x9b") == "a b cd"
    assert clean("x\x1b[1;31mred\x1b[0m \x1b]0;title\x07y \n\n z") == "xred y z"
    assert clean("  \n ") == ""


def test_typed_text():
    assert _typed_text(b"helo\x7flo") == "hello"
    assert _typed_text("caf\u00e9".encode()) == "caf\u00e9"
    assert _typed_text(b"\x7f\x7fab") == "ab"
    assert _typed_text(b"ab\x1b[DX") is None  # a cursor move: the line is not known


def test_wait_idle_queues_for_a_busy_agent(town):
    """wait-idle waits a while for a busy agent, then queues; the queue is typed at its next
    idle prompt, once."""
    env = {**ENV, "GT_DEMO_STEP_SECONDS": "1.5", "GT_NUDGE_WAIT_SECONDS": "0.3"}

    async def main():
        async with running_host(town, env) as (host, seen):
            await mayor_start(host, "demo")
            await async_wait_for(lambda: str(host.session(MAYOR).state) == "busy", 10,
                                 what="the demo Mayor to be busy priming")
            r = await host.nudge("mayor", "when you are free", "wait-idle")
            assert r["queued"] and not r["delivered"]
            assert "when you are free" not in _said(host)
            await async_wait_for(lambda: [e for e in seen if e["kind"] == "nudge"], 15,
                                 what="the queued nudge at the next idle prompt")
            assert [(e["kind"], e["mode"]) for e in seen if e["kind"] == "nudge"] == [
                ("nudge", "queue")]
            assert _said(host) == ["when you are free"]

    asyncio.run(main())
