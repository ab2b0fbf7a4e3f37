"""How the app reaches the town's host: it attaches to the running one over the control socket,
starting one in the background when none runs (as `gt up --headless --detach` does, logging to
`.runtime/host.log`), so quitting, closing the terminal or a crash of the app never stops an
agent; or, with `gt app --embedded`, it runs the host in its own process (the town then stops
with the app). Either way the app holds a `host.api.HostAPI`.

Re-attaching starts before the app loads Textual (`attach_early`): a thread connects and fetches
what the first frame shows, and the app takes that connection over (`RemoteHost.adopt`)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any


def attach_early(root: Path, environ: dict[str, str]) -> Any:
    """A `host.early.EarlyAttach` to the town's running host, fetching the screens of the panes
    the app's first page shows in this terminal (`layout.first_page`); the app adopts it."""
    from ..host.early import EarlyAttach

    def first_page(names: list[str]) -> list[str]:
        from ..town import Town
        from .layout import first_page
        from .settings import view_settings

        try:
            config = Town(root).config()
        except Exception:  # noqa: BLE001 - the app says what is wrong with it
            config = {}
        settings, _problems = view_settings(config, environ)
        size = shutil.get_terminal_size()
        return first_page(names, size.columns, size.lines, settings["sidebar_width"])

    return EarlyAttach(root, first_page)


async def attach(root: Path, environ: dict[str, str]) -> Any:
    """A connected `RemoteHost` for the town's host, started in the background if needed."""
    from ..host.headless import start_detached
    from ..host.remote import RemoteHost
    from ..host.runtime import HostError, HostNotRunning, host_running

    for attempt in range(3):
        if host_running(root) is None:
            try:
                await asyncio.to_thread(start_detached, root, environ)
            except HostError as e:
                if "already running" not in str(e):
                    raise  # (another `gt` started one meanwhile: attach to that)
        api = RemoteHost(root)
        try:
            await api.connect()
            return api
        except HostNotRunning:
            # It was stopping as we came: start another.
            await asyncio.sleep(0.2 * (attempt + 1))
    raise HostNotRunning("the town's host does not answer; see .runtime/host.log")


async def embed(root: Path, environ: dict[str, str]) -> Any:
    """The town's host in this process (`gt app --embedded`) behind a `LocalHost`."""
    from ..host.host import Host
    from ..host.local import LocalHost
    from ..host.runtime import HostError, host_running
    from ..town import Town

    running = host_running(root)
    if running is not None:
        raise HostError(f"a host already runs this town ({running.describe()}): `gt app` "
                        "attaches to it; stop it with `gt down` to run one in the app")
    host = Host(Town(root), asyncio.get_running_loop(), mode="app", environ=environ)
    await host.start()
    return LocalHost(host)
