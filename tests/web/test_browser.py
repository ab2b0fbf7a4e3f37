"""`gt dashboard` in a real headless Chromium, against a real town with a live host."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from web_browser import Browser, chromium_path
from web_helpers import (CONVOY, DEMO_BUSY, GT, SHELL_PROMPT, Dashboard, clean_env,
                         descendants, end, host_screen, make_town, start_host)

# Only an explicit opt-out (the one scripts/install-test-deps honours) skips these; a machine
# that merely lacks chromium fails them, saying how to install it.
pytestmark = pytest.mark.skipif(chromium_path() is None
                                and os.environ.get("GT_TEST_BROWSER") == "0",
                                reason="GT_TEST_BROWSER=0: no browser on this machine")


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 80))


async def choose_agent(page: Browser, town, name: str) -> None:
    """Give the page the keyboard, then choose `name` in the Agents panel (rows are sorted by
    name; the panel has the focus when the dashboard opens): its terminal zooms and focuses."""
    await page.click(8, 8)
    for _ in range(sorted([town.demo_agent, town.shell_agent]).index(name)):
        await page.key("ArrowDown", 40)
    await page.key("Enter", 13, "\r")
    await asyncio.sleep(0.5)


def test_page_shows_agents_terminals_and_convoys(live_town, profile, tmp_path):
    async def scenario():
        with Dashboard(live_town.root) as dash:
            async with Browser(profile) as page:
                await page.open(dash.url)
                # Agent names (panel and pane titles), the convoy, and the demo agent's own
                # screen, drawn in its live terminal view.
                await page.wait_for(live_town.demo_agent, live_town.shell_agent, CONVOY,
                                    DEMO_BUSY, "Agents")
                assert page.ws_status == 101
                shot = tmp_path / "dashboard.png"
                await page.screenshot(shot)
                assert shot.stat().st_size > 10_000 and shot.read_bytes()[:4] == b"\x89PNG"

                # A change made elsewhere (a new convoy, written by another process) shows
                # up by itself.
                subprocess.run([*GT, "convoy", "create", "Fresh web convoy",
                                live_town.issues[1]], cwd=live_town.root, env=clean_env(),
                               check=True, capture_output=True)
                await page.wait_for("Fresh web convoy", timeout=10)

    run(scenario())


def test_keys_typed_in_the_browser_reach_the_agent(live_town, profile):
    name = live_town.shell_agent

    async def scenario():
        with Dashboard(live_town.root) as dash:
            async with Browser(profile) as page:
                await page.open(dash.url)
                await page.wait_for(name, SHELL_PROMPT, "Agents")
                await choose_agent(page, live_town, name)
                await page.type("echo web-$((6*7))")
                await page.wait_for("echo web-$((6*7))", timeout=15)  # bash echoed it
                await page.key("Enter", 13, "\r")
                # The answer is computed by the agent's bash, then mirrored back to the page.
                await page.wait_for("web-42", timeout=15)

    run(scenario())
    assert "web-42" in host_screen(live_town.root, name).split("echo web-$((6*7))", 1)[1]


def test_read_only_shows_everything_and_takes_no_keys(live_town, profile):
    name = live_town.shell_agent

    async def scenario():
        with Dashboard(live_town.root, "--read-only") as dash:
            async with Browser(profile) as page:
                await page.open(dash.url)
                await page.wait_for("read-only", name, CONVOY, DEMO_BUSY)
                await choose_agent(page, live_town, name)
                await page.type("echo ro-$((5*5))")
                await page.key("Enter", 13, "\r")
                await asyncio.sleep(2)  # four live polls: time enough to have been typed

    run(scenario())
    assert "ro-" not in host_screen(live_town.root, name)


def test_without_a_host_the_ledger_shows_with_a_banner(tmp_path, profile):
    root = tmp_path / "town"
    make_town(root, 1)

    async def scenario():
        with Dashboard(root) as dash:
            async with Browser(profile) as page:
                await page.open(dash.url)
                await page.wait_for("Agents are not live", "gt up --headless", CONVOY)
                # Starting the host later: the page connects by itself and the banner goes.
                host = start_host(root)
                try:
                    start = time.monotonic()
                    while "Agents are not live" in page.text():
                        assert time.monotonic() - start < 10, page.text()
                        await asyncio.sleep(0.1)
                finally:
                    end(host, grace=20)

    run(scenario())


def test_the_secret_in_the_browser(live_town, profile, tmp_path):
    """--open hands the browser a private file:// page (no secret on a command line) that
    moves on to the printed URL, whose first load keeps the secret in a SameSite=Strict
    cookie and moves on to the bare address: the dashboard opens, its websocket riding on the
    cookie, and no address in the tab's history holds the secret. Without the cookie the bare
    address shows only the refusal."""
    opened = tmp_path / "opened.txt"
    record = (f"{sys.executable} -c \"import sys; open({str(opened)!r}, 'w')"
              f".write(sys.argv[1])\" %s")

    async def scenario():
        with Dashboard(live_town.root, "--open", env={"BROWSER": record}) as dash:
            bare = dash.url.split("?")[0]
            async with Browser(profile) as page:
                await page.open(bare)
                await asyncio.sleep(1.5)
                assert page.frames == 0 and page.ws_status is None  # no app, no socket
                start = time.monotonic()
                while not (opened.exists() and opened.read_text()):
                    assert time.monotonic() - start < 10, dash.output()
                    await asyncio.sleep(0.05)
                assert opened.read_text().startswith("file://")
                await page.open(opened.read_text())
                await page.wait_for(live_town.demo_agent, CONVOY)
                assert page.ws_status == 101
                history = await page.history()
                assert history[-1] == bare and not any(dash.token in url for url in history)
                # Later loads of the bare address: the cookie alone.
                page.ws_status = None
                frames = page.frames
                await page.open(bare)
                start = time.monotonic()
                while page.ws_status != 101 or page.frames == frames:
                    assert time.monotonic() - start < 20, page.ws_status
                    await asyncio.sleep(0.1)

    run(scenario())


def test_configuration_tab(live_town, profile):
    async def scenario():
        # The shell preset runs $SHELL; the dashboard is given one so the row is known.
        with Dashboard(live_town.root, env={"SHELL": "/bin/sh"}) as dash:
            async with Browser(profile) as page:
                await page.open(dash.url)
                await page.wait_for("Agents", live_town.demo_agent)
                await page.click(8, 8)
                await page.key("F2", 113)
                await page.wait_for("Default agent", "Theme", "gastown_tui.host.demo_agent",
                                    "/bin/sh", "gastown-dark")

    run(scenario())


def test_stopping_the_server_ends_open_tabs_and_their_apps(tmp_path, profile):
    root = tmp_path / "town"
    make_town(root, 1)

    async def scenario():
        with Dashboard(root) as dash:
            async with Browser(profile) as page:
                await page.open(dash.url)
                await page.wait_for("Agents are not live")
                apps = descendants(dash.proc.pid)
                assert apps, "no app process under the server"
                start = time.monotonic()
                dash.proc.send_signal(signal.SIGTERM)  # the server alone, as Ctrl-C would
                await asyncio.to_thread(dash.proc.wait, 15)
                assert time.monotonic() - start < 10
                assert dash.proc.returncode == 0
                assert "dashboard stopped" in dash.output()
                deadline = time.monotonic() + 5
                while any(Path(f"/proc/{pid}").exists() for pid in apps):
                    assert time.monotonic() < deadline, f"apps left running: {apps}"
                    await asyncio.sleep(0.1)

    run(scenario())
