"""A headless Chromium driven over the DevTools protocol (a small CDP client on aiohttp).

The dashboard draws with xterm.js on a canvas, so the page has no DOM text to read. What the
page's terminal shows is what its websocket received: every binary frame (the app's output)
is fed, as the browser's xterm.js is, into a `term` screen of the size the page asked for
(its `resize` frames), and tests poll that screen's text. Screenshots come from the browser.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import aiohttp

from gastown_tui.term.screen import Screen
from web_helpers import end

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--mute-audio"]
LISTENING = re.compile(r"DevTools listening on (ws://\S+)")


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _drain(stream: Any) -> None:
    for _ in iter(stream.readline, b""):
        pass


class Browser:
    """One headless Chromium with one page; use `async with Browser(tmp) as b`."""

    def __init__(self, profile: Path, width: int = 1400, height: int = 860) -> None:
        self.profile = profile
        self.width, self.height = width, height
        self.proc: subprocess.Popen | None = None
        self._session: aiohttp.ClientSession | None = None
        self._ws: Any = None
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future] = {}
        self._reader: asyncio.Task | None = None
        self.screen = Screen(80, 24, history=0)
        self.frames = 0
        self.ws_status: int | None = None

    async def __aenter__(self) -> "Browser":
        exe = chromium_path()
        assert exe, ("chromium is not installed: run scripts/install-test-deps (or "
                     "apt-get install -y chromium)")
        # Chromium keeps its singleton socket in a folder of its own under TMPDIR, which an
        # ended (not quit) browser leaves behind: under the profile, it goes with the profile.
        tmp = self.profile / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [exe, *FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-port=0",
             f"--window-size={self.width},{self.height}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True, env={**os.environ, "TMPDIR": str(tmp)})
        try:
            url = await asyncio.to_thread(self._devtools_url)
            self._session = aiohttp.ClientSession()
            base = "http://" + url.split("/")[2]
            async with self._session.get(base + "/json/list") as r:
                pages = [t for t in await r.json() if t.get("type") == "page"]
            self._ws = await self._session.ws_connect(pages[0]["webSocketDebuggerUrl"],
                                                      max_msg_size=0)
            self._reader = asyncio.create_task(self._read())
            await self.call("Network.enable")
            await self.call("Page.enable")
        except BaseException:
            await self.__aexit__(None, None, None)
            raise
        return self

    def _devtools_url(self) -> str:
        deadline = time.monotonic() + 20
        assert self.proc is not None and self.proc.stderr is not None
        seen = []
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline().decode(errors="replace")
            if not line and self.proc.poll() is not None:
                break
            seen.append(line)
            m = LISTENING.search(line)
            if m:
                # Keep draining stderr so Chromium never blocks on a full pipe.
                threading.Thread(target=_drain, args=(self.proc.stderr,), daemon=True).start()
                return m.group(1)
        raise AssertionError("chromium did not start: " + "".join(seen)[-2000:])

    async def __aexit__(self, *exc: Any) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self._ws is not None:
            await self._ws.close()
        if self._session is not None:
            await self._session.close()
        if self.proc is not None:
            end(self.proc, grace=3.0)  # the whole group: Chromium's helpers share it

    async def call(self, method: str, **params: Any) -> dict:
        msg_id = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        self._waiting[msg_id] = future
        await self._ws.send_str(json.dumps({"id": msg_id, "method": method, "params": params}))
        reply = await asyncio.wait_for(future, 30)
        if "error" in reply:
            raise AssertionError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    async def _read(self) -> None:
        async for msg in self._ws:
            data = json.loads(msg.data)
            if "id" in data:
                future = self._waiting.pop(data["id"], None)
                if future is not None and not future.done():
                    future.set_result(data)
            else:
                self._event(data.get("method", ""), data.get("params", {}))

    def _event(self, method: str, params: dict) -> None:
        if method == "Network.webSocketFrameReceived":
            frame = params["response"]
            if frame.get("opcode") == 2:
                self.screen.feed(base64.b64decode(frame["payloadData"]))
                self.frames += 1
        elif method == "Network.webSocketFrameSent":
            frame = params["response"]
            if frame.get("opcode") == 1 and frame["payloadData"].startswith('["resize"'):
                size = json.loads(frame["payloadData"])[1]
                self.screen.resize(int(size["width"]), int(size["height"]))
        elif method == "Network.webSocketHandshakeResponseReceived":
            self.ws_status = params["response"].get("status")

    async def open(self, url: str) -> None:
        await self.call("Page.navigate", url=url)

    async def history(self) -> list[str]:
        """The addresses in the tab's back/forward list, oldest first."""
        entries = (await self.call("Page.getNavigationHistory"))["entries"]
        return [entry["url"] for entry in entries]

    def text(self) -> str:
        return "\n".join(self.screen.text_lines())

    async def wait_for(self, *needles: str, timeout: float = 20.0) -> float:
        """Seconds until every needle is on the page's terminal; fails with what it shows."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            text = self.text()
            if all(n in text for n in needles):
                return time.monotonic() - start
            await asyncio.sleep(0.1)
        raise AssertionError(f"{needles} not shown within {timeout:g} s; the page shows:\n"
                             + self.text())

    async def type(self, text: str) -> None:
        await self.call("Input.insertText", text=text)

    async def key(self, key: str, code: int, text: str = "") -> None:
        for kind in ("keyDown", "keyUp"):
            params = {"type": kind, "key": key, "windowsVirtualKeyCode": code}
            if text and kind == "keyDown":
                params["text"] = text
            await self.call("Input.dispatchKeyEvent", **params)

    async def click(self, x: float, y: float) -> None:
        for kind in ("mousePressed", "mouseReleased"):
            await self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left",
                            clickCount=1)

    async def screenshot(self, path: Path) -> None:
        shot = await self.call("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["data"]))
