"""The web server behind `gt dashboard`: textual-serve, guarded, one dashboard app per browser.

textual-serve runs a shell command per websocket (one browser tab) and pipes the app's output
to xterm.js; each app is its own process, so it reads the town through the host's control
socket and the ledger, never through this server. Pages are built from the request's own Host,
so the websocket URL is right however the dashboard was reached; guard.py has already
checked that Host (and the secret, and the Origin) before any handler runs.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
import sys
import webbrowser
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import aiohttp_jinja2
from aiohttp import web
from textual_serve.server import Server, to_int

from .guard import Guard, add_headers
from .secret import TOKEN_ENV

TEMPLATES = Path(__file__).resolve().parent / "templates"
SHUTDOWN_S = 5.0  # at most this long for requests in flight when the server stops


@dataclass
class DashboardOptions:
    town_root: Path
    token: str  # see secret.py: from GT_DASHBOARD_TOKEN, --token-file or kept in the town
    port: int = 8080
    bind: str = "127.0.0.1"
    read_only: bool = False
    open_browser: bool = False

    def url(self, with_token: bool = True, host: str | None = None) -> str:
        host = host or (self.bind if ":" not in self.bind else f"[{self.bind.strip('[]')}]")
        if host in ("0.0.0.0", "[::]"):
            host = "127.0.0.1"
        query = f"?token={self.token}" if with_token else ""
        return f"http://{host}:{self.port}/{query}"

    @property
    def opener(self) -> Path:
        """The page `--open` hands the browser (see `open_in_browser`)."""
        return self.town_root / ".runtime" / f"dashboard-open-{self.port}.html"


def lan_address() -> str | None:
    """This machine's address on its default route, for the URL other machines open. Connecting
    a UDP socket only picks the route; no packet is sent. None without a route."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never answered, only routed
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def app_command(options: DashboardOptions) -> str:
    """The shell command textual-serve runs for each browser tab."""
    argv = [sys.executable, "-m", "gastown_tui.web", str(options.town_root)]
    if options.read_only:
        argv.append("--read-only")
    return shlex.join(argv)


class DashboardServer(Server):
    def __init__(self, options: DashboardOptions, say: Callable[[str], None]) -> None:
        import textual_serve

        statics = Path(textual_serve.__file__).resolve().parent / "static"
        super().__init__(app_command(options), host=options.bind, port=options.port,
                         title=f"Gas Town · {options.town_root.name}",
                         statics_path=statics, templates_path=TEMPLATES)
        self.options = options
        self.say = say
        self._tabs: set[asyncio.Task] = set()
        self._opened = False  # whether this server wrote options.opener (and removes it)

    def initialize_logging(self) -> None:
        # textual-serve logs every session at INFO with a rich handler: keep only problems.
        import logging

        logging.basicConfig(level="WARNING", format="gt dashboard: %(message)s")

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        options = self.options
        app.middlewares.append(Guard(options.token, options.bind, options.port).middleware)
        app.on_response_prepare.append(add_headers)
        return app

    async def on_startup(self, app: web.Application) -> None:
        """textual-serve prints its banner here; the dashboard speaks once it listens."""

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        task = asyncio.current_task()
        self._tabs.add(task)
        try:
            return await super().handle_websocket(request)
        finally:
            self._tabs.discard(task)

    async def on_shutdown(self, app: web.Application) -> None:
        """Open tabs end with the server: their websockets close and their apps are told to
        quit. Otherwise a stop would wait for every browser to go away first."""
        tabs = list(self._tabs)
        for task in tabs:
            task.cancel()
        await asyncio.gather(*tabs, return_exceptions=True)

    def _listening(self, *_args: Any) -> None:
        options = self.options
        mode = " (read-only)" if options.read_only else ""
        self.say(f"dashboard for {options.town_root}{mode} on {options.url()}")
        if options.bind.strip("[]") in ("0.0.0.0", "::"):
            address = lan_address()
            where = (f"other machines open {options.url(host=address)}" if address else
                     "other machines use its address with the same token")
            self.say(f"listening on every address of this machine (port {options.port}); "
                     + where)
        self.say("Ctrl-C stops it")
        if options.open_browser:
            self._opened = True
            open_in_browser(options)

    def serve(self, debug: bool = False) -> None:
        """Serve until SIGINT/SIGTERM. The URL is told only once the port is bound, so a busy
        port is an error and never a URL that does not answer."""
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.request_exit)
        try:
            web.run_app(self._make_app(), host=self.host, port=self.port,
                        handle_signals=False, loop=loop, print=self._listening,
                        shutdown_timeout=SHUTDOWN_S)
        finally:
            loop.close()
            if self._opened:
                self.options.opener.unlink(missing_ok=True)

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        secure = request.scheme == "https"
        base = f"{request.scheme}://{request.host}"
        return {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"{'wss' if secure else 'ws'}://{request.host}/ws",
            "config": {"static": {"url": f"{base}/static/"}},
            "application": {"name": self.title},
        }


def open_in_browser(options: DashboardOptions) -> None:
    """Open the dashboard without putting its secret on the browser's command line, which
    every user reads in `ps`: the browser is given a page, private to the owner under the
    town's 0700 runtime directory, that moves on to the URL with its token."""
    import html
    import json

    from ..host.runtime import runtime_dir

    runtime_dir(options.town_root)
    url = options.url()
    page = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Gas Town</title>"
            f"<meta http-equiv=\"refresh\" content=\"0;url={html.escape(url)}\">"
            f"<script>location.replace({json.dumps(url)})</script></head>"
            "<body><p>Opening the dashboard.</p></body></html>")
    path = options.opener
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW,
                 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(page)
    webbrowser.open(path.as_uri())


def serve(options: DashboardOptions, say: Callable[[str], None]) -> None:
    """Serve until SIGINT/SIGTERM; each browser tab's app ends with its websocket."""
    # Each tab's app inherits this environment (textual-serve passes os.environ on): the
    # secret stays with the server.
    os.environ.pop(TOKEN_ENV, None)
    DashboardServer(options, say).serve()
